package recorder_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/internal/modroot"
	"github.com/cachecascade/cachecascade/recorder"
)

func TestManifestGaps(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"cascade/nova-lite/none.yaml", "cascade/nova-lite/system_only.yaml", "cascade/nova-lite/.system_only.recording-1-2.yaml"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte("---\n"), 0o644)
	}
	os.WriteFile(filepath.Join(dir, recorder.ManifestFile), []byte(`{"cassettes":{
		"cascade/nova-lite/none.yaml":{"spec":"s","source":"emulator 0.1.0","sdk":{},"recorded":"2026-11-22T00:00:00Z"},
		"cascade/nova-lite/gone.yaml":{"spec":"s","source":"aws us-east-1","sdk":{},"recorded":"2026-11-22T00:00:00Z"}}}`), 0o644)
	unlisted, missing, err := recorder.ManifestGaps(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(unlisted, []string{"cascade/nova-lite/system_only.yaml"}) || !slices.Equal(missing, []string{"cascade/nova-lite/gone.yaml"}) {
		t.Errorf("ManifestGaps = %v, %v (a temporary recording must not count)", unlisted, missing)
	}
	if _, _, err := recorder.ManifestGaps(filepath.Join(dir, "absent")); err == nil {
		t.Error("ManifestGaps of a missing directory did not fail")
	}
}

func TestReadManifestCorruptOrMissing(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, recorder.ManifestFile), []byte(`{"cassettes":`), 0o644)
	if _, err := recorder.ReadManifest(dir); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("a corrupt manifest: %v", err)
	}
	if _, _, err := recorder.ManifestGaps(dir); err == nil {
		t.Error("ManifestGaps over a corrupt manifest did not fail")
	}
	if m, err := recorder.ReadManifest(t.TempDir()); err != nil || m.Cassettes == nil || len(m.Cassettes) != 0 {
		t.Errorf("a missing manifest: %#v, %v", m, err)
	}
	os.WriteFile(filepath.Join(dir, recorder.ManifestFile), []byte(`{"note":"n","cassettes":null}`), 0o644)
	if m, err := recorder.ReadManifest(dir); err != nil || m.Cassettes == nil || m.Note != "n" {
		t.Errorf("a manifest with null cassettes: %#v, %v", m, err)
	}
}

// TestManifestRoundTripsCassettes reads the repository's own manifest and
// writes it back: the bytes are the same, so a tool that rewrites the
// manifest (a record run, cmd/nightly restoring entries) changes only the
// entries it means to change.
func TestManifestRoundTripsCassettes(t *testing.T) {
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "cassettes")
	want, err := os.ReadFile(filepath.Join(dir, recorder.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	m, err := recorder.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Cassettes) == 0 || m.Note != recorder.ManifestNote {
		t.Fatalf("cassettes/manifest.json read as %d entries, note %q", len(m.Cassettes), m.Note)
	}
	out := t.TempDir()
	if err := recorder.WriteManifest(out, m); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(out, recorder.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Errorf("cassettes/manifest.json written back differs at byte %d:\n got  %q\n want %q", i, excerpt(got, i), excerpt(want, i))
	}
}

func excerpt(b []byte, i int) []byte {
	return b[max(0, i-60):min(len(b), i+60)]
}

func TestWriteManifest(t *testing.T) {
	dir := t.TempDir()
	if err := recorder.WriteManifest(dir, recorder.Manifest{Note: "n"}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, recorder.ManifestFile)); string(b) != "{\n  \"note\": \"n\",\n  \"cassettes\": {}\n}\n" {
		t.Errorf("an empty manifest is written as %q", b)
	}
	m := recorder.Manifest{Note: recorder.ManifestNote, Cassettes: map[string]recorder.Provenance{
		"limits/nova-lite/five.yaml": {Spec: "limits <five> & more", Source: "aws us-east-1", SDK: map[string]string{"github.com/aws/smithy-go": "v1.28.8"}, Recorded: "2026-11-22T03:00:15Z"},
		"isolation/claude/a.yaml":    {Spec: "isolation", Model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0", Source: "emulator 0.1.0 with profiles no-cascade", SDK: map[string]string{}, Recorded: "2026-11-22T03:00:16Z"},
	}}
	if err := recorder.WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	back, err := recorder.ReadManifest(dir)
	if err != nil || !reflect.DeepEqual(back, m) {
		t.Errorf("read back %#v, %v; want %#v", back, err, m)
	}
	b, _ := os.ReadFile(filepath.Join(dir, recorder.ManifestFile))
	if strings.Index(string(b), "isolation/claude/a.yaml") > strings.Index(string(b), "limits/nova-lite/five.yaml") || strings.Contains(string(b), `"model": ""`) {
		t.Errorf("entries out of order, or an empty model written:\n%s", b)
	}
	if st, err := os.Stat(filepath.Join(dir, recorder.ManifestFile)); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("manifest mode %v, %v; want 0644", st.Mode().Perm(), err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the manifest", len(entries))
	}
	if err := recorder.WriteManifest(filepath.Join(dir, "absent"), m); err == nil {
		t.Error("WriteManifest into a missing directory did not fail")
	}
}
