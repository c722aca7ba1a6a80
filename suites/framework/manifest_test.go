package framework_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/suites/framework"
)

func TestManifestGaps(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"cascade/nova-lite/none.yaml", "cascade/nova-lite/system_only.yaml", "cascade/nova-lite/.system_only.recording-1-2.yaml"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte("---\n"), 0o644)
	}
	os.WriteFile(filepath.Join(dir, framework.ManifestFile), []byte(`{"cassettes":{
		"cascade/nova-lite/none.yaml":{"spec":"s","source":"emulator 0.1.0","sdk":{},"recorded":"2026-11-22T00:00:00Z"},
		"cascade/nova-lite/gone.yaml":{"spec":"s","source":"aws us-east-1","sdk":{},"recorded":"2026-11-22T00:00:00Z"}}}`), 0o644)
	unlisted, missing, err := framework.ManifestGaps(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(unlisted, []string{"cascade/nova-lite/system_only.yaml"}) || !slices.Equal(missing, []string{"cascade/nova-lite/gone.yaml"}) {
		t.Errorf("ManifestGaps = %v, %v (a temporary recording must not count)", unlisted, missing)
	}
	os.WriteFile(filepath.Join(dir, framework.ManifestFile), []byte(`{"cassettes":`), 0o644)
	if _, err := framework.ReadManifest(dir); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("a corrupt manifest: %v", err)
	}
	if m, err := framework.ReadManifest(t.TempDir()); err != nil || len(m.Cassettes) != 0 {
		t.Errorf("a missing manifest: %v, %v", m, err)
	}
}

func TestSDKVersions(t *testing.T) {
	env(t, "", "")
	r, err := framework.NewRun()
	if err != nil {
		t.Fatal(err)
	}
	v := r.SDKVersions()
	if !strings.HasPrefix(v["github.com/aws/aws-sdk-go-v2/service/bedrockruntime"], "v1.") || !strings.HasPrefix(v["github.com/aws/smithy-go"], "v1.") {
		t.Errorf("SDKVersions = %v, want bedrockruntime and smithy-go", v)
	}
}
