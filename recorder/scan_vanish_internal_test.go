package recorder

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/internal/env"
)

// leakLine is a cassette line holding an access-key-shaped string.
const leakLine = "---\nversion: 1\ninteractions:\n- request:\n    body: 'AKIAIOSFODNN7EXAMPLE'\n"

// TestScanSkipsTemporaryRecordings: a recording in progress
// (".NAME.recording-PID-N.yaml") is not a cassette; Scan neither reads
// nor reports it, but still reports a real cassette beside it.
func TestScanSkipsTemporaryRecordings(t *testing.T) {
	t.Setenv(env.CassetteCache, "off")
	dir := t.TempDir()
	sub := filepath.Join(dir, "cascade", "m")
	os.MkdirAll(sub, 0o755)
	os.WriteFile(filepath.Join(sub, ".x.recording-1-2.yaml"), []byte(leakLine), 0o644)
	os.WriteFile(filepath.Join(sub, "x.yaml"), []byte(leakLine), 0o644)
	got, err := Scan(dir)
	if err != nil {
		t.Fatalf("Scan = %v; want no error", err)
	}
	if len(got) != 1 || filepath.Base(got[0].File) != "x.yaml" {
		t.Errorf("Expected\n%v\nto be one finding, in x.yaml, none in the temporary recording", got)
	}
}

// TestScanToleratesVanishedFiles: a file that disappears between the walk
// and its read (another process's recording renamed or removed) is
// skipped, and every other cassette is still scanned.
func TestScanToleratesVanishedFiles(t *testing.T) {
	t.Setenv(env.CassetteCache, "off")
	dir := t.TempDir()
	for _, name := range []string{"a.yaml", "b.yaml", "c.yaml"} {
		os.WriteFile(filepath.Join(dir, name), []byte(leakLine), 0o644)
	}
	gone := filepath.Join(dir, "b.yaml")
	readYAML = func(name string) ([]byte, error) {
		if name == gone {
			os.Remove(name)
		}
		return os.ReadFile(name)
	}
	t.Cleanup(func() { readYAML = os.ReadFile })
	got, err := Scan(dir)
	if err != nil {
		t.Fatalf("Scan = %v; want the vanished file skipped", err)
	}
	var files []string
	for _, f := range got {
		files = append(files, filepath.Base(f.File))
	}
	if strings.Join(files, " ") != "a.yaml c.yaml" {
		t.Errorf("Expected\n%v\nto be findings in a.yaml and c.yaml", files)
	}
}

// TestScanStillFailsOnOtherErrors: an unreadable cassette is still an
// error; only a vanished file is skipped.
func TestScanStillFailsOnOtherErrors(t *testing.T) {
	t.Setenv(env.CassetteCache, "off")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(leakLine), 0o644)
	readYAML = func(string) ([]byte, error) { return nil, os.ErrPermission }
	t.Cleanup(func() { readYAML = os.ReadFile })
	if _, err := Scan(dir); err == nil {
		t.Errorf("Scan of an unreadable cassette = nil error; want the error")
	}
}
