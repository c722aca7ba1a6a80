package recorder

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"gopkg.in/dnaeon/go-vcr.v2/cassette"

	"github.com/cachecascade/cachecascade/internal/atomicfile"
	"github.com/cachecascade/cachecascade/internal/env"
)

// The cassette cache. A cassette's YAML file is the reviewed source of
// truth, but parsing YAML is most of what opening one costs. So each
// cassette read in replay leaves a binary copy (see copycodec.go) of its interactions
// in the cache directory, one file per cassette path, headed by the
// SHA-256 of the YAML it came from; a later read whose YAML hashes the same
// decodes the copy instead, and any other is parsed again and the copy
// rewritten. A missing, stale or unreadable copy is never an error, only
// slower. The cache keeps at most MaxCachedCopies copies: copies are keyed
// by the cassette's absolute path, so every temporary cassette directory a
// test replays from leaves its own; the first copy a process writes prunes
// the oldest (by modification time) beyond the cap.

// MaxCachedCopies caps the copies the cassette cache keeps: room for the
// cassettes of several checkouts (one holds about a thousand).
const MaxCachedCopies = 5000

// pruneOnce prunes the cache once per process, on its first write.
var pruneOnce sync.Once

// CassetteCacheDir returns the directory of the cassette cache:
// CACHECASCADE_CASSETTE_CACHE when set ("off" turns the cache off, and
// gives ""), or cachecascade/cassettes in the user's cache directory, or ""
// when there is none.
func CassetteCacheDir() string {
	switch v := os.Getenv(env.CassetteCache); v {
	case "off":
		return ""
	case "":
		dir, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		return filepath.Join(dir, "cachecascade", "cassettes")
	default:
		return v
	}
}

// loadInteractions returns the interactions of the cassette file path
// (ending in ".yaml"), from the cassette cache when it holds a copy of
// this very YAML, and otherwise from the YAML, leaving a copy. A copy made
// from the file as it stands now (the same fileStamp) is used without
// reading the YAML; any other is checked against the YAML's SHA-256.
func loadInteractions(path string) ([]*cassette.Interaction, error) {
	// The stamp is taken before the read: a write after it changes the
	// file's stamp, so the copy is never trusted for newer bytes.
	stamp := fileStamp(path)
	copyPath := cachePath(path)
	if copyPath != "" && stamp != nil {
		if is, ok := readCopy(copyPath, nil, stamp); ok {
			return is, nil
		}
	}
	data, err := readYAML(path)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	if copyPath != "" {
		if is, ok := readCopy(copyPath, &sum, nil); ok {
			if stamp != nil { // the same bytes in a touched file (a checkout): remember its stamp
				writeCopy(copyPath, sum, stamp, is)
			}
			return is, nil
		}
	}
	c, err := cassette.Load(strings.TrimSuffix(path, ".yaml"))
	if err != nil {
		return nil, err
	}
	if copyPath != "" {
		writeCopy(copyPath, sum, stamp, c.Interactions)
	}
	return c.Interactions, nil
}

// loadReplay returns what replay needs of the cassette file path: its
// interactions, and, when they come from the head of a copy made from the
// file as it stands (see readCopyHead), the digests of their request
// bodies, which are then left out. Otherwise the interactions are whole
// (see loadInteractions) and the digests nil.
// The stamp is the file's (see fileStamp), taken by the caller.
func loadReplay(path string, stamp []byte) ([]*cassette.Interaction, []bodyDigest, error) {
	if copyPath := cachePath(path); stamp != nil && copyPath != "" {
		if is, digests, ok := readCopyHead(copyPath, stamp); ok {
			return is, digests, nil
		}
	}
	is, err := loadInteractions(path)
	return is, nil, err
}

// readYAML reads a cassette's YAML; tests count the reads through it.
var readYAML = os.ReadFile

// cachePath returns where the copy of the cassette at path lives, or ""
// without a cache.
func cachePath(path string) string {
	dir := CassetteCacheDir()
	if dir == "" {
		return ""
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	key := sha256.Sum256([]byte(path))
	return filepath.Join(dir, hex.EncodeToString(key[:12])+".gob")
}

// readCopy decodes the copy at copyPath, request bodies included, if it
// was made from YAML with the given hash, or from the file with the given
// stamp (either may be nil).
func readCopy(copyPath string, sum *[sha256.Size]byte, stamp []byte) ([]*cassette.Interaction, bool) {
	data, err := os.ReadFile(copyPath)
	if err != nil {
		return nil, false
	}
	start, end, ok := copyHead(data, sum, stamp)
	if !ok || end > len(data) {
		return nil, false
	}
	is, sizes, _, ok := decodeHead(data[start:end])
	if !ok {
		return nil, false
	}
	bodies := data[end:]
	for i, n := range sizes {
		if n > len(bodies) {
			return nil, false
		}
		// The strings share the copy's bytes (see copyReader).
		if n > 0 {
			is[i].Request.Body = unsafe.String(&bodies[0], n)
		}
		bodies = bodies[n:]
	}
	return is, len(bodies) == 0
}

// copyPrefix is how much of a copy readCopyHead reads first: the fixed
// fields and, for nearly every cassette, all of the head (about 3 KB, and
// 5 KB at the 90th percentile, in today's matrix).
const copyPrefix = 8 << 10

// readCopyHead decodes the head of the copy at copyPath if it was made
// from the file with the given stamp: the interactions without their
// request bodies (left empty), and the bodies' digests. It reads the head
// alone, not the bodies after it.
func readCopyHead(copyPath string, stamp []byte) ([]*cassette.Interaction, []bodyDigest, bool) {
	buf, err := heads.read(copyPath, copyPrefix)
	if err != nil {
		return nil, nil, false
	}
	start, end, ok := copyHead(buf, nil, stamp)
	if ok && end > len(buf) {
		// A long head: read again up to its end, and check the fixed fields
		// again (the copy may have been replaced in between).
		if buf, err = heads.read(copyPath, end); err != nil {
			return nil, nil, false
		}
		var s2, e2 int
		s2, e2, ok = copyHead(buf, nil, stamp)
		ok = ok && s2 == start && e2 == end && end <= len(buf)
	}
	if !ok {
		return nil, nil, false
	}
	is, _, digests, ok := decodeHead(buf[start:end])
	return is, digests, ok
}

// heads is where readCopyHead reads copies' heads.
var heads slab

// slab reads small files into shared chunks of memory, each read taking
// the bytes it got rather than all it asked for: a copy's head is read by
// asking for copyPrefix bytes, and most are a third of that. So the pages a
// replay run touches for heads (dear on the CI's virtual machines, see
// readAtMost) are about the heads' size. What it returns may be kept: a
// chunk is never written again, and lives as long as anything read into it.
type slab struct {
	mu   sync.Mutex
	free []byte
}

// slabChunk is the size of a slab's chunks: room for about eighty heads.
const slabChunk = 256 << 10

// read returns the first n bytes of the file at path (fewer if it is
// shorter), as readAtMost does.
func (s *slab) read(path string, n int) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.free) < n {
		s.free = make([]byte, max(n, slabChunk))
	}
	b, err := readAtMost(path, s.free[:n:n])
	if err != nil {
		return nil, err
	}
	s.free = s.free[len(b):]
	return b[:len(b):len(b)], nil
}

// maxStamp bounds a file stamp's length: copies and scan marks write it
// with its length in one byte.
const maxStamp = 255

// maxHead bounds the head length a copy may claim.
const maxHead = 1 << 32

// copyHead checks the fixed fields at the start of a copy (data may hold
// only its start) against the YAML's hash or the file's stamp (either may
// be nil), and returns where its head starts and ends; the request bodies
// follow it.
func copyHead(data []byte, sum *[sha256.Size]byte, stamp []byte) (start, end int, ok bool) {
	if len(data) < len(copyMagic)+sha256.Size+1 || string(data[:len(copyMagic)]) != copyMagic {
		return 0, 0, false
	}
	gotSum := data[len(copyMagic) : len(copyMagic)+sha256.Size]
	n := int(data[len(copyMagic)+sha256.Size])
	start = len(copyMagic) + sha256.Size + 1
	if len(data) < start+n+8 {
		return 0, 0, false
	}
	gotStamp := data[start : start+n]
	if !(sum != nil && bytes.Equal(gotSum, sum[:]) || stamp != nil && n > 0 && bytes.Equal(gotStamp, stamp)) {
		return 0, 0, false
	}
	headLen := binary.LittleEndian.Uint64(data[start+n:])
	if headLen > maxHead {
		return 0, 0, false
	}
	start += n + 8
	return start, start + int(headLen), true
}

// decodeHead decodes a copy's head: the interactions without request
// bodies, each body's size and digests.
func decodeHead(head []byte) ([]*cassette.Interaction, []int, []bodyDigest, bool) {
	r := copyReader{b: head}
	count := r.count()
	is := make([]*cassette.Interaction, 0, count)
	sizes := make([]int, 0, count)
	digests := make([]bodyDigest, 0, count)
	for i := 0; i < count && r.ok(); i++ {
		in, n, d := r.interaction()
		is, sizes, digests = append(is, in), append(sizes, n), append(digests, d)
	}
	return is, sizes, digests, r.ok() && len(r.b) == 0
}

// writeCopy leaves a copy of the interactions parsed from YAML with the
// given hash and file stamp (nil when unknown); failing to is not an error
// (the next read parses again).
func writeCopy(copyPath string, sum [sha256.Size]byte, stamp []byte, is []*cassette.Interaction) {
	w := copyWriter{b: append([]byte(copyMagic), sum[:]...)}
	w.b = append(w.b, byte(len(stamp)))
	w.b = append(w.b, stamp...)
	lenAt := len(w.b)
	w.b = binary.LittleEndian.AppendUint64(w.b, 0)
	w.count(len(is))
	for _, in := range is {
		w.interaction(in)
	}
	binary.LittleEndian.PutUint64(w.b[lenAt:], uint64(len(w.b)-lenAt-8))
	for _, in := range is {
		w.b = append(w.b, in.Request.Body...)
	}
	if os.MkdirAll(filepath.Dir(copyPath), 0o755) == nil {
		_ = atomicfile.WriteFile(copyPath, w.b, 0o644)
		pruneOnce.Do(func() { pruneCopies(filepath.Dir(copyPath), MaxCachedCopies) })
	}
}

// pruneCopies removes the oldest copies (by modification time) from dir
// until at most keep remain; files that are not copies are left alone.
// Failing to is not an error: the cache is only a cache.
func pruneCopies(dir string, keep int) {
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) <= keep {
		return
	}
	type aged struct {
		name string
		mod  time.Time
	}
	var copies []aged
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".gob") {
			continue
		}
		if info, err := e.Info(); err == nil {
			copies = append(copies, aged{e.Name(), info.ModTime()})
		}
	}
	if len(copies) <= keep {
		return
	}
	slices.SortFunc(copies, func(a, b aged) int { return a.mod.Compare(b.mod) })
	for _, c := range copies[:len(copies)-keep] {
		_ = os.Remove(filepath.Join(dir, c.name))
	}
}
