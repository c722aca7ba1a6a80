package verdict_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/usage"
	"github.com/cachecascade/cachecascade/verdict"
)

// TestJudgeNamesTheRule holds every finding of Judge to the rule its check
// judged: the mutation run and the report read the rule, never the text.
func TestJudgeNamesTheRule(t *testing.T) {
	sys := systemOnly
	for _, tc := range []struct {
		name string
		exp  verdict.Expectation
		obs  verdict.Observation
		want matrix.Rule
	}{
		{"totals first, whatever the step tests", verdict.Expectation{Rule: matrix.RuleTTLExpiry},
			verdict.Observation{Usage: usage.Usage{Read: 1322, Input: 2, Output: 5, Total: 7}, Checkpoints: sys, Baseline: 1322}, matrix.RuleUsageReported},
		{"no usage", verdict.Expectation{}, verdict.Observation{Checkpoints: sys}, matrix.RuleUsageReported},
		{"a prime", verdict.Expectation{Prime: true, Rule: matrix.RuleIsolation}, verdict.Observation{Usage: u(0, 0, 3000, 5), Checkpoints: sys}, matrix.RulePrime},
		{"no checkpoint but a write", verdict.Expectation{}, verdict.Observation{Usage: u(0, 2900, 100, 5)}, matrix.RuleNoCheckpoint},
		{"a repeat that missed", verdict.Expectation{Hits: sys}, verdict.Observation{Usage: u(0, 1322, 3, 5), Checkpoints: sys, Baseline: 1322}, matrix.RuleRepeat},
		{"a change that hit", verdict.Expectation{}, verdict.Observation{Usage: u(1322, 0, 3, 5), Checkpoints: sys, Baseline: 1322}, matrix.RuleCascade},
		{"an expiry that hit", verdict.Expectation{Rule: matrix.RuleTTLExpiry}, verdict.Observation{Usage: u(1322, 0, 3, 5), Checkpoints: sys, Baseline: 1322}, matrix.RuleTTLExpiry},
		{"an accepted limit that was rejected", verdict.Expectation{Prime: true, Rule: matrix.RuleTooManyCheckpoints},
			verdict.Observation{Err: errors.New("ValidationException"), Checkpoints: sys}, matrix.RuleTooManyCheckpoints},
	} {
		f := verdict.Judge(tc.exp, tc.obs)
		if f.OK() || f.Rule != tc.want {
			t.Errorf("%s: %s [%s] %s, want a failure of %s", tc.name, f.Outcome, f.Rule, f.Reason, tc.want)
		}
	}
}

func TestHits(t *testing.T) {
	three := []prefix.Layer{prefix.Tools, prefix.System, prefix.Messages}
	for _, tc := range []struct {
		name    string
		o       verdict.Observation
		want    []prefix.Layer
		wantErr string
	}{
		{"all read", verdict.Observation{Usage: u(2400, 0, 3, 5), Checkpoints: systemAndTools, Baseline: 2400}, systemAndTools, ""},
		{"tools read, system written", verdict.Observation{Usage: u(1200, 1204, 3, 5), Checkpoints: systemAndTools, Baseline: 2400}, systemAndTools[:1], ""},
		{"nothing read", verdict.Observation{Usage: u(0, 2400, 3, 5), Checkpoints: systemAndTools, Baseline: 2400}, nil, ""},
		{"one checkpoint, a partial read", verdict.Observation{Usage: u(1000, 322, 3, 5), Checkpoints: systemOnly, Baseline: 1322}, nil, "at which checkpoint"},
		{"three checkpoints, a partial read", verdict.Observation{Usage: u(1000, 2000, 3, 5), Checkpoints: three, Baseline: 3000}, nil, "at which checkpoint"},
		{"more than the prime wrote", verdict.Observation{Usage: u(2500, 0, 3, 5), Checkpoints: systemAndTools, Baseline: 2400}, nil, "more than"},
		{"no baseline", verdict.Observation{Usage: u(2400, 0, 3, 5), Checkpoints: systemAndTools}, nil, "no baseline"},
		{"a failed call", verdict.Observation{Err: errors.New("boom"), Checkpoints: systemAndTools, Baseline: 10}, nil, "failed"},
	} {
		got, err := verdict.Hits(tc.o)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}

func TestJudgeThreshold(t *testing.T) {
	ok := func(read, write int) verdict.Observation { return verdict.Observation{Usage: u(read, write, 40, 5)} }
	for _, tc := range []struct {
		name string
		b    verdict.Boundary
		o    verdict.Observation
		want verdict.Outcome
	}{
		// Haiku 4.5 bisected live: 4,014 not cached, 4,114 cached.
		{"below, not cached", verdict.Boundary{Prefix: 4014, Min: 4096, Below: true}, ok(0, 0), verdict.Pass},
		{"below, but cached", verdict.Boundary{Prefix: 4014, Min: 4096, Below: true}, ok(0, 4014), verdict.Fail},
		{"above, written whole", verdict.Boundary{Prefix: 4114, Min: 4096}, ok(0, 4114), verdict.Pass},
		{"above, not cached", verdict.Boundary{Prefix: 4114, Min: 4096}, ok(0, 0), verdict.Fail},
		{"above, written one token short", verdict.Boundary{Prefix: 4114, Min: 4096}, ok(0, 4113), verdict.Fail},
		{"aimed below, landed above", verdict.Boundary{Prefix: 4100, Min: 4096, Below: true}, ok(0, 0), verdict.Inconclusive},
		{"aimed above, landed below", verdict.Boundary{Prefix: 4090, Min: 4096}, ok(0, 4090), verdict.Inconclusive},
		{"below, rejected", verdict.Boundary{Prefix: 4014, Min: 4096, Below: true}, verdict.Observation{Err: errors.New("ValidationException")}, verdict.Fail},
	} {
		f := verdict.JudgeThreshold(tc.b, tc.o)
		if f.Outcome != tc.want || f.Rule != matrix.RuleThreshold {
			t.Errorf("%s: %s [%s] %s; want %s [threshold]", tc.name, f.Outcome, f.Rule, f.Reason, tc.want)
		}
	}
}

func TestJudgeMinimumReading(t *testing.T) {
	// The recording with a ~500-token system checkpoint and a later message
	// checkpoint wrote the whole prefix: the cumulative reading.
	b := verdict.Boundary{Prefix: 1322, Min: 1024}
	for _, tc := range []struct {
		name string
		b    verdict.Boundary
		o    verdict.Observation
		want verdict.Outcome
		why  string
	}{
		{"written whole", b, verdict.Observation{Usage: u(0, 1322, 3, 5)}, verdict.Pass, "cumulative"},
		{"not cached", b, verdict.Observation{Usage: u(0, 0, 1325, 5)}, verdict.Pass, "per checkpoint"},
		{"half written", b, verdict.Observation{Usage: u(0, 600, 725, 5)}, verdict.Fail, "either"},
		{"a prefix of twice the minimum", verdict.Boundary{Prefix: 2048, Min: 1024}, verdict.Observation{Usage: u(0, 2048, 3, 5)}, verdict.Inconclusive, "between"},
	} {
		f := verdict.JudgeMinimumReading(tc.b, tc.o)
		if f.Outcome != tc.want || f.Rule != matrix.RuleThreshold || !strings.Contains(f.Reason, tc.why) {
			t.Errorf("%s: %s [%s] %s; want %s mentioning %q", tc.name, f.Outcome, f.Rule, f.Reason, tc.want, tc.why)
		}
	}
}

func TestJudgeParity(t *testing.T) {
	// The recorded ConverseStream metadata event: read 1490, input 4.
	unary := verdict.Observation{Usage: u(1490, 0, 4, 800)}
	if f := verdict.JudgeParity(matrix.ConverseStream, unary, verdict.Observation{Usage: u(1490, 0, 4, 832)}); f.Outcome != verdict.Pass {
		t.Errorf("same input side, other output: %+v", f)
	}
	f := verdict.JudgeParity(matrix.InvokeStream, unary, verdict.Observation{Usage: u(0, 0, 4, 832)})
	if f.Outcome != verdict.Fail || f.Rule != matrix.RuleStreamParity || !strings.Contains(f.Reason, "InvokeModelWithResponseStream must report the same input-side usage as InvokeModel") {
		t.Errorf("a stream that dropped the cache usage: %+v", f)
	}
}

func TestJudgeTTLDetails(t *testing.T) {
	w := u(0, 1322, 3, 5)
	w.Writes = []usage.TTLWrite{{TTL: "1h", Tokens: 1322}}
	if f := verdict.JudgeTTLDetails(w, matrix.TTLOneHour); f.Outcome != verdict.Pass {
		t.Errorf("a 1h write listed under 1h: %+v", f)
	}
	w.Writes = []usage.TTLWrite{{TTL: "5m", Tokens: 1322}}
	if f := verdict.JudgeTTLDetails(w, matrix.TTLOneHour); f.Outcome != verdict.Fail || f.Rule != matrix.RuleTTLDetails {
		t.Errorf("a 1h write listed under 5m: %+v", f)
	}
}

func TestFindingString(t *testing.T) {
	f := verdict.Check(matrix.RuleDeterminism, false, "%d bodies", 3)
	f.Cell, f.Step = "determinism claude-sonnet-4-5/system_only", "serialize"
	if got, want := f.String(), `determinism claude-sonnet-4-5/system_only, step "serialize": [determinism] 3 bodies`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if g := verdict.Undecided(matrix.RuleThreshold, "resize").String(); !strings.HasPrefix(g, "INCONCLUSIVE ") {
		t.Errorf("an inconclusive finding renders as %q", g)
	}
}
