package recorder

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"

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
// slower.

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
// this very YAML, and otherwise from the YAML, leaving a copy.
func loadInteractions(path string) ([]*cassette.Interaction, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	copyPath := cachePath(path)
	if copyPath != "" {
		if is, ok := readCopy(copyPath, sum); ok {
			return is, nil
		}
	}
	c, err := cassette.Load(strings.TrimSuffix(path, ".yaml"))
	if err != nil {
		return nil, err
	}
	if copyPath != "" {
		writeCopy(copyPath, sum, c.Interactions)
	}
	return c.Interactions, nil
}

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

// readCopy decodes the copy at copyPath if it was made from YAML with the
// given hash.
func readCopy(copyPath string, sum [sha256.Size]byte) ([]*cassette.Interaction, bool) {
	data, err := os.ReadFile(copyPath)
	if err != nil || len(data) < len(copyMagic)+sha256.Size || string(data[:len(copyMagic)]) != copyMagic ||
		!bytes.Equal(data[len(copyMagic):len(copyMagic)+sha256.Size], sum[:]) {
		return nil, false
	}
	r := copyReader{b: data[len(copyMagic)+sha256.Size:]}
	n := r.count()
	out := make([]*cassette.Interaction, 0, n)
	for i := 0; i < n && r.ok(); i++ {
		out = append(out, r.interaction())
	}
	return out, r.ok() && len(r.b) == 0
}

// writeCopy leaves a copy of the interactions parsed from YAML with the
// given hash; failing to is not an error (the next read parses again).
func writeCopy(copyPath string, sum [sha256.Size]byte, is []*cassette.Interaction) {
	w := copyWriter{b: append([]byte(copyMagic), sum[:]...)}
	w.count(len(is))
	for _, in := range is {
		w.interaction(in)
	}
	if os.MkdirAll(filepath.Dir(copyPath), 0o755) == nil {
		_ = atomicfile.WriteFile(copyPath, w.b, 0o644)
	}
}
