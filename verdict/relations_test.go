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
		{"below, an implicit read allowed", verdict.Boundary{Prefix: 4014, Min: 4096, Below: true, Implicit: true}, ok(4014, 0), verdict.Pass},
		{"below, an implicit read but written", verdict.Boundary{Prefix: 4014, Min: 4096, Below: true, Implicit: true}, ok(0, 4014), verdict.Fail},
		{"below, a read on a model without implicit caching", verdict.Boundary{Prefix: 4014, Min: 4096, Below: true}, ok(4014, 0), verdict.Fail},
	} {
		f := verdict.JudgeThreshold(tc.b, tc.o)
		if f.Outcome != tc.want || f.Rule != matrix.RuleThreshold {
			t.Errorf("%s: %s [%s] %s; want %s [threshold]", tc.name, f.Outcome, f.Rule, f.Reason, tc.want)
		}
	}
}

// TestResolveMinimum: of the minimums sources give (Opus 4.7: 2,048 and
// the AWS page's 4,096), the one whose straddle separates an uncached
// probe from a cached one is what the target applies; none or a probe on
// the wrong side is not a pass.
func TestResolveMinimum(t *testing.T) {
	ok := func(write int) verdict.Observation { return verdict.Observation{Usage: u(0, write, 40, 5)} }
	straddle := func(min int, belowCached, aboveCached bool) verdict.Straddle {
		b, a := min-40, min+40
		s := verdict.Straddle{Min: min, BelowPrefix: b, AbovePrefix: a, Below: ok(0), Above: ok(0)}
		if belowCached {
			s.Below = ok(b)
		}
		if aboveCached {
			s.Above = ok(a)
		}
		return s
	}
	for _, tc := range []struct {
		name    string
		ss      []verdict.Straddle
		want    verdict.Outcome
		wantMin int
		reason  string
	}{
		{"the catalog's value", []verdict.Straddle{straddle(2048, false, false), straddle(4096, false, true)}, verdict.Pass, 4096, "the catalog's (AWS) value"},
		{"the other source's value", []verdict.Straddle{straddle(2048, false, true), straddle(4096, true, true)}, verdict.Pass, 2048, "another source's value, not the catalog's 4096"},
		{"neither: never cached", []verdict.Straddle{straddle(2048, false, false), straddle(4096, false, false)}, verdict.Fail, 0, "none of the documented minimums"},
		{"neither: a minimum in between", []verdict.Straddle{straddle(2048, false, false), straddle(4096, true, true)}, verdict.Fail, 0, "none of the documented minimums"},
		{"a probe on the wrong side", []verdict.Straddle{{Min: 2048, BelowPrefix: 2050, AbovePrefix: 2090, Below: ok(0), Above: ok(2090)}}, verdict.Inconclusive, 0, "not below"},
	} {
		min, f := verdict.ResolveMinimum(4096, false, tc.ss)
		if f.Outcome != tc.want || min != tc.wantMin || f.Rule != matrix.RuleThreshold || !strings.Contains(f.Reason, tc.reason) {
			t.Errorf("%s: %d, %s [%s] %s; want %d, %s [threshold] mentioning %q", tc.name, min, f.Outcome, f.Rule, f.Reason, tc.wantMin, tc.want, tc.reason)
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

// TestImplicitReadIsReportedApart: without a checkpoint, a model that
// caches implicitly may read (the finding passes and carries the read),
// never write; a model that does not may do neither.
func TestImplicitReadIsReportedApart(t *testing.T) {
	for _, tc := range []struct {
		name     string
		implicit bool
		usage    usage.Usage
		want     verdict.Outcome
		read     int
	}{
		{"implicit read", true, u(1500, 0, 53, 5), verdict.Pass, 1500},
		{"no read", true, u(0, 0, 1553, 5), verdict.Pass, 0},
		{"a write is never implicit", true, u(0, 1500, 53, 5), verdict.Fail, 0},
		{"a read where the model does not cache implicitly", false, u(1500, 0, 53, 5), verdict.Fail, 0},
	} {
		f := verdict.Judge(verdict.Expectation{Implicit: tc.implicit}, verdict.Observation{Usage: tc.usage})
		if f.Outcome != tc.want || f.ImplicitRead != tc.read || f.Rule != matrix.RuleNoCheckpoint {
			t.Errorf("%s: %s [%s] implicit %d (%s); want %s [no-checkpoint-no-write] implicit %d", tc.name, f.Outcome, f.Rule, f.ImplicitRead, f.Reason, tc.want, tc.read)
		}
	}
}

// TestSettle: a disputed fact passes under either value and says which;
// neither fails with both reasons.
func TestSettle(t *testing.T) {
	ok := verdict.Finding{Outcome: verdict.Pass, Rule: matrix.RulePrime, Reason: "primed"}
	rejected := verdict.Finding{Outcome: verdict.ExpectedError, Rule: matrix.RuleTTLNotSupported, Reason: "rejected as predicted"}
	bad := verdict.Finding{Outcome: verdict.Fail, Rule: matrix.RulePrime, Reason: "wrong"}
	for _, tc := range []struct {
		name          string
		catalog, othr verdict.Finding
		want          verdict.Outcome
		wantOther     bool
		reason        string
	}{
		{"the catalog's value", ok, verdict.Finding{Outcome: verdict.Fail, Rule: matrix.RuleTTLNotSupported}, verdict.Pass, false, "the catalog's (AWS) value"},
		{"the other value", bad, rejected, verdict.ExpectedError, true, "the other sources' value"},
		{"neither", bad, verdict.Finding{Outcome: verdict.Fail, Rule: matrix.RuleTTLNotSupported, Reason: "also wrong"}, verdict.Fail, false, "shows neither value"},
	} {
		f, other := verdict.Settle(matrix.FactOneHour, tc.catalog, tc.othr)
		if f.Outcome != tc.want || other != tc.wantOther || !strings.Contains(f.Reason, tc.reason) || !strings.Contains(f.Reason, string(matrix.FactOneHour)) {
			t.Errorf("%s: %s other=%v %q; want %s other=%v mentioning %q", tc.name, f.Outcome, other, f.Reason, tc.want, tc.wantOther, tc.reason)
		}
	}
}

// TestImplicitReadOnAMiss: when every checkpoint misses, a read beside the
// write can only be implicit, and is reported as such.
func TestImplicitReadOnAMiss(t *testing.T) {
	obs := verdict.Observation{Usage: u(300, 1022, 3, 5), Checkpoints: systemOnly, Baseline: 1322}
	f := verdict.Judge(verdict.Expectation{Implicit: true, Rule: matrix.RuleTTLExpiry}, obs)
	if !f.OK() || f.ImplicitRead != 300 {
		t.Errorf("an expired entry with a 300-token implicit read: %s implicit %d (%s); want a pass carrying the read", f.Outcome, f.ImplicitRead, f.Reason)
	}
	if f := verdict.Judge(verdict.Expectation{Rule: matrix.RuleTTLExpiry}, obs); f.OK() {
		t.Errorf("a read on a miss of a model without implicit caching passed: %s", f.Reason)
	}
}
