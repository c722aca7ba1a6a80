package main

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/report"
	"github.com/cachecascade/cachecascade/verdict"
)

// Change is a spec whose live result differs from its replay.
type Change struct {
	// Spec is the spec's full text.
	Spec string
	// Replay and Live are the spec's rows from the two runs.
	Replay, Live report.Row
	// Reasons say how they differ ("outcome pass → fail").
	Reasons []string
}

// Differences returns how two rows of the same spec differ, or nothing
// when they agree: the outcome, the number of calls, and each measure of
// Measures beyond its stated tolerance, for the larger call count. The
// service's noise a spec settled (its routing misses and extra calls) is no
// difference: the suites told it from a broken rule, and its verdict and
// counts are the cassette's; the summary reports it apart (writeNoise).
func Differences(a, b report.Row) []string {
	var out []string
	if a.Outcome != b.Outcome {
		out = append(out, fmt.Sprintf("outcome %s → %s", a.Outcome, b.Outcome))
	}
	if a.Calls != b.Calls {
		out = append(out, fmt.Sprintf("calls %d → %d", a.Calls, b.Calls))
	}
	calls := max(a.Calls, b.Calls)
	for _, m := range Measures {
		x, y := m.Get(a), m.Get(b)
		if !m.PerCall(calls).Same(x, y) {
			out = append(out, fmt.Sprintf("%s %d → %d (%+d)", m.Name, x, y, y-x))
		}
	}
	if ca, cb, ok := promptCosts(a, b); ok && !sameCost(ca, cb) {
		out = append(out, costReason(ca, cb))
	}
	return out
}

// Measure is one token count the nightly compares between the cassette
// and the live run, with the tolerance it allows per call.
type Measure struct {
	// Name names it in a reason ("read 100 → 0 (-100)").
	Name string
	// Get reads it off a row (a total over the spec's calls).
	Get func(report.Row) int
	// Tolerance is what one call may move it by between runs.
	Tolerance verdict.Tolerance
	// Why says where the tolerance comes from.
	Why string
}

// PerCall is the measure's tolerance for a total over calls calls: each
// call may move by the absolute allowance, and the relative one applies to
// the total as it does to each call's share.
func (m Measure) PerCall(calls int) verdict.Tolerance {
	return verdict.Tolerance{Absolute: calls * m.Tolerance.Absolute, Relative: m.Tolerance.Relative}
}

// Measures are the token counts compared spec by spec, with their stated
// tolerances. Output tokens are not among them: every live run sends a new
// salt, so every reply is to another prompt and its length varies from
// call to call; they are compared over the night instead (see NightDrift).
// The prompt cost is compared apart (see CostTolerance).
var Measures = []Measure{
	{"read", func(r report.Row) int { return r.CacheReadTokens }, verdict.BetweenRuns,
		"the real service moved a caching boundary by one token between days (write 1503, then read 1504)"},
	{"write", func(r report.Row) int { return r.CacheWriteTokens }, verdict.BetweenRuns,
		"as read"},
	{"input", func(r report.Row) int { return r.InputTokens }, verdict.Tolerance{Absolute: 2},
		"a boundary moving by one token moves it between the cache and the uncached input, plus one of tokenizer noise; 40 more a call is drift"},
}

// CostTolerance bounds how far a spec's prompt cost (its cost without the
// output tokens, see promptCosts) may move between the cassette and the
// live run: Relative of the larger cost, and never less than Absolute
// dollars. It follows the tokens compared above, but not only: a change in
// the TTL mix of the writes (cacheDetails), or in what the service bills,
// moves it with the same token totals.
var CostTolerance = struct {
	Relative, Absolute float64
}{Relative: 0.02, Absolute: 0.0001}

// promptCosts returns the prompt cost of two rows of a spec: the cost
// without the output tokens, priced as the catalog prices the model's
// invoked profile, since the output varies with each night's salt (a
// one-call spec with nothing cached moved its cost by 12% with its reply's
// length on the emulator). ok is false when the catalog does not know the
// model.
func promptCosts(a, b report.Row) (ca, cb float64, ok bool) {
	m, ok := matrix.Default().Lookup(a.Model)
	if !ok {
		return 0, 0, false
	}
	out := 1e-6 * m.InvokedPrices().Output
	return a.CostUSD - out*float64(a.OutputTokens), b.CostUSD - out*float64(b.OutputTokens), true
}

// costReason says how a cost moved.
func costReason(a, b float64) string {
	if a == 0 {
		return fmt.Sprintf("cost $%.4f → $%.4f", a, b)
	}
	return fmt.Sprintf("cost $%.4f → $%.4f (%+.1f%%)", a, b, 100*(b-a)/a)
}

// sameCost reports whether two costs are within CostTolerance.
func sameCost(a, b float64) bool {
	d := math.Abs(a - b)
	return d <= CostTolerance.Absolute || d <= CostTolerance.Relative*math.Max(math.Abs(a), math.Abs(b))
}

// Same reports whether two rows of a spec agree (see Differences).
func Same(a, b report.Row) bool { return len(Differences(a, b)) == 0 }

// Diff compares the replay rows with the live rows, spec by spec, and
// returns the specs that differ in the replay's order, and the specs only
// one side has (a spec skipped live, such as the manifest check, files no
// row there); those are not compared.
func Diff(replay, live []report.Row) (changes []Change, onlyReplay, onlyLive []string) {
	liveBy := index(live)
	replayBy := index(replay)
	for _, r := range replay {
		l, ok := liveBy[r.Spec]
		switch {
		case !ok:
			onlyReplay = append(onlyReplay, r.Spec)
			continue
		case l.Outcome == report.Skipped && r.Outcome != report.Skipped:
			// Skipped live with a reason, such as an end-of-life model
			// the service answers 404 for: nothing to compare.
			onlyReplay = append(onlyReplay, fmt.Sprintf("%s (skipped live: %s)", r.Spec, firstLine(l.Message)))
			continue
		}
		if d := Differences(r, l); len(d) > 0 {
			changes = append(changes, Change{Spec: r.Spec, Replay: r, Live: l, Reasons: d})
		}
	}
	for _, l := range live {
		if _, ok := replayBy[l.Spec]; !ok {
			onlyLive = append(onlyLive, l.Spec)
		}
	}
	return changes, onlyReplay, onlyLive
}

// firstLine returns the first line of s, or "no reason given" when s is
// empty.
func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if s == "" {
		return "no reason given"
	}
	return s
}

// index maps rows by spec text; a spec filed twice keeps its last row.
func index(rows []report.Row) map[string]report.Row {
	m := make(map[string]report.Row, len(rows))
	for _, r := range rows {
		m[r.Spec] = r
	}
	return m
}

// FocusArgs returns one -ginkgo.focus argument per spec, each an anchored,
// regexp-quoted match of exactly that spec. Ginkgo matches focus against
// the suite description, a space and the spec's full text.
func FocusArgs(suite string, specs []string) []string {
	out := make([]string, 0, len(specs))
	for _, s := range specs {
		out = append(out, "-ginkgo.focus="+FocusRegexp(suite, s))
	}
	return out
}

// FocusRegexp is the focus expression that selects exactly one spec.
func FocusRegexp(suite, spec string) string {
	return "^" + regexp.QuoteMeta(suite+" "+spec) + "$"
}

// Class is what a difference turned out to be.
type Class string

// The classes.
const (
	// ServiceChanged: re-recording reproduced the live result, so the
	// service now answers differently from the cassette.
	ServiceChanged Class = "service changed"
	// NonDeterministic: re-recording agreed with the old cassette (or
	// with neither run): the live run disagreed with itself.
	NonDeterministic Class = "non-deterministic"
	// RecordingBroke: the re-record run failed or crashed, or the new
	// cassette does not replay as recorded.
	RecordingBroke Class = "recording broke"
)

// Evidence is what the re-record and the replay after it found for one
// changed spec.
type Evidence struct {
	// Confirm is the spec's row from the second live run; nil if it did
	// not run.
	Confirm *report.Row
	// Rerecord is the spec's row from the record run; nil if it filed
	// none (the run crashed before, or did not run the spec).
	Rerecord *report.Row
	// Verify is the spec's row from replaying after the record run; nil
	// if it filed none.
	Verify *report.Row
	// Rewritten says whether the record run replaced the spec's cassette.
	Rewritten bool
	// RerecordCrashed and VerifyCrashed say whether those runs crashed
	// (an exit status other than 0 or 1, a timeout, no report).
	RerecordCrashed, VerifyCrashed bool
}

// Result is one changed spec, classified.
type Result struct {
	Change
	Evidence
	// Class is the classification.
	Class Class
	// RuleBroken marks a service change the spec now fails: the recorder
	// keeps only passing recordings, so the old cassette stays and a human
	// must decide whether the rule, the expectation or the service is
	// wrong.
	RuleBroken bool
	// Note explains the classification.
	Note string
	// Restored says the spec's old cassette was put back.
	Restored bool
}

// Classify decides what a difference was, from the re-record and the
// replay that followed it:
//
//   - recording broke: the record run crashed or filed no row for the
//     spec, or the new cassette does not replay as it was recorded;
//   - service changed: the re-recording reproduces the live result (same
//     outcome and calls, tokens within the noise) and its cassette replays
//     the same. When the spec fails against the changed service, the
//     recorder keeps the old cassette (it saves passing specs only): the
//     change is marked RuleBroken and the old cassette must still replay;
//   - non-deterministic: the re-recording agrees with the old cassette, or
//     with neither run.
func Classify(c Change, e Evidence) Result {
	r := Result{Change: c, Evidence: e}
	broke := func(note string) Result {
		r.Class, r.Note = RecordingBroke, note
		return r
	}
	switch {
	case e.Rerecord == nil && e.RerecordCrashed:
		return broke("the record run crashed before this spec filed a result")
	case e.Rerecord == nil:
		return broke("the record run filed no result for this spec")
	}
	rec := *e.Rerecord
	switch {
	case Same(rec, c.Live):
		r.Class = ServiceChanged
		if !e.Rewritten {
			if rec.Outcome.Passed() {
				return broke("the spec passed when re-recorded but its cassette was not rewritten")
			}
			r.RuleBroken = true
			if e.Verify == nil || !Same(*e.Verify, c.Replay) {
				return broke("the spec fails against the service as it did live, and the old cassette, kept, no longer replays as before" + verifyDetail(e.Verify, c.Replay))
			}
			r.Note = fmt.Sprintf("re-recording reproduces the live result (%s again); the recorder saves passing specs only, so the old cassette stays", rec.Outcome)
			return r
		}
		if e.Verify == nil {
			if e.VerifyCrashed {
				return broke("re-recorded, but the replay of the new cassette crashed")
			}
			return broke("re-recorded, but the replay of the new cassette filed no result")
		}
		if !Same(*e.Verify, rec) {
			return broke("re-recorded, but the new cassette does not replay as recorded" + verifyDetail(e.Verify, rec))
		}
		r.Note = "re-recorded; the new cassette replays the same (" + string(e.Verify.Outcome) + ")"
		return r
	case Same(rec, c.Replay):
		r.Class, r.Note = NonDeterministic, "re-recording agrees with the old cassette; old cassette kept"
		return r
	}
	r.Class, r.Note = NonDeterministic, "re-recording agrees with neither the cassette nor the live run (live → re-recorded: "+joinReasons(Differences(c.Live, rec))+"); old cassette kept"
	return r
}

// verifyDetail says, in parentheses, how a replay differs from the row it
// should have reproduced, or that it filed none.
func verifyDetail(got *report.Row, want report.Row) string {
	if got == nil {
		return " (no result)"
	}
	return " (" + joinReasons(Differences(want, *got)) + ")"
}

// joinReasons joins reasons with "; ".
func joinReasons(rs []string) string {
	s := ""
	for i, r := range rs {
		if i > 0 {
			s += "; "
		}
		s += r
	}
	return s
}

// The exit statuses of the program.
const (
	// ExitSame: no spec's live result differs from its replay.
	ExitSame = 0
	// ExitUsage: bad flags, or the program could not start (no Go, the
	// suites do not build).
	ExitUsage = 2
	// ExitServiceChanged: only service changes, every one re-recorded and
	// replaying green: commit cassettes/ (open a pull request).
	ExitServiceChanged = 10
	// ExitNonDeterministic: some live result disagreed with itself; the
	// old cassettes were kept for those specs (service changes, if any,
	// were still re-recorded).
	ExitNonDeterministic = 11
	// ExitBroke: a recording broke (those specs' old cassettes restored),
	// or a phase crashed (all cassettes restored).
	ExitBroke = 12
	// ExitRuleBroken: the service changed and a spec now fails against it;
	// its old cassette is kept; a human must look.
	ExitRuleBroken = 13
	// ExitTimeout: a phase ran out of its time (-timeout); the night is
	// incomplete and every cassette was restored.
	ExitTimeout = 14
	// ExitBudget: the night's one budget stopped it, before a phase
	// (estimated over what was left) or during one (spent); every cassette
	// was restored.
	ExitBudget = 15
	// ExitInterrupted: interrupted (Ctrl-C, SIGTERM); cassettes restored.
	ExitInterrupted = 130
)

// ExitCode is the program's exit status for a set of results: the worst
// of recording broke or a crashed phase (12), a service change that breaks
// a rule or a drift of the night's usage (13), non-deterministic (11),
// service changed (10), nothing (0). Timeouts and budget stops end the
// night before results are settled (see nightly.stopped).
func ExitCode(results []Result, crashed bool, nightDrift []string) int {
	if crashed {
		return ExitBroke
	}
	code := ExitSame
	if len(nightDrift) > 0 {
		code = ExitRuleBroken
	}
	for _, r := range results {
		c := ExitServiceChanged
		switch {
		case r.Class == RecordingBroke:
			c = ExitBroke
		case r.Class == NonDeterministic:
			c = ExitNonDeterministic
		case r.RuleBroken:
			c = ExitRuleBroken
		}
		code = worse(code, c)
	}
	return code
}

// ExitStatuses lists the exit statuses in the order the usage message and
// the summary explain them.
var ExitStatuses = []int{ExitSame, ExitServiceChanged, ExitNonDeterministic, ExitBroke, ExitRuleBroken, ExitTimeout, ExitBudget, ExitUsage, ExitInterrupted}

// ExitMeaning says what an exit status means, for the summary.
func ExitMeaning(code int) string {
	switch code {
	case ExitSame:
		return "nothing differs: the service answers as the cassettes say"
	case ExitServiceChanged:
		return "the service changed: the differing specs reproduced in a second live run, were re-recorded and replay green; commit cassettes/ (open a pull request)"
	case ExitNonDeterministic:
		return "non-deterministic: a live result did not reproduce in a second live run (or its re-recording); those specs' old cassettes were kept"
	case ExitBroke:
		return "a recording broke, a phase crashed or a spec filed no result, or the target failed its pre-flight: the affected cassettes were restored from the backup"
	case ExitRuleBroken:
		return "the service changed in a way the nightly cannot re-record: a spec now fails against it (reproduced in a second live run), or the night's usage drifted; every old cassette and the manifest kept; a rule, an expectation or the service is wrong: a human must look"
	case ExitTimeout:
		return "a phase timed out (-timeout): the night is incomplete and nothing was classified from the cut phase; every cassette restored"
	case ExitBudget:
		return "the night's budget stopped it (-budget, " + env.BudgetUSD + "): refused before a phase estimated over what was left, or spent during one; every cassette restored"
	case ExitInterrupted:
		return "interrupted: the cassettes were restored from the backup"
	case ExitUsage:
		return "the program could not run: bad flags or environment, a dirty cassette directory, or the suites do not build"
	}
	return fmt.Sprintf("exit status %d", code)
}

// Counts tallies results per class.
func Counts(results []Result) map[Class]int {
	m := map[Class]int{}
	for _, r := range results {
		m[r.Class]++
	}
	return m
}

// sortedKeys returns a set's keys in order.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
