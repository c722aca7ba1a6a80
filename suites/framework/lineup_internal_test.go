package framework

import (
	"slices"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/recorder"
)

// TestLineup: gated models run only when the label filter names them;
// every other model, end-of-life ones included, is in the lineup.
func TestLineup(t *testing.T) {
	c := matrix.Default()
	keys := func(ms []matrix.Model) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Key)
		}
		return out
	}
	for _, tc := range []struct {
		filter   string
		gated    []string // the gated models in the lineup
		eolAlive bool
	}{
		{"", nil, true},
		{"area:cascade", nil, true},
		{"lifecycle:gated", []string{"claude-mythos-5", "claude-mythos-5-1", "claude-haiku-5-5"}, true},
		{"model:claude-mythos-5-1 && area:ttl", []string{"claude-mythos-5-1"}, true},
	} {
		got := lineup(c.Models, tc.filter)
		var gated []string
		for _, m := range got {
			if m.Lifecycle == matrix.Gated {
				gated = append(gated, m.Key)
			}
		}
		if !slices.Equal(gated, tc.gated) {
			t.Errorf("filter %q: gated models %v, want %v", tc.filter, gated, tc.gated)
		}
		if !slices.Contains(keys(got), "claude-3-5-haiku") {
			t.Errorf("filter %q: the end-of-life Claude 3.5 Haiku left the lineup; its cassettes keep its history", tc.filter)
		}
		if len(got) != len(c.Models)-3+len(tc.gated) {
			t.Errorf("filter %q: %d models, want every non-gated one (%d) and %d gated", tc.filter, len(got), len(c.Models)-3, len(tc.gated))
		}
	}
}

// TestEndOfLifeLeavesRunsAgainstATarget: replay keeps an end-of-life
// model's history; record and live leave it out, saying why and when.
func TestEndOfLifeLeavesRunsAgainstATarget(t *testing.T) {
	eol := matrix.Default().Must("claude-3-5-haiku")
	for _, mode := range []recorder.Mode{recorder.Replay, recorder.Record, recorder.Live} {
		why, out := (&Run{Mode: mode}).leftOut(eol)
		if out != mode.CallsTarget() {
			t.Errorf("%s run: left out %v, want %v", mode, out, mode.CallsTarget())
		}
		if out && (!strings.Contains(why, "2026-06-19") || !strings.Contains(why, "404")) {
			t.Errorf("%s run: reason %q names neither the date nor the 404", mode, why)
		}
	}
	if _, out := (&Run{Mode: recorder.Live}).leftOut(matrix.Default().Must("claude-sonnet-4-6")); out {
		t.Error("an active model left a live run")
	}
}
