package framework

import (
	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/report"
	"github.com/cachecascade/cachecascade/verdict"
)

// judgedCall is a call Judge checked, kept until Conclude files its step.
type judgedCall struct {
	call Call
	e    verdict.Expectation
	o    verdict.Observation
}

// fileStep adds the step a finding concludes to the report row: with the
// call Judge checked when it is this step's, else with the finding alone.
// A finding of no step (a spec ended as not applicable) files none.
func (s *Spec) fileStep(step string, f verdict.Finding) {
	j := s.judged
	s.judged = nil
	if j != nil && j.call.Step != step {
		j = nil
	}
	if j == nil && step == "" {
		return
	}
	st := stepOf(step, j, f)
	if n := len(s.row.Changes); j == nil && n > 0 && s.row.Changes[n-1].Step == step {
		st.Layers = changeLayers(s.row.Changes[n-1])
	}
	s.row.Steps = append(s.row.Steps, st)
}

// stepOf is the report step of a finding and, when known, the call it
// judged.
func stepOf(name string, j *judgedCall, f verdict.Finding) report.Step {
	st := report.Step{Name: name, Outcome: report.Outcome(f.Outcome), Rule: string(f.Rule), Finding: f.Reason}
	if j == nil {
		return st
	}
	u := j.o.Usage
	st.InputTokens, st.OutputTokens, st.CacheReadTokens, st.CacheWriteTokens = u.Input, u.Output, u.Read, u.Write
	did := layerStates(j.o.Checkpoints, observedStates(j.o, f.ImplicitRead), report.StateUncached)
	want := layerStates(j.o.Checkpoints, expectedStates(j.e, j.o.Checkpoints), report.StateUncached)
	if j.e.Reject != nil {
		want = fill(report.StateRejected)
	}
	if j.o.Err != nil {
		did = fill(report.StateRejected)
	}
	for i, l := range prefix.Layers {
		st.Layers = append(st.Layers, report.LayerResult{Layer: l.String(), Checkpoint: hasCheckpoint(j.o.Checkpoints, l), Did: did[i], Expected: want[i]})
	}
	return st
}

// observedStates reads from an observation what the service did with the
// entry of each checkpoint, in the order of o.Checkpoints: entries read
// (the leading ones verdict.Hits finds in the read, implicit reads not
// counted), then entries written when the call wrote, else not cached. A
// call with no baseline (a prime) wrote all of them when it wrote, else
// read all of them when it read. A read Hits cannot place (a partial read
// over three checkpoints) is shown as the first entry read and the rest
// written.
func observedStates(o verdict.Observation, implicit int) []report.CacheState {
	u := o.Usage
	rest := report.StateUncached
	if u.Write > 0 {
		rest = report.StateWritten
	}
	out := make([]report.CacheState, len(o.Checkpoints))
	for i := range out {
		out[i] = rest
	}
	read := u.Read - implicit
	switch {
	case o.Baseline <= 0:
		if u.Write == 0 && read > 0 {
			for i := range out {
				out[i] = report.StateRead
			}
		}
		return out
	case read <= 0:
		return out
	}
	explicit := o
	explicit.Usage.Read = read
	hits, err := verdict.Hits(explicit)
	switch {
	case err == nil:
	case read >= o.Baseline:
		hits = o.Checkpoints
	default:
		hits = o.Checkpoints[:1]
	}
	for i := range hits {
		out[i] = report.StateRead
	}
	return out
}

// expectedStates is what the oracle expects of each checkpoint's entry: a
// prime writes all of them; a later call reads the expectation's hits and
// writes the rest.
func expectedStates(e verdict.Expectation, cps []prefix.Layer) []report.CacheState {
	out := make([]report.CacheState, len(cps))
	for i := range out {
		out[i] = report.StateWritten
		if !e.Prime && i < len(e.Hits) {
			out[i] = report.StateRead
		}
	}
	return out
}

// layerStates spreads the checkpoints' states over the layers: a layer's
// tokens share the state of the first checkpoint at or after it, since that
// checkpoint's entry holds them; a layer past the last checkpoint gets
// none.
func layerStates(cps []prefix.Layer, states []report.CacheState, none report.CacheState) []report.CacheState {
	out := fill(none)
	for i, l := range prefix.Layers {
		for j, cp := range cps {
			if cp >= l {
				out[i] = states[j]
				break
			}
		}
	}
	return out
}

// fill is one state for every layer.
func fill(st report.CacheState) []report.CacheState {
	out := make([]report.CacheState, len(prefix.Layers))
	for i := range out {
		out[i] = st
	}
	return out
}

// hasCheckpoint reports whether cps has a checkpoint at l.
func hasCheckpoint(cps []prefix.Layer, l prefix.Layer) bool {
	for _, cp := range cps {
		if cp == l {
			return true
		}
	}
	return false
}
