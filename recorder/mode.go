// Package recorder connects a Bedrock runtime client to go-vcr v2 cassettes.
//
// It provides the three modes of a run (replay from cassettes, record
// against a target, live against a target without writing); replay strictly
// in recorded order, each request checked against the next recorded one by
// the matcher (method, escaped path, the account that signed it, and the
// body: the same bytes, or the same canonical JSON, with account IDs in ARNs
// normalised); the header allowlist and redaction applied before anything
// reaches disk; atomic cassette saves; the cassette manifest; a retryer that
// fails a cassette miss at once; and errors that say which spec missed, in
// which cassette, how the request differs from the recorded request it
// should have matched, and the command that re-records it. It knows nothing
// about suites.
//
// The matcher does not normalise run salts. Redact replaces a record run's
// salt with fixtures.ZeroSalt before a cassette is saved, and replay runs
// build their requests with ZeroSalt, so a replayed request carries the
// recorded salt byte for byte; a request with any other salt misses, and
// the miss's diff shows the salt.
package recorder

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cachecascade/cachecascade/internal/env"
)

// Mode says where a client's responses come from.
type Mode string

// The modes of a run.
const (
	// Replay answers from cassettes only; no credentials, no network.
	Replay Mode = "replay"
	// Record calls the target and rewrites the spec's cassette atomically.
	Record Mode = "record"
	// Live calls the target and writes nothing.
	Live Mode = "live"
)

// ParseMode returns the mode with the given name; the empty name is Replay.
func ParseMode(name string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(name))); m {
	case "":
		return Replay, nil
	case Replay, Record, Live:
		return m, nil
	}
	return "", fmt.Errorf("recorder: %s=%q: want replay, record or live", env.Mode, name)
}

// ModeFromEnv returns the mode named by the variable env.Mode
// (CACHECASCADE_MODE), Replay when it is unset.
func ModeFromEnv() (Mode, error) { return ParseMode(os.Getenv(env.Mode)) }

// CallsTarget reports whether the mode sends requests to a real target.
func (m Mode) CallsTarget() bool { return m == Record || m == Live }

// CassettePath returns the path of a spec's cassette,
// root/<area>/<model>/<strategy>.yaml, with each part reduced to lower-case
// letters, digits, '.', '_' and '-'.
func CassettePath(root, area, model, strategy string) string {
	return filepath.Join(root, pathPart(area), pathPart(model), pathPart(strategy)+".yaml")
}

// pathPart makes s safe as one path element.
func pathPart(s string) string {
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '-'
		}
	}
	if len(b) == 0 || b[0] == '.' {
		b = append([]byte("_"), b...)
	}
	return string(b)
}
