package report_test

import (
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/report"
)

// TestLineupAndImplicitReads: models with a lifecycle get a Models section
// in Matrix.Models order and a bracketed lifecycle in the cascade table
// unless active; implicit reads are summed and named in the summary line
// of both renderings.
func TestLineupAndImplicitReads(t *testing.T) {
	m := report.Matrix{
		Models: []report.ModelInfo{
			{Key: "new", Name: "New Model", Lifecycle: "active", Standing: "active, on Bedrock since 2026-09-01", ID: "global.new"},
			{Key: "old", Name: "Old Model", Lifecycle: "end-of-life", Standing: "end of life since 2026-06-19", ID: "us.old"},
		},
		Rows: []report.Row{
			{Area: "cascade", Model: "new", Strategy: "NONE", Outcome: report.Pass, CacheReadTokens: 900, ImplicitReadTokens: 900, ImplicitReadUSD: 0.00027},
			{Area: "cascade", Model: "old", Strategy: "NONE", Outcome: report.Skipped},
		},
	}
	if s := m.Summary(); s.ImplicitReadTokens != 900 || s.ImplicitReadUSD != 0.00027 {
		t.Errorf("Summary implicit reads %d, $%v; want 900, $0.00027", s.ImplicitReadTokens, s.ImplicitReadUSD)
	}
	md := m.Markdown()
	for _, want := range []string{
		"| New Model |", "| Old Model (end-of-life) |",
		"## Models\n\n| Model | Lifecycle | Invoked as |\n|---|---|---|\n| New Model | active, on Bedrock since 2026-09-01 | global.new |\n| Old Model | end of life since 2026-06-19 | us.old |\n",
		"900 read from cache (900 of them implicitly",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	html := m.HTML()
	for _, want := range []string{"<h2>Models</h2>", "<td>end of life since 2026-06-19</td>", "900 of them implicitly", "Old Model (end-of-life)"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if (report.Matrix{Rows: m.Rows}).Markdown() != "" && strings.Contains((report.Matrix{Rows: m.Rows}).Markdown(), "## Models") {
		t.Error("a matrix whose models carry no lifecycle has no Models section")
	}
}
