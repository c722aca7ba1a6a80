package recorder

import (
	"os"
	"syscall"
)

// readAtMost reads the first len(b) bytes of the file at path into b
// (fewer if it is shorter) and returns them. On Linux it reads with plain system calls, open, pread and
// close: os.Open would also query and twice change the descriptor's flags
// and try to register it with the poller, which on the CI's virtual
// machines costs more than the read (replay reads two small files per
// cassette: the head of its copy and its scan mark).
func readAtMost(path string, b []byte) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	got := 0
	for got < len(b) {
		k, err := syscall.Pread(fd, b[got:], int64(got))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if k == 0 {
			break
		}
		got += k
	}
	return b[:got], nil
}
