package matrix_test

import (
	"testing"

	"github.com/cachecascade/cachecascade/matrix"
)

func TestCells(t *testing.T) {
	c := matrix.Default()
	cells := c.Cells(matrix.APIs...)
	if want := len(c.Models) * len(matrix.Strategies) * len(matrix.APIs); len(cells) != want {
		t.Fatalf("%d cells, want %d (every catalog model supports every API)", len(cells), want)
	}
	names := map[string]bool{}
	for _, cell := range cells {
		if names[cell.Name()] {
			t.Errorf("two cells are named %q", cell.Name())
		}
		names[cell.Name()] = true
	}
	for _, tc := range []struct {
		cell matrix.Cell
		want string
	}{
		{matrix.Cell{Model: c.Must("nova-lite"), Strategy: matrix.ToolsOnly}, "nova-lite/tools_only"},
		{matrix.Cell{Model: c.Must("nova-lite"), Strategy: matrix.ToolsOnly, API: matrix.Converse}, "nova-lite/tools_only"},
		{matrix.Cell{Model: c.Must("nova-lite"), Strategy: matrix.ToolsOnly, API: matrix.Invoke}, "nova-lite/tools_only via invoke"},
		{matrix.Cell{Model: c.Must("nova-lite"), API: matrix.InvokeStream}, "nova-lite via invoke-stream"},
	} {
		if got := tc.cell.Name(); got != tc.want {
			t.Errorf("Name() = %q, want %q", got, tc.want)
		}
	}
	if got := len(c.Cells(matrix.Converse)); got != len(c.Models)*len(matrix.Strategies) {
		t.Errorf("Cells(Converse) has %d cells", got)
	}
}

func TestAPIs(t *testing.T) {
	for _, a := range matrix.APIs {
		got, err := matrix.ParseAPI(string(a))
		if err != nil || got != a {
			t.Errorf("ParseAPI(%q) = %q, %v", a, got, err)
		}
		if u := a.Unary(); u.Streams() || u.InvokesModel() != a.InvokesModel() {
			t.Errorf("%s: Unary() = %s", a, u)
		}
	}
	if _, err := matrix.ParseAPI("converse_stream"); err == nil {
		t.Error("ParseAPI accepted an unknown name")
	}
	if matrix.ConverseStream.Operation() != "ConverseStream" || matrix.InvokeStream.Operation() != "InvokeModelWithResponseStream" {
		t.Error("Operation() does not give the service's operation names")
	}
}

// TestRulesListed keeps matrix.Rules complete: every Rule constant of the
// package has exactly one entry, with a summary.
func TestRulesListed(t *testing.T) {
	seen := map[matrix.Rule]bool{}
	for _, info := range matrix.Rules {
		if seen[info.Rule] {
			t.Errorf("rule %s is listed twice", info.Rule)
		}
		seen[info.Rule] = true
		if info.Summary == "" {
			t.Errorf("rule %s has no summary", info.Rule)
		}
	}
	for _, r := range ruleConstants(t) {
		if !seen[r] {
			t.Errorf("rule constant %q is missing from matrix.Rules: add it with a one-sentence summary", r)
		}
		if _, ok := r.Info(); !ok {
			t.Errorf("Info(%q) not found", r)
		}
	}
}
