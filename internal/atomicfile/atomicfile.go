// Package atomicfile replaces a file's content in one step: a reader, or
// the file after a crash, sees either the old content or the complete new
// content, never part of it. The report files, the cassette manifest and
// the cassettes cmd/nightly restores are written through it.
package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// The file operations WriteFile performs, in order after creating the
// temporary file. Tests in this package replace them to make one step fail.
var (
	write  = (*os.File).Write
	chmod  = (*os.File).Chmod
	fsync  = (*os.File).Sync
	closef = (*os.File).Close
	rename = os.Rename
)

// WriteFile writes data to path atomically. It creates a temporary file in
// path's directory (named "."+base+".*.tmp", so directory walks that skip
// dot files ignore it), writes data to it, sets its permissions to perm,
// flushes it to stable storage (fsync), closes it and renames it over path.
// The rename is the only step that touches path, so on any failure path
// keeps its old content (or stays absent) and the temporary file is
// removed.
//
// Unlike os.WriteFile, perm is applied exactly (the umask does not narrow
// it), the directory must already exist, and a symbolic link at path is
// replaced by a regular file rather than followed. Errors name path and
// wrap the cause, so errors.Is sees it.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return WriteWith(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteWith is WriteFile for content too large to hold at once: fill
// writes it to w, through a buffer, and an error from fill leaves path as
// it was, as any other failure does.
func WriteWith(path string, perm os.FileMode, fill func(w io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("atomicfile: write %s: %w", path, err)
	}
	closed := false
	defer func() {
		if err != nil {
			if !closed {
				tmp.Close()
			}
			os.Remove(tmp.Name())
			err = fmt.Errorf("atomicfile: write %s: %w", path, err)
		}
	}()
	bw := bufio.NewWriterSize(fileWriter{tmp}, 64<<10)
	if err = fill(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = chmod(tmp, perm); err != nil {
		return err
	}
	if err = fsync(tmp); err != nil {
		return err
	}
	closed = true
	if err = closef(tmp); err != nil {
		return err
	}
	return rename(tmp.Name(), path)
}

// fileWriter writes to a file through write, so that tests can make the
// write fail.
type fileWriter struct{ f *os.File }

func (w fileWriter) Write(p []byte) (int, error) { return write(w.f, p) }
