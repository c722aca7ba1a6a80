package report_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestMarkdownGolden compares the Markdown of the fixed matrix with
// testdata/matrix.golden.md; run with -update to rewrite it.
func TestMarkdownGolden(t *testing.T) {
	path := filepath.Join("testdata", "matrix.golden.md")
	got := fixture().Markdown()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -run TestMarkdownGolden -update)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("Markdown differs from %s (-want +got):\n%s", path, diff)
	}
}
