package wire

import (
	"fmt"
	"strings"

	"github.com/cachecascade/cachecascade/prefix"
)

// Kind says how a field differs between two bodies.
type Kind int

const (
	// Value means the decoded values differ (as package jsondiff sees
	// them), including an element or member only one side has.
	Value Kind = iota
	// KeyOrder means the object at the path has the same decoded content
	// but its keys are written in another order.
	KeyOrder
	// Encoding means the string at the path decodes to the same text but
	// is escaped differently (such as DEL written raw or as \u007f), or,
	// at path (document), that only white space differs.
	Encoding
)

// String returns "value", "key order" or "encoding".
func (k Kind) String() string {
	switch k {
	case Value:
		return "value"
	case KeyOrder:
		return "key order"
	case Encoding:
		return "encoding"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Field is one JSON path of a Converse request body, classified for prompt
// caching, and, in results, how it differs.
type Field struct {
	// Path is the JSON path as package jsondiff writes it, such as
	// toolConfig.tools[0].toolSpec.description or messages[+3]; the whole
	// body is (document).
	Path string
	// Kind is how the field differs; Classify returns Value.
	Kind Kind
	// PromptBearing reports that the bytes at Path are part of the prompt
	// prefix the cache keys on: anything under toolConfig.tools (and
	// toolConfig itself, whose presence adds or removes the tools layer),
	// system, or messages (content and role alike).
	PromptBearing bool
	// CacheAffecting reports that this difference can change which cache
	// entries the request reads or writes. For a Value difference that is
	// every prompt-bearing field plus the request parameters the service
	// documents as invalidating (see Classify). For a KeyOrder or Encoding
	// difference it is set only where order can reach the prompt: a
	// reordered prompt-bearing object is cache-affecting; a reordered
	// requestMetadata map, or an escape difference anywhere, is not.
	CacheAffecting bool
	// Layer is the first layer of the prefix ("tools", "system" or
	// "messages") whose cache entries the difference invalidates; later
	// layers go with it. It is empty when the difference is not
	// cache-affecting.
	Layer string
	// Old and New briefly show the two sides of a Value difference, as
	// jsondiff renders them; empty for other kinds and from Classify.
	Old, New string
}

// String renders the field on one line, for example
// `system[0].text: value differs (cache-affecting from system)`.
func (f Field) String() string {
	s := fmt.Sprintf("%s: %s differs", f.Path, f.Kind)
	if f.CacheAffecting {
		s += " (cache-affecting from " + f.Layer + ")"
	} else {
		s += " (not cache-affecting)"
	}
	if f.Kind == Value && (f.Old != "" || f.New != "") {
		s += fmt.Sprintf(": %s → %s", f.Old, f.New)
	}
	return s
}

// Root is the path jsondiff gives the whole document.
const Root = "(document)"

var (
	layerTools    = prefix.Tools.String()
	layerSystem   = prefix.System.String()
	layerMessages = prefix.Messages.String()
)

// Classify returns the classification of a value change at a JSON path of a
// Converse or ConverseStream request body (Kind Value). The rules, by
// top-level member:
//
//   - toolConfig.tools, and toolConfig itself: prompt-bearing, layer tools.
//   - system: prompt-bearing, layer system.
//   - messages (content, role, cache points, any element): prompt-bearing,
//     layer messages.
//   - toolConfig.toolChoice: not prompt-bearing but cache-affecting, layer
//     messages. Anthropic documents that tool_choice invalidates only the
//     messages cache; note that Nova Lite was seen to lose reads at tools
//     and system checkpoints too (FACTS.md, "Invalidation").
//   - additionalModelRequestFields: not prompt-bearing but cache-affecting,
//     layer messages, because thinking parameters travel there and
//     Anthropic documents that they invalidate the messages cache. Other
//     fields there (top_k, say) do not, but this package cannot tell them
//     apart across models, so it errs on the side of reporting.
//   - promptVariables: not prompt-bearing as bytes (the service substitutes
//     the values into a stored template, so their key order cannot matter)
//     but a value change changes the prompt, at a place the template
//     decides: cache-affecting, layer tools (the whole prefix).
//   - outputConfig: cache-affecting, layer tools. Not in FACTS.md: the
//     output schema is turned into instructions by the service, so this
//     package assumes a change can invalidate the whole prefix.
//   - inferenceConfig, requestMetadata, additionalModelResponseFieldPaths,
//     guardrailConfig, performanceConfig, serviceTier: not cache-affecting.
//     Sampling parameters and metadata are outside the prefix.
//   - the whole document: cache-affecting, layer tools.
//   - any other member (one a newer SDK adds, say): cache-affecting, layer
//     tools, so that an unknown change is looked at rather than waved
//     through.
//
// Key order and encoding differences are classified from this by the
// comparison functions: see Field.CacheAffecting.
func Classify(path string) Field {
	f := Field{Path: path}
	top, rest := splitTop(path)
	switch top {
	case "toolConfig":
		if next, _ := splitTop(rest); next == "toolChoice" {
			f.CacheAffecting, f.Layer = true, layerMessages
		} else {
			f.PromptBearing, f.CacheAffecting, f.Layer = true, true, layerTools
		}
	case "system":
		f.PromptBearing, f.CacheAffecting, f.Layer = true, true, layerSystem
	case "messages":
		f.PromptBearing, f.CacheAffecting, f.Layer = true, true, layerMessages
	case "additionalModelRequestFields":
		f.CacheAffecting, f.Layer = true, layerMessages
	case "promptVariables", "outputConfig":
		f.CacheAffecting, f.Layer = true, layerTools
	case "inferenceConfig", "requestMetadata", "additionalModelResponseFieldPaths",
		"guardrailConfig", "performanceConfig", "serviceTier":
	default: // the whole document, or a member this package does not know
		f.CacheAffecting, f.Layer = true, layerTools
	}
	return f
}

// classifyAs returns Classify(path) for a difference of kind k: only a
// prompt-bearing object's key order is cache-affecting, and no encoding
// difference is.
func classifyAs(path string, k Kind) Field {
	f := Classify(path)
	f.Kind = k
	switch k {
	case KeyOrder:
		f.CacheAffecting = f.PromptBearing
	case Encoding:
		f.CacheAffecting = false
	}
	if !f.CacheAffecting {
		f.Layer = ""
	}
	return f
}

// splitTop splits a jsondiff path into its first member name and the rest,
// dropping any index that follows the name: "messages[+3].content" gives
// "messages" and "content"; "(document)" gives "" and "".
func splitTop(path string) (top, rest string) {
	if path == Root {
		return "", ""
	}
	i := strings.IndexAny(path, ".[")
	if i < 0 {
		return path, ""
	}
	top, rest = path[:i], path[i:]
	for strings.HasPrefix(rest, "[") {
		j := strings.IndexByte(rest, ']')
		if j < 0 {
			return top, ""
		}
		rest = rest[j+1:]
	}
	return top, strings.TrimPrefix(rest, ".")
}
