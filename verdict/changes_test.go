package verdict_test

import (
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/usage"
	"github.com/cachecascade/cachecascade/verdict"
)

func TestJudgeChange(t *testing.T) {
	cps := []prefix.Layer{prefix.System, prefix.Messages}
	u := func(read, write int) usage.Usage {
		return usage.Usage{Read: read, Write: write, Input: 3, Output: 5, Total: read + write + 8}
	}
	obs := func(x usage.Usage) verdict.Observation {
		return verdict.Observation{Usage: x, Checkpoints: cps, Baseline: 2000}
	}
	claudeChoice, _ := matrix.ChangeRuleFor(matrix.ChangeToolChoice, matrix.Claude)
	novaChoice, _ := matrix.ChangeRuleFor(matrix.ChangeToolChoice, matrix.Nova)
	metadata, _ := matrix.ChangeRuleFor(matrix.ChangeMetadata, matrix.Claude)
	for _, tc := range []struct {
		name    string
		rule    matrix.ChangeRule
		o       verdict.Observation
		outcome verdict.Outcome
		kept    int
		differs bool
		reason  string
	}{
		{"documented, as documented", claudeChoice, obs(u(1500, 560)), verdict.Pass, 1, false, "as documented"},
		{"documented, everything lost", claudeChoice, obs(u(0, 2060)), verdict.Fail, 0, true, "documented to invalidate messages"},
		{"documented, nothing lost", claudeChoice, obs(u(2000, 0)), verdict.Fail, 2, true, "kept [system messages]"},
		{"silent, other than likeliest", novaChoice, obs(u(1500, 560)), verdict.Pass, 1, true, "documented: silent"},
		{"silent, likeliest", novaChoice, obs(u(0, 2060)), verdict.Pass, 0, false, "matches the likeliest"},
		{"not prompt, kept", metadata, obs(u(2000, 0)), verdict.Pass, 2, false, "as documented"},
		{"not prompt, lost", metadata, obs(u(0, 2000)), verdict.Fail, 0, true, "invalidate nothing"},
		{"silent, read beyond the prefix", novaChoice, obs(u(2600, 0)), verdict.Fail, 0, false, "cannot tell"},
		{"missed without a write", claudeChoice, obs(u(1500, 0)), verdict.Fail, 1, false, "nothing was written"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := verdict.JudgeChange(tc.rule, tc.o)
			f := v.Finding
			if f.Outcome != tc.outcome || f.Rule != tc.rule.Rule || len(v.Kept) != tc.kept || v.Differs != tc.differs || !strings.Contains(f.Reason, tc.reason) {
				t.Errorf("got %s [%s] kept %v differs %v: %s; want %s [%s] kept %d differs %v, reason with %q",
					f.Outcome, f.Rule, v.Kept, v.Differs, f.Reason, tc.outcome, tc.rule.Rule, tc.kept, tc.differs, tc.reason)
			}
		})
	}
}
