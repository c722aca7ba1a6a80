package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// names lists a directory's entries.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// assertContent fails unless path holds want with permissions perm.
func assertContent(t *testing.T, path, want string, perm os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Errorf("%s holds %q, want %q", path, b, want)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != perm {
		t.Errorf("%s: mode %v (%v), want %v", path, st.Mode().Perm(), err, perm)
	}
}

func TestWriteFileCreatesAndReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	if err := WriteFile(path, []byte("first\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	assertContent(t, path, "first\n", 0o644)
	if err := WriteFile(path, []byte("second, longer\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	assertContent(t, path, "second, longer\n", 0o600)
	if err := WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	assertContent(t, path, "", 0o644)
	if got := names(t, dir); !slices.Equal(got, []string{"out.json"}) {
		t.Errorf("directory holds %q, want only out.json (a temporary file was left)", got)
	}
}

// TestWriteFileKeepsOldFileWhenAStepFails makes each step after creating
// the temporary file fail in turn: the old file keeps its content and
// permissions, and no temporary file is left.
func TestWriteFileKeepsOldFileWhenAStepFails(t *testing.T) {
	injected := errors.New("injected failure")
	steps := []struct {
		name string
		fail func() (restore func())
	}{
		{"write", func() func() {
			old := write
			// Half the data reaches the disk, then the device is full.
			write = func(f *os.File, b []byte) (int, error) {
				n, _ := old(f, b[:len(b)/2])
				return n, injected
			}
			return func() { write = old }
		}},
		{"chmod", func() func() {
			old := chmod
			chmod = func(*os.File, os.FileMode) error { return injected }
			return func() { chmod = old }
		}},
		{"fsync", func() func() {
			old := fsync
			fsync = func(*os.File) error { return injected }
			return func() { fsync = old }
		}},
		{"close", func() func() {
			old := closef
			closef = func(f *os.File) error { old(f); return injected }
			return func() { closef = old }
		}},
		{"rename", func() func() {
			old := rename
			rename = func(string, string) error { return injected }
			return func() { rename = old }
		}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "manifest.json")
			if err := os.WriteFile(path, []byte("old content\n"), 0o640); err != nil {
				t.Fatal(err)
			}
			restore := s.fail()
			err := WriteFile(path, []byte("new content that must not appear\n"), 0o644)
			restore()
			if !errors.Is(err, injected) {
				t.Fatalf("WriteFile = %v, want the injected failure", err)
			}
			assertContent(t, path, "old content\n", 0o640)
			if got := names(t, dir); !slices.Equal(got, []string{"manifest.json"}) {
				t.Errorf("directory holds %q after a failed write: the temporary file was not removed", got)
			}
		})
	}
}

// TestWriteFileCannotReplaceDirectory aims WriteFile at a non-empty
// directory, which no rename can replace: the real rename fails, and the
// directory, its file and the rest of the parent are as they were.
func TestWriteFileCannotReplaceDirectory(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "cassettes")
	if err := os.MkdirAll(target, 0o755); err != nil {
		t.Fatal(err)
	}
	inside := filepath.Join(target, "a.yaml")
	if err := os.WriteFile(inside, []byte("old cassette\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(target, []byte("not a directory"), 0o644); err == nil {
		t.Fatal("WriteFile replaced a non-empty directory")
	}
	if st, err := os.Stat(target); err != nil || !st.IsDir() {
		t.Fatalf("the directory is gone: %v", err)
	}
	assertContent(t, inside, "old cassette\n", 0o644)
	if got := names(t, dir); !slices.Equal(got, []string{"cassettes"}) {
		t.Errorf("parent holds %q after a failed write: the temporary file was not removed", got)
	}
}

func TestWriteFileMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "out.json")
	if err := WriteFile(path, []byte("x"), 0o644); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("WriteFile into a missing directory = %v, want os.ErrNotExist", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s exists after a failed write: %v", path, err)
	}
}
