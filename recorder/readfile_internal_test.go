package recorder

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
		if got, err := readAtMost(path, make([]byte, tc.n)); err != nil || string(got) != tc.want {
			t.Errorf("Expected\n%q, %v\nto equal the first %d bytes\n%q", got, err, tc.n, tc.want)
		}
	}
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, nil, 0o644)
	if got, err := readAtMost(empty, make([]byte, 8)); err != nil || len(got) != 0 {
		t.Errorf("an empty file gives %q, %v; want nothing", got, err)
	}
	_, err := readAtMost(filepath.Join(t.TempDir(), "missing"), make([]byte, 8))
	var pe *fs.PathError
	if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &pe) {
		t.Errorf("Expected\n%v\nto be a *fs.PathError for a file that does not exist", err)
	}
}

// TestSlabKeepsWhatItRead: files read one after another through a slab
// come back whole, each unchanged by the reads after it, and one asked for
// more than a chunk holds is read too.
func TestSlabKeepsWhatItRead(t *testing.T) {
	dir := t.TempDir()
	var s slab
	var got [][]byte
	var want []string
	for i := range 200 {
		content := strings.Repeat(string(rune('a'+i%26)), 1+i*37%3000)
		path := filepath.Join(dir, strconv.Itoa(i))
		os.WriteFile(path, []byte(content), 0o644)
		b, err := s.read(path, copyPrefix)
		if err != nil {
			t.Fatal(err)
		}
		got, want = append(got, b), append(want, content)
	}
	big := filepath.Join(dir, "big")
	os.WriteFile(big, []byte(strings.Repeat("z", slabChunk+10)), 0o644)
	if b, err := s.read(big, slabChunk+100); err != nil || len(b) != slabChunk+10 {
		t.Errorf("Expected\n%d bytes, %v\nto be the whole file of\n%d", len(b), err, slabChunk+10)
	}
	for i := range got {
		if string(got[i]) != want[i] || cap(got[i]) != len(got[i]) {
			t.Fatalf("Expected\nread %d (%d bytes, cap %d)\nto be the file's %d bytes, capped", i, len(got[i]), cap(got[i]), len(want[i]))
		}
	}
}
