package recorder

import (
	"encoding/binary"
	"os"
	"syscall"
)

// fileStamp returns what changes whenever the file at path is written,
// replaced or touched: its device, inode and size, and its modification
// and status-change times to the nanosecond. The status-change time is
// set by the kernel on every write, rename or chmod and cannot be set by
// hand, so an equal stamp means the same bytes (git's index relies on the
// same). It returns nil when it cannot tell, and the caller reads the file.
func fileStamp(path string) []byte {
	info, err := os.Stat(path)
	if err != nil {
		return nil
	}
	return stampOf(info)
}

// stampOf returns fileStamp's bytes for a file already statted.
func stampOf(info os.FileInfo) []byte {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	b := make([]byte, 0, 56)
	for _, v := range []uint64{uint64(st.Dev), st.Ino, uint64(st.Size),
		uint64(st.Mtim.Sec), uint64(st.Mtim.Nsec), uint64(st.Ctim.Sec), uint64(st.Ctim.Nsec)} {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	return b
}
