package framework_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/internal/modroot"
)

// runVerify runs scripts/verify with args and a clean environment plus
// vars, and returns its output and exit status.
func runVerify(t *testing.T, args []string, vars ...string) (string, int) {
	t.Helper()
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(root, "scripts", "verify"), args...)
	cmd.Dir, cmd.Env = root, cleanEnv(t, vars...)
	out, err := cmd.CombinedOutput()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return string(out), cmd.ProcessState.ExitCode()
}

// TestVerifyNeverReportsWorkNotDone: scripts/verify used to print a
// previous run's report ("12 specs: 12 pass") after a run that stopped
// before its first spec, and to pass a live run that made no call. Each now
// fails, with a last line that says why.
func TestVerifyNeverReportsWorkNotDone(t *testing.T) {
	if testing.Short() {
		t.Skip("runs scripts/verify twice")
	}
	t.Run("a run that stops before its first spec", func(t *testing.T) {
		reports := t.TempDir()
		stale := "A PREVIOUS RUN'S REPORT: 12 specs: 12 pass"
		if err := os.WriteFile(filepath.Join(reports, "matrix.md"), []byte(stale+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		out, code := runVerify(t, []string{"--label-filter=model:nova-lite && area:cascade"},
			env.Mode+"=live", env.Target+"=aws", env.ReportDir+"="+reports)
		if code == 0 || strings.Contains(out, stale) {
			t.Errorf("exit %d; the output shows the stale report: %v\n%s", code, strings.Contains(out, stale), out)
		}
		if !strings.Contains(out, "no AWS region") || !strings.Contains(out, "scripts/verify: FAILED: no report: no spec ran") {
			t.Errorf("the output does not say why and that no spec ran:\n%s", out)
		}
	})
	t.Run("a live run that makes no call", func(t *testing.T) {
		out, code := runVerify(t, []string{"--label-filter=area:hygiene", "--procs=1"},
			env.Mode+"=live", env.Target+"=emulator", env.ReportDir+"="+t.TempDir())
		if code == 0 || !strings.Contains(out, "scripts/verify: FAILED: the live run made no call against the target") {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})
}
