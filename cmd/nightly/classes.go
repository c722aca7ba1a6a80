package main

import (
	"fmt"
	"math"
	"strings"

	"github.com/cachecascade/cachecascade/report"
)

// Confirm classifies a change by the spec's row from the second live run:
// nil when the second run reproduces the live result and the spec passes
// (it goes on to be re-recorded); a rule broken (service changed, now
// fails; the old cassette stays) when it reproduces a spec that fails;
// non-deterministic when it agrees with the cassette or with neither run.
func Confirm(c Change, second report.Row) *Result {
	r := Result{Change: c, Evidence: Evidence{Confirm: &second}}
	switch {
	case c.Live.Outcome.Passed() && second.Outcome.Passed() && (c.Live.RoutingMisses > 0 || second.RoutingMisses > 0):
		// The service's noise, told apart by the suites (a call routed to
		// another Region's cache, an extra write): the counts moved with
		// the noise and the twins that settled it, not with the service.
		r.Class = NonDeterministic
		r.Note = fmt.Sprintf("the live runs passed by telling the service's noise from a broken rule (%d and %d routing misses, %d and %d extra calls): the counts moved with the noise, not the service; old cassette kept",
			c.Live.RoutingMisses, second.RoutingMisses, c.Live.NoiseCalls, second.NoiseCalls)
	case Same(second, c.Live) && c.Live.Outcome.Passed():
		return nil
	case Same(second, c.Live):
		r.Class, r.RuleBroken = ServiceChanged, true
		r.Note = fmt.Sprintf("a second live run reproduces the live result (%s again); the recorder saves passing specs only, so the old cassette stays", second.Outcome)
	case Same(second, c.Replay):
		r.Class, r.Note = NonDeterministic, "a second live run agrees with the old cassette; old cassette kept"
	default:
		r.Class, r.Note = NonDeterministic, "a second live run agrees with neither the cassette nor the live run (live → second: "+joinReasons(Differences(c.Live, second))+"); old cassette kept"
	}
	return &r
}

// DemoteFlakyRules reclassifies, in place, the "now fails" results of a
// rule that has at least as many non-deterministic results tonight: when
// half or more of a rule's differing cells did not reproduce, the service
// is flaky on that rule, and a cell that failed the same way twice may
// have done so by chance (random evictions at one lookup in eight
// reproduced 6 of 51 failures). Those become non-deterministic, their old
// cassettes kept. A rule whose cells mostly reproduce stays broken, even
// with a few flaky cells beside (a fault on a flaky night).
func DemoteFlakyRules(results []Result) {
	flaky, broken := map[string]int{}, map[string]int{}
	for _, r := range results {
		switch {
		case r.Class == NonDeterministic:
			flaky[ruleOf(r)]++
		case r.RuleBroken:
			broken[ruleOf(r)]++
		}
	}
	for i, r := range results {
		rule := ruleOf(r)
		if k := flaky[rule]; r.RuleBroken && k > 0 && k >= broken[rule] {
			results[i].Class, results[i].RuleBroken = NonDeterministic, false
			results[i].Note = fmt.Sprintf("a second live run reproduces the failure, but %d of the %d differing cells of rule %s did not reproduce tonight: the service is flaky on it, so this may be chance; old cassette kept", k, k+broken[rule], rule)
		}
	}
}

// NightMeasure is a total over the night's calls that the nightly compares
// between the cassettes and the live run, over the specs that agree one by
// one: a drift too small for any spec's tolerance, or in what no spec
// compares (output tokens), shows in the totals.
type NightMeasure struct {
	// Name names it.
	Name string
	// Get reads it off a row.
	Get func(report.Row) float64
	// Relative is how far the live total may be from the cassettes'.
	Relative float64
	// Format renders a total.
	Format string
}

// NightMeasures are the night's totals compared, each within its stated
// relative tolerance, when the compared specs made at least
// NightMinCalls calls. Output tokens vary with each night's salt (a new
// prompt, a reply of another length, at most 16 tokens): over 200 calls
// the emulator's replies (4 to 12 words) move their total by about 3%
// (one standard deviation), so 15% is more than four; another reply text
// moves it by half. Input tokens and cost follow the per-spec tolerances,
// tighter over many calls.
var NightMeasures = []NightMeasure{
	{"input tokens", func(r report.Row) float64 { return float64(r.InputTokens) }, 0.02, "%.0f"},
	{"output tokens", func(r report.Row) float64 { return float64(r.OutputTokens) }, 0.15, "%.0f"},
	{"cost", func(r report.Row) float64 { return r.CostUSD }, 0.01, "$%.4f"},
}

// NightMinCalls is the fewest calls over which the night's totals are
// compared: fewer leave the salt's noise above the tolerances.
const NightMinCalls = 200

// NightDrift compares the night's totals (see NightMeasures) of the specs
// both runs filed that are not among changed, and says how each that
// moved beyond its tolerance moved. It says nothing when those specs made
// fewer than NightMinCalls live calls.
func NightDrift(replay, live []report.Row, changed []string) []string {
	skip := map[string]bool{}
	for _, s := range changed {
		skip[s] = true
	}
	liveBy := index(live)
	var pairs [][2]report.Row
	calls := 0
	for _, r := range replay {
		l, ok := liveBy[r.Spec]
		if !ok || skip[r.Spec] || l.Outcome == report.Skipped {
			continue
		}
		pairs = append(pairs, [2]report.Row{r, l})
		calls += l.Calls
	}
	if calls < NightMinCalls {
		return nil
	}
	var out []string
	for _, m := range NightMeasures {
		var a, b float64
		for _, p := range pairs {
			a, b = a+m.Get(p[0]), b+m.Get(p[1])
		}
		if math.Abs(a-b) <= m.Relative*math.Max(a, b) {
			continue
		}
		pct := "new"
		if a != 0 {
			pct = fmt.Sprintf("%+.1f%%", 100*(b-a)/a)
		}
		out = append(out, fmt.Sprintf("%s "+m.Format+" → "+m.Format+" (%s, tolerance ±%.0f%%) over %d specs and %d calls that agree one by one",
			m.Name, a, b, pct, 100*m.Relative, len(pairs), calls))
	}
	return out
}

// rowsAsChanges wraps rows as changes, for a budget estimate of the specs
// they file (see refuseOverBudget).
func rowsAsChanges(rows []report.Row) []Change {
	out := make([]Change, len(rows))
	for i, r := range rows {
		out[i] = Change{Spec: r.Spec, Replay: r}
	}
	return out
}

// suiteTimedOut reports whether a Ginkgo JSON report says the suite ran
// out of its time.
func suiteTimedOut(reasons []string) bool {
	for _, r := range reasons {
		if strings.Contains(r, "Timeout") {
			return true
		}
	}
	return false
}
