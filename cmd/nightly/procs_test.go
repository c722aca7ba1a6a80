package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/internal/modroot"
)

// TestSuiteCommand: replays run the test binary in one process; the phases
// against the target run the Ginkgo CLI over -procs processes, randomized,
// with the same settings and selection; -procs 1 runs those alone too.
func TestSuiteCommand(t *testing.T) {
	n := &nightly{options: options{procs: 4, timeout: time.Hour}, root: "/m", suites: "/m/suites", bin: "/t/suites.test", ginkgo: "/t/ginkgo", link: "/m/suites/.nightly-1.test"}
	sel := []string{"-ginkgo.label-filter=family:nova"}
	replay := n.suiteCommand(context.Background(), "replay", "/r/replay", sel)
	if replay.Path != n.bin || replay.Dir != n.suites || !slices.Contains(replay.Args, "-ginkgo.label-filter=family:nova") || !slices.Contains(replay.Args, "-ginkgo.json-report=/r/replay/ginkgo.json") {
		t.Errorf("replay: %s in %s", replay.Args, replay.Dir)
	}
	live := n.suiteCommand(context.Background(), "live", "/r/live", sel)
	want := []string{"/t/ginkgo", "run", "--procs=4", "--randomize-all", "--timeout=1h0m0s", "--no-color", "--succinct", "--output-dir=/r/live",
		"--json-report=ginkgo.json", "--junit-report=junit.xml", "--label-filter=family:nova", "/m/suites/.nightly-1.test"}
	if !slices.Equal(live.Args, want) || live.Dir != n.root {
		t.Errorf("live:\n got %q in %s\nwant %q", live.Args, live.Dir, want)
	}
	n.procs = 1
	if rec := n.suiteCommand(context.Background(), "record", "/r/rerecord", nil); rec.Path != n.bin {
		t.Errorf("-procs 1: %s", rec.Args)
	}
	t.Setenv(env.Procs, "3")
	if defaultProcs() != 3 {
		t.Errorf("%s=3: default %d", env.Procs, defaultProcs())
	}
	t.Setenv(env.Procs, "")
	if defaultProcs() != DefaultProcs {
		t.Errorf("default %d", defaultProcs())
	}
}

// TestNightlyOverProcessesAgainstTheEmulator runs the program on Nova
// Lite's limits and streaming specs against the emulator with -procs 2: the
// live phase runs through the Ginkgo CLI over two processes that charge
// one tally, nothing differs, and the test binary's link is gone after.
func TestNightlyOverProcessesAgainstTheEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the suites and runs them four times")
	}
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	cassettes, reports := copyCassettes(t, root), t.TempDir()
	t.Setenv(env.Cassettes, cassettes)
	t.Setenv(env.ReportDir, reports)
	t.Setenv(env.Endpoint, "")
	t.Setenv(env.BearerToken, "")
	t.Setenv(env.GitHubStepSummary, "")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-target", "emulator", "-procs", "2", "-label-filter", "model:nova-lite && (area:limits || area:streaming)"}, &stdout, &stderr)
	if code != ExitSame {
		t.Fatalf("exit %d:\n%s\n%s", code, stderr.String(), stdout.String())
	}
	live := filepath.Join(reports, "nightly", "live")
	log := readFile(t, filepath.Join(live, "log"))
	if !strings.Contains(stderr.String(), "live: live mode") || !strings.Contains(stderr.String(), "2 processes") || !strings.Contains(log, "Ginkgo ran 1 suite") {
		t.Errorf("the live phase did not run over two processes through the Ginkgo CLI:\n%s\n%s", stderr.String(), log)
	}
	var spend struct{ Calls int }
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(live, "spend.json"))), &spend); err != nil || spend.Calls == 0 {
		t.Errorf("the live phase's tally: %+v, %v", spend, err)
	}
	if links, _ := filepath.Glob(filepath.Join(root, "suites", ".nightly-*.test")); len(links) > 0 {
		t.Errorf("the test binary's link is left: %q", links)
	}
	if !strings.Contains(stdout.String(), "2 processes against the target") {
		t.Errorf("the summary does not say how many processes ran:\n%s", stdout.String())
	}
}
