package builder

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/request"
	"github.com/cachecascade/cachecascade/suites/framework"
	"github.com/cachecascade/cachecascade/usage"
	"github.com/cachecascade/cachecascade/verdict"
)

// TestThresholdFinding checks the threshold rule on a team's request with a
// system checkpoint on Sonnet 4.5 (minimum 1,024): cached passes; nothing
// written fails under [threshold] with the measured size and the minimum.
func TestThresholdFinding(t *testing.T) {
	m := matrix.Default().Must("claude-sonnet-4-5")
	in := &bedrockruntime.ConverseInput{ModelId: aws.String(m.ModelID()),
		System:   []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: "short"}},
		Messages: []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "hi"}}}}}
	if _, err := matrix.SystemOnly.Apply(in, matrix.TTLDefault); err != nil {
		t.Fatal(err)
	}
	r := &request.Request{Model: m, API: matrix.Converse, Converse: in}
	u := func(input, read, write int) usage.Usage {
		return usage.Usage{Input: input, Read: read, Write: write, Output: 1, Total: input + read + write + 1}
	}
	for _, tc := range []struct {
		name    string
		call    framework.Call
		counted int
		ok      bool
		want    string
	}{
		{"cached", framework.Call{Usage: u(10, 0, 1500)}, 0, true, "is cached"},
		{"prompt under the minimum", framework.Call{Usage: u(300, 0, 0)}, 0, false, "whole prompt is 300 tokens"},
		{"counted under the minimum", framework.Call{Usage: u(2000, 0, 0)}, 900, false, "counts 900 tokens (CountTokens), under claude-sonnet-4-5's 1024-token minimum"},
		{"long tail", framework.Call{Usage: u(2000, 0, 0)}, 0, false, "at least 976 tokens follow it"},
		{"refused", framework.Call{Err: errors.New("ValidationException")}, 0, false, "refused"},
	} {
		f := thresholdFinding(r, tc.call, tc.counted)
		if f.Rule != matrix.RuleThreshold || f.OK() != tc.ok || !strings.Contains(f.Reason, tc.want) {
			t.Errorf("%s: got %s [%s] %q; want ok=%v under [%s] saying %q", tc.name, f.Outcome, f.Rule, f.Reason, tc.ok, matrix.RuleThreshold, tc.want)
		}
		if !tc.ok && f.Outcome != verdict.Fail {
			t.Errorf("%s: outcome %s, want fail", tc.name, f.Outcome)
		}
	}
}
