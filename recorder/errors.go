package recorder

import (
	"errors"
	"fmt"
	"strings"

	"gopkg.in/dnaeon/go-vcr.v2/cassette"
)

// MissError is returned, through the SDK's error chain, when a replayed
// request does not match the next recorded interaction of the spec's
// cassette (replay is strictly in recorded order). It unwraps to go-vcr's
// cassette.ErrInteractionNotFound, which the replay retryer never retries.
type MissError struct {
	// Spec names the spec that sent the request.
	Spec string
	// Cassette is the cassette file.
	Cassette string
	// Method and Path identify the request (the path as matched, escaped).
	Method, Path string
	// Call is the request's position among the spec's requests, from 1.
	Call int
	// Recorded counts the cassette's interactions.
	Recorded int
	// Next is the index of the interaction the request should have
	// matched, or -1 when every recorded one was already replayed.
	Next int
	// Diff shows how the request differs from interaction Next: request
	// line, account and body by JSON path (see BodyDiff).
	Diff string
	// Elsewhere is the index of another interaction the request matches,
	// or -1: the spec now sends its requests in another order.
	Elsewhere int
	// Rerecord is the command that records the spec again.
	Rerecord string
}

func (e *MissError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cassette miss in spec %q\n  cassette: %s\n  request:  %s %s (call %d of the spec)\n", e.Spec, e.Cassette, e.Method, e.Path, e.Call)
	if e.Next < 0 {
		fmt.Fprintf(&b, "  all %d recorded interactions were already replayed: the spec now sends more requests than when it was recorded\n", e.Recorded)
	} else {
		fmt.Fprintf(&b, "  it differs from the next recorded request, interaction %d of %d, at\n", e.Next, e.Recorded)
		for _, line := range strings.Split(strings.TrimRight(e.Diff, "\n"), "\n") {
			b.WriteString("    " + line + "\n")
		}
	}
	if e.Elsewhere >= 0 {
		fmt.Fprintf(&b, "  it matches interaction %d instead: the spec now sends its requests in another order\n", e.Elsewhere)
	}
	fmt.Fprintf(&b, "  if the change is intended, re-record with:\n    %s", e.Rerecord)
	return b.String()
}

// Unwrap returns cassette.ErrInteractionNotFound.
func (e *MissError) Unwrap() error { return cassette.ErrInteractionNotFound }

// ErrCorruptResponse is the cause a *CassetteError wraps when a recorded
// response cannot be what the service sent (see Session): an event stream
// that does not decode whole, or a JSON body that does not parse.
var ErrCorruptResponse = errors.New("a recorded response is corrupt")

// CassetteError is returned by Open when the spec's cassette cannot be used
// for replay: it is missing, unreadable or corrupt; and, through the SDK's
// error chain, by a replayed call whose recorded response is corrupt
// (ErrCorruptResponse). The replay retryer never retries it.
type CassetteError struct {
	// Spec names the spec.
	Spec string
	// Cassette is the cassette file.
	Cassette string
	// Err is the cause: cassette.ErrCassetteNotFound for a missing file,
	// ErrCorruptResponse for a corrupt recorded response, a read or YAML
	// error otherwise.
	Err error
	// Rerecord is the command that records the spec again.
	Rerecord string
}

func (e *CassetteError) Error() string {
	what := "cannot be read"
	switch {
	case e.Err == cassette.ErrCassetteNotFound:
		what = "does not exist"
	case strings.HasPrefix(e.Err.Error(), "yaml:") || errors.Is(e.Err, ErrCorruptResponse):
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
