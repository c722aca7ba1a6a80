package report

import (
	"strings"
	"testing"
)

func TestWriteChanges(t *testing.T) {
	rows := []Row{
		{Family: "claude", Changes: []Change{
			{Kind: "tool-choice", Kept: []string{"system"}, Invalidated: []string{"messages"}, Expected: []string{"messages"}, Documented: "messages", Reading: "documented"},
			{Kind: "document-text", Rejected: true, Documented: "messages", Reading: "documented"},
		}},
		{Family: "claude", Changes: []Change{
			{Kind: "tool-choice", Kept: []string{"system", "messages"}, Expected: []string{"messages"}, Documented: "messages", Reading: "documented", Differs: true},
		}},
		{Family: "nova", Changes: []Change{
			{Kind: "image-added", Kept: []string{"system"}, Invalidated: []string{"messages"}, Expected: []string{"messages"}, Documented: "messages", Reading: "silent"},
			{Kind: "tool-choice", Kept: []string{"system"}, Invalidated: []string{"messages"}, Expected: []string{"system", "messages"}, Documented: "everything", Reading: "silent", Differs: true},
		}},
		{Family: "nova"},
	}
	var b strings.Builder
	writeChanges(&b, rows)
	got := b.String()
	for _, want := range []string{
		"## What invalidates what",
		"### claude",
		"| tool-choice | ✅ kept | ⚠ ✅ 1 / ❌ 1 | messages |",
		"| document-text | ⛔ rejected | ⛔ rejected | messages |",
		"### nova",
		"| image-added | ✅ kept | ❌ invalidated | silent (likeliest: messages) |",
		"| tool-choice | ⚠ ✅ kept | ❌ invalidated | silent (likeliest: everything) |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	b.Reset()
	writeChanges(&b, []Row{{Family: "claude"}})
	if b.Len() != 0 {
		t.Errorf("rows without changes wrote %q", b.String())
	}
}
