//go:build !linux

package recorder

import (
	"io"
	"os"
)

// readAtMost reads the first len(b) bytes of the file at path into b
// (fewer if it is shorter) and returns them. See the Linux version.
func readAtMost(path string, b []byte) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	got, err := io.ReadFull(f, b)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	return b[:got], err
}
