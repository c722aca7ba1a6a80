package matchers_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/smithy-go"
	"github.com/onsi/gomega/types"

	"github.com/cachecascade/cachecascade/matchers"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/usage"
	"github.com/cachecascade/cachecascade/verdict"
)

var both = []prefix.Layer{prefix.Tools, prefix.System}

func obs(read, write int) verdict.Observation {
	return verdict.Observation{Usage: usage.Usage{Read: read, Write: write, Input: 3, Output: 5, Total: read + write + 8}, Checkpoints: both, Baseline: 2400}
}

// check runs a matcher and compares the result and, on a mismatch, the
// failure message.
func check(t *testing.T, name string, m types.GomegaMatcher, actual any, want bool, wantMsg string) {
	t.Helper()
	got, err := m.Match(actual)
	if err != nil {
		t.Fatalf("%s: unexpected error %v", name, err)
	}
	if got != want {
		t.Errorf("%s: Match = %v, want %v", name, got, want)
	}
	msg := m.FailureMessage(actual)
	if !want && !strings.HasPrefix(msg, "Expected\n") || !strings.Contains(msg, wantMsg) {
		t.Errorf("%s: failure message %q lacks %q", name, msg, wantMsg)
	}
}

func TestHaveCacheHitAtAndMissAt(t *testing.T) {
	for _, tc := range []struct {
		name       string
		o          verdict.Observation
		tools, sys bool // hit?
	}{
		{"everything read", obs(2400, 0), true, true},
		{"the tools entry read, the system part written", obs(1200, 1204), true, false},
		{"nothing read", obs(0, 2400), false, false},
	} {
		check(t, tc.name+": hit at tools", matchers.HaveCacheHitAt(prefix.Tools), tc.o, tc.tools, "to have a cache hit at\n")
		check(t, tc.name+": hit at system", matchers.HaveCacheHitAt(prefix.System), tc.o, tc.sys, "<prefix.Layer>: 1")
		check(t, tc.name+": miss at system", matchers.HaveCacheMissAt(prefix.System), tc.o, !tc.sys, "to have a cache miss")
	}
}

func TestCacheMatchersRejectMisuse(t *testing.T) {
	for name, o := range map[string]verdict.Observation{
		"no checkpoint in the layer": {Checkpoints: []prefix.Layer{prefix.System}, Baseline: 10},
		"no baseline":                {Checkpoints: both},
		"a failed call":              {Checkpoints: both, Baseline: 10, Err: errors.New("boom")},
	} {
		if _, err := matchers.HaveCacheHitAt(prefix.Tools).Match(o); err == nil {
			t.Errorf("%s: HaveCacheHitAt matched without an error", name)
		}
		if _, err := matchers.HaveCacheMissAt(prefix.Tools).Match(o); err == nil {
			t.Errorf("%s: HaveCacheMissAt matched without an error", name)
		}
	}
	if _, err := matchers.HaveCacheHitAt(prefix.Tools).Match(usage.Usage{}); err == nil {
		t.Error("HaveCacheHitAt accepted a usage.Usage instead of an observation")
	}
}

func TestHaveConsistentTotals(t *testing.T) {
	// Nova Lite as recorded: write 1298 / input 10 / output 2 / total 1310.
	check(t, "recorded", matchers.HaveConsistentTotals(), usage.Usage{Write: 1298, Input: 10, Output: 2, Total: 1310}, true, "")
	check(t, "cache left out", matchers.HaveConsistentTotals(), usage.Usage{Write: 1298, Input: 10, Output: 2, Total: 12}, false,
		"to have totalTokens = input + output + read + write")
}

func TestBeRejectedAs(t *testing.T) {
	r := matrix.Rejection{Rule: matrix.RuleNothingToCache, Status: 400, ErrorCode: "ValidationException",
		Message: "There is nothing available to cache. Please remove the invalid cache point and try again."}
	m := matchers.BeRejectedAs(r)
	check(t, "as predicted", m, error(&smithy.GenericAPIError{Code: "ValidationException", Message: r.Message}), true, "")
	check(t, "another message", m, error(&smithy.GenericAPIError{Code: "ValidationException", Message: "nope"}), false, "to be the service's rejection")
	check(t, "accepted", m, error(nil), false, "nothing-to-cache")
	if _, err := m.Match(errors.New("dial tcp: refused")); err == nil {
		t.Error("a transport error is not a rejection and must be reported as misuse")
	}
}
