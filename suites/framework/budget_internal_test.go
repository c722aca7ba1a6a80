package framework

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/internal/modroot"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/recorder"
)

func TestBudgetFromEnv(t *testing.T) {
	t.Setenv(env.BudgetUSD, "2.5")
	t.Setenv(env.BudgetTokens, "100000")
	b, err := budgetFromEnv()
	if err != nil || b.usd != 2.5 || b.tokens != 100000 {
		t.Fatalf("budgetFromEnv = %+v, %v", b, err)
	}
	for _, tc := range []struct {
		usd    float64
		tokens int
		over   bool
	}{{1, 1000, false}, {2.5, 0, true}, {0, 100000, true}, {2.49, 99999, false}} {
		if got := b.over(tc.usd, tc.tokens); got != tc.over {
			t.Errorf("over($%g, %d) = %v", tc.usd, tc.tokens, got)
		}
	}
	if (budget{}).over(1e9, 1e9) {
		t.Error("no budget is over")
	}
	for _, nv := range [][2]string{{env.BudgetUSD, "-1"}, {env.BudgetUSD, "NaN"}, {env.BudgetUSD, "+Inf"}, {env.BudgetTokens, "lots"}} {
		name, value := nv[0], nv[1]
		t.Setenv(env.BudgetUSD, "")
		t.Setenv(env.BudgetTokens, "")
		t.Setenv(name, value)
		if _, err := budgetFromEnv(); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: %v", name, value, err)
		}
	}
}

func TestEstimateSpecsFromTheCassettes(t *testing.T) {
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "cassettes")
	m, err := recorder.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	var converse, stream string
	for path, p := range m.Cassettes {
		switch {
		case path == "cascade/claude-sonnet-4-5/system_only.yaml":
			converse = p.Spec
		case path == "streaming/nova-lite/parity.yaml":
			stream = p.Spec
		}
	}
	cat := matrix.Default()
	one, err := EstimateSpecs(dir, []string{converse}, cat)
	if err != nil {
		t.Fatal(err)
	}
	// A cascade cell makes five calls, the first writing and the others
	// reading or rewriting a prefix above the minimum.
	if one.Specs != 1 || one.Calls != 5 || one.Usage.Write == 0 || one.Usage.Read == 0 || one.USD <= 0 || one.USD >= one.WithoutCacheUSD*2 {
		t.Errorf("estimate of %q: %+v", converse, one)
	}
	// A ConverseStream answer's usage is in its metadata event.
	both, err := EstimateSpecs(dir, []string{converse, stream, "a spec nobody recorded"}, cat)
	if err != nil {
		t.Fatal(err)
	}
	if both.Calls != one.Calls+3 || len(both.Unrecorded) != 1 || both.USD <= one.USD {
		t.Errorf("estimate with a streaming spec and an unrecorded one: %+v", both)
	}
}

// TestEstimateSkipsMissingAndCorruptCassettes: a record run is how a
// missing or corrupt cassette is repaired, so the estimate before it lists
// such cassettes instead of failing (it used to stop the very run that
// would write them).
func TestEstimateSkipsMissingAndCorruptCassettes(t *testing.T) {
	dir := copyCassettes(t)
	m, err := recorder.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	const missing, corrupt, fine = "cascade/claude-sonnet-4-5/system_only.yaml", "cascade/nova-lite/none.yaml", "streaming/nova-lite/parity.yaml"
	if err := os.Remove(filepath.Join(dir, missing)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, corrupt), []byte("interactions: [ {request: \n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e, err := EstimateSpecs(dir, []string{m.Cassettes[missing].Spec, m.Cassettes[corrupt].Spec, m.Cassettes[fine].Spec}, matrix.Default())
	if err != nil {
		t.Fatalf("EstimateSpecs failed on a missing and a corrupt cassette: %v", err)
	}
	if want := []string{missing, corrupt}; !slices.Equal(e.Unreadable, want) || e.Calls != 3 || e.Specs != 3 {
		t.Errorf("estimate: %+v; want %v unreadable and the 3 calls of %s priced", e, want, fine)
	}
	if s := e.String(); !strings.Contains(s, "2 cassettes are missing or corrupt") || !strings.Contains(s, missing) {
		t.Errorf("String() = %q", s)
	}
}
