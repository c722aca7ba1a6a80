package report

import (
	"fmt"
	"html/template"
	"slices"
	"strings"
)

// Change is what one step of a changes spec observed: a kind of change
// made to a primed request, and which of the request's checkpoint layers
// kept their entries and which lost them.
type Change struct {
	// Kind is the change kind, such as "tool-choice".
	Kind string `json:"kind"`
	// Step is the spec's step that made it.
	Step string `json:"step"`
	// Kept and Invalidated are the checkpoint layers ("system",
	// "messages") whose entries were read, and those that missed.
	Kept        []string `json:"kept,omitempty"`
	Invalidated []string `json:"invalidated,omitempty"`
	// Documented says what the documentation expects ("messages",
	// "everything", "nothing"), and Reading whether it is "documented" or
	// "silent" (measured only).
	Documented string `json:"documented"`
	Reading    string `json:"reading"`
	// Expected are the checkpoint layers the documentation (for a silent
	// reading, the likeliest reading) says the change invalidates.
	Expected []string `json:"expected,omitempty"`
	// Differs is true when what was observed is not what is documented
	// (or, for a silent reading, not the likeliest reading).
	Differs bool `json:"differs,omitempty"`
	// Rejected is true when the service rejected the changed request (as
	// predicted, such as a checkpoint after a non-PDF document).
	Rejected bool `json:"rejected,omitempty"`
}

// changeLayers are the layer columns of the "what invalidates what" table.
var changeLayers = []string{"system", "messages"}

// changeCell is one table cell: the marks seen for a (family, kind, layer).
type changeCell struct{ kept, invalidated, differs, rejected int }

// mark renders a cell: ✅ kept, ❌ invalidated, ⚠ before it when a row
// measured the layer otherwise than documented, ⛔ rejected, and counts
// ("✅ 3 / ❌ 1") when rows disagree.
func (c changeCell) mark() string {
	s := "—"
	switch {
	case c.rejected > 0 && c.kept+c.invalidated == 0:
		return "⛔ rejected"
	case c.kept > 0 && c.invalidated > 0:
		s = fmt.Sprintf("✅ %d / ❌ %d", c.kept, c.invalidated)
	case c.kept > 0:
		s = "✅ kept"
	case c.invalidated > 0:
		s = "❌ invalidated"
	}
	if c.differs > 0 {
		s = "⚠ " + s
	}
	if c.rejected > 0 {
		s += fmt.Sprintf(" · ⛔ %d rejected", c.rejected)
	}
	return s
}

// changeTable is one family's table.
type changeTable struct {
	family string
	kinds  []string
	cells  map[string]map[string]*changeCell
	doc    map[string]string
}

// changeTables gathers the rows' changes into one table per family, in
// the order families and kinds first appear.
func changeTables(rows []Row) []*changeTable {
	var out []*changeTable
	byFamily := map[string]*changeTable{}
	for _, r := range rows {
		for _, c := range r.Changes {
			t := byFamily[r.Family]
			if t == nil {
				t = &changeTable{family: r.Family, cells: map[string]map[string]*changeCell{}, doc: map[string]string{}}
				byFamily[r.Family] = t
				out = append(out, t)
			}
			if _, ok := t.cells[c.Kind]; !ok {
				t.kinds = append(t.kinds, c.Kind)
				t.cells[c.Kind] = map[string]*changeCell{}
				for _, l := range changeLayers {
					t.cells[c.Kind][l] = &changeCell{}
				}
			}
			doc := c.Documented
			if c.Reading != "" && c.Reading != "documented" {
				doc = c.Reading + " (likeliest: " + c.Documented + ")"
			}
			t.doc[c.Kind] = doc
			for _, l := range changeLayers {
				cell := t.cells[c.Kind][l]
				lost := slices.Contains(c.Invalidated, l)
				switch {
				case c.Rejected:
					cell.rejected++
					continue
				case slices.Contains(c.Kept, l):
					cell.kept++
				case lost:
					cell.invalidated++
				default:
					continue
				}
				if lost != slices.Contains(c.Expected, l) {
					cell.differs++
				}
			}
		}
	}
	return out
}

// writeChanges writes the "what invalidates what" section: per family, a
// table of change kind × checkpoint layer over every model and API the
// rows cover. It writes nothing when no row observed a change.
func writeChanges(b *strings.Builder, rows []Row) {
	tables := changeTables(rows)
	if len(tables) == 0 {
		return
	}
	b.WriteString("\n## What invalidates what\n\n")
	b.WriteString("Each change made to a primed request with checkpoints after the system prompt and at the end of the conversation: ✅ kept (read) · ❌ invalidated (written again) · ⚠ measured differently than documented · ⛔ rejected as predicted · counts when models or APIs disagree. A miss at the system checkpoint also means the tools cache (no checkpoint of its own here) is gone.\n")
	for _, t := range tables {
		fmt.Fprintf(b, "\n### %s\n\n| change | system | messages | documented |\n|---|---|---|---|\n", cellText(t.family))
		for _, k := range t.kinds {
			fmt.Fprintf(b, "| %s |", cellText(k))
			for _, l := range changeLayers {
				fmt.Fprintf(b, " %s |", t.cells[k][l].mark())
			}
			fmt.Fprintf(b, " %s |\n", cellText(t.doc[k]))
		}
	}
}

// html renders a cell of the HTML table: the Markdown's marks as a square
// of the strips' colours and words, with no emoji font needed.
func (c changeCell) html() string {
	var parts []string
	square := func(class, word string) string {
		return `<span class="key ` + class + `" aria-hidden="true"></span>` + word
	}
	switch {
	case c.rejected > 0 && c.kept+c.invalidated == 0:
		return square("s-rejected", "rejected as predicted")
	case c.kept > 0 && c.invalidated > 0:
		parts = append(parts, square("s-read", fmt.Sprintf("kept %d", c.kept)), square("s-written", fmt.Sprintf("invalidated %d", c.invalidated)))
	case c.kept > 0:
		parts = append(parts, square("s-read", "kept"))
	case c.invalidated > 0:
		parts = append(parts, square("s-written", "invalidated"))
	default:
		parts = append(parts, "—")
	}
	if c.rejected > 0 {
		parts = append(parts, square("s-rejected", fmt.Sprintf("%d rejected", c.rejected)))
	}
	s := strings.Join(parts, " · ")
	if c.differs > 0 {
		s = `<strong class="differs">measured otherwise than documented:</strong> ` + s
	}
	return s
}

// changesHTML renders the "what invalidates what" tables of the HTML
// report, one per family, or nothing when no row observed a change.
func changesHTML(rows []Row) template.HTML {
	tables := changeTables(rows)
	if len(tables) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(`<section class="area-changes"><h2 id="changes">What invalidates what</h2>` +
		`<p class="legend">Each change made to a primed request with checkpoints after the system prompt and at the end of the conversation, over every model and API of the family: ` +
		`<span class="key s-read"></span>kept (read) <span class="key s-written"></span>invalidated (written again) <span class="key s-rejected"></span>rejected as predicted; counts where models or APIs disagree. A miss at the system checkpoint also means the tools cache (no checkpoint of its own here) is gone.</p>`)
	for _, t := range tables {
		fmt.Fprintf(&b, `<table class="area changes fam-%s"><caption>%s</caption><thead><tr><th>change</th>`, slug(t.family), template.HTMLEscapeString(t.family))
		for _, l := range changeLayers {
			fmt.Fprintf(&b, "<th>%s</th>", l)
		}
		b.WriteString("<th>documented</th></tr></thead><tbody>")
		for _, k := range t.kinds {
			fmt.Fprintf(&b, "<tr><td>%s</td>", template.HTMLEscapeString(k))
			for _, l := range changeLayers {
				c := t.cells[k][l]
				class := ""
				if c.differs > 0 {
					class = ` class="o-inconclusive"`
				}
				fmt.Fprintf(&b, "<td%s>%s</td>", class, c.html())
			}
			fmt.Fprintf(&b, "<td>%s</td></tr>", template.HTMLEscapeString(t.doc[k]))
		}
		b.WriteString("</tbody></table>")
	}
	b.WriteString("</section>")
	return template.HTML(b.String())
}
