package main

import (
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

// TestDifferencesSeeTheNoise checks that a live row that met the service's
// noise differs from its cassette's (so that the night reports it, as
// non-deterministic), even with the same verdict, calls and tokens, and
// that a row without noise does not.
func TestDifferencesSeeTheNoise(t *testing.T) {
	replay := row(cascadeSpec, report.Pass, 5, 5776, 8664)
	live := replay
	live.RoutingMisses, live.NoiseCalls = 1, 2
	if got := Differences(replay, live); len(got) != 1 {
		t.Errorf("Expected\n%q\nto name the noise", got)
	}
	if got := Differences(live, replay); len(got) != 0 {
		t.Errorf("Expected\n%q\nto be empty: a run without noise agrees", got)
	}
}
