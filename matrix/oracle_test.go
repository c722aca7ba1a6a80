package matrix_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
)

func TestCascadeHitsFollowsTheDesignTable(t *testing.T) {
	all := []prefix.Layer{prefix.Tools, prefix.System, prefix.Messages}
	// DESIGN.md rule 1: change tools → all miss; system → tools hit;
	// messages → tools and system hit.
	for changed, want := range map[prefix.Layer][]prefix.Layer{
		prefix.Tools:    nil,
		prefix.System:   {prefix.Tools},
		prefix.Messages: {prefix.Tools, prefix.System},
	} {
		if got := matrix.CascadeHits(all, changed); !cmp.Equal(got, want, cmpopts.EquateEmpty()) {
			t.Errorf("change %s: hits %v, want %v", changed, got, want)
		}
	}
	// A strategy with only a system checkpoint keeps it across a change in
	// messages and loses it to a change in tools.
	if got := matrix.CascadeHits([]prefix.Layer{prefix.System}, prefix.Messages); len(got) != 1 {
		t.Errorf("SYSTEM_ONLY, messages changed: %v", got)
	}
	if got := matrix.CascadeHits([]prefix.Layer{prefix.System}, prefix.Tools); len(got) != 0 {
		t.Errorf("SYSTEM_ONLY, tools changed: %v", got)
	}
}
