package main

import (
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/report"
)

// TestNoiseIsNonDeterministicNeverServiceChanged checks that a spec whose
// live runs passed by settling the service's noise (routing misses told
// apart by extra calls) is classed non-deterministic (exit 11), its old
// cassette kept, even when the second live run repeats the first's counts;
// a failure that reproduces without noise is still a broken rule.
func TestNoiseIsNonDeterministicNeverServiceChanged(t *testing.T) {
	replay := row(cascadeSpec, report.Pass, 5, 5776, 8664)
	noisy := row(cascadeSpec, report.Pass, 5, 5770, 8670)
	noisy.RoutingMisses, noisy.NoiseCalls = 2, 3
	c := Change{Spec: cascadeSpec, Replay: replay, Live: noisy, Reasons: Differences(replay, noisy)}
	for _, second := range []report.Row{noisy, replay} {
		r := Confirm(c, second)
		if r == nil || r.Class != NonDeterministic || r.RuleBroken {
			t.Fatalf("Expected\n%+v\nto be classed %s, not re-recorded nor a broken rule", r, NonDeterministic)
		}
		if code := ExitCode([]Result{*r}, false, nil); code != ExitNonDeterministic {
			t.Errorf("Expected\nexit %d\nto be %d", code, ExitNonDeterministic)
		}
	}
	fails := row(cascadeSpec, report.Fail, 5, 0, 14440)
	if r := Confirm(Change{Spec: cascadeSpec, Replay: replay, Live: fails}, fails); r == nil || r.Class != ServiceChanged || !r.RuleBroken {
		t.Errorf("Expected\n%+v\nto stay a broken rule", r)
	}
}

// TestSettledNoiseIsNoDifference: a live row that met the service's noise
// and settled it (same verdict, calls and tokens as its cassette) is no
// difference, so a night of routine noise exits 0 instead of opening an
// issue every night; the summary reports the noise apart.
func TestSettledNoiseIsNoDifference(t *testing.T) {
	replay := row(cascadeSpec, report.Pass, 5, 5776, 8664)
	live := replay
	live.RoutingMisses, live.NoiseCalls, live.NoiseUSD = 1, 2, 0.0123
	if got := Differences(replay, live); len(got) != 0 {
		t.Errorf("Expected\n%q\nto be empty: the noise was settled", got)
	}
	s := Summary{Phases: []Phase{{Name: PhaseLive, Ran: true, Rows: []report.Row{live, row("another", report.Pass, 1, 0, 0)}}}}
	if md, want := s.Markdown(), "The service's noise in the live run: 1 of 2 specs met it, 1 routing misses settled by 2 extra calls ($0.0123)"; !strings.Contains(md, want) {
		t.Errorf("Expected\n%s\nto contain\n%s", md, want)
	}
	if md := (Summary{Phases: []Phase{{Name: PhaseLive, Ran: true, Rows: []report.Row{replay}}}}).Markdown(); strings.Contains(md, "noise") {
		t.Errorf("a night without noise mentions it:\n%s", md)
	}
}
