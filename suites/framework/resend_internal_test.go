package framework

import (
	"testing"

	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/usage"
	"github.com/cachecascade/cachecascade/verdict"
)

// u is a usage whose total adds up.
func u(input, output, read, write int) usage.Usage {
	return usage.Usage{Input: input, Output: output, Read: read, Write: write, Total: input + output + read + write}
}

// TestNoiseMissIsOnlyTheNoisesShape checks NoiseMiss on real usage (FACTS.md:
// Sonnet 4.5 wrote 1322 and read 1322, input 2, output 5): a repeat that
// wrote the whole prefix again is the noise's shape; a stream that drops the
// cache usage, totals that do not add up, an unexpected hit, a prime, an
// error and the expected pattern are not.
func TestNoiseMissIsOnlyTheNoisesShape(t *testing.T) {
	sys := []prefix.Layer{prefix.System}
	two := []prefix.Layer{prefix.Tools, prefix.System}
	repeat := verdict.Expectation{Hits: sys}
	partial := verdict.Expectation{Hits: two[:1]}
	broken := u(2, 5, 0, 1322)
	broken.Total = 7
	cases := []struct {
		name string
		e    verdict.Expectation
		o    verdict.Observation
		want bool
	}{
		{"repeat wrote the prefix again", repeat, verdict.Observation{Usage: u(2, 5, 0, 1322), Checkpoints: sys, Baseline: 1322}, true},
		{"repeat read it", repeat, verdict.Observation{Usage: u(2, 5, 1322, 0), Checkpoints: sys, Baseline: 1322}, false},
		{"stream dropped the cache usage", repeat, verdict.Observation{Usage: u(2, 5, 0, 0), Checkpoints: sys, Baseline: 1322}, false},
		{"totals do not add up", repeat, verdict.Observation{Usage: broken, Checkpoints: sys, Baseline: 1322}, false},
		{"repeat wrote a prefix of another size", repeat, verdict.Observation{Usage: u(2, 5, 0, 1300), Checkpoints: sys, Baseline: 1322}, false},
		{"prime", verdict.Expectation{Prime: true}, verdict.Observation{Usage: u(2, 5, 0, 1322), Checkpoints: sys}, false},
		{"every checkpoint must miss", verdict.Expectation{}, verdict.Observation{Usage: u(2, 5, 0, 1322), Checkpoints: sys, Baseline: 1322}, false},
		{"partial step read nothing, wrote about the prefix", partial, verdict.Observation{Usage: u(3, 5, 0, 1948), Checkpoints: two, Baseline: 1948}, true},
		{"partial step read the first checkpoint", partial, verdict.Observation{Usage: u(3, 5, 1712, 236), Checkpoints: two, Baseline: 1948}, false},
		{"partial step read everything (a broken cascade)", partial, verdict.Observation{Usage: u(3, 5, 1948, 0), Checkpoints: two, Baseline: 1948}, false},
	}
	for _, c := range cases {
		if got := NoiseMiss(c.e, c.o); got != c.want {
			t.Errorf("%s: Expected\nNoiseMiss = %v\nto be %v", c.name, got, c.want)
		}
	}
}

// TestTurnMiss checks TurnMiss on the real turn-2 usage (FACTS.md: turn 2
// read 1712 + wrote 236 + input 3): the expected turn, a turn that dropped
// the cache usage and a failed turn are not the noise's shape; a turn that
// wrote the whole prefix is.
func TestTurnMiss(t *testing.T) {
	cases := []struct {
		name string
		o    verdict.Observation
		want bool
	}{
		{"read the previous turn", verdict.Observation{Usage: u(3, 5, 1712, 236)}, false},
		{"wrote it all again", verdict.Observation{Usage: u(3, 5, 0, 1948)}, true},
		{"no cache usage", verdict.Observation{Usage: u(1951, 5, 0, 0)}, false},
		{"a shorter prompt", verdict.Observation{Usage: u(3, 5, 0, 900)}, false},
	}
	for _, c := range cases {
		if got := TurnMiss(1712, c.o); got != c.want {
			t.Errorf("%s: Expected\nTurnMiss = %v\nto be %v", c.name, got, c.want)
		}
	}
}
