package framework_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/internal/modroot"
	"github.com/cachecascade/cachecascade/recorder"
)

// TestRecordInParallelLeavesTheSerialManifest records the same specs against
// the emulator once serially and once over two Ginkgo processes, each into
// its own copy of the cassettes, and holds the two manifests equal but for
// the recording dates: provenance travels as report entries, so the manifest
// does not depend on which process recorded a spec.
func TestRecordInParallelLeavesTheSerialManifest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the Ginkgo CLI and runs the suites twice")
	}
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	const filter = "model:nova-lite && (area:limits || area:streaming)"
	manifests := map[string]recorder.Manifest{}
	for _, procs := range []string{"1", "2"} {
		dir := filepath.Join(t.TempDir(), "cassettes")
		if err := os.CopyFS(dir, os.DirFS(filepath.Join(root, "cassettes"))); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("go", "tool", "ginkgo", "run", "--no-color", "--succinct", "--procs="+procs, "--label-filter="+filter, "./suites")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), env.Mode+"=record", env.Target+"=emulator", env.Cassettes+"="+dir,
			env.ReportDir+"="+t.TempDir(), env.Quiet+"=1", env.Endpoint+"=", env.BearerToken+"=")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("record with --procs=%s: %v\n%s", procs, err, out)
		}
		m, err := recorder.ReadManifest(dir)
		if err != nil {
			t.Fatal(err)
		}
		manifests[procs] = m
	}
	before, err := recorder.ReadManifest(filepath.Join(root, "cassettes"))
	if err != nil {
		t.Fatal(err)
	}
	recorded := 0
	for path, p := range manifests["2"].Cassettes {
		if p.Recorded != before.Cassettes[path].Recorded {
			recorded++
		}
	}
	if recorded == 0 {
		t.Fatal("the parallel run updated no manifest entry: nothing was recorded")
	}
	undate := func(m recorder.Manifest) string {
		for k, p := range m.Cassettes {
			p.Recorded = ""
			m.Cassettes[k] = p
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	if a, b := undate(manifests["1"]), undate(manifests["2"]); !reflect.DeepEqual(a, b) {
		t.Errorf("the manifest of a record over two processes differs from a serial one's (dates aside)")
	}
	t.Logf("%d manifest entries recorded, the same serially and over two processes", recorded)
}
