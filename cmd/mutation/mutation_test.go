package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/cachecascade/cachecascade/emulator"
	"github.com/cachecascade/cachecascade/matrix"
	reportpkg "github.com/cachecascade/cachecascade/report"
	"github.com/cachecascade/cachecascade/suites/framework"
)

func TestEveryFaultHasARule(t *testing.T) {
	var names []string
	for _, p := range emulator.Faults() {
		names = append(names, p.Name)
	}
	if len(names) == 0 {
		t.Fatal("emulator.Faults() is empty")
	}
	if err := checkRules(names, rules); err != nil {
		t.Fatal(err)
	}
	for _, p := range emulator.BenignProfiles() {
		if _, ok := rules[p.Name]; ok {
			t.Errorf("benign profile %s has a rule; benign profiles must not be caught", p.Name)
		}
		if p.Name == Baseline {
			t.Errorf("a profile is named %q, the name of the healthy run", Baseline)
		}
	}
}

func TestCheckRulesNamesMissingAndStale(t *testing.T) {
	err := checkRules([]string{"a", "new-fault"}, map[string]Rule{"a": {matrix.RuleCascade}, "renamed": {matrix.RuleThreshold}, "new-fault": {}})
	if err == nil {
		t.Fatal("no error for a fault without a rule")
	}
	for _, want := range []string{"without a rule", "new-fault", "not fault profiles", "renamed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// TestRulesAreKnownRules holds every fault's rules to matrix.Rules: a
// rule ID the suites never file would let no failure catch the fault.
func TestRulesAreKnownRules(t *testing.T) {
	for fault, r := range rules {
		for _, id := range r {
			if _, ok := id.Info(); !ok {
				t.Errorf("fault %s: rule %q is not in matrix.Rules", fault, id)
			}
		}
	}
	r := Rule{matrix.RuleCascade, matrix.RuleRepeat}
	if !r.Names(matrix.RuleRepeat) || r.Names(matrix.RuleThreshold) || r.Names("") {
		t.Error("Names must match exactly one of the rule IDs, and never an empty rule")
	}
}

// it is a spec report; a failed one carries the report row the framework
// files, naming the rule of the finding that failed it (as JSON, as the
// report arrives from the test binary).
func it(container, leaf string, state types.SpecState, rule matrix.Rule, msg string) types.SpecReport {
	sr := types.SpecReport{
		ContainerHierarchyTexts: []string{container},
		LeafNodeText:            leaf,
		LeafNodeType:            types.NodeTypeIt,
		State:                   state,
		Failure:                 types.Failure{Message: msg},
	}
	row := reportpkg.Row{Area: container, Outcome: reportpkg.Fail, Rule: string(rule)}
	sr.ReportEntries = types.ReportEntries{{Name: framework.ReportEntry, Value: types.WrapEntryValue(row)}}
	return sr
}

func report(specs ...types.SpecReport) []types.Report {
	ok := true
	for _, s := range specs {
		if s.Failed() {
			ok = false
		}
	}
	return []types.Report{{SuiteDescription: "cachecascade", SuiteSucceeded: ok, SpecReports: specs}}
}

var (
	passed      = it("cascade", "claude/system_only", types.SpecStatePassed, "", "")
	skipped     = it("isolation", "aws only", types.SpecStateSkipped, "", "not applicable")
	cascadeMiss = it("cascade", "claude/system_and_tools", types.SpecStateFailed, matrix.RuleCascade,
		`cascade claude/system_and_tools, step "change tools": [cascade] expected miss at tools, miss at system: read = 0; observed {read 5749} (observed: all hit)`)
	totalsFail = it("cascade", "claude/tools_only", types.SpecStateFailed, matrix.RuleUsageReported,
		`cascade claude/tools_only, step "prime": [usage-reported] totalTokens 57 ≠ input 49 + output 8 + read 0 + write 5507 = 5564`)
	// A failure whose text says "cascade" but that no cascade check
	// decided (a missing cassette) must not catch no-cascade.
	cassetteMissing = it("cascade", "claude/none", types.SpecStateFailed, "",
		`cascade claude/none: expected miss at tools: the cassette cassettes/cascade/claude/none.yaml is missing`)
)

func TestClassify(t *testing.T) {
	fault := Target{Name: "no-cascade", Kind: KindFault, Description: "cascade broken"}
	benign := Target{Name: "latency", Kind: KindBenign, Description: "delay"}
	baseline := Target{Name: Baseline, Kind: KindBaseline}
	cases := []struct {
		name          string
		target        Target
		rule          Rule
		res           Result
		want          Verdict
		catches, rest int
		crash         string
	}{
		{"caught", fault, rules["no-cascade"], Result{ExitCode: 1, Reports: report(passed, cascadeMiss)}, Caught, 1, 0, ""},
		{"caught, with a failure for another reason", fault, rules["no-cascade"], Result{ExitCode: 1, Reports: report(cascadeMiss, totalsFail, passed)}, Caught, 1, 1, ""},
		{"survived: nothing failed", fault, rules["no-cascade"], Result{ExitCode: 0, Reports: report(passed, skipped)}, Survived, 0, 0, ""},
		{"survived: failed for another reason only", fault, rules["no-cascade"], Result{ExitCode: 1, Reports: report(passed, totalsFail)}, Survived, 0, 1, ""},
		{"survived: the text names the rule, the finding does not", fault, rules["no-cascade"], Result{ExitCode: 1, Reports: report(passed, cassetteMissing)}, Survived, 0, 1, ""},
		{"benign clean", benign, nil, Result{ExitCode: 0, Reports: report(passed, skipped)}, Clean, 0, 0, ""},
		{"benign false alarm", benign, nil, Result{ExitCode: 1, Reports: report(passed, totalsFail)}, FalseAlarm, 0, 1, ""},
		{"baseline clean", baseline, nil, Result{ExitCode: 0, Reports: report(passed)}, Clean, 0, 0, ""},
		{"baseline false alarm", baseline, nil, Result{ExitCode: 1, Reports: report(cascadeMiss)}, FalseAlarm, 0, 1, ""},
		{"crash: exit status 2", fault, rules["no-cascade"], Result{ExitCode: 2, Reports: report(cascadeMiss)}, Crashed, 1, 0, "exit status 2"},
		{"crash: missing report", benign, nil, Result{ExitCode: 1, ReportErr: os.ErrNotExist}, Crashed, 0, 0, "no report"},
		{"crash: timeout", benign, nil, Result{ExitCode: -1, Err: errors.New("stopped after 660s: context deadline exceeded"), Reports: report(passed)}, Crashed, 0, 0, "stopped after"},
		{"crash: ginkgo suite timeout", fault, rules["no-cascade"], Result{ExitCode: 1, Reports: func() []types.Report {
			r := report(passed, cascadeMiss)
			r[0].SpecialSuiteFailureReasons = []string{"Suite Timeout Elapsed"}
			return r
		}()}, Crashed, 1, 0, "Suite Timeout Elapsed"},
		{"crash: no spec ran", baseline, nil, Result{ExitCode: 0, Reports: report(skipped)}, Crashed, 0, 0, "no spec ran"},
		{"crash: exit 1 without a failed spec", benign, nil, Result{ExitCode: 1, Reports: report(passed)}, Crashed, 0, 0, "no failed spec"},
		{"crash: fault without a rule", Target{Name: "new-fault", Kind: KindFault}, nil, Result{ExitCode: 1, Reports: report(cascadeMiss)}, Crashed, 0, 1, "no rule"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := classify(c.target, c.rule, c.res)
			if o.Verdict != c.want || len(o.Catches) != c.catches || len(o.Others) != c.rest {
				t.Errorf("verdict %s, %d catches, %d others; want %s, %d, %d (crash %q)", o.Verdict, len(o.Catches), len(o.Others), c.want, c.catches, c.rest, o.Crash)
			}
			if !strings.Contains(o.Crash, c.crash) || (c.crash == "") != (o.Crash == "") {
				t.Errorf("crash %q, want one saying %q", o.Crash, c.crash)
			}
			if o.OK() != (c.want == Caught || c.want == Clean) {
				t.Errorf("OK() = %v for %s", o.OK(), o.Verdict)
			}
		})
	}
}

func TestFailuresNamesSuiteNodesAndPanics(t *testing.T) {
	before := types.SpecReport{LeafNodeType: types.NodeTypeBeforeSuite, State: types.SpecStatePanicked,
		Failure: types.Failure{Message: "Test Panicked", ForwardedPanic: "boom"}}
	f, ran := failures([]types.Report{{SpecReports: []types.SpecReport{before, passed, cascadeMiss}}})
	if ran != 2 || len(f) != 2 {
		t.Fatalf("ran %d, %d failures; want 2, 2", ran, len(f))
	}
	if !strings.Contains(f[0].Spec, "BeforeSuite") || !strings.Contains(f[0].Message, "boom") {
		t.Errorf("suite node failure %+v", f[0])
	}
	if f[1].Spec != "cascade claude/system_and_tools" || f[1].Short != "cascade › claude/system_and_tools" {
		t.Errorf("spec names %q, %q", f[1].Spec, f[1].Short)
	}
}

func TestReadReportParsesGinkgoJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.json")
	b, err := json.Marshal(report(passed, cascadeMiss))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	reps, err := readReport(path)
	if err != nil {
		t.Fatal(err)
	}
	o := classify(Target{Name: "no-cascade", Kind: KindFault}, rules["no-cascade"], Result{ExitCode: 1, Reports: reps})
	if o.Verdict != Caught || o.Ran != 2 {
		t.Errorf("from JSON: %s, ran %d", o.Verdict, o.Ran)
	}
	if _, err := readReport(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("no error for a missing report")
	}
}

func TestMarkdownTable(t *testing.T) {
	fault := Target{Name: "no-cascade", Kind: KindFault, Description: "cascade broken | keyed by layer"}
	s := Summary{
		Outcomes: []Outcome{
			classify(Target{Name: Baseline, Kind: KindBaseline, Description: "healthy"}, nil, Result{ExitCode: 0, Reports: report(passed), Seconds: 3.9}),
			classify(fault, rules["no-cascade"], Result{ExitCode: 1, Reports: report(cascadeMiss, cascadeMiss, cascadeMiss, cascadeMiss, totalsFail), Seconds: 3.7}),
			classify(Target{Name: "totals-dont-add-up", Kind: KindFault, Description: "totals"}, rules["no-cascade"], Result{ExitCode: 1, Reports: report(totalsFail), Seconds: 2.6}),
			classify(Target{Name: "latency", Kind: KindBenign, Description: "delay"}, nil, Result{ExitCode: 1, Reports: report(totalsFail), Seconds: 5.5}),
			classify(Target{Name: "tokenizer-ratio", Kind: KindBenign, Description: "tokens"}, nil, Result{ExitCode: 2, Reports: report(passed, totalsFail), Seconds: 1}),
		},
		Build: 2 * time.Second, Wall: 20 * time.Second, Parallel: 2,
	}
	md := s.Markdown()
	lines := strings.Split(md, "\n")
	head := slices.Index(lines, "| profile | kind | rule | specs that caught it | verdict | seconds |")
	if head < 0 {
		t.Fatalf("no table header in\n%s", md)
	}
	if lines[head+1] != "|---|---|---|---|---|---|" {
		t.Errorf("separator %q", lines[head+1])
	}
	rows := lines[head+2 : head+2+len(s.Outcomes)]
	wantStart := []string{"| baseline | baseline |", "| no-cascade | fault |", "| totals-dont-add-up | fault |", "| latency | benign |", "| tokenizer-ratio | benign |"}
	wantVerdict := []string{"| clean |", "| caught |", "| **SURVIVED** |", "| **FALSE ALARM** |", "| **CRASHED** |"}
	for i, row := range rows {
		cells := strings.Split(strings.ReplaceAll(row, `\|`, ""), "|")
		if len(cells) != 8 { // 6 cells between 7 bars
			t.Errorf("row %q has %d cells, want 6", row, len(cells)-2)
		}
		if !strings.HasPrefix(row, wantStart[i]) || !strings.Contains(row, wantVerdict[i]) {
			t.Errorf("row %d %q: want it to start %q and hold %q", i, row, wantStart[i], wantVerdict[i])
		}
	}
	if !strings.Contains(rows[1], `cascade broken \| keyed by layer`) {
		t.Errorf("pipe in the rule not escaped: %q", rows[1])
	}
	if !strings.Contains(rows[1], "| 4: cascade › claude/system_and_tools; cascade › claude/system_and_tools; cascade › claude/system_and_tools; … |") {
		t.Errorf("caught cell: %q", rows[1])
	}
	if !strings.HasSuffix(rows[1], "| 3.7 |") {
		t.Errorf("seconds: %q", rows[1])
	}
	if lines[head+2+len(s.Outcomes)] != "" {
		t.Errorf("table not ended by a blank line")
	}
	for _, want := range []string{
		"**Kill ratio: 1/2 faults caught (50%).** 1 survived.",
		"**Benign alarms: 1/2 benign profiles; the baseline: clean.**",
		"**Crashed runs: 1.**",
		"### tokenizer-ratio: CRASHED\n\ntest binary exit status 2\n",
		"### tokenizer-ratio: failed specs of the crashed run (1)",
		"Total wall time: 20.0 s (build 2.0 s, 5 runs, up to 2 at once).",
		"### no-cascade: failed for another reason (1 of 5 failed specs)",
		"### totals-dont-add-up: failed for another reason (1 of 1 failed specs)",
		"None of these names the rule",
		"### latency: FALSE ALARM (1 failed specs)",
		"- `cascade claude/tools_only`  \n  `cascade claude/tools_only, step \"prime\": [usage-reported] totalTokens 57",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if s.OK() {
		t.Error("summary with a survivor and a false alarm is OK")
	}
}

func TestSelectTargets(t *testing.T) {
	all := allTargets()
	if all[0].Name != Baseline || len(all) != 1+len(emulator.Faults())+len(emulator.BenignProfiles()) {
		t.Fatalf("allTargets: %d targets, first %s", len(all), all[0].Name)
	}
	got, err := selectTargets(all, "latency, no-cascade,baseline")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range got {
		names = append(names, g.Name)
	}
	if strings.Join(names, ",") != "baseline,no-cascade,latency" {
		t.Errorf("selected %v", names)
	}
	if _, err := selectTargets(all, "no-cascade,nope"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown profile: %v", err)
	}
}

func TestChildEnv(t *testing.T) {
	env := childEnv([]string{"PATH=/bin", "CACHECASCADE_MODE=replay", "CACHECASCADE_CASSETTES=/x", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME=http://aws", "AWS_BEARER_TOKEN_BEDROCK=t", "GITHUB_STEP_SUMMARY=/s", "HOME=/root"},
		Target{Name: "no-cascade", Kind: KindFault}, "/tmp/r/no-cascade")
	want := []string{"PATH=/bin", "HOME=/root", "CACHECASCADE_MODE=live", "CACHECASCADE_TARGET=emulator",
		"CACHECASCADE_EMULATOR_PROFILES=no-cascade", "CACHECASCADE_QUIET=1", "CACHECASCADE_REPORT_DIR=/tmp/r/no-cascade"}
	if !slices.Equal(env, want) {
		t.Errorf("env %v\nwant %v", env, want)
	}
	if env := childEnv(nil, Target{Name: Baseline, Kind: KindBaseline}, "d"); !slices.Contains(env, "CACHECASCADE_EMULATOR_PROFILES=") {
		t.Errorf("baseline env %v", env)
	}
}
