package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/suites/framework"
)

// Rule is the set of rule IDs a fault profile breaks: a failed spec catches
// the fault when the finding that failed it names one of them
// (report.Row.Rule, filed by the suites' framework from verdict's typed
// finding). A failure that names another rule, or none (a missing cassette,
// a panic), fails "for another reason" and does not count. No wording of a
// failure message is read.
type Rule []matrix.Rule

// rules maps every fault profile (emulator.Faults) to the rules it breaks.
// A fault without an entry is an error of this tool, found at start and by
// the unit tests: a new fault must be given its rule.
var rules = map[string]Rule{
	"no-cascade":                    {matrix.RuleCascade},
	"threshold-ignored":             {matrix.RuleThreshold},
	"threshold-off":                 {matrix.RuleThreshold},
	"nova-accepts-tool-checkpoints": {matrix.RuleNovaToolCheckpoint},
	"ttl-never-expires":             {matrix.RuleTTLExpiry},
	"no-refresh-on-hit":             {matrix.RuleTTLRefresh},
	"stream-drops-cache-usage":      {matrix.RuleStreamParity},
	"totals-dont-add-up":            {matrix.RuleUsageReported},
	"no-lookback":                   {matrix.RuleLookBack},
	"shared-cache-across-accounts":  {matrix.RuleIsolation},
	"checkpoint-limit-not-enforced": {matrix.RuleTooManyCheckpoints},
	"ttl-order-not-enforced":        {matrix.RuleTTLOrder},
	"nova-accepts-one-hour":         {matrix.RuleExtendedTTLNotAnthropic},
	"nothing-to-cache-accepted":     {matrix.RuleNothingToCache},
	"toolchoice-invalidates-all":    {matrix.RuleChangeToolChoice},
	"images-ignored":                {matrix.RuleChangeImage},
	"documents-ignored":             {matrix.RuleChangeDocument},
	"metadata-invalidates":          {matrix.RuleChangeNotPrompt},
	"inference-invalidates":         {matrix.RuleChangeNotPrompt},
	"tool-order-ignored":            {matrix.RuleChangeToolDefinition},
}

// Names reports whether a failure's rule is one the fault breaks.
func (r Rule) Names(rule matrix.Rule) bool { return rule != "" && slices.Contains(r, rule) }

// String renders the rule IDs, for tables and error messages.
func (r Rule) String() string {
	ids := make([]string, len(r))
	for i, id := range r {
		ids[i] = string(id)
	}
	return strings.Join(ids, ", ")
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
		msgs = append(msgs, "fault profiles without a rule (add the matrix.Rule IDs they break to rules in cmd/mutation/rules.go): "+strings.Join(missing, ", "))
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
	// KindNoise is a run under noise profiles alone (see noise.go): like
	// a benign run, it must pass.
	KindNoise Kind = "noise"
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
	// Profiles are the emulator profiles of the run when they are not
	// just Name (a fault under noise, a noise run); Fault names the fault
	// among them whose rule must be caught; Seed seeds the noise
	// (emulator.Options.NoiseSeed), 0 for none. See noise.go.
	Profiles []string
	Fault    string
	Seed     uint64
}

// fault returns the name of the target's fault, whose rule must be caught.
func (t Target) fault() string {
	if t.Fault != "" {
		return t.Fault
	}
	return t.Name
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
	// Rule is the rule of the finding that failed the spec, from its
	// report row; empty when no check failed it.
	Rule matrix.Rule
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
			failed = append(failed, Failure{Spec: name, Short: short, Message: msg, Rule: ruleOf(sr)})
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
			if rule.Names(f.Rule) {
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

// ruleOf returns the rule the spec's report row names: the rule of the
// finding that decided it.
func ruleOf(sr types.SpecReport) matrix.Rule {
	for _, e := range sr.ReportEntries {
		if e.Name != framework.ReportEntry {
			continue
		}
		// The report arrives from the test binary as JSON; a value made in
		// this process has none yet. Only the rule of report.Row is read.
		raw := []byte(e.Value.AsJSON)
		if len(raw) == 0 {
			raw, _ = json.Marshal(e.GetRawValue())
		}
		var row struct {
			Rule matrix.Rule `json:"rule"`
		}
		if json.Unmarshal(raw, &row) == nil {
			return row.Rule
		}
	}
	return ""
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
