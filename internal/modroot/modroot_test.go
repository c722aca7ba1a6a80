package modroot_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/cachecascade/cachecascade/internal/modroot"
)

func TestFind(t *testing.T) {
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "cassettes")); err != nil {
		t.Errorf("Find = %q, which holds no cassettes/: %v", root, err)
	}
	if got, err := modroot.From(filepath.Join(root, "suites", "framework")); err != nil || got != root {
		t.Errorf("From(suites/framework) = %q, %v; want %q", got, err, root)
	}
	if _, err := modroot.From(t.TempDir()); !errors.Is(err, modroot.ErrNotFound) {
		t.Errorf("From outside the module: %v", err)
	}
}
