package framework_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/internal/modroot"
	"github.com/cachecascade/cachecascade/recorder"
	"github.com/cachecascade/cachecascade/suites/framework"
)

// TestRecordScriptCoversEveryLifecycle runs scripts/record against the
// emulator with a filter that names neither a gated model nor a lifecycle
// (the Converse threshold specs of the Claude 3 and 5 generations), into a
// copy of the cassettes, and holds that it re-recorded the specs of every
// model the filter selects: an active one, a gated one (which a run leaves out
// unless its filter names it) and an end-of-life one (which a run against
// a target leaves out). Before, the last two kept their old cassettes, so
// a change of every request left them stale while replay stayed green.
func TestRecordScriptCoversEveryLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("runs scripts/record: five Ginkgo runs")
	}
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	dir := framework.CopyCassettes(t)
	before, err := recorder.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(root, "scripts", "record"), "--target", "emulator", "--procs", "1",
		"--label-filter", "area:threshold && api:converse && (generation:claude-3 || generation:claude-5)")
	cmd.Dir, cmd.Env = root, cleanEnv(t, env.Cassettes+"="+dir, env.ReportDir+"="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/record: %v\n%s", err, out)
	}
	after, err := recorder.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, model := range []string{"claude-3-5-sonnet-v2", "claude-haiku-5-5", "claude-3-5-haiku"} {
		// The Converse cassettes of the model's threshold specs (the
		// InvokeModel ones, "invoke-…", are not selected).
		prefix := "threshold/" + model + "/"
		seen, recorded := 0, 0
		for path, p := range after.Cassettes {
			if !strings.HasPrefix(path, prefix) || strings.HasPrefix(strings.TrimPrefix(path, prefix), "invoke-") {
				continue
			}
			seen++
			if p.Recorded != before.Cassettes[path].Recorded {
				recorded++
			}
		}
		if seen == 0 || recorded != seen {
			t.Errorf("Expected\n%d of the %d Converse cassettes under %s\nto be recorded again by scripts/record\n%s", recorded, seen, prefix, out)
		}
	}
}
