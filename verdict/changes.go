package verdict

import (
	"fmt"
	"slices"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
)

// ChangeVerdict is the finding on one changed call and what it showed:
// the checkpoint layers whose entries were read (Kept) and those that
// missed (Invalidated), and whether that is other than the table's
// reading.
type ChangeVerdict struct {
	Finding     Finding
	Kept        []prefix.Layer
	Invalidated []prefix.Layer
	// Differs is true when the observation is not the table's reading
	// (a failure for a documented reading, a note for a silent one).
	Differs bool
}

// JudgeChange judges a call made after a change of kind cr.Kind to a
// primed request, under cr.Rule. The observation needs the checkpoints and
// the prime's write as baseline (see Hits): which checkpoints hit is read
// from the call's cache read alone, never from its size, so that a change
// that adds content (an image, a document) is judged like one that
// replaces it. A documented reading (matrix.Documented) fails when the
// target kept or lost other checkpoints than cr.From says; a silent one
// passes with what was measured, and fails only when the usage fits no
// reading at all (the call failed, or its read cannot be placed).
func JudgeChange(cr matrix.ChangeRule, o Observation) ChangeVerdict {
	r := cr.Rule
	if o.Err != nil {
		return ChangeVerdict{Finding: fail(r, "%s: expected success, got error: %v", cr.Kind, o.Err)}
	}
	if f := JudgeUsage(o.Usage); !f.OK() {
		return ChangeVerdict{Finding: f}
	}
	hits, err := Hits(o)
	if err != nil {
		return ChangeVerdict{Finding: fail(r, "%s: cannot tell which checkpoints were read: %v; observed %v", cr.Kind, err, o.Usage)}
	}
	v := ChangeVerdict{Kept: hits, Invalidated: o.Checkpoints[len(hits):]}
	if len(v.Invalidated) > 0 && o.Usage.Write == 0 {
		v.Finding = fail(r, "%s: %s missed but nothing was written again; observed %v", cr.Kind, layerNames(v.Invalidated), o.Usage)
		return v
	}
	want := matrix.CascadeHits(o.Checkpoints, cr.From)
	v.Differs = !slices.Equal(want, hits)
	measured := fmt.Sprintf("%s: measured %s (%s)", cr.Kind, keptLost(v.Kept, v.Invalidated), Observed(o))
	switch {
	case cr.Reading != matrix.Documented && v.Differs:
		v.Finding = pass(r, fmt.Sprintf("%s; documented: silent, the likeliest reading (invalidates %s) does not hold here; %s", measured, matrix.Invalidates(cr.From), cr.Source))
	case cr.Reading != matrix.Documented:
		v.Finding = pass(r, fmt.Sprintf("%s; documented: silent, matches the likeliest reading (invalidates %s); %s", measured, matrix.Invalidates(cr.From), cr.Source))
	case v.Differs:
		v.Finding = fail(r, "%s: documented to invalidate %s (%s), so expected %s; observed %s; usage %v (%s)",
			cr.Kind, matrix.Invalidates(cr.From), cr.Source, keptLost(want, o.Checkpoints[len(want):]), keptLost(v.Kept, v.Invalidated), o.Usage, Observed(o))
	default:
		v.Finding = pass(r, measured+", as documented")
	}
	return v
}

// keptLost says which layers kept and lost their entries.
func keptLost(kept, lost []prefix.Layer) string {
	return fmt.Sprintf("kept %s, invalidated %s", layerNames(kept), layerNames(lost))
}

// layerNames names layers for messages: "[system messages]", or "none".
func layerNames(ls []prefix.Layer) string {
	if len(ls) == 0 {
		return "none"
	}
	return fmt.Sprint(ls)
}
