package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

// Rule says how a failure names the rule a fault profile breaks: the failure
// names it when, for at least one group, every term of the group appears
// (case-insensitively) in the failure's message or its spec's text.
//
// Terms are chosen from the real failure messages the suites give under each
// fault, and to be specific to the rule: a term every failure says ("miss
// at", "minimum" in a threshold spec's text, "previous turn" in the
// conversation spec's text) would credit a spec that fails for another
// reason, so such a term is paired with one that only the rule's own check
// says.
type Rule [][]string

// rules maps every fault profile (emulator.Faults) to its rule. A fault
// without an entry is an error of this tool, found at start and by the unit
// tests: a new fault must be given the words that name its rule.
var rules = map[string]Rule{
	// cascade <cell>, step "change tools": expected miss at tools, miss at system ...
	"no-cascade": {{"cascade", "expected miss at"}},
	// threshold <model>, step "one checkpoint below": a 2007-token prefix,
	// below the 2048-token minimum, must not be cached ...
	// ("minimum" alone also matches "calibrate at 2.5x the minimum: totals
	// do not add up").
	"threshold-ignored": {{"minimum", "must not be cached"}},
	"threshold-off":     {{"minimum", "must not be cached"}},
	// nova <model>: a tools checkpoint must fail with *types.ValidationException
	// or, from the strategy cells: "expected the service to reject the request
	// with ValidationException (nova-tool-checkpoint at toolConfig.tools[0])".
	// ("toolConfig.tools" alone is in the Nova spec's text, whatever fails.)
	"nova-accepts-tool-checkpoints": {{"nova-tool-checkpoint"}, {"tools checkpoint", "ValidationException"}},
	// ttl <cell>, step "after 5m 30s more: expired": expected miss at system ...
	"ttl-never-expires": {{"expired", "expected miss at"}},
	// ttl <cell>, step "after 4m more (8m since the write): hit, because the
	// last hit refreshed it": expected hit at system ...
	// ("refresh" alone is in the TTL spec's text, which ttl-never-expires
	// also fails.)
	"no-refresh-on-hit": {{"refresh", "expected hit"}},
	// The parity checks: "the ConverseStream metadata event must report the
	// same input-side usage as Converse", and for InvokeModel "the stream's
	// usage ... must report the same input-side usage as InvokeModel".
	// ("ConverseStream" alone is in the accounting spec's text, which
	// totals-dont-add-up fails at its Converse prime.)
	"stream-drops-cache-usage": {{"metadata event", "ConverseStream"}, {"stream's usage", "same input-side usage"}},
	// totalTokens 57 ≠ input 49 + output 8 + read 0 + write 5507 = 5564, or
	// "totals do not add up in {...}".
	"totals-dont-add-up": {{"totalTokens", "≠"}, {"totals do not add up"}},
	// conversation <cell>, step "turn 2": expected the turn to read the 3578
	// tokens the previous turn cached ... ("previous turn" alone is in the
	// conversation spec's text.)
	"no-lookback": {{"previous turn cached"}},
	// isolation <cell>, step "the same request from a second account":
	// expected miss at system ...
	"shared-cache-across-accounts": {{"second account", "expected miss at"}},
	// limits <model>, step "five checkpoints": expected the service to reject
	// the request with ValidationException (too-many-checkpoints at ...):
	// "A maximum of 4 blocks with cache_control may be provided. Found 5."
	"checkpoint-limit-not-enforced": {{"too-many-checkpoints"}, {"maximum of 4"}},
	// limits <model> (and "<model> via invoke"), step "1h after 5m":
	// expected the service to reject the request with ValidationException
	// (ttl-order at messages[2].content[1]): "... a ttl='1h' cache_control
	// block must not come after a ttl='5m' cache_control block ...".
	// ("one-hour checkpoint after a five-minute one" is the spec's text,
	// which nova-accepts-one-hour also fails on Nova.)
	"ttl-order-not-enforced": {{"ttl-order"}, {"must not come after", "ttl='5m'"}},
	// nova <model>/system_only, step "one-hour checkpoint", and on Nova the
	// limits step "1h after 5m" (Converse and InvokeModel): expected the
	// service to reject the request with ValidationException
	// (extended-ttl-not-anthropic at system[1]): "Extended TTL prompt
	// caching is only supported for Anthropic models". ("one-hour" alone is
	// in the spec's text.)
	"nova-accepts-one-hour": {{"extended-ttl-not-anthropic"}, {"Extended TTL", "only supported for Anthropic"}},
	// limits <model>, step "checkpoint first": expected the service to
	// reject the request with ValidationException (nothing-to-cache at
	// system[0]): "There is nothing available to cache. ...". ("nothing
	// before it" alone is the spec's text, whatever fails.)
	"nothing-to-cache-accepted": {{"nothing-to-cache"}, {"nothing available to cache"}},
}

// Names reports whether the text names the rule.
func (r Rule) Names(text string) bool {
	text = strings.ToLower(text)
	for _, group := range r {
		if len(group) == 0 {
			continue
		}
		all := true
		for _, term := range group {
			if !strings.Contains(text, strings.ToLower(term)) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// String renders the rule as its keyword groups, for error messages.
func (r Rule) String() string {
	var gs []string
	for _, g := range r {
		gs = append(gs, strings.Join(quoteAll(g), " & "))
	}
	return strings.Join(gs, " | ")
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// checkRules returns an error naming every fault without a rule and every
// rule for a name that is not a fault (a renamed or removed profile).
func checkRules(faults []string, rules map[string]Rule) error {
	var missing, stale []string
	known := map[string]bool{}
	for _, f := range faults {
		known[f] = true
		if len(rules[f]) == 0 {
			missing = append(missing, f)
		}
	}
	for name := range rules {
		if !known[name] {
			stale = append(stale, name)
		}
	}
	sort.Strings(stale)
	var msgs []string
	if len(missing) > 0 {
		msgs = append(msgs, "fault profiles without a rule (add the words that name the rule they break to rules in cmd/mutation/rules.go): "+strings.Join(missing, ", "))
	}
	if len(stale) > 0 {
		msgs = append(msgs, "rules for names that are not fault profiles: "+strings.Join(stale, ", "))
	}
	if len(msgs) > 0 {
		return fmt.Errorf("mutation: %s", strings.Join(msgs, "; "))
	}
	return nil
}

// Kind is what a run is for.
type Kind string

// The kinds of run.
const (
	KindFault    Kind = "fault"
	KindBenign   Kind = "benign"
	KindBaseline Kind = "baseline"
)

// Baseline is the name of the healthy run, with no profile.
const Baseline = "baseline"

// Target is one run of the suites: a profile, or the healthy baseline.
type Target struct {
	Name string
	Kind Kind
	// Description is the profile's description: for a fault, the rule it
	// breaks.
	Description string
}

// Verdict is the outcome of one run.
type Verdict string

// The verdicts.
const (
	Caught     Verdict = "caught"
	Survived   Verdict = "SURVIVED"
	Clean      Verdict = "clean"
	FalseAlarm Verdict = "FALSE ALARM"
	Crashed    Verdict = "CRASHED"
)

// Failure is one failed spec.
type Failure struct {
	// Spec is the spec's full text; Short a shorter name for tables.
	Spec, Short string
	Message     string
}

// Result is what one run of the test binary left behind.
type Result struct {
	// ExitCode is the test binary's exit status (-1 when it did not exit
	// normally).
	ExitCode int
	// Err is why the binary could not be run or was stopped (a timeout).
	Err error
	// Reports is the parsed Ginkgo JSON report; ReportErr why there is
	// none.
	Reports   []types.Report
	ReportErr error
	// Seconds is the run's wall time.
	Seconds float64
}

// Outcome is the judged run.
type Outcome struct {
	Target
	Verdict Verdict
	// Catches are the failures that name the fault's rule.
	Catches []Failure
	// Others are, for a fault, the failures that do not name its rule
	// ("failed for another reason"); for a benign profile or the baseline,
	// every failure (false alarms).
	Others []Failure
	// Crash says why the run counts as crashed.
	Crash string
	// Ran and Failed count the specs that ran and failed.
	Ran, Failed int
	Seconds     float64
}

// OK reports whether the outcome lets the mutation run pass.
func (o Outcome) OK() bool { return o.Verdict == Caught || o.Verdict == Clean }

// failures returns the failed specs (and failed suite nodes) of the reports,
// and how many specs ran.
func failures(reports []types.Report) (failed []Failure, ran int) {
	for _, rep := range reports {
		for _, sr := range rep.SpecReports {
			if sr.LeafNodeType == types.NodeTypeIt && sr.State != types.SpecStateSkipped && sr.State != types.SpecStatePending && sr.State != types.SpecStateInvalid {
				ran++
			}
			if !sr.Failed() {
				continue
			}
			name, short := sr.FullText(), shortName(sr)
			if sr.LeafNodeType != types.NodeTypeIt {
				name = strings.TrimSpace("[" + sr.LeafNodeType.String() + "] " + name)
				short = name
			}
			msg := sr.Failure.Message
			if sr.Failure.ForwardedPanic != "" {
				msg = strings.TrimSpace(msg + "\npanic: " + sr.Failure.ForwardedPanic)
			}
			if af := sr.Failure.AdditionalFailure; af != nil && af.Failure.Message != "" {
				msg = strings.TrimSpace(msg + "\n" + af.Failure.Message)
			}
			failed = append(failed, Failure{Spec: name, Short: short, Message: msg})
		}
	}
	// Spec reports come in Ginkgo's randomized run order; sort them so that
	// the same run gives the same report.
	sort.SliceStable(failed, func(i, j int) bool { return failed[i].Spec < failed[j].Spec })
	return failed, ran
}

// classify judges one run. rule is the fault's rule (nil for benign
// profiles and the baseline).
func classify(t Target, rule Rule, res Result) Outcome {
	o := Outcome{Target: t, Seconds: res.Seconds}
	failed, ran := failures(res.Reports)
	o.Ran, o.Failed = ran, len(failed)
	if t.Kind == KindFault {
		for _, f := range failed {
			if rule.Names(f.Spec + "\n" + f.Message) {
				o.Catches = append(o.Catches, f)
			} else {
				o.Others = append(o.Others, f)
			}
		}
	} else {
		o.Others = failed
	}

	var crash []string
	switch {
	case res.Err != nil:
		crash = append(crash, res.Err.Error())
	case res.ExitCode != 0 && res.ExitCode != 1:
		crash = append(crash, fmt.Sprintf("test binary exit status %d", res.ExitCode))
	}
	switch {
	case res.ReportErr != nil:
		crash = append(crash, "no report: "+res.ReportErr.Error())
	case len(res.Reports) == 0:
		crash = append(crash, "empty report")
	default:
		for _, rep := range res.Reports {
			crash = append(crash, rep.SpecialSuiteFailureReasons...)
		}
		if ran == 0 {
			crash = append(crash, "no spec ran")
		}
		if res.Err == nil && res.ExitCode == 1 && len(failed) == 0 && len(crash) == 0 {
			crash = append(crash, "test binary exit status 1 with no failed spec in the report")
		}
		if res.Err == nil && res.ExitCode == 0 && len(failed) > 0 {
			crash = append(crash, fmt.Sprintf("test binary exit status 0 with %d failed specs in the report", len(failed)))
		}
	}
	if t.Kind == KindFault && rule == nil {
		crash = append(crash, "no rule for this fault")
	}

	switch {
	case len(crash) > 0:
		o.Verdict, o.Crash = Crashed, strings.Join(crash, "; ")
	case t.Kind == KindFault && len(o.Catches) > 0:
		o.Verdict = Caught
	case t.Kind == KindFault:
		o.Verdict = Survived
	case len(failed) > 0:
		o.Verdict = FalseAlarm
	default:
		o.Verdict = Clean
	}
	return o
}

// shortName names a spec for a table cell: its outermost container, cut
// short, and its leaf text (which names the model or cell).
func shortName(sr types.SpecReport) string {
	leaf := shorten(sr.LeafNodeText, 50)
	if len(sr.ContainerHierarchyTexts) == 0 {
		return leaf
	}
	return shorten(sr.ContainerHierarchyTexts[0], 24) + " › " + leaf
}
