package matrix

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/cachecascade/cachecascade/prefix"
)

// Rejection is a predicted service rejection: the rule, where in the
// request it is broken, and the error the service answers with.
type Rejection struct {
	// Rule is the broken rule.
	Rule Rule
	// Checkpoint is the offending checkpoint; zero when the rejection is
	// about a field of the body rather than a checkpoint (see Field).
	Checkpoint Checkpoint
	// Field is the top-level body field the rejection is about when it is
	// not a checkpoint, such as "anthropic_version"; empty otherwise.
	Field string
	// Status is the HTTP status the service answers with.
	Status int
	// ErrorCode is the x-amzn-ErrorType code, such as
	// "ValidationException".
	ErrorCode string
	// Message is the service's message, as FACTS.md quotes it; empty
	// when the message is not documented and only the status is predicted.
	Message string
}

// Error describes the rejection with the service's own message.
func (r Rejection) Error() string {
	return fmt.Sprintf("%s at %s: %d %s: %s", r.Rule, r.Where(), r.Status, r.ErrorCode, r.Message)
}

// Where names what the service rejects: the body field, or the offending
// checkpoint's path.
func (r Rejection) Where() string {
	if r.Field != "" {
		return r.Field
	}
	return r.Checkpoint.Path()
}

// The service's messages, verbatim from shared/FACTS.md. Those with a verb
// take the values the service fills in.
const (
	msgNovaToolCheckpoint = "The model returned the following errors: Malformed input request: #/toolConfig/tools/%d: extraneous key [cachePoint] is not permitted, please reformat your input and try again."
	msgTooMany            = "A maximum of %d blocks with cache_control may be provided. Found %d."
	msgNothingToCache     = "There is nothing available to cache. Please remove the invalid cache point and try again."
	msgAfterReasoning     = "Cache point cannot be inserted after reasoning block. Please remove the invalid cache point and try again."
	msgTTLOrder           = "The model returned the following errors: %s.cache_control.ttl: a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block. Note that blocks are processed in the following order: `tools`, `system`, `messages`."
	msgExtendedTTL        = "Extended TTL prompt caching is only supported for Anthropic models"
	msgExtraInputs        = "Extra inputs are not permitted"
	msgUnsupported        = "You invoked an unsupported model or your request did not allow prompt caching. See the documentation for more information."
	// msgDocumentCheckpoint is FACTS.md's "Real 400s seen in the field"
	// text for a checkpoint right after a non-PDF document; see
	// documentPath for the indexes it names.
	msgDocumentCheckpoint = "The model returned the following errors: messages.%d.content.%d.type: Field required"
)

// The anthropic_version values of an Anthropic Messages body that FACTS.md
// documents for Bedrock.
const (
	// AnthropicVersionBedrock is the version Bedrock documents; every
	// Claude model takes it.
	AnthropicVersionBedrock = "bedrock-2023-05-31"
	// AnthropicVersionSDK is what current Anthropic SDKs send by default:
	// current models take it, the legacy integration (Claude Opus 4.6 and
	// earlier) "may return a 400 error", which Validate predicts.
	AnthropicVersionSDK = "2026-10-21"
)

// Envelope is what a request body carries beside its checkpoints that the
// service validates with them. The zero value is a Converse request or a
// Nova body, which carry nothing more.
type Envelope struct {
	// AnthropicVersion is the anthropic_version of an Anthropic Messages
	// body; empty for any other body.
	AnthropicVersion string
}

// Validate predicts every rejection the service would give the request's
// checkpoints on model m, in the order they are checked. The first is the
// one the service is expected to report. An empty result predicts that the
// request is accepted.
//
// The predictions follow the documented rules; the suites compare them with
// what the target answers, so a wrong prediction is found too. Where the
// documentation leaves a choice open the reading is stated here:
//   - "nothing before it" is judged per block list (a checkpoint first in
//     the tools list, the system list or a message's content);
//   - a TTL on a Claude model without one-hour caching is rejected whatever
//     its value, as FACTS.md reports "ttl set";
//   - a checkpoint in a layer the model does not cache (other than Nova's
//     tools) gets the unsupported-model message;
//   - a reasoning block breaks a checkpoint right after it or anywhere in
//     an earlier message (an earlier assistant turn, FACTS.md's field
//     report); one earlier in the checkpoint's own message but not right
//     before it does not, as nothing reports that;
//   - a checkpoint right after a document that is not a PDF is Claude's
//     rejection (its message is Anthropic's validation); on Nova it is not
//     predicted, and the index it names is documentIndex's assumption.
func Validate(m Model, in *bedrockruntime.ConverseInput) []Rejection {
	return ValidateCheckpoints(m, Checkpoints(in))
}

// ValidateCheckpoints is Validate on checkpoints already listed in the order
// the service reads them (tools, system, messages), for request bodies that
// are not a ConverseInput and carry nothing else the service validates
// (ValidateRequest takes the rest).
func ValidateCheckpoints(m Model, cps []Checkpoint) []Rejection {
	return ValidateRequest(m, Envelope{}, cps)
}

// ValidateRequest is Validate on a body's envelope and its checkpoints,
// listed in the order the service reads them, for request bodies that are
// not a ConverseInput, such as InvokeModel's (see package invoke). The
// body's own fields are checked first, as the service's schema check runs
// before the model's. Beyond Validate's readings:
//   - automatic caching (a Checkpoint with Automatic set) is rejected on a
//     model without Model.AutomaticCaching (the legacy integration), and
//     otherwise counts toward the checkpoint limit like any checkpoint;
//   - an anthropic_version other than AnthropicVersionBedrock is rejected,
//     except AnthropicVersionSDK on a model with automatic caching (the
//     catalog's mark of the current integration);
//   - the messages of these two are not documented: only the status and
//     error code are predicted.
func ValidateRequest(m Model, env Envelope, cps []Checkpoint) []Rejection {
	var rs rejections
	rs.envelope(m, env, cps)
	rs.layers(m, cps)
	rs.ttls(m, cps)
	if len(cps) > m.MaxCheckpoints {
		// FACTS.md quotes this message from Claude; for other families
		// only the status and error code are predicted.
		msg := ""
		if m.Family == Claude {
			msg = fmt.Sprintf(msgTooMany, m.MaxCheckpoints, len(cps))
		}
		rs.add(RuleTooManyCheckpoints, cps[m.MaxCheckpoints], msg)
	}
	rs.placement(m, cps)
	rs.ttlOrder(m, cps)
	return rs
}

// rejections collects the predicted rejections in the order they are
// checked.
type rejections []Rejection

// add predicts a 400 ValidationException under rule at cp with msg.
func (rs *rejections) add(rule Rule, cp Checkpoint, msg string) {
	*rs = append(*rs, Rejection{Rule: rule, Checkpoint: cp, Status: 400, ErrorCode: "ValidationException", Message: msg})
}

// envelope predicts the rejections of the body's own fields: a top-level
// cache_control on the legacy integration (an extra key, checked first),
// then its anthropic_version.
func (rs *rejections) envelope(m Model, env Envelope, cps []Checkpoint) {
	for _, cp := range cps {
		if cp.Automatic && !m.AutomaticCaching {
			rs.add(RuleAutomaticCaching, cp, "")
		}
	}
	if v := env.AnthropicVersion; v != "" && v != AnthropicVersionBedrock && !(v == AnthropicVersionSDK && m.AutomaticCaching) {
		*rs = append(*rs, Rejection{Rule: RuleAnthropicVersion, Field: "anthropic_version", Status: 400, ErrorCode: "ValidationException"})
	}
}

// layers predicts the rejections of checkpoints in layers the model does
// not cache.
func (rs *rejections) layers(m Model, cps []Checkpoint) {
	for _, cp := range cps {
		if cp.Layer == prefix.Tools && m.Family == Nova {
			rs.add(RuleNovaToolCheckpoint, cp, fmt.Sprintf(msgNovaToolCheckpoint, cp.Index))
		} else if !m.Caches(cp.Layer) {
			rs.add(RuleLayerNotCacheable, cp, msgUnsupported)
		}
	}
}

// ttls predicts the rejections of TTLs the model does not take.
func (rs *rejections) ttls(m Model, cps []Checkpoint) {
	for _, cp := range cps {
		switch {
		case cp.TTL == TTLDefault:
		case cp.TTL != TTLFiveMinute && cp.TTL != TTLOneHour:
			rs.add(RuleUnknownTTL, cp, "")
		case m.Family == Claude && !m.SupportsTTL(TTLOneHour):
			rs.add(RuleTTLNotSupported, cp, msgExtraInputs)
		case m.Family != Claude && cp.TTL == TTLOneHour:
			rs.add(RuleExtendedTTLNotAnthropic, cp, msgExtendedTTL)
		case m.RejectsExplicitTTL:
			rs.add(RuleExplicitTTL, cp, "")
		}
	}
}

// placement predicts the rejections of where a checkpoint sits: with
// nothing before it, after a reasoning block (right before it, or in an
// earlier turn), or right after a non-PDF document on Claude.
func (rs *rejections) placement(m Model, cps []Checkpoint) {
	for _, cp := range cps {
		switch {
		case cp.Preceding == 0:
			rs.add(RuleNothingToCache, cp, msgNothingToCache)
		case cp.AfterReasoning:
			rs.add(RuleAfterReasoning, cp, msgAfterReasoning)
		case cp.ReasoningEarlier:
			rs.add(RuleReasoningEarlierTurn, cp, msgAfterReasoning)
		case m.Family == Claude && cp.AfterDocument != "" && cp.AfterDocument != "pdf":
			rs.add(RuleDocumentCheckpoint, cp, fmt.Sprintf(msgDocumentCheckpoint, cp.Message, documentIndex(cp)))
		}
	}
}

// ttlOrder predicts the rejections of one-hour checkpoints after
// five-minute ones, on models that take both.
func (rs *rejections) ttlOrder(m Model, cps []Checkpoint) {
	shortSeen := false
	for _, cp := range cps {
		if cp.TTL.rank() == 0 {
			shortSeen = true
			continue
		}
		if shortSeen && m.SupportsTTL(TTLOneHour) {
			rs.add(RuleTTLOrder, cp, fmt.Sprintf(msgTTLOrder, anthropicPath(cp)))
		}
	}
}

// documentIndex is the content index the service names for a checkpoint
// right after a non-PDF document. FACTS.md gives one field report
// ("messages.0.content.3.type") and no request, so this is an assumption:
// the checkpoint is left as an element of its own (it cannot be merged
// into the converted document, hence the missing type), at the position it
// takes in the message's content counted without earlier checkpoints,
// which the service merges into the blocks they close, as anthropicPath
// counts: Preceding. In a Converse message with no other checkpoint that
// is the cachePoint's own index; in an Anthropic body, where cache_control
// sits on the document itself, it is the document's index + 1, so the
// same logical request is named alike through both APIs.
func documentIndex(cp Checkpoint) int { return cp.Preceding }

// anthropicPath returns the path the service's Anthropic back end names in
// its messages: the block that carries cache_control is the one before the
// checkpoint, counted without checkpoints.
func anthropicPath(cp Checkpoint) string {
	switch cp.Layer {
	case prefix.Tools:
		return fmt.Sprintf("tools.%d", cp.Preceding-1)
	case prefix.System:
		return fmt.Sprintf("system.%d", cp.Preceding-1)
	}
	return fmt.Sprintf("messages.%d.content.%d", cp.Message, cp.Preceding-1)
}
