package framework_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/internal/modroot"
	"github.com/cachecascade/cachecascade/recorder"
	"github.com/cachecascade/cachecascade/report"
	"github.com/cachecascade/cachecascade/suites/framework"
)

// cleanEnv returns the environment without any of cachecascade's or the
// AWS SDK's variables (so that nothing of the machine's leaks into a run),
// with the shared AWS files pointed at nothing, plus vars.
func cleanEnv(t *testing.T, vars ...string) []string {
	t.Helper()
	var out []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !strings.HasPrefix(k, env.Prefix) && !strings.HasPrefix(k, "AWS_") {
			out = append(out, kv)
		}
	}
	none := filepath.Join(t.TempDir(), "none")
	out = append(out, "AWS_CONFIG_FILE="+none, "AWS_SHARED_CREDENTIALS_FILE="+none, "AWS_EC2_METADATA_DISABLED=true", env.Quiet+"=1")
	return append(out, vars...)
}

// goTestSuites runs `go test ./suites/` in the module root, as a user
// would, with args and a clean environment plus vars, and returns its
// output and whether it passed.
func goTestSuites(t *testing.T, args []string, vars ...string) (string, bool) {
	t.Helper()
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", append([]string{"test", "-count=1", "./suites/", "-ginkgo.no-color"}, args...)...)
	cmd.Dir, cmd.Env = root, cleanEnv(t, vars...)
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// printedCommand returns the command a failed replay printed to record the
// cassette at path again: the line after "record it with:" in the block
// naming the cassette.
func printedCommand(t *testing.T, out, path string) string {
	t.Helper()
	_, after, ok := strings.Cut(out, "cassette: "+path+"\n")
	if !ok {
		t.Fatalf("the replay output does not name the cassette %s:\n%s", path, out)
	}
	_, after, ok = strings.Cut(after, "record it with:\n")
	if !ok {
		t.Fatalf("the replay output gives no command for %s:\n%s", path, out)
	}
	line, _, _ := strings.Cut(after, "\n")
	return strings.TrimSpace(line)
}

// TestPrintedRerecordCommandRestoresACassette deletes one cassette and
// corrupts another in a copy of cassettes/, replays their specs (each
// fails naming its cassette and the command that records it, and files a
// failing report row), runs each printed command as a user would, in a
// shell, and replays again: both cassettes are back and replay green.
func TestPrintedRerecordCommandRestoresACassette(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test ./suites/ four times, recording against the in-process emulator")
	}
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	dir := framework.CopyCassettes(t)
	m, err := recorder.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	broken := map[string]string{ // cassette → what the replay says of it
		"cascade/claude-sonnet-4-5/system_only.yaml": "does not exist",
		"cascade/nova-lite/none.yaml":                "is corrupt",
	}
	var focus []string
	for rel, what := range broken {
		path := filepath.Join(dir, rel)
		if what == "does not exist" {
			err = os.Remove(path)
		} else {
			err = os.WriteFile(path, []byte("version: 2\ninteractions: [ {request: \n"), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
		focus = append(focus, regexp.QuoteMeta(m.Cassettes[rel].Spec)+"$")
	}
	vars := []string{env.Cassettes + "=" + dir, env.CassetteCache + "=" + t.TempDir()}
	reports := t.TempDir()
	out, ok := goTestSuites(t, []string{"-ginkgo.focus=" + strings.Join(focus, "|")}, append(vars, env.ReportDir+"="+reports)...)
	if ok {
		t.Fatalf("the replay passed with a missing and a corrupt cassette:\n%s", out)
	}
	rows := readRows(t, reports)
	for rel, what := range broken {
		path := filepath.Join(dir, rel)
		if !strings.Contains(out, "does not exist\n    cassette: "+path) && what == "does not exist" ||
			!strings.Contains(out, "is corrupt\n    cassette: "+path) && what == "is corrupt" {
			t.Errorf("the replay does not say that %s %s:\n%s", path, what, out)
		}
		if r, ok := rows[m.Cassettes[rel].Spec]; !ok || r.Outcome != report.Fail || !strings.Contains(r.Message, path) {
			t.Errorf("the report row of %q: %+v (filed %v); want a failure naming %s", m.Cassettes[rel].Spec, r, ok, path)
		}
		command := printedCommand(t, out, path)
		cmd := exec.Command("sh", "-c", command)
		cmd.Dir, cmd.Env = root, cleanEnv(t, append(vars, env.ReportDir+"="+t.TempDir())...)
		if rec, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("the printed command failed: %s: %v\n%s", command, err, rec)
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("the printed command did not record %s: %v", path, err)
		}
	}
	if out, ok := goTestSuites(t, []string{"-ginkgo.focus=" + strings.Join(focus, "|")}, append(vars, env.ReportDir+"="+t.TempDir())...); !ok {
		t.Errorf("the re-recorded cassettes do not replay:\n%s", out)
	}
}

// readRows reads the rows of a run's matrix.json by spec.
func readRows(t *testing.T, reports string) map[string]report.Row {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(reports, "matrix.json"))
	if err != nil {
		t.Fatalf("no report: %v", err)
	}
	var doc struct{ Rows []report.Row }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	rows := map[string]report.Row{}
	for _, r := range doc.Rows {
		rows[r.Spec] = r
	}
	return rows
}
