// Package modroot finds the root of the cachecascade module (the directory
// holding its go.mod) from the working directory up, so that the suites and
// the programs behind scripts/ find cassettes/ and reports/ wherever they
// are started inside the checkout.
package modroot

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
)

// Module is the module path the root's go.mod declares.
const Module = "github.com/cachecascade/cachecascade"

// ErrNotFound is returned when no directory from the working directory up
// holds the module's go.mod.
var ErrNotFound = errors.New("cannot find the cachecascade module root (its go.mod) above the working directory; run inside the checkout")

// Find returns the module root above the working directory.
func Find() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return From(dir)
}

// From returns the module root at or above dir.
func From(dir string) (string, error) {
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(b, []byte("module "+Module+"\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrNotFound
		}
		dir = parent
	}
}
