package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/bedrock/types"

	"github.com/cachecascade/cachecascade/recorder"
	"github.com/cachecascade/cachecascade/report"
)

// fakeSuites is a stand-in for the suites' test binary: it files the rows
// the test prepared for its phase (named by its report directory) and, in
// record mode, rewrites the cassette and manifest it was given.
const fakeSuites = `#!/bin/sh
phase=$(basename "$CACHECASCADE_REPORT_DIR")
cp "$FAKE_DIR/$phase.json" "$CACHECASCADE_REPORT_DIR/matrix.json" || exit 3
[ -f "$FAKE_DIR/$phase.ginkgo" ] && cp "$FAKE_DIR/$phase.ginkgo" "$CACHECASCADE_REPORT_DIR/ginkgo.json"
[ -f "$FAKE_DIR/$phase.spend" ] && cp "$FAKE_DIR/$phase.spend" "$CACHECASCADE_REPORT_DIR/spend.json"
echo "budget USD=$CACHECASCADE_BUDGET_USD" > "$CACHECASCADE_REPORT_DIR/budget"
if [ -f "$FAKE_DIR/$phase.touch" ]; then
	cp "$FAKE_DIR/$phase.touch" "$CACHECASCADE_CASSETTES/cascade/m/a.yaml"
	cp "$FAKE_DIR/$phase.manifest" "$CACHECASCADE_CASSETTES/manifest.json"
fi
exit $(cat "$FAKE_DIR/$phase.exit" 2>/dev/null || echo 0)
`

// doScenario is one run of the phases against fakeSuites.
type doScenario struct {
	rows    map[string][]report.Row // per phase directory: replay, live, confirm, rerecord, verify
	touches map[string]bool         // phases that rewrite cascade/m/a.yaml and its manifest entry
	exits   map[string]int          // phases that exit with a status other than 0
	lister  profileLister           // the drift check's listing; nil lists no profile
	ginkgo  map[string]string       // per phase, the ginkgo.json it writes
	spend   map[string]string       // per phase, the spend.json it writes
	budget  float64                 // the night's budget in dollars; 0 is none
}

// runDo prepares a cassette directory holding cascade/m/a.yaml and its
// manifest, runs nightly.night (the drift check with the scenario's lister,
// then the phases) with fakeSuites and returns the exit status, the run and
// the cassette directory.
func runDo(t *testing.T, sc doScenario) (int, *nightly, string) {
	t.Helper()
	dir, fake := t.TempDir(), t.TempDir()
	cassettes := filepath.Join(dir, "cassettes")
	writeFile(t, filepath.Join(cassettes, "cascade/m/a.yaml"), "a1")
	writeFile(t, filepath.Join(cassettes, recorder.ManifestFile), testManifest)
	for phase, rows := range sc.rows {
		js, err := report.Matrix{Rows: rows}.JSON()
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(fake, phase+".json"), string(js))
		if sc.touches[phase] {
			writeFile(t, filepath.Join(fake, phase+".touch"), "a2 from "+phase)
			writeFile(t, filepath.Join(fake, phase+".manifest"), strings.Replace(testManifest, "2026-01-01T00:00:00Z", "2026-03-03T00:00:00Z", 1))
		}
	}
	for phase, js := range sc.ginkgo {
		writeFile(t, filepath.Join(fake, phase+".ginkgo"), js)
	}
	for phase, js := range sc.spend {
		writeFile(t, filepath.Join(fake, phase+".spend"), js)
	}
	for phase, code := range sc.exits {
		writeFile(t, filepath.Join(fake, phase+".exit"), fmt.Sprint(code))
	}
	bin := filepath.Join(fake, "suites.test")
	writeFile(t, bin, fakeSuites)
	if err := os.Chmod(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FAKE_DIR", fake)
	n := &nightly{options: options{target: "emulator", timeout: time.Minute, budgetUSD: sc.budget}, suites: dir, cassettes: cassettes,
		reports: filepath.Join(dir, "reports"), backup: filepath.Join(dir, "backup"), bin: bin, stderr: &bytes.Buffer{}, lister: sc.lister}
	if n.lister == nil {
		n.lister = func(context.Context) ([]types.InferenceProfileSummary, error) { return nil, nil }
	}
	if err := copyTree(cassettes, n.backup); err != nil {
		t.Fatal(err)
	}
	var err error
	if n.before, err = hashTree(cassettes); err != nil {
		t.Fatal(err)
	}
	return n.night(context.Background()), n, cassettes
}

func phaseNames(ps []Phase) string {
	var out []string
	for _, p := range ps {
		s := p.Name
		if !p.Ran {
			s += " (not run)"
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

// TestDoPhases runs the phases against a fake suites binary in each of the
// ways a night can end, and checks the exit status, the phases run, the
// classification and the cassettes left behind.
func TestDoPhases(t *testing.T) {
	const spec = "spec a"
	old := row(spec, report.Pass, 2, 100, 100)
	changed := row(spec, report.Pass, 2, 0, 200)
	other := row("spec z", report.Pass, 1, 0, 0)

	t.Run("nothing differs", func(t *testing.T) {
		code, n, cassettes := runDo(t, doScenario{rows: map[string][]report.Row{"replay": {old, other}, "live": {old, other}}})
		if code != ExitSame || phaseNames(n.sum.Phases) != "replay, live, second live (not run), re-record (not run), replay re-recorded (not run)" || n.sum.Compared != 2 {
			t.Errorf("exit %d, phases %s, compared %d; problems %q", code, phaseNames(n.sum.Phases), n.sum.Compared, n.sum.Problems)
		}
		if readFile(t, filepath.Join(cassettes, "cascade/m/a.yaml")) != "a1" {
			t.Error("a cassette changed")
		}
	})

	t.Run("service changed", func(t *testing.T) {
		code, n, cassettes := runDo(t, doScenario{
			rows:    map[string][]report.Row{"replay": {old, other}, "live": {changed, other}, "confirm": {changed}, "rerecord": {changed}, "verify": {changed}},
			touches: map[string]bool{"rerecord": true},
		})
		if code != ExitServiceChanged || len(n.sum.Results) != 1 || n.sum.Results[0].Class != ServiceChanged || n.sum.Results[0].Restored {
			t.Fatalf("exit %d, results %+v, problems %q", code, n.sum.Results, n.sum.Problems)
		}
		if got := strings.Join(n.sum.Rewritten[spec], ","); got != "cascade/m/a.yaml" || len(n.sum.Restored) != 0 {
			t.Errorf("rewritten %q, restored %q", got, n.sum.Restored)
		}
		if readFile(t, filepath.Join(cassettes, "cascade/m/a.yaml")) != "a2 from rerecord" {
			t.Error("the re-recorded cassette was not kept")
		}
	})

	t.Run("non-deterministic", func(t *testing.T) {
		code, n, cassettes := runDo(t, doScenario{
			rows:    map[string][]report.Row{"replay": {old}, "live": {changed}, "confirm": {changed}, "rerecord": {old}, "verify": {old}},
			touches: map[string]bool{"rerecord": true},
		})
		if code != ExitNonDeterministic || len(n.sum.Results) != 1 || n.sum.Results[0].Class != NonDeterministic || !n.sum.Results[0].Restored {
			t.Fatalf("exit %d, results %+v, problems %q", code, n.sum.Results, n.sum.Problems)
		}
		if readFile(t, filepath.Join(cassettes, "cascade/m/a.yaml")) != "a1" || readFile(t, filepath.Join(cassettes, recorder.ManifestFile)) != testManifest {
			t.Error("the old cassette and its manifest entry were not put back byte for byte")
		}
		if strings.Join(n.sum.Restored, ",") != "cassettes/cascade/m/a.yaml" {
			t.Errorf("restored %q", n.sum.Restored)
		}
	})

	t.Run("replay changes a cassette", func(t *testing.T) {
		code, n, cassettes := runDo(t, doScenario{
			rows:    map[string][]report.Row{"replay": {old}, "live": {old}},
			touches: map[string]bool{"replay": true},
		})
		if code != ExitBroke || phaseNames(n.sum.Phases) != "replay" || strings.Join(n.sum.Restored, ",") != "all cassettes" {
			t.Errorf("exit %d, phases %s, restored %q", code, phaseNames(n.sum.Phases), n.sum.Restored)
		}
		if readFile(t, filepath.Join(cassettes, "cascade/m/a.yaml")) != "a1" || readFile(t, filepath.Join(cassettes, recorder.ManifestFile)) != testManifest {
			t.Error("the cassettes were not restored")
		}
	})

	// Issue 13: with no region or no credentials every spec failed while
	// opening its session and filed no row, and the night ended "nothing
	// differs" after 0 calls.
	t.Run("live fails without a failing row", func(t *testing.T) {
		code, n, _ := runDo(t, doScenario{rows: map[string][]report.Row{"replay": {old, other}, "live": nil}, exits: map[string]int{"live": 1}})
		if code != ExitBroke || !strings.Contains(strings.Join(n.sum.Problems, "\n"), "the suites failed (exit 1) but no spec filed a failure") {
			t.Errorf("exit %d, problems %q", code, n.sum.Problems)
		}
	})
	t.Run("live makes no call", func(t *testing.T) {
		failed := row(spec, report.Fail, 0, 0, 0)
		code, n, cassettes := runDo(t, doScenario{
			rows:    map[string][]report.Row{"replay": {old}, "live": {failed}, "rerecord": {failed}, "verify": {old}},
			touches: map[string]bool{"rerecord": true},
			exits:   map[string]int{"live": 1, "rerecord": 1},
		})
		if code != ExitBroke || phaseNames(n.sum.Phases) != "replay, live" || !strings.Contains(strings.Join(n.sum.Problems, "\n"), "the live phase made no call") {
			t.Errorf("exit %d, phases %s, problems %q", code, phaseNames(n.sum.Phases), n.sum.Problems)
		}
		if readFile(t, filepath.Join(cassettes, "cascade/m/a.yaml")) != "a1" {
			t.Error("a cassette changed")
		}
	})

	t.Run("no result", func(t *testing.T) {
		code, n, _ := runDo(t, doScenario{rows: map[string][]report.Row{"replay": nil}})
		if code != ExitBroke || len(n.sum.Problems) != 1 || !strings.Contains(n.sum.Problems[0], "runs no spec") {
			t.Errorf("exit %d, problems %q", code, n.sum.Problems)
		}
	})
}

// TestFailedRestoreKeepsBackup: when the cassettes cannot be restored from
// the backup, the temporary directory holding it is not removed.
func TestFailedRestoreKeepsBackup(t *testing.T) {
	tmp := t.TempDir()
	backup := filepath.Join(tmp, "cassettes")
	writeFile(t, filepath.Join(backup, "a.yaml"), "old")
	// Where the backup has a file, the cassettes have a non-empty
	// directory, which no rename replaces: the restore fails.
	cassettes := filepath.Join(t.TempDir(), "cassettes")
	writeFile(t, filepath.Join(cassettes, "a.yaml", "x"), "")
	n := &nightly{cassettes: cassettes, backup: backup, stderr: &bytes.Buffer{}}
	if code := n.interrupted(); code != ExitInterrupted || !n.keep || len(n.sum.Restored) != 0 {
		t.Fatalf("interrupted = %d, keep %v, restored %q, problems %q", code, n.keep, n.sum.Restored, n.sum.Problems)
	}
	n.removeTemp(tmp)
	if readFile(t, filepath.Join(backup, "a.yaml")) != "old" {
		t.Error("the backup was removed after a failed restore")
	}
	n.keep = false
	n.removeTemp(tmp)
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("the temporary directory was kept without a reason: %v", err)
	}
}
