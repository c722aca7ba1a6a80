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
	"slices"
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
	// NotApplicable: the check does not apply to the cell (a TTL the SDK
	// cannot express, a checkpoint the API's body cannot carry).
	NotApplicable Outcome = "not-applicable"
	// Skipped: the check did not run (a label filter, a spent budget).
	Skipped Outcome = "skipped"
)

// Outcomes lists every outcome, worst first; reports order mixed cells and
// their legends this way.
var Outcomes = []Outcome{Fail, Inconclusive, Pass, ExpectedError, Skipped, NotApplicable}

// Valid reports whether o is one of Outcomes.
func (o Outcome) Valid() bool { return slices.Contains(Outcomes, o) }

// Passed reports whether o counts as a pass: Pass or ExpectedError.
func (o Outcome) Passed() bool { return o == Pass || o == ExpectedError }

// Finding is a verdict on one check: what it concluded, under which rule,
// for which cell and step, and why.
type Finding struct {
	Outcome Outcome
	// Rule is the documented rule the check judged: every report row and
	// the mutation run read the rule from here, never from the Reason.
	Rule matrix.Rule
	// Cell and Step name where the check was made ("cascade
	// claude-sonnet-4-5/system_only via invoke", "change system"); the
	// suites' framework fills them in.
	Cell, Step string
	// Reason explains a Fail or Inconclusive, naming the expected and the
	// observed usage; for Pass and ExpectedError it says what was checked.
	Reason string
	// ImplicitRead is the number of tokens the call read from cache with
	// no explicit entry to read (no checkpoint, or none cacheable) on a
	// model that caches implicitly (matrix.RuleImplicitRead): allowed,
	// never counted as a hit, and reported apart with its cost.
	ImplicitRead int
}

// OK reports whether the finding is a pass or an expected error.
func (f Finding) OK() bool { return f.Outcome.Passed() }

// String renders the finding as failure messages show it: the cell, the
// step, the rule in brackets, then the reason.
func (f Finding) String() string {
	var b strings.Builder
	if f.Outcome == Inconclusive {
		b.WriteString("INCONCLUSIVE ")
	}
	b.WriteString(f.Cell)
	if f.Step != "" {
		fmt.Fprintf(&b, ", step %q", f.Step)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "[%s] %s", f.Rule, f.Reason)
	return b.String()
}

// Check is the finding of a check that is a plain condition: Pass when ok,
// else Fail with the formatted reason, under rule r.
func Check(r matrix.Rule, ok bool, format string, args ...any) Finding {
	if ok {
		return Finding{Outcome: Pass, Rule: r, Reason: "checked: " + fmt.Sprintf(format, args...)}
	}
	return Finding{Outcome: Fail, Rule: r, Reason: fmt.Sprintf(format, args...)}
}

// Undecided is an Inconclusive finding under rule r: the reason must say
// how to change the fixtures so that the check can decide.
func Undecided(r matrix.Rule, format string, args ...any) Finding {
	return Finding{Outcome: Inconclusive, Rule: r, Reason: fmt.Sprintf(format, args...)}
}

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
	// Rule names the rule the call tests when it is not the one its
	// shape implies (RulePrime for a prime, RuleRepeat when every
	// checkpoint hits, RuleCascade otherwise): a TTL step tests
	// RuleTTLExpiry, an isolation step RuleIsolation, an accepted limit
	// RuleTooManyCheckpoints.
	Rule matrix.Rule
}

// rule returns the rule a non-prime call with the given checkpoints tests.
func (e Expectation) rule(checkpoints []prefix.Layer) matrix.Rule {
	switch {
	case e.Rule != "":
		return e.Rule
	case e.Prime:
		return matrix.RulePrime
	case len(checkpoints) > 0 && len(e.Hits) == len(checkpoints):
		return matrix.RuleRepeat
	}
	return matrix.RuleCascade
}

// Judge compares an observation with an expectation. Every finding names
// its rule: the predicted rejection's, RuleUsageReported for a response
// without usage or with totals that do not add up, RuleNoCheckpoint for a
// request without checkpoints, RulePrime for a prime, and otherwise the
// rule the expectation tests.
func Judge(e Expectation, o Observation) Finding {
	if e.Reject != nil {
		return JudgeRejection(*e.Reject, o.Err)
	}
	rule := e.rule(o.Checkpoints)
	if o.Err != nil {
		return fail(rule, "expected success, got error: %v", o.Err)
	}
	if f := JudgeUsage(o.Usage); !f.OK() {
		return f
	}
	switch {
	case len(o.Checkpoints) == 0:
		return judgeUncached(e, o.Usage)
	case e.Prime:
		return judgePrime(e, o.Usage)
	}
	return judgeHits(rule, e, o)
}

// JudgeUsage checks RuleUsageReported: the response reported usage, and
// totalTokens = input + output + read + write.
func JudgeUsage(u usage.Usage) Finding {
	if u.Prompt() == 0 {
		return fail(matrix.RuleUsageReported, "the response reported no usage (no input, cache read or cache write tokens); a target must report usage to be judged")
	}
	if !u.TotalsAddUp() {
		return fail(matrix.RuleUsageReported, "totalTokens %d ≠ input %d + output %d + read %d + write %d = %d in %v",
			u.Total, u.Input, u.Output, u.Read, u.Write, u.Input+u.Output+u.Read+u.Write, u)
	}
	return pass(matrix.RuleUsageReported, "usage reported, totals add up")
}

// readNothing reports whether a call read nothing it should not have: no
// read at all, or, on a model that caches implicitly, less than the whole
// prompt.
func readNothing(e Expectation, u usage.Usage) bool {
	return u.Read == 0 || e.Implicit && u.Read < u.Prompt()
}

// judgeUncached checks RuleNoCheckpoint on a call without checkpoints: it
// writes nothing, and reads only implicitly, on a model that caches
// implicitly (the finding then carries the read as ImplicitRead).
func judgeUncached(e Expectation, u usage.Usage) Finding {
	if u.Write != 0 || !readNothing(e, u) {
		return fail(matrix.RuleNoCheckpoint, "expected no cache activity without checkpoints (write 0%s), observed %v", implicitNote(e), u)
	}
	return implicitly(pass(matrix.RuleNoCheckpoint, "no checkpoint, no cache write"), u.Read)
}

// implicitly records on a passing finding that the call read n tokens
// implicitly, with no explicit entry to read.
func implicitly(f Finding, n int) Finding {
	if n > 0 {
		f.ImplicitRead = n
		f.Reason += fmt.Sprintf("; %d tokens read implicitly (%s)", n, matrix.RuleImplicitRead)
	}
	return f
}

// judgePrime checks RulePrime: the first call writes and reads nothing; a
// prompt too small to cache makes the cell inconclusive.
func judgePrime(e Expectation, u usage.Usage) Finding {
	switch {
	case u.Write > 0 && readNothing(e, u):
		return pass(matrix.RulePrime, fmt.Sprintf("primed: wrote %d", u.Write))
	case u.Write == 0 && u.Prompt() < e.MinTokens:
		return Undecided(matrix.RulePrime, "the whole prompt is %d tokens, below the %d-token minimum, so nothing can be cached and the cell tests nothing; enlarge the fixtures (fixtures.Spec ToolTokens/SystemTokens) so that the prefix through the first checkpoint is above %d tokens; observed %v",
			u.Prompt(), e.MinTokens, e.MinTokens, u)
	}
	return fail(matrix.RulePrime, "expected the first call to write the prefix through the last checkpoint (write > 0, read 0%s), observed %v", implicitNote(e), u)
}

// judgeHits checks a later call against the checkpoints that must hit: all
// of them (read what the prime wrote), none (write the prefix again), or a
// leading part (read some, write the rest).
func judgeHits(rule matrix.Rule, e Expectation, o Observation) Finding {
	u, b := o.Usage, o.Baseline
	tol := Variant.Of(b)
	want := describe(o.Checkpoints, e.Hits)
	switch hits := len(e.Hits); {
	case hits == len(o.Checkpoints):
		if u.Read != b || u.Write != 0 {
			return fail(rule, "expected %s: read = %d (what the first call wrote), write = 0; observed %v (%s)", want, b, u, Observed(o))
		}
	case hits == 0:
		if u.Write == 0 || !readNothing(e, u) || !Variant.Same(u.Read+u.Write, b) {
			return fail(rule, "expected %s: read = 0%s, write ≈ %d ± %d; observed %v (%s)", want, implicitNote(e), b, tol, u, Observed(o))
		}
		// Every checkpoint missed, so any read was implicit.
		return implicitly(pass(rule, want), u.Read)
	default:
		if u.Read <= 0 || u.Read >= b || u.Write <= 0 || !Variant.Same(u.Read+u.Write, b) {
			return fail(rule, "expected %s: 0 < read < %d, write > 0, read + write ≈ %d ± %d; observed %v (%s)", want, b, b, tol, u, Observed(o))
		}
	}
	return pass(rule, want)
}

// Observed describes which checkpoints the usage shows as hit (see Hits).
func Observed(o Observation) string {
	if len(o.Checkpoints) == 0 {
		return "no checkpoints"
	}
	hits, err := Hits(o)
	if err != nil {
		return fmt.Sprintf("observed: read %d of a %d-token prefix", o.Usage.Read, o.Baseline)
	}
	switch len(hits) {
	case 0:
		return "observed: all miss"
	case len(o.Checkpoints):
		return "observed: all hit"
	}
	return "observed: " + describe(o.Checkpoints, hits)
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

func pass(r matrix.Rule, why string) Finding { return Finding{Outcome: Pass, Rule: r, Reason: why} }

func fail(r matrix.Rule, format string, args ...any) Finding {
	return Finding{Outcome: Fail, Rule: r, Reason: fmt.Sprintf(format, args...)}
}

// JudgeRejection checks that err is the predicted service error, under the
// prediction's rule: the same error code, the same HTTP status where the
// error carries one and the prediction names one, and, where the
// prediction has one, the same message, verbatim.
func JudgeRejection(r matrix.Rejection, err error) Finding {
	want := fmt.Sprintf("%s (%s at %s): %q", r.ErrorCode, r.Rule, r.Where(), r.Message)
	if err == nil {
		return fail(r.Rule, "expected the service to reject the request with %s, but it succeeded", want)
	}
	var api smithy.APIError
	if !errors.As(err, &api) {
		return fail(r.Rule, "expected %s, got a non-service error: %v", want, err)
	}
	if api.ErrorCode() != r.ErrorCode || r.Message != "" && api.ErrorMessage() != r.Message {
		return fail(r.Rule, "expected %s, got %s: %q", want, api.ErrorCode(), api.ErrorMessage())
	}
	var status interface{ HTTPStatusCode() int }
	if r.Status != 0 && errors.As(err, &status) && status.HTTPStatusCode() != r.Status {
		return fail(r.Rule, "expected %s with status %d, got status %d", want, r.Status, status.HTTPStatusCode())
	}
	return Finding{Outcome: ExpectedError, Rule: r.Rule, Reason: "rejected as predicted: " + want}
}

// JudgeTurn checks one turn of an incrementally cached conversation under
// RuleLookBack: it reads exactly the prefix the previous turn cached
// (previous = read + write of that turn) and writes only the new part.
func JudgeTurn(previous int, o Observation) Finding {
	u := o.Usage
	if o.Err != nil {
		return fail(matrix.RuleLookBack, "expected success, got error: %v", o.Err)
	}
	if f := JudgeUsage(u); !f.OK() {
		return f
	}
	if u.Read != previous || u.Write <= 0 {
		return fail(matrix.RuleLookBack, "expected the turn to read the %d tokens the previous turn cached and write the new part (read = %d, write > 0); observed %v", previous, previous, u)
	}
	return pass(matrix.RuleLookBack, fmt.Sprintf("read the previous %d, wrote %d new", previous, u.Write))
}
