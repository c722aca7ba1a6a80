package report

import (
	"strings"
	"testing"
)

// TestMarkdownSaysWhatTheNoiseCost checks that the summary line names the
// routing misses and the extra calls spent on the service's noise, kept
// out of the calls and cost, and says nothing of noise when there was none.
func TestMarkdownSaysWhatTheNoiseCost(t *testing.T) {
	rows := []Row{{Area: "cascade", Model: "m", Strategy: "SYSTEM_ONLY", Spec: "a", Outcome: Pass, Calls: 5, CostUSD: 0.01, NoiseCalls: 3, NoiseUSD: 0.002, RoutingMisses: 2}}
	s := Matrix{Rows: rows}.Summary()
	if s.NoiseCalls != 3 || s.RoutingMisses != 2 || s.Calls != 5 {
		t.Fatalf("Expected\n%+v\nto sum the noise apart from the calls", s)
	}
	if line := summaryLine(s); !strings.Contains(line, "2 routing misses") || !strings.Contains(line, "3 extra calls ($0.0020") {
		t.Errorf("Expected\n%s\nto name the routing misses and extra calls", line)
	}
	rows[0].NoiseCalls, rows[0].NoiseUSD, rows[0].RoutingMisses = 0, 0, 0
	if line := summaryLine(Matrix{Rows: rows}.Summary()); strings.Contains(line, "noise") {
		t.Errorf("Expected\n%s\nto say nothing of noise", line)
	}
}
