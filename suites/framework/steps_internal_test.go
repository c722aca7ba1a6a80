package framework

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/report"
	"github.com/cachecascade/cachecascade/usage"
	"github.com/cachecascade/cachecascade/verdict"
)

// TestStepLayers: a step's layers show what the observation (usage,
// checkpoints, error) says the service did, whatever the oracle expected,
// and what the oracle expected beside it.
func TestStepLayers(t *testing.T) {
	const (
		R = report.StateRead
		W = report.StateWritten
		U = report.StateUncached
		X = report.StateRejected
	)
	both := []prefix.Layer{prefix.Tools, prefix.System}
	hitAll := verdict.Expectation{Hits: both}
	hitTools := verdict.Expectation{Hits: both[:1]}
	tests := []struct {
		name      string
		e         verdict.Expectation
		o         verdict.Observation
		did, want []report.CacheState
	}{
		{"prime writes both entries", verdict.Expectation{Prime: true},
			verdict.Observation{Checkpoints: both, Usage: usage.Usage{Input: 10, Write: 3000}},
			[]report.CacheState{W, W, U}, []report.CacheState{W, W, U}},
		{"repeat reads both", hitAll,
			verdict.Observation{Checkpoints: both, Baseline: 3000, Usage: usage.Usage{Input: 10, Read: 3000}},
			[]report.CacheState{R, R, U}, []report.CacheState{R, R, U}},
		{"change system reads tools, writes system", hitTools,
			verdict.Observation{Checkpoints: both, Baseline: 3000, Usage: usage.Usage{Input: 10, Read: 1400, Write: 1600}},
			[]report.CacheState{R, W, U}, []report.CacheState{R, W, U}},
		{"a broken cascade: expected both read, all written", hitAll,
			verdict.Observation{Checkpoints: both, Baseline: 3000, Usage: usage.Usage{Input: 10, Write: 3000}},
			[]report.CacheState{W, W, U}, []report.CacheState{R, R, U}},
		{"a system checkpoint covers the tools before it", hitAll,
			verdict.Observation{Checkpoints: []prefix.Layer{prefix.System}, Baseline: 2000, Usage: usage.Usage{Input: 10, Read: 2000}},
			[]report.CacheState{R, R, U}, []report.CacheState{R, R, U}},
		{"no checkpoint caches nothing, an implicit read included", verdict.Expectation{},
			verdict.Observation{Usage: usage.Usage{Input: 10, Read: 500}},
			[]report.CacheState{U, U, U}, []report.CacheState{U, U, U}},
		{"a rejection as predicted", verdict.Expectation{Reject: &matrix.Rejection{}},
			verdict.Observation{Checkpoints: both, Err: errors.New("ValidationException")},
			[]report.CacheState{X, X, X}, []report.CacheState{X, X, X}},
		{"an unpredicted rejection", hitAll,
			verdict.Observation{Checkpoints: both, Baseline: 3000, Err: errors.New("ValidationException")},
			[]report.CacheState{X, X, X}, []report.CacheState{R, R, U}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			implicit := 0
			if len(tt.o.Checkpoints) == 0 {
				implicit = tt.o.Usage.Read
			}
			st := stepOf("s", &judgedCall{call: Call{Step: "s"}, e: tt.e, o: tt.o}, verdict.Finding{Outcome: verdict.Pass, ImplicitRead: implicit})
			var did, want []report.CacheState
			for _, l := range st.Layers {
				did, want = append(did, l.Did), append(want, l.Expected)
			}
			if diff := cmp.Diff(tt.did, did); diff != "" {
				t.Errorf("did (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, want); diff != "" {
				t.Errorf("expected (-want +got):\n%s", diff)
			}
			if st.Broken() != !cmp.Equal(tt.did, tt.want) {
				t.Errorf("Broken() = %v for did %v, expected %v", st.Broken(), did, want)
			}
			if st.CacheReadTokens != tt.o.Usage.Read || st.CacheWriteTokens != tt.o.Usage.Write || st.InputTokens != tt.o.Usage.Input {
				t.Errorf("usage %+v, want %v", st, tt.o.Usage)
			}
		})
	}
}

// TestChangeStepsAreDrawn: a changes step, which Conclude files without a
// judged call, takes its layers from the Change filed for it: kept is
// read, invalidated written, tools shares the system checkpoint's state,
// and a layer measured otherwise than documented differs.
func TestChangeStepsAreDrawn(t *testing.T) {
	s := &Spec{}
	s.Changed(report.Change{Kind: "tool-choice", Step: "change toolChoice", Kept: []string{"system"}, Invalidated: []string{"messages"}, Expected: []string{"messages"}})
	s.fileStep("change toolChoice", verdict.Finding{Outcome: verdict.Pass})
	s.Changed(report.Change{Kind: "thinking", Step: "change thinking", Invalidated: []string{"system", "messages"}, Expected: []string{"messages"}})
	s.fileStep("change thinking", verdict.Finding{Outcome: verdict.Pass})
	s.fileStep("unrelated", verdict.Finding{Outcome: verdict.Pass})
	did := func(st report.Step) (out []string) {
		for _, l := range st.Layers {
			d := string(l.Did)
			if l.Differs() {
				d += "!"
			}
			out = append(out, d)
		}
		return out
	}
	for i, want := range [][]string{{"read", "read", "written"}, {"written!", "written!", "written"}, nil} {
		if got := did(s.row.Steps[i]); !slices.Equal(got, want) {
			t.Errorf("step %q: Expected\n%v\nto equal\n%v", s.row.Steps[i].Name, got, want)
		}
	}
}
