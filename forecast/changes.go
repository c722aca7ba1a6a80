package forecast

import (
	"strings"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
)

// changeKinds name a cascade miss's change by the JSON path of its first
// differing byte, first match wins: the request fields beside the blocks,
// then the layers. A message block is named by its content (image,
// document) when either side's excerpt shows it.
var changeKinds = []struct {
	prefixes []string
	kind     string
	layer    prefix.Layer
	extra    bool
}{
	{[]string{"toolConfig.toolChoice", "tool_choice"}, "toolChoice", prefix.Messages, true},
	{[]string{"thinking"}, "thinking", prefix.Messages, true},
	{[]string{"additionalModelRequestFields"}, "additionalModelRequestFields", prefix.Messages, true},
	{[]string{"toolConfig.tools", "tools"}, "tool definition", prefix.Tools, false},
	{[]string{"system"}, "system text", prefix.System, false},
	{[]string{"messages"}, "message text", prefix.Messages, false},
}

// changeKind returns the kind of change a cascade miss comes from and what
// that kind invalidates on model m ("" and "" for a path it cannot name).
// The fields beside the blocks (toolChoice, thinking) invalidate the
// messages cache where they enter there (extrasInMessages: Claude), and
// everything where they key the whole prefix (Nova).
func changeKind(d Miss, m matrix.Model) (kind, invalidates string) {
	for _, k := range changeKinds {
		for _, p := range k.prefixes {
			if d.Path != p && !strings.HasPrefix(d.Path, p+".") && !strings.HasPrefix(d.Path, p+"[") {
				continue
			}
			from := k.layer
			if k.extra && !extrasInMessages(m) {
				from = prefix.Tools
			}
			kind = k.kind
			if from == prefix.Messages && !k.extra {
				kind = messageKind(d)
			}
			return kind, matrix.Invalidates(from)
		}
	}
	return "", ""
}

// messageKind names a change in the messages by the block that differs.
func messageKind(d Miss) string {
	both := d.Path + " " + d.Old + " " + d.New
	switch {
	case strings.Contains(d.Path, ".image") || strings.Contains(both, `"image"`):
		return "image"
	case strings.Contains(d.Path, ".document") || strings.Contains(both, `"document"`):
		return "document"
	}
	return "message text"
}
