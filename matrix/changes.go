package matrix

import (
	"strings"

	"github.com/cachecascade/cachecascade/prefix"
)

// ChangeKind is one way a request can change between two calls: a
// dimension of the change specs' steps, so that one spec path (send,
// verdict, finding) judges every kind.
type ChangeKind string

// The change kinds, in the order reports show them.
const (
	// ChangeToolSchema changes a field of a tool's input schema.
	ChangeToolSchema ChangeKind = "tool-schema"
	// ChangeToolDescription changes a tool's description.
	ChangeToolDescription ChangeKind = "tool-description"
	// ChangeToolOrder swaps the first two tools.
	ChangeToolOrder ChangeKind = "tool-order"
	// ChangeSystemText changes the text of the system prompt.
	ChangeSystemText ChangeKind = "system-text"
	// ChangeToolChoice changes toolChoice (auto → any → a named tool).
	ChangeToolChoice ChangeKind = "tool-choice"
	// ChangeImageAdded adds an image to the last user turn.
	ChangeImageAdded ChangeKind = "image-added"
	// ChangeImageRemoved removes the image a primed user turn held.
	ChangeImageRemoved ChangeKind = "image-removed"
	// ChangeDocumentPDF adds a PDF document to the last user turn.
	ChangeDocumentPDF ChangeKind = "document-pdf"
	// ChangeDocumentText adds a plain-text document to the last user turn
	// (with the messages checkpoint right after it: a predicted 400 on
	// Claude, RuleDocumentCheckpoint).
	ChangeDocumentText ChangeKind = "document-text"
	// ChangeThinking turns on extended thinking (additionalModelRequestFields
	// or the Anthropic body's thinking field).
	ChangeThinking ChangeKind = "thinking"
	// ChangeInference changes temperature and maxTokens.
	ChangeInference ChangeKind = "inference-params"
	// ChangeMetadata sets requestMetadata (the Anthropic body's metadata).
	ChangeMetadata ChangeKind = "request-metadata"
	// ChangeMessageText changes the text of the conversation.
	ChangeMessageText ChangeKind = "message-text"
)

// ChangeKinds lists every change kind in report order.
var ChangeKinds = []ChangeKind{ChangeToolSchema, ChangeToolDescription, ChangeToolOrder, ChangeSystemText,
	ChangeToolChoice, ChangeImageAdded, ChangeImageRemoved, ChangeDocumentPDF, ChangeDocumentText,
	ChangeThinking, ChangeInference, ChangeMetadata, ChangeMessageText}

// The rules of what a change of each kind invalidates (see ChangeRules).
const (
	// RuleChangeToolDefinition: a change to a tool definition (schema,
	// description, order) invalidates the whole cache.
	RuleChangeToolDefinition Rule = "change-tool-definition"
	// RuleChangeToolChoice: on Claude a toolChoice change invalidates only
	// the messages cache.
	RuleChangeToolChoice Rule = "change-tool-choice"
	// RuleChangeImage: adding or removing an image invalidates only the
	// messages cache.
	RuleChangeImage Rule = "change-image"
	// RuleChangeDocument: a document added to a user turn invalidates only
	// the messages cache.
	RuleChangeDocument Rule = "change-document"
	// RuleChangeThinking: a change of the thinking parameters invalidates
	// only the messages cache.
	RuleChangeThinking Rule = "change-thinking"
	// RuleChangeNotPrompt: inference parameters (temperature, maxTokens)
	// and requestMetadata are not part of the prompt and invalidate
	// nothing.
	RuleChangeNotPrompt Rule = "change-not-prompt"
)

// Reading says how a documented rule reads for one change kind on one
// family: whether the sources state it, and from which layer on the change
// invalidates.
type Reading string

// The readings.
const (
	// Documented: the sources state the rule; a target that does otherwise
	// fails it.
	Documented Reading = "documented"
	// Silent: no source states it (or sources disagree); the specs measure
	// and report what the target does, failing only on what fits no
	// reading.
	Silent Reading = "silent"
)

// NoLayer is the "from" layer of a change that invalidates nothing: it
// comes after every layer.
const NoLayer = prefix.Messages + 1

// ChangeRule is one row of the expectations table: what a change kind
// invalidates on a family, and where that is written.
type ChangeRule struct {
	Kind   ChangeKind
	Family Family
	// Rule is the rule a check of the change is judged under.
	Rule Rule
	// Reading is Documented or Silent.
	Reading Reading
	// From is the first layer the change invalidates (every later layer
	// with it); NoLayer for a change that invalidates nothing. For a
	// Silent reading it is the likeliest reading, shown beside the
	// measurement, never failed on.
	From prefix.Layer
	// Source quotes where the reading comes from.
	Source string
}

// The sources the table quotes (shared/FACTS.md, "Invalidation" and "Real
// 400s seen in the field").
const (
	srcLayers    = `FACTS.md: "Tools → system → messages; a change invalidates its layer and all later ones (AWS docs since mid-2026 say so in these words)"`
	srcAnthropic = "FACTS.md: \"Anthropic's table adds: `tool_choice`, images and thinking parameters affect only the messages cache\""
	srcSonnet    = "FACTS.md: \"Sonnet 4.5 kept its reads across `toolChoice` changes when checkpoints were only in tools and system; Nova Lite did not.\""
	srcNotPrompt = `FACTS.md: "the prefix must match exactly" — the prefix is tools, system and messages; inference parameters and requestMetadata are not in it (no source says they invalidate)`
	srcNovaMedia = "no source states what an image does to Nova's cache; by position it is messages content"
	srcDocument  = "FACTS.md: \"A cachePoint right after a non-PDF `document`: `The model returned the following errors: messages.0.content.3.type: Field required`\"; otherwise the layer rule"
	srcThinking  = "Anthropic's table (FACTS.md) says thinking parameters affect only the messages cache; Bedrock's documentation is silent"
)

// ChangeRules is the expectations table: change kind × family. It is data
// from the documentation, never from a recording.
var ChangeRules = func() []ChangeRule {
	var out []ChangeRule
	add := func(k ChangeKind, f Family, r Rule, rd Reading, from prefix.Layer, src string) {
		out = append(out, ChangeRule{Kind: k, Family: f, Rule: r, Reading: rd, From: from, Source: src})
	}
	for _, f := range []Family{Claude, Nova} {
		for _, k := range []ChangeKind{ChangeToolSchema, ChangeToolDescription, ChangeToolOrder} {
			add(k, f, RuleChangeToolDefinition, Documented, prefix.Tools, srcLayers)
		}
		add(ChangeSystemText, f, RuleCascade, Documented, prefix.System, srcLayers)
		add(ChangeMessageText, f, RuleCascade, Documented, prefix.Messages, srcLayers)
		add(ChangeInference, f, RuleChangeNotPrompt, Documented, NoLayer, srcNotPrompt)
		add(ChangeMetadata, f, RuleChangeNotPrompt, Documented, NoLayer, srcNotPrompt)
		add(ChangeDocumentPDF, f, RuleChangeDocument, Documented, prefix.Messages, srcDocument)
		add(ChangeDocumentText, f, RuleChangeDocument, Documented, prefix.Messages, srcDocument)
	}
	add(ChangeToolChoice, Claude, RuleChangeToolChoice, Documented, prefix.Messages, srcAnthropic+"; "+srcSonnet)
	add(ChangeToolChoice, Nova, RuleChangeToolChoice, Silent, prefix.Tools, srcSonnet+" (one observation, undocumented)")
	add(ChangeImageAdded, Claude, RuleChangeImage, Documented, prefix.Messages, srcAnthropic)
	add(ChangeImageRemoved, Claude, RuleChangeImage, Documented, prefix.Messages, srcAnthropic)
	add(ChangeImageAdded, Nova, RuleChangeImage, Silent, prefix.Messages, srcNovaMedia)
	add(ChangeImageRemoved, Nova, RuleChangeImage, Silent, prefix.Messages, srcNovaMedia)
	add(ChangeThinking, Claude, RuleChangeThinking, Silent, prefix.Messages, srcThinking)
	return out
}()

// ChangeRuleFor returns the table's row for a change kind on a family, and
// false when the family has no such change (thinking on Nova here).
func ChangeRuleFor(k ChangeKind, f Family) (ChangeRule, bool) {
	for _, r := range ChangeRules {
		if r.Kind == k && r.Family == f {
			return r, true
		}
	}
	return ChangeRule{}, false
}

// Thinks reports whether the model takes extended thinking parameters:
// Claude 3.7 Sonnet and every later Claude model (not Claude 3.5).
func (m Model) Thinks() bool {
	return m.Family == Claude && !strings.HasPrefix(m.Key, "claude-3-5")
}

// Invalidates names what a "from" layer invalidates, for messages and
// reports: "nothing", "messages", "system and messages", "everything".
func Invalidates(from prefix.Layer) string {
	switch from {
	case prefix.Tools:
		return "everything"
	case prefix.System:
		return "system and messages"
	case prefix.Messages:
		return "messages"
	}
	return "nothing"
}
