//go:build !linux

package recorder

import (
	"io"
	"os"
)

// readAtMost returns the first n bytes of the file at path (fewer if it is
// shorter). See the Linux version.
func readAtMost(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, n)
	got, err := io.ReadFull(f, b)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	return b[:got], err
}
