package framework_test

import (
	"testing"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/suites/framework"
)

// TestNoiseDecisionReplaysFromTheCassette records the cascade and
// conversation specs against the emulator under heavy routing noise (four
// equal Regions), where some steps miss and are settled by extra calls,
// then replays the cassettes: every spec passes both times, and each
// replayed row repeats the recorded decision (the same routing misses and
// extra calls), since the extra calls are in the cassette.
func TestNoiseDecisionReplaysFromTheCassette(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test ./suites/ twice, recording against the in-process emulator")
	}
	dir := framework.CopyCassettes(t)
	focus := "-ginkgo.label-filter=(area:cascade || area:conversation) && (model:claude-sonnet-4-5 || model:claude-opus-4-7 || model:nova-lite)"
	vars := []string{env.Cassettes + "=" + dir, env.CassetteCache + "=" + t.TempDir()}
	recorded := t.TempDir()
	out, ok := goTestSuites(t, []string{focus}, append(vars, env.Mode+"=record", env.Target+"=emulator", env.EmulatorProfiles+"=routing",
		env.EmulatorNoiseSeed+"=5", env.EmulatorRegions+"=1,1,1,1", env.ReportDir+"="+recorded)...)
	if !ok {
		t.Fatalf("the record run under routing noise failed:\n%s", out)
	}
	rec := readRows(t, recorded)
	noisy := 0
	for spec, r := range rec {
		if !r.Outcome.Passed() {
			t.Errorf("recorded %q: %s: %s", spec, r.Outcome, r.Message)
		}
		if r.RoutingMisses > 0 {
			noisy++
		}
	}
	if noisy == 0 {
		t.Fatalf("Expected\nsome of %d specs\nto meet routing misses under four equal Regions", len(rec))
	}
	t.Logf("%d of %d specs met routing misses", noisy, len(rec))
	replayed := t.TempDir()
	if out, ok := goTestSuites(t, []string{focus}, append(vars, env.ReportDir+"="+replayed)...); !ok {
		t.Fatalf("the cassettes recorded under noise do not replay:\n%s", out)
	}
	for spec, r := range readRows(t, replayed) {
		want := rec[spec]
		if !r.Outcome.Passed() || r.RoutingMisses != want.RoutingMisses || r.NoiseCalls != want.NoiseCalls || r.Calls != want.Calls {
			t.Errorf("replayed %q: %s, %d routing misses, %d extra calls, %d calls; recorded %d, %d, %d", spec, r.Outcome, r.RoutingMisses, r.NoiseCalls, r.Calls, want.RoutingMisses, want.NoiseCalls, want.Calls)
		}
	}
}
