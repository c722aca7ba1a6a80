// Package verdict decides whether what a target did with a request is what
// the documented rules expect. It compares an observation (the usage or
// error of one call) with an expectation (from the matrix oracle) using
// relations between measured token counts, never recorded numbers, with a
// stated tolerance for tokenizer noise; and it says "inconclusive", with how
// to fix the fixtures, when the observation cannot decide.
package verdict

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/usage"
)

// Tolerance bounds how far two token counts may be apart and still be
// "the same size": Absolute tokens plus Relative of the larger count.
type Tolerance struct {
	Absolute int
	Relative float64
}

// Of returns the allowed difference around a count of n tokens.
func (t Tolerance) Of(n int) int { return t.Absolute + int(t.Relative*float64(n)) }

// Same reports whether a and b are within the tolerance of each other.
func (t Tolerance) Same(a, b int) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	return d <= t.Of(max(a, b))
}

// The tolerances the verdicts use, and why.
var (
	// WithinRun compares a cache read with the write of the same bytes in
	// the same run: the service reads exactly what it wrote (Sonnet 4.5
	// wrote 1322 and read 1322), so no difference is allowed.
	WithinRun = Tolerance{}
	// BetweenRuns compares sizes of the same bytes measured on different
	// days, as a recording and a live run: a real boundary moved by one
	// token between days (write 1503, later read 1504).
	BetweenRuns = Tolerance{Absolute: 1}
	// Variant compares the size of a prefix with that of a same-length
	// variant of it (one layer's words replaced): tokenizers split other
	// words differently, so 3% of the prefix plus 8 tokens are allowed.
	Variant = Tolerance{Absolute: 8, Relative: 0.03}
)

// Outcome is what a verdict concludes.
type Outcome string

// The outcomes.
const (
	// Pass: the target did what the rules expect.
	Pass Outcome = "pass"
	// Fail: it did not.
	Fail Outcome = "fail"
	// ExpectedError: it rejected the request exactly as predicted.
	ExpectedError Outcome = "expected-error"
	// Inconclusive: the observation cannot decide; the Reason says how to
	// change the fixtures so that it can.
	Inconclusive Outcome = "inconclusive"
)

// Finding is a verdict on one observation.
type Finding struct {
	Outcome Outcome
	// Reason explains a Fail or Inconclusive, naming the expected and the
	// observed usage; for Pass and ExpectedError it says what was checked.
	Reason string
}

// OK reports whether the finding is a pass or an expected error.
func (f Finding) OK() bool { return f.Outcome == Pass || f.Outcome == ExpectedError }

// Observation is what one call did, with what is needed to read it.
type Observation struct {
	// Usage is the call's usage (zero if it failed).
	Usage usage.Usage
	// Err is the call's error, if any.
	Err error
	// Checkpoints are the layers of the request's effective checkpoints,
	// in prefix order.
	Checkpoints []prefix.Layer
	// Baseline is the size in tokens of the prefix through the last
	// checkpoint, measured as the write of the cell's priming call; zero
	// for the priming call itself.
	Baseline int
}

// Expectation is what the rules say one call must do.
type Expectation struct {
	// Reject, when set, is the rejection Validate predicts.
	Reject *matrix.Rejection
	// Prime marks the first call of a sequence: every checkpoint is
	// written and nothing is read.
	Prime bool
	// Hits are the checkpoints whose entries must be read (a leading run
	// of the observation's Checkpoints); the others must be written.
	Hits []prefix.Layer
	// MinTokens is the model's minimum cacheable prefix.
	MinTokens int
	// Implicit is true for models that may also read from the cache
	// without a checkpoint (Nova): reads are then not held to zero on a
	// miss, and misses are judged by what is written.
	Implicit bool
}

// Judge compares an observation with an expectation.
func Judge(e Expectation, o Observation) Finding {
	if e.Reject != nil {
		return judgeRejection(*e.Reject, o.Err)
	}
	if o.Err != nil {
		return fail("expected success, got error: %v", o.Err)
	}
	u := o.Usage
	if u.Prompt() == 0 {
		return fail("the response reported no usage (no input, cache read or cache write tokens); a target must report usage to be judged")
	}
	if !u.TotalsAddUp() {
		return fail("totalTokens %d ≠ input %d + output %d + read %d + write %d = %d in %v",
			u.Total, u.Input, u.Output, u.Read, u.Write, u.Input+u.Output+u.Read+u.Write, u)
	}
	readZero := func() bool { return u.Read == 0 || e.Implicit && u.Read < u.Prompt() }
	if len(o.Checkpoints) == 0 {
		if u.Write != 0 || !readZero() {
			return fail("expected no cache activity without checkpoints (write 0%s), observed %v", implicitNote(e), u)
		}
		return pass("no checkpoint, no cache write")
	}
	if e.Prime {
		switch {
		case u.Write > 0 && readZero():
			return pass(fmt.Sprintf("primed: wrote %d", u.Write))
		case u.Write == 0 && u.Prompt() < e.MinTokens:
			return Finding{Inconclusive, fmt.Sprintf("the whole prompt is %d tokens, below the %d-token minimum, so nothing can be cached and the cell tests nothing; enlarge the fixtures (fixtures.Spec ToolTokens/SystemTokens) so that the prefix through the first checkpoint is above %d tokens; observed %v",
				u.Prompt(), e.MinTokens, e.MinTokens, u)}
		}
		return fail("expected the first call to write the prefix through the last checkpoint (write > 0, read 0%s), observed %v", implicitNote(e), u)
	}
	b, tol := o.Baseline, Variant.Of(o.Baseline)
	want := describe(o.Checkpoints, e.Hits)
	switch hits := len(e.Hits); {
	case hits == len(o.Checkpoints):
		if u.Read != b || u.Write != 0 {
			return fail("expected %s: read = %d (what the first call wrote), write = 0; observed %v (%s)", want, b, u, Observed(o))
		}
	case hits == 0:
		if u.Write == 0 || !readZero() || !Variant.Same(u.Read+u.Write, b) {
			return fail("expected %s: read = 0%s, write ≈ %d ± %d; observed %v (%s)", want, implicitNote(e), b, tol, u, Observed(o))
		}
	default:
		if u.Read <= 0 || u.Read >= b || u.Write <= 0 || !Variant.Same(u.Read+u.Write, b) {
			return fail("expected %s: 0 < read < %d, write > 0, read + write ≈ %d ± %d; observed %v (%s)", want, b, b, tol, u, Observed(o))
		}
	}
	return pass(want)
}

// Observed describes which checkpoints the usage shows as hit, inferring
// from the read size: nothing read, all read (read equals the baseline), or
// a leading part.
func Observed(o Observation) string {
	u := o.Usage
	switch {
	case len(o.Checkpoints) == 0:
		return "no checkpoints"
	case u.Read == 0:
		return "observed: all miss"
	case o.Baseline > 0 && u.Read == o.Baseline:
		return "observed: all hit"
	case o.Baseline > 0 && u.Read < o.Baseline:
		return "observed: a leading part hit"
	}
	return fmt.Sprintf("observed: read %d of a %d-token prefix", u.Read, o.Baseline)
}

// describe renders the expected hits and misses per checkpoint.
func describe(cps, hits []prefix.Layer) string {
	var parts []string
	for i, l := range cps {
		if i < len(hits) {
			parts = append(parts, "hit at "+l.String())
		} else {
			parts = append(parts, "miss at "+l.String())
		}
	}
	return strings.Join(parts, ", ")
}

func implicitNote(e Expectation) string {
	if e.Implicit {
		return " or an implicit read"
	}
	return ""
}

func pass(why string) Finding { return Finding{Pass, why} }

func fail(format string, args ...any) Finding {
	return Finding{Fail, fmt.Sprintf(format, args...)}
}

// judgeRejection checks that err is the predicted service error: the same
// error code and, where the prediction has one, the same message.
func judgeRejection(r matrix.Rejection, err error) Finding {
	want := fmt.Sprintf("%s (%s at %s): %q", r.ErrorCode, r.Rule, r.Checkpoint.Path(), r.Message)
	if err == nil {
		return fail("expected the service to reject the request with %s, but it succeeded", want)
	}
	var api smithy.APIError
	if !errors.As(err, &api) {
		return fail("expected %s, got a non-service error: %v", want, err)
	}
	if api.ErrorCode() != r.ErrorCode || r.Message != "" && api.ErrorMessage() != r.Message {
		return fail("expected %s, got %s: %q", want, api.ErrorCode(), api.ErrorMessage())
	}
	var status interface{ HTTPStatusCode() int }
	if errors.As(err, &status) && status.HTTPStatusCode() != r.Status {
		return fail("expected %s with status %d, got status %d", want, r.Status, status.HTTPStatusCode())
	}
	return Finding{ExpectedError, "rejected as predicted: " + want}
}

// JudgeTurn checks one turn of an incrementally cached conversation: it
// reads exactly the prefix the previous turn cached (previous = read + write
// of that turn) and writes only the new part.
func JudgeTurn(previous int, o Observation) Finding {
	u := o.Usage
	if o.Err != nil {
		return fail("expected success, got error: %v", o.Err)
	}
	if !u.TotalsAddUp() {
		return fail("totalTokens %d does not add up in %v", u.Total, u)
	}
	if u.Read != previous || u.Write <= 0 {
		return fail("expected the turn to read the %d tokens the previous turn cached and write the new part (read = %d, write > 0); observed %v", previous, previous, u)
	}
	return pass(fmt.Sprintf("read the previous %d, wrote %d new", previous, u.Write))
}
