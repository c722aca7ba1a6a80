package recorder

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestReadAtMost: the first n bytes of a longer file, all of a shorter one,
// nothing of an empty one, and a missing file's error as os.Open gives it.
func TestReadAtMost(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	os.WriteFile(path, []byte("0123456789"), 0o644)
	for _, tc := range []struct {
		n    int
		want string
	}{{4, "0123"}, {10, "0123456789"}, {64, "0123456789"}, {0, ""}} {
		if got, err := readAtMost(path, tc.n); err != nil || string(got) != tc.want {
			t.Errorf("Expected\n%q, %v\nto equal the first %d bytes\n%q", got, err, tc.n, tc.want)
		}
	}
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, nil, 0o644)
	if got, err := readAtMost(empty, 8); err != nil || len(got) != 0 {
		t.Errorf("an empty file gives %q, %v; want nothing", got, err)
	}
	_, err := readAtMost(filepath.Join(t.TempDir(), "missing"), 8)
	var pe *fs.PathError
	if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &pe) {
		t.Errorf("Expected\n%v\nto be a *fs.PathError for a file that does not exist", err)
	}
}
