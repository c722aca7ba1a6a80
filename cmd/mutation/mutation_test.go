package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/cachecascade/cachecascade/emulator"
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
	err := checkRules([]string{"a", "new-fault"}, map[string]Rule{"a": {{"x"}}, "renamed": {{"y"}}, "new-fault": {}})
	if err == nil {
		t.Fatal("no error for a fault without a rule")
	}
	for _, want := range []string{"without a rule", "new-fault", "not fault profiles", "renamed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// Real failure messages the suites gave against the emulator's faults, and
// the rules each must name. A message must name its own fault's rule and no
// rule it does not show broken.
func TestRulesNameRealFailures(t *testing.T) {
	const (
		cascadeSpec   = "cascade invalidates every checkpoint at or after a changed layer and keeps those before it claude-3-5-haiku/system_and_tools"
		thresholdSpec = "threshold claude-3-5-haiku: caches just above the minimum, not just below; reports how it applies to two checkpoints"
		novaSpec      = "nova nova-lite: rejects a checkpoint in toolConfig.tools with a ValidationException naming its index"
		ttlSpec       = "ttl claude-3-5-haiku: a five-minute entry is refreshed by each hit and expires five minutes after the last"
		streamSpec    = "accounting and streaming claude-3-5-haiku: totals add up, a repeat reads what the prime wrote, and ConverseStream reports the same usage as Converse"
		convSpec      = "conversation history claude-3-5-haiku: each of 4 turns reads the previous turn's prefix and writes only the new part"
		isoSpec       = "isolation claude-3-5-sonnet-v2: another account does not read this account's entries"
		limitsSpec    = "limits claude-3-5-haiku: rejects five checkpoints"
		ttlOrderSpec  = "limits claude-sonnet-4-5: answers a one-hour checkpoint after a five-minute one as Validate predicts"
		invokeOrder   = "invoke claude-sonnet-4-5: InvokeModel answers a one-hour checkpoint after a five-minute one as invoke.Validate predicts"
		novaOrderSpec = "limits nova-lite: answers a one-hour checkpoint after a five-minute one as Validate predicts"
		nova1hSpec    = "nova nova-lite: rejects a one-hour TTL"
		nothingSpec   = "limits claude-3-5-haiku: rejects a checkpoint with nothing before it"
	)
	cases := []struct {
		spec, msg string
		want      []string
	}{
		{cascadeSpec, `cascade claude-3-5-haiku/system_and_tools, step "change tools": expected miss at tools, miss at system: read = 0, write ≈ 5749 ± 180; observed {read 5749, write 0, input 135, output 4, total 5888} (observed: all hit)`,
			[]string{"no-cascade"}},
		{thresholdSpec, `threshold claude-3-5-haiku, step "one checkpoint below": a 2007-token prefix, below the 2048-token minimum, must not be cached (read 0, write 0), and the request must succeed; observed {read 0, write 2007, input 49, output 5, total 2061, 5m write 2007}`,
			[]string{"threshold-ignored", "threshold-off"}},
		{novaSpec, `nova nova-lite: a tools checkpoint must fail with *types.ValidationException; got <nil>`,
			[]string{"nova-accepts-tool-checkpoints"}},
		{"cascade invalidates every checkpoint at or after a changed layer and keeps those before it nova-lite/tools_only",
			`cascade nova-lite/tools_only, step "prime": expected the service to reject the request with ValidationException (nova-tool-checkpoint at toolConfig.tools[3]): "The model returned the following errors: Malformed input request: #/toolConfig/tools/3: extraneous key [cachePoint] is not permitted, please reformat your input and try again.", but it succeeded`,
			[]string{"nova-accepts-tool-checkpoints"}},
		{ttlSpec, `ttl claude-3-5-haiku/system_only, step "after 5m 30s more: expired": expected miss at system: read = 0, write ≈ 3306 ± 107; observed {read 3306, write 0, input 49, output 9, total 3364} (observed: all hit)`,
			[]string{"ttl-never-expires"}},
		{ttlSpec, `ttl claude-3-5-haiku/system_only, step "after 4m more (8m since the write): hit, because the last hit refreshed it": expected hit at system: read = 3306 (what the first call wrote), write = 0; observed {read 0, write 3306, input 49, output 4, total 3359, 5m write 3306} (observed: all miss)`,
			[]string{"no-refresh-on-hit"}},
		// A totals failure at the stream step names the totals rule only.
		{streamSpec, `streaming claude-3-5-haiku/system_only, step "stream repeat": totalTokens 3385 ≠ input 71 + output 8 + read 0 + write 0 = 79 in {read 0, write 0, input 71, output 8, total 3385}`,
			[]string{"totals-dont-add-up"}},
		{streamSpec, `streaming claude-3-5-haiku, step "stream repeat": the ConverseStream metadata event must report the same input-side usage as Converse; Converse {read 3306}, ConverseStream {read 0}`,
			[]string{"stream-drops-cache-usage"}},
		{streamSpec, `streaming claude-3-5-haiku (InvokeModel), step "stream repeat": the stream's usage (message_start / metadata) must report the same input-side usage as InvokeModel; InvokeModel {read 3306}, stream {read 0}`,
			[]string{"stream-drops-cache-usage"}},
		// totals-dont-add-up fails nearly every spec at its first call; those
		// failures name the totals rule only, whatever the spec's text says.
		{thresholdSpec, `threshold claude-3-5-haiku, step "calibrate at 2.5x the minimum": totals do not add up in {read 0, write 5507, input 49, output 8, total 57, 5m write 5507}`,
			[]string{"totals-dont-add-up"}},
		{streamSpec, `streaming claude-3-5-haiku/system_only, step "prime": totalTokens 57 ≠ input 49 + output 8 + read 0 + write 3306 = 3363 in {read 0, write 3306, input 49, output 8, total 57}`,
			[]string{"totals-dont-add-up"}},
		{convSpec, `conversation claude-3-5-haiku/conversation_history, step "turn 2": totalTokens 14 ≠ input 3 + output 11 + read 3578 + write 275 = 3867 in {read 3578, write 275, input 3, output 11, total 14}`,
			[]string{"totals-dont-add-up"}},
		{novaSpec, `nova nova-lite, step "prime": totalTokens 70 ≠ input 63 + output 7 + read 0 + write 1878 = 1948 in {read 0, write 1878, input 63, output 7, total 70}`,
			[]string{"totals-dont-add-up"}},
		{convSpec, `conversation claude-3-5-haiku/conversation_history, step "turn 2": expected the turn to read the 3578 tokens the previous turn cached and write the new part (read = 3578, write > 0); observed {read 0, write 3853, input 3, output 11, total 3867, 5m write 3853}`,
			[]string{"no-lookback"}},
		{isoSpec, `isolation claude-3-5-sonnet-v2/system_only, step "the same request from a second account": expected miss at system: read = 0, write ≈ 1655 ± 57; observed {read 1655, write 0, input 49, output 7, total 1711} (observed: all hit)`,
			[]string{"shared-cache-across-accounts"}},
		{limitsSpec, `limits claude-3-5-haiku, step "five checkpoints": expected the service to reject the request with ValidationException (too-many-checkpoints at messages[2].content[1]): "A maximum of 4 blocks with cache_control may be provided. Found 5.", but it succeeded`,
			[]string{"checkpoint-limit-not-enforced"}},
		{ttlOrderSpec, `limits claude-sonnet-4-5, step "1h after 5m": expected the service to reject the request with ValidationException (ttl-order at messages[2].content[1]): "The model returned the following errors: messages.2.content.0.cache_control.ttl: a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block. Note that blocks are processed in the following order: ` + "`tools`, `system`, `messages`" + `.", but it succeeded`,
			[]string{"ttl-order-not-enforced"}},
		{invokeOrder, `limits claude-sonnet-4-5 via invoke, step "1h after 5m": expected the service to reject the request with ValidationException (ttl-order at messages[2].content[0]): "The model returned the following errors: messages.2.content.0.cache_control.ttl: a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block. Note that blocks are processed in the following order: ` + "`tools`, `system`, `messages`" + `.", but it succeeded`,
			[]string{"ttl-order-not-enforced"}},
		// On Nova the same step is the Nova rule, not the order.
		{novaOrderSpec, `limits nova-lite, step "1h after 5m": expected the service to reject the request with ValidationException (extended-ttl-not-anthropic at messages[2].content[1]): "Extended TTL prompt caching is only supported for Anthropic models", but it succeeded`,
			[]string{"nova-accepts-one-hour"}},
		{nova1hSpec, `nova nova-lite/system_only, step "one-hour checkpoint": expected the service to reject the request with ValidationException (extended-ttl-not-anthropic at system[1]): "Extended TTL prompt caching is only supported for Anthropic models", but it succeeded`,
			[]string{"nova-accepts-one-hour"}},
		{nothingSpec, `limits claude-3-5-haiku, step "checkpoint first": expected the service to reject the request with ValidationException (nothing-to-cache at system[0]): "There is nothing available to cache. Please remove the invalid cache point and try again.", but it succeeded`,
			[]string{"nothing-to-cache-accepted"}},
	}
	for _, c := range cases {
		var got []string
		for name, r := range rules {
			if r.Names(c.spec + "\n" + c.msg) {
				got = append(got, name)
			}
		}
		sort.Strings(got)
		want := slices.Clone(c.want)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s\n  names rules %v, want %v", c.msg, got, want)
		}
	}
}

func TestRuleNamesIsCaseInsensitiveAndNeedsAGroup(t *testing.T) {
	r := Rule{{"Alpha", "beta"}, {"GAMMA"}}
	for text, want := range map[string]bool{
		"alpha and BETA": true,
		"gamma":          true,
		"alpha alone":    false,
		"":               false,
	} {
		if got := r.Names(text); got != want {
			t.Errorf("Names(%q) = %v, want %v", text, got, want)
		}
	}
	if (Rule{{}}).Names("anything") {
		t.Error("an empty group names everything")
	}
}

func it(container, leaf string, state types.SpecState, msg string) types.SpecReport {
	return types.SpecReport{
		ContainerHierarchyTexts: []string{container},
		LeafNodeText:            leaf,
		LeafNodeType:            types.NodeTypeIt,
		State:                   state,
		Failure:                 types.Failure{Message: msg},
	}
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
	passed      = it("cascade", "claude/system_only", types.SpecStatePassed, "")
	skipped     = it("isolation", "aws only", types.SpecStateSkipped, "not applicable")
	cascadeMiss = it("cascade", "claude/system_and_tools", types.SpecStateFailed,
		`cascade claude/system_and_tools, step "change tools": expected miss at tools, miss at system: read = 0; observed {read 5749} (observed: all hit)`)
	totalsFail = it("cascade", "claude/tools_only", types.SpecStateFailed,
		`cascade claude/tools_only, step "prime": totalTokens 57 ≠ input 49 + output 8 + read 0 + write 5507 = 5564`)
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
		"- `cascade claude/tools_only`  \n  `cascade claude/tools_only, step \"prime\": totalTokens 57",
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
