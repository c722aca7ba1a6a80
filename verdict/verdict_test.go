package verdict_test

import (
	"strings"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/usage"
	"github.com/cachecascade/cachecascade/verdict"
)

var (
	systemOnly     = []prefix.Layer{prefix.System}
	systemAndTools = []prefix.Layer{prefix.Tools, prefix.System}
)

// u builds a usage whose total adds up.
func u(read, write, input, output int) usage.Usage {
	return usage.Usage{Read: read, Write: write, Input: input, Output: output, Total: read + write + input + output}
}

func TestJudgeRealSequences(t *testing.T) {
	for _, tc := range []struct {
		name string
		exp  verdict.Expectation
		obs  verdict.Observation
		want verdict.Outcome
		why  string
	}{
		// Sonnet 4.5 as recorded: write 1322 / input 2 / output 5 / total 1329, then read 1322.
		{"Sonnet 4.5 prime", verdict.Expectation{Prime: true, MinTokens: 1024},
			verdict.Observation{Usage: usage.Usage{Write: 1322, Input: 2, Output: 5, Total: 1329}, Checkpoints: systemOnly}, verdict.Pass, ""},
		{"Sonnet 4.5 repeat reads what was written", verdict.Expectation{Hits: systemOnly},
			verdict.Observation{Usage: usage.Usage{Read: 1322, Input: 2, Output: 5, Total: 1329}, Checkpoints: systemOnly, Baseline: 1322}, verdict.Pass, ""},
		{"a repeat one token short within a run", verdict.Expectation{Hits: systemOnly},
			verdict.Observation{Usage: u(1321, 0, 3, 5), Checkpoints: systemOnly, Baseline: 1322}, verdict.Fail, "read = 1322"},
		// Nova Lite as recorded: write 1298 / input 10 / output 2 / total 1310.
		{"Nova Lite prime", verdict.Expectation{Prime: true, MinTokens: 1000, Implicit: true},
			verdict.Observation{Usage: usage.Usage{Write: 1298, Input: 10, Output: 2, Total: 1310}, Checkpoints: systemOnly}, verdict.Pass, ""},
		// The ConverseStream metadata event as recorded: read 1490, input 4, output 832, total 2326.
		{"stream metadata hit", verdict.Expectation{Hits: systemOnly},
			verdict.Observation{Usage: usage.Usage{Read: 1490, Input: 4, Output: 832, Total: 2326}, Checkpoints: systemOnly, Baseline: 1490}, verdict.Pass, ""},
		{"totals that do not add up", verdict.Expectation{Hits: systemOnly},
			verdict.Observation{Usage: usage.Usage{Read: 1490, Input: 4, Output: 832, Total: 836}, Checkpoints: systemOnly, Baseline: 1490}, verdict.Fail, "totalTokens 836"},

		{"system changed under SYSTEM_AND_TOOLS: tools hit", verdict.Expectation{Hits: systemAndTools[:1]},
			verdict.Observation{Usage: u(1200, 1207, 3, 5), Checkpoints: systemAndTools, Baseline: 2400}, verdict.Pass, ""},
		{"no cascade: the system entry survived a system change", verdict.Expectation{Hits: systemAndTools[:1]},
			verdict.Observation{Usage: u(2400, 0, 3, 5), Checkpoints: systemAndTools, Baseline: 2400}, verdict.Fail, "hit at tools, miss at system: 0 < read < 2400"},
		{"the tools entry lost to a system change", verdict.Expectation{Hits: systemAndTools[:1]},
			verdict.Observation{Usage: u(0, 2400, 3, 5), Checkpoints: systemAndTools, Baseline: 2400}, verdict.Fail, "observed: all miss"},
		{"tools changed: all miss, the variant a few tokens longer", verdict.Expectation{},
			verdict.Observation{Usage: u(0, 2431, 3, 5), Checkpoints: systemAndTools, Baseline: 2400}, verdict.Pass, ""},
		{"tools changed but the write is far off the prefix", verdict.Expectation{},
			verdict.Observation{Usage: u(0, 1200, 3, 5), Checkpoints: systemAndTools, Baseline: 2400}, verdict.Fail, "write ≈ 2400 ± 80"},
		{"a miss on Nova may read implicitly", verdict.Expectation{Implicit: true},
			verdict.Observation{Usage: u(300, 1000, 3, 5), Checkpoints: systemOnly, Baseline: 1298}, verdict.Pass, ""},
		{"a miss on Claude may not read", verdict.Expectation{},
			verdict.Observation{Usage: u(300, 1000, 3, 5), Checkpoints: systemOnly, Baseline: 1298}, verdict.Fail, "read = 0"},

		{"prime below the minimum: inconclusive", verdict.Expectation{Prime: true, MinTokens: 1024},
			verdict.Observation{Usage: u(0, 0, 900, 5), Checkpoints: systemOnly}, verdict.Inconclusive, "below the 1024-token minimum"},
		{"prime above the minimum that wrote nothing", verdict.Expectation{Prime: true, MinTokens: 1024},
			verdict.Observation{Usage: u(0, 0, 3000, 5), Checkpoints: systemOnly}, verdict.Fail, "expected the first call to write"},
		{"no checkpoint, no cache", verdict.Expectation{},
			verdict.Observation{Usage: u(0, 0, 3000, 5)}, verdict.Pass, ""},
		{"no checkpoint but a write", verdict.Expectation{},
			verdict.Observation{Usage: u(0, 2900, 100, 5)}, verdict.Fail, "without checkpoints"},
		{"a response without usage", verdict.Expectation{Prime: true, MinTokens: 1024},
			verdict.Observation{Checkpoints: systemOnly}, verdict.Fail, "reported no usage"},
		{"an unexpected error", verdict.Expectation{Prime: true},
			verdict.Observation{Err: &smithy.GenericAPIError{Code: "ValidationException", Message: "nope"}, Checkpoints: systemOnly}, verdict.Fail, "expected success"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := verdict.Judge(tc.exp, tc.obs)
			if f.Outcome != tc.want || !strings.Contains(f.Reason, tc.why) {
				t.Errorf("Judge = %s: %s\nwant %s mentioning %q", f.Outcome, f.Reason, tc.want, tc.why)
			}
		})
	}
}

func TestJudgeTurn(t *testing.T) {
	// Turn 2 of a recorded conversation: read 1712 + write 236 + input 3,
	// after turn 1 wrote 1712.
	turn2 := verdict.Observation{Usage: u(1712, 236, 3, 5)}
	if f := verdict.JudgeTurn(1712, turn2); f.Outcome != verdict.Pass {
		t.Errorf("turn 2: %+v", f)
	}
	if f := verdict.JudgeTurn(1711, turn2); f.Outcome != verdict.Fail {
		t.Errorf("turn 2 against a 1711-token turn 1: %+v", f)
	}
	if f := verdict.JudgeTurn(1712, verdict.Observation{Usage: u(0, 1948, 3, 5)}); f.Outcome != verdict.Fail || !strings.Contains(f.Reason, "read = 1712") {
		t.Errorf("a turn without look-back: %+v", f)
	}
}

func TestTolerances(t *testing.T) {
	// A boundary measured on two days: write 1503, later read 1504.
	if !verdict.BetweenRuns.Same(1503, 1504) || verdict.BetweenRuns.Same(1503, 1505) {
		t.Error("BetweenRuns must allow the one token the real service moved, and no more")
	}
	if verdict.WithinRun.Same(1503, 1504) || !verdict.WithinRun.Same(1322, 1322) {
		t.Error("WithinRun must be exact")
	}
	if got := verdict.Variant.Of(2400); got != 80 {
		t.Errorf("Variant.Of(2400) = %d, want 8 + 3%%", got)
	}
}

func TestJudgeRejection(t *testing.T) {
	r := matrix.Rejection{Rule: matrix.RuleTooManyCheckpoints, Status: 400, ErrorCode: "ValidationException",
		Message: "A maximum of 4 blocks with cache_control may be provided. Found 5."}
	exp := verdict.Expectation{Reject: &r}
	for _, tc := range []struct {
		name string
		err  error
		want verdict.Outcome
	}{
		{"as predicted", &smithy.GenericAPIError{Code: "ValidationException", Message: r.Message}, verdict.ExpectedError},
		{"another message", &smithy.GenericAPIError{Code: "ValidationException", Message: "Found 6."}, verdict.Fail},
		{"another code", &smithy.GenericAPIError{Code: "AccessDeniedException", Message: r.Message}, verdict.Fail},
		{"accepted", nil, verdict.Fail},
	} {
		f := verdict.Judge(exp, verdict.Observation{Err: tc.err})
		if f.Outcome != tc.want || f.Rule != matrix.RuleTooManyCheckpoints {
			t.Errorf("%s: %s [%s] (%s), want %s [%s]", tc.name, f.Outcome, f.Rule, f.Reason, tc.want, matrix.RuleTooManyCheckpoints)
		}
	}
}
