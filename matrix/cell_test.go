package matrix_test

import (
	"slices"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/cachecascade/cachecascade/matrix"
)

func TestCells(t *testing.T) {
	c := matrix.Default()
	cells := c.Cells()
	if want := len(c.Models) * len(matrix.Strategies); len(cells) != want {
		t.Fatalf("%d cells, want %d", len(cells), want)
	}
	names := map[string]bool{}
	for _, cell := range cells {
		if names[cell.Name()] {
			t.Errorf("two cells are named %q", cell.Name())
		}
		names[cell.Name()] = true
	}
	cell := matrix.Cell{Model: c.Must("nova-lite"), Strategy: matrix.ToolsOnly}
	if cell.Name() != "nova-lite/tools_only" {
		t.Errorf("Name() = %q", cell.Name())
	}
	want := []string{"family:nova", "generation:nova-1", "model:nova-lite", "strategy:tools_only"}
	if got := []string(cell.Labels()); !slices.Equal(got, want) {
		t.Errorf("Labels() = %v, want %v", got, want)
	}
	// The labels must be usable in a Ginkgo label filter.
	filter, err := types.ParseLabelFilter("family:nova && strategy:tools_only")
	if err != nil {
		t.Fatal(err)
	}
	if !filter(cell.Labels()) {
		t.Error("the filter 'family:nova && strategy:tools_only' does not select the nova-lite/tools_only cell")
	}
	if filter(matrix.Cell{Model: c.Must("claude-sonnet-4"), Strategy: matrix.ToolsOnly}.Labels()) {
		t.Error("the filter selects a Claude cell")
	}
}

func TestCellLabelsAreLabelSets(t *testing.T) {
	// Ginkgo reads "key:value" labels as label sets too, so a user can
	// also write 'strategy: containsAny {system_only, tools_only}'.
	filter, err := types.ParseLabelFilter("strategy: containsAny {system_only, tools_only}")
	if err != nil {
		t.Fatal(err)
	}
	c := matrix.Default()
	for _, cell := range c.Cells() {
		want := cell.Strategy == matrix.SystemOnly || cell.Strategy == matrix.ToolsOnly
		if filter(cell.Labels()) != want {
			t.Errorf("%s: selected %v, want %v", cell.Name(), !want, want)
		}
	}
}
