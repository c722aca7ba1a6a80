package framework

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cachecascade/cachecascade/internal/modroot"
)

// copyCassettes copies the project's cassettes into a new temporary
// directory, which it returns, for a test that records or damages them.
func copyCassettes(t *testing.T) string {
	t.Helper()
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "cassettes")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(root, "cassettes"))); err != nil {
		t.Fatal(err)
	}
	return dir
}

// CopyCassettes is copyCassettes for the package's external tests.
var CopyCassettes = copyCassettes
