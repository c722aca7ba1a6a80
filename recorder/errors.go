package recorder

import (
	"fmt"
	"strings"

	"gopkg.in/dnaeon/go-vcr.v2/cassette"
)

// MissError is returned, through the SDK's error chain, when a replayed
// request matches no unreplayed interaction of the spec's cassette. It
// unwraps to go-vcr's cassette.ErrInteractionNotFound, which the replay
// retryer never retries.
type MissError struct {
	// Spec names the spec that sent the request.
	Spec string
	// Cassette is the cassette file.
	Cassette string
	// Method and Path identify the request (the path as matched, escaped).
	Method, Path string
	// Recorded counts the cassette's interactions; SameRoute those with
	// the request's method and path.
	Recorded, SameRoute int
	// Identical counts recorded interactions equal to the request; when
	// positive, all of them were already replayed.
	Identical int
	// Nearest is the index of the recorded interaction closest to the
	// request, or -1 when there is none with the same method and path.
	Nearest int
	// Diff shows how the request differs from the nearest one (see
	// BodyDiff).
	Diff string
	// Rerecord is the command that records the spec again.
	Rerecord string
}

func (e *MissError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cassette miss in spec %q\n  cassette: %s\n  request:  %s %s\n", e.Spec, e.Cassette, e.Method, e.Path)
	switch {
	case e.Identical > 0:
		fmt.Fprintf(&b, "  the cassette holds %d identical request(s) and all were already replayed:\n  the spec now sends this request more often than when it was recorded\n", e.Identical)
	case e.Nearest < 0:
		fmt.Fprintf(&b, "  none of the cassette's %d interaction(s) is a %s to this path\n", e.Recorded, e.Method)
	default:
		fmt.Fprintf(&b, "  nearest recorded request: interaction %d of %d (%d to this path); it differs at\n", e.Nearest, e.Recorded, e.SameRoute)
		for _, line := range strings.Split(strings.TrimRight(e.Diff, "\n"), "\n") {
			b.WriteString("    " + line + "\n")
		}
	}
	fmt.Fprintf(&b, "  if the change is intended, re-record with:\n    %s", e.Rerecord)
	return b.String()
}

// Unwrap returns cassette.ErrInteractionNotFound.
func (e *MissError) Unwrap() error { return cassette.ErrInteractionNotFound }

// CassetteError is returned by Open when the spec's cassette cannot be used
// for replay: it is missing, unreadable or corrupt.
type CassetteError struct {
	// Spec names the spec.
	Spec string
	// Cassette is the cassette file.
	Cassette string
	// Err is the cause: cassette.ErrCassetteNotFound for a missing file,
	// a read or YAML error otherwise.
	Err error
	// Rerecord is the command that records the spec again.
	Rerecord string
}

func (e *CassetteError) Error() string {
	what := "cannot be read"
	switch {
	case e.Err == cassette.ErrCassetteNotFound:
		what = "does not exist"
	case strings.HasPrefix(e.Err.Error(), "yaml:"):
		what = "is corrupt"
	}
	return fmt.Sprintf("cassette for spec %q %s\n  cassette: %s\n  cause:    %v\n  record it with:\n    %s",
		e.Spec, what, e.Cassette, e.Err, e.Rerecord)
}

// Unwrap returns the cause.
func (e *CassetteError) Unwrap() error { return e.Err }

// TargetError is returned by Open when a record or live run cannot reach
// its target: no region, no credentials.
type TargetError struct {
	// Problem says what is missing.
	Problem string
	// Fix says how to provide it.
	Fix string
	// Err is the SDK's error, if any.
	Err error
}

func (e *TargetError) Error() string {
	s := "recorder: " + e.Problem
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s + "\n  " + e.Fix
}

// Unwrap returns the SDK's error.
func (e *TargetError) Unwrap() error { return e.Err }
