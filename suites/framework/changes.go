package framework

import (
	"slices"

	"github.com/cachecascade/cachecascade/report"
)

// Changed files what a step of the changes area observed (a kind of change
// and the checkpoint layers it kept and invalidated) in the spec's report
// row, for the report's "what invalidates what" table.
func (s *Spec) Changed(c report.Change) {
	s.row.Changes = append(s.row.Changes, c)
}

// changeLayers draws a changes step (one Changed filed, judged by its
// reads alone) as the report's layers: a checkpoint layer kept was read,
// one invalidated was written again, and the tools layer, which has no
// checkpoint of its own there, shares the state of the system checkpoint
// after it; expected is what the documented reading says. A rejected
// request is rejected at every layer.
func changeLayers(c report.Change) []report.LayerResult {
	state := func(l string) (did, want report.CacheState) {
		switch {
		case c.Rejected:
			return report.StateRejected, report.StateRejected
		case slices.Contains(c.Kept, l):
			did = report.StateRead
		case slices.Contains(c.Invalidated, l):
			did = report.StateWritten
		default:
			return report.StateUncached, ""
		}
		want = report.StateRead
		if slices.Contains(c.Expected, l) {
			want = report.StateWritten
		}
		return did, want
	}
	var out []report.LayerResult
	for _, name := range report.LayerNames {
		at := name
		if name == "tools" {
			at = "system"
		}
		did, want := state(at)
		out = append(out, report.LayerResult{Layer: name, Checkpoint: name != "tools" && (did != report.StateUncached || c.Rejected), Did: did, Expected: want})
	}
	return out
}
