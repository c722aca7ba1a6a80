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
	checkChangesHTML(t, rows)
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

// checkChangesHTML: the HTML page's tables say the same as the Markdown's,
// in words and the strips' colour squares, with no emoji.
func checkChangesHTML(t *testing.T, rows []Row) {
	t.Helper()
	page := Matrix{Rows: rows}.HTML()
	for _, want := range []string{
		`<a href="#changes">what invalidates what</a>`,
		`<h2 id="changes">What invalidates what</h2>`,
		`<table class="area changes fam-claude"><caption>claude</caption>`,
		`<tr><td>tool-choice</td><td><span class="key s-read" aria-hidden="true"></span>kept</td><td class="o-inconclusive"><strong class="differs">measured otherwise than documented:</strong> <span class="key s-read" aria-hidden="true"></span>kept 1 · <span class="key s-written" aria-hidden="true"></span>invalidated 1</td><td>messages</td></tr>`,
		`<tr><td>document-text</td><td><span class="key s-rejected" aria-hidden="true"></span>rejected as predicted</td>`,
		`<td>silent (likeliest: everything)</td>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, emoji := range []string{"✅", "❌", "⚠", "⛔"} {
		if strings.Contains(page, emoji) {
			t.Errorf("the page shows %q", emoji)
		}
	}
	if strings.Contains(Matrix{Rows: []Row{{Family: "claude"}}}.HTML(), `id="changes"`) {
		t.Error("a page with no changes has a changes section")
	}
}
