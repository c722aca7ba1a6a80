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
	// Checkpoint is the offending checkpoint.
	Checkpoint Checkpoint
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
	return fmt.Sprintf("%s at %s: %d %s: %s", r.Rule, r.Checkpoint.Path(), r.Status, r.ErrorCode, r.Message)
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
)

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
//     tools) gets the unsupported-model message.
func Validate(m Model, in *bedrockruntime.ConverseInput) []Rejection {
	return ValidateCheckpoints(m, Checkpoints(in))
}

// ValidateCheckpoints is Validate on checkpoints already listed in the order
// the service reads them (tools, system, messages), for request bodies that
// are not a ConverseInput, such as InvokeModel's (see package invoke).
func ValidateCheckpoints(m Model, cps []Checkpoint) []Rejection {
	var out []Rejection
	reject := func(rule Rule, cp Checkpoint, msg string) {
		out = append(out, Rejection{Rule: rule, Checkpoint: cp, Status: 400, ErrorCode: "ValidationException", Message: msg})
	}
	for _, cp := range cps {
		if cp.Layer == prefix.Tools && m.Family == Nova {
			reject(RuleNovaToolCheckpoint, cp, fmt.Sprintf(msgNovaToolCheckpoint, cp.Index))
		} else if !m.Caches(cp.Layer) {
			reject(RuleLayerNotCacheable, cp, msgUnsupported)
		}
	}
	for _, cp := range cps {
		switch {
		case cp.TTL == TTLDefault:
		case cp.TTL != TTLFiveMinute && cp.TTL != TTLOneHour:
			reject(RuleUnknownTTL, cp, "")
		case m.Family == Claude && !m.SupportsTTL(TTLOneHour):
			reject(RuleTTLNotSupported, cp, msgExtraInputs)
		case m.Family != Claude && cp.TTL == TTLOneHour:
			reject(RuleExtendedTTLNotAnthropic, cp, msgExtendedTTL)
		}
	}
	if len(cps) > m.MaxCheckpoints {
		// FACTS.md quotes this message from Claude; for other families
		// only the status and error code are predicted.
		msg := ""
		if m.Family == Claude {
			msg = fmt.Sprintf(msgTooMany, m.MaxCheckpoints, len(cps))
		}
		reject(RuleTooManyCheckpoints, cps[m.MaxCheckpoints], msg)
	}
	for _, cp := range cps {
		switch {
		case cp.Preceding == 0:
			reject(RuleNothingToCache, cp, msgNothingToCache)
		case cp.AfterReasoning:
			reject(RuleAfterReasoning, cp, msgAfterReasoning)
		}
	}
	shortSeen := false
	for _, cp := range cps {
		if cp.TTL.rank() == 0 {
			shortSeen = true
			continue
		}
		if shortSeen && m.SupportsTTL(TTLOneHour) {
			reject(RuleTTLOrder, cp, fmt.Sprintf(msgTTLOrder, anthropicPath(cp)))
		}
	}
	return out
}

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
