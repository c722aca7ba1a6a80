package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cachecascade/cachecascade/emulator"
	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/internal/modroot"
	"github.com/cachecascade/cachecascade/recorder"
	"github.com/cachecascade/cachecascade/report"
)

// withTokens returns r with its uncached input and output tokens and its
// cost set.
func withTokens(r report.Row, input, output int, cost float64) report.Row {
	r.InputTokens, r.OutputTokens, r.CostUSD = input, output, cost
	return r
}

// TestDifferencesSeeInputOutputAndCost: drift is not only cache reads and
// writes (issue 13: +40 input tokens per call, or another reply text, gave
// exit 0 while the cost moved). Each measure has its stated tolerance.
func TestDifferencesSeeInputOutputAndCost(t *testing.T) {
	// Sonnet 4.5 through its global profile: output at $15 a million.
	base := withTokens(row("s", report.Pass, 5, 5776, 8664), 15, 40, 0.0500)
	base.Model = "claude-sonnet-4-5"
	cases := []struct {
		name string
		b    report.Row
		want string // the reason's start, or "" for no difference
	}{
		{"identical", base, ""},
		{"+40 input tokens per call", withTokens(base, 15+200, 40, 0.0500), "input 15 → 215 (+200)"},
		{"input within 2 tokens per call", withTokens(base, 25, 40, 0.0500), ""},
		{"input 3 tokens per call", withTokens(base, 30, 40, 0.0500), "input 15 → 30"},
		{"output varies with the salt: its cost is not the prompt's", withTokens(base, 15, 80, 0.0500+40*15e-6), ""},
		{"prompt cost within 2%", withTokens(base, 15, 40, 0.0509), ""},
		{"prompt cost moved 5% (a TTL mix the token totals hide)", withTokens(base, 15, 40, 0.0525), "cost $0.0493 → $0.0518 (+5.1%)"},
	}
	for _, c := range cases {
		got := Differences(base, c.b)
		if c.want == "" && len(got) != 0 || c.want != "" && (len(got) != 1 || !strings.HasPrefix(got[0], c.want)) {
			t.Errorf("%s: Differences = %q, want %q", c.name, got, c.want)
		}
	}
	// A tiny cost moves by more than 2% with one token: not a difference
	// under $0.0001.
	tiny := withTokens(row("t", report.Pass, 1, 0, 0), 3, 5, 0.00002)
	tiny.Model = "nova-lite"
	if got := Differences(tiny, withTokens(tiny, 4, 5, 0.000021)); len(got) != 0 {
		t.Errorf("a sub-cent cost moved by one token: %q", got)
	}
}

// TestNightDrift: the totals of the specs that agree one by one show a
// drift no spec's tolerance sees (another reply text: the emulator's
// other-reply-text profile), over enough calls.
func TestNightDrift(t *testing.T) {
	var replay, live []report.Row
	for i := 0; i < 60; i++ {
		r := withTokens(row(fmt.Sprintf("s%d", i), report.Pass, 4, 1000, 1000), 12, 32, 0.01)
		replay = append(replay, r)
		live = append(live, withTokens(r, 12, 48, 0.0101))
	}
	got := NightDrift(replay, live, nil)
	if len(got) != 1 || !strings.HasPrefix(got[0], "output tokens 1920 → 2880 (+50.0%, tolerance ±15%) over 60 specs and 240 calls") {
		t.Errorf("NightDrift = %q", got)
	}
	if got := NightDrift(replay, replay, nil); len(got) != 0 {
		t.Errorf("a night drifts from itself: %q", got)
	}
	if got := NightDrift(replay[:40], live[:40], nil); len(got) != 0 {
		t.Errorf("160 calls are judged: %q", got)
	}
	if got := NightDrift(replay, live, []string{"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10"}); len(got) != 0 {
		t.Errorf("the specs that differ count in the night's totals: %q", got)
	}
}

// TestDiffLeavesLiveSkipsUncompared: a spec the live run skips with a
// reason (an end-of-life model: the service answers 404) is not a service
// change; issue 13's threshold-ignored night called eight such specs "now
// fails".
func TestDiffLeavesLiveSkipsUncompared(t *testing.T) {
	replay := []report.Row{row("eol", report.Pass, 5, 0, 100), row("a", report.Pass, 2, 100, 100)}
	skipped := row("eol", report.Skipped, 0, 0, 0)
	skipped.Message = "lifecycle: end-of-life since 2026-06-19"
	live := []report.Row{skipped, row("a", report.Pass, 2, 100, 100)}
	changes, onlyReplay, onlyLive := Diff(replay, live)
	if len(changes) != 0 || len(onlyLive) != 0 || len(onlyReplay) != 1 || !strings.Contains(onlyReplay[0], "eol (skipped live: lifecycle: end-of-life since 2026-06-19)") {
		t.Errorf("changes %+v, onlyReplay %q, onlyLive %q", changes, onlyReplay, onlyLive)
	}
}

// cassettesUnchanged fails the test when the cassette directory runDo
// prepared is not byte for byte what it was: the cassette and the manifest.
func cassettesUnchanged(t *testing.T, cassettes string) {
	t.Helper()
	if readFile(t, filepath.Join(cassettes, "cascade/m/a.yaml")) != "a1" || readFile(t, filepath.Join(cassettes, recorder.ManifestFile)) != testManifest {
		t.Error("a cassette or the manifest changed")
	}
}

// TestHonestClasses: "service changed" only when the change reproduces in
// a second live run; exit 13 keeps every old cassette and the manifest
// exactly; a phase timeout and a budget stop are classes of their own
// (issue 13).
func TestHonestClasses(t *testing.T) {
	const spec, specB = "spec a", "spec b"
	old, changed := row(spec, report.Pass, 2, 100, 100), row(spec, report.Pass, 2, 0, 200)
	oldB, failsB := row(specB, report.Pass, 2, 100, 100), row(specB, report.Fail, 2, 0, 200)
	evicted := row(spec, report.Fail, 2, 0, 200)

	t.Run("flaky: the second live run agrees with the cassette", func(t *testing.T) {
		code, n, cassettes := runDo(t, doScenario{rows: map[string][]report.Row{"replay": {old}, "live": {evicted}, "confirm": {old}}})
		if code != ExitNonDeterministic || len(n.sum.Results) != 1 || n.sum.Results[0].Class != NonDeterministic || n.sum.Results[0].RuleBroken {
			t.Fatalf("exit %d, results %+v, problems %q", code, n.sum.Results, n.sum.Problems)
		}
		if got := phaseNames(n.sum.Phases); got != "replay, live, second live, re-record (not run), replay re-recorded (not run)" {
			t.Errorf("phases %s", got)
		}
		cassettesUnchanged(t, cassettes)
	})
	t.Run("flaky: the second live run agrees with neither", func(t *testing.T) {
		other := row(spec, report.Fail, 1, 0, 100)
		code, n, _ := runDo(t, doScenario{rows: map[string][]report.Row{"replay": {old}, "live": {evicted}, "confirm": {other}}})
		if code != ExitNonDeterministic || n.sum.Results[0].Class != NonDeterministic {
			t.Fatalf("exit %d, results %+v", code, n.sum.Results)
		}
	})
	t.Run("now fails, reproduced: 13, not re-recorded", func(t *testing.T) {
		code, n, cassettes := runDo(t, doScenario{rows: map[string][]report.Row{"replay": {old}, "live": {evicted}, "confirm": {evicted}}})
		if code != ExitRuleBroken || !n.sum.Results[0].RuleBroken || n.sum.Results[0].Class != ServiceChanged {
			t.Fatalf("exit %d, results %+v, problems %q", code, n.sum.Results, n.sum.Problems)
		}
		if got := phaseNames(n.sum.Phases); !strings.HasPrefix(got, "replay, live, second live, re-record (not run)") {
			t.Errorf("phases %s", got)
		}
		cassettesUnchanged(t, cassettes)
	})
	// Issue 13: threshold-ignored left 28 re-recorded cassettes and a
	// changed manifest on exit 13.
	t.Run("13 keeps every old cassette and the manifest", func(t *testing.T) {
		code, n, cassettes := runDo(t, doScenario{
			rows:    map[string][]report.Row{"replay": {old, oldB}, "live": {changed, failsB}, "confirm": {changed, failsB}, "rerecord": {changed}, "verify": {changed}},
			touches: map[string]bool{"rerecord": true},
		})
		if code != ExitRuleBroken || len(n.sum.Rewritten) != 0 {
			t.Fatalf("exit %d, rewritten %q, results %+v, problems %q", code, n.sum.Rewritten, n.sum.Results, n.sum.Problems)
		}
		for _, r := range n.sum.Results {
			if r.Spec == spec && (r.Class != ServiceChanged || !r.Restored) {
				t.Errorf("the re-recorded service change is not marked restored: %+v", r)
			}
		}
		cassettesUnchanged(t, cassettes)
		if _, err := os.Stat(filepath.Join(n.reports, ExportDir)); !os.IsNotExist(err) {
			t.Errorf("cassettes exported for a merge on exit 13: %v", err)
		}
	})
	t.Run("the second live run files no row", func(t *testing.T) {
		code, n, cassettes := runDo(t, doScenario{rows: map[string][]report.Row{"replay": {old}, "live": {changed}, "confirm": nil}})
		if code != ExitBroke {
			t.Fatalf("exit %d, results %+v, problems %q", code, n.sum.Results, n.sum.Problems)
		}
		cassettesUnchanged(t, cassettes)
	})

	timedOut := `[{"SuiteDescription": "cachecascade", "SpecialSuiteFailureReasons": ["Suite Timeout Elapsed"]}]`
	// Issue 13: --timeout 2s gave exit 11 with 83 specs silently skipped.
	t.Run("live times out", func(t *testing.T) {
		code, n, cassettes := runDo(t, doScenario{
			rows:   map[string][]report.Row{"replay": {old, oldB}, "live": {changed}, "confirm": {changed}},
			exits:  map[string]int{"live": 1},
			ginkgo: map[string]string{"live": timedOut},
		})
		if code != ExitTimeout || !strings.Contains(strings.Join(n.sum.Problems, "\n"), "timed out") || len(n.sum.Results) != 0 {
			t.Fatalf("exit %d, results %+v, problems %q", code, n.sum.Results, n.sum.Problems)
		}
		cassettesUnchanged(t, cassettes)
	})
	t.Run("re-record times out", func(t *testing.T) {
		code, n, cassettes := runDo(t, doScenario{
			rows:    map[string][]report.Row{"replay": {old}, "live": {changed}, "confirm": {changed}, "rerecord": {changed}, "verify": {changed}},
			touches: map[string]bool{"rerecord": true},
			ginkgo:  map[string]string{"rerecord": timedOut},
		})
		if code != ExitTimeout || len(n.sum.Rewritten) != 0 {
			t.Fatalf("exit %d, rewritten %q, problems %q", code, n.sum.Rewritten, n.sum.Problems)
		}
		cassettesUnchanged(t, cassettes)
	})

	// The cassettes price the live run at 0.02 a call (row): 0.04 here.
	t.Run("budget refuses the live run before it starts", func(t *testing.T) {
		code, n, cassettes := runDo(t, doScenario{rows: map[string][]report.Row{"replay": {old, oldB}, "live": {old, oldB}}, budget: 0.03})
		if code != ExitBudget || !strings.HasPrefix(phaseNames(n.sum.Phases), "replay, live (not run)") || !strings.Contains(strings.Join(n.sum.Problems, "\n"), "over the night's budget") {
			t.Fatalf("exit %d, phases %s, problems %q", code, phaseNames(n.sum.Phases), n.sum.Problems)
		}
		cassettesUnchanged(t, cassettes)
	})
	t.Run("budget spent during the live run", func(t *testing.T) {
		code, n, cassettes := runDo(t, doScenario{
			rows:  map[string][]report.Row{"replay": {old, oldB}, "live": {old}},
			spend: map[string]string{"live": `{"run":"x","usd":0.05,"tokens":9,"calls":3}`},
			exits: map[string]int{"live": 1}, budget: 0.05,
		})
		if code != ExitBudget || !strings.Contains(strings.Join(n.sum.Problems, "\n"), "budget") {
			t.Fatalf("exit %d, problems %q", code, n.sum.Problems)
		}
		cassettesUnchanged(t, cassettes)
	})
	// One budget for the whole night: the second live run gets what the
	// first left, and is refused when its estimate is over it.
	t.Run("one budget over the phases", func(t *testing.T) {
		code, n, _ := runDo(t, doScenario{
			rows:   map[string][]report.Row{"replay": {old, oldB}, "live": {changed, oldB}},
			spend:  map[string]string{"live": `{"run":"x","usd":0.045,"tokens":9,"calls":4}`},
			budget: 0.06,
		})
		if code != ExitBudget || !strings.Contains(strings.Join(n.sum.Problems, "\n"), "second live") {
			t.Fatalf("exit %d, phases %s, problems %q", code, phaseNames(n.sum.Phases), n.sum.Problems)
		}
		if got := readFile(t, filepath.Join(n.reports, "live", "budget")); got != "budget USD=0.060000\n" {
			t.Errorf("the live phase's budget: %q", got)
		}
	})
}

// brokenCascade returns the rows of a night where the cascade rule broke
// on n cells of three models: replay passes, live and the second live run
// fail with the check's message.
func brokenCascade(n int) Summary {
	models := []string{"claude-sonnet-4-5", "nova-lite", "claude-opus-4-7"}
	var replay, live []report.Row
	var results []Result
	for i := 0; i < n; i++ {
		spec := fmt.Sprintf("cascade invalidates every checkpoint at or after a changed layer %s/strategy_%03d", models[i%3], i)
		r := row(spec, report.Pass, 5, 5776, 8664)
		r.Model = models[i%3]
		l := r
		l.Outcome, l.Rule, l.CacheReadTokens = report.Fail, "cascade", 8664
		l.Message = fmt.Sprintf("cascade: after the system changed, the messages checkpoint read 2888 tokens, want 0 (call %d)\n  full detail line", i%4+3)
		replay, live = append(replay, r), append(live, l)
		res := Confirm(Change{Spec: spec, Replay: r, Live: l, Reasons: Differences(r, l)}, l)
		results = append(results, *res)
	}
	s := Summary{Target: "emulator (in-process) with profile no-cascade", Compared: n, Results: results, Budget: "$40",
		Phases: []Phase{{Name: PhaseReplay, Mode: "replay", Ran: true, Rows: replay}, {Name: PhaseLive, Mode: "live", Ran: true, Exit: 1, Rows: live},
			{Name: PhaseConfirm, Mode: "live", Ran: true, Exit: 1, Rows: live}}}
	s.Exit = ExitCode(s.Results, false, nil)
	return s
}

// TestSummaryOnCallCanActOn: the summary of a broken rule is short and
// grouped (issue 13: 74 near-identical rows, 87 KB, over GitHub's 65,536-
// character pull-request body), gives the failures' messages, the cost
// line and the exit's meaning, and the full report is written apart.
func TestSummaryOnCallCanActOn(t *testing.T) {
	s := brokenCascade(740)
	md, full := s.Markdown(), s.FullMarkdown()
	if len(md) > SummaryCap {
		t.Errorf("the summary is %d characters, over the cap %d", len(md), SummaryCap)
	}
	for _, want := range []string{
		"**Exit 13**: the service changed in a way the nightly cannot re-record",
		"| `cascade` | service changed, now fails | 740 | claude-opus-4-7, claude-sonnet-4-5, nova-lite |",
		"e.g. `cascade invalidates every checkpoint at or after a changed layer claude-sonnet-4-5/strategy_000`: cascade: after the system changed, the messages checkpoint read 2888 tokens, want 0 (call 3)",
		"| claude-sonnet-4-5 | 247 | `cascade` (247) |",
		"first 20 of 740; every one in `summary-full.md`",
		"| actual: live, second live and re-record runs, 7400 calls | $74.0000 |",
		"budget $40",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the summary lacks %q", want)
		}
	}
	if strings.Count(full, "| cascade invalidates") != 740 || len(full) <= len(md) {
		t.Errorf("the full report does not hold every difference: %d rows, %d characters", strings.Count(full, "| cascade invalidates"), len(full))
	}
}

// TestUsageErrors: bad input is a usage error (exit 2) that says why and
// leaves no stale summary behind (issue 13: --profile nonexistent and a
// bad --label-filter exited 12, CACHECASCADE_BUDGET_USD=NaN disabled the
// budget, a stale summary.md survived a usage error).
func TestUsageErrors(t *testing.T) {
	reports := t.TempDir()
	t.Setenv(env.ReportDir, reports)
	t.Setenv(env.Target, "")
	t.Setenv(env.BudgetUSD, "")
	t.Setenv(env.BudgetTokens, "")
	cases := []struct {
		args []string
		vars map[string]string
		want string
	}{
		{[]string{"-target", "emulator", "-profile", "nonexistent"}, nil, `-profile "nonexistent": no such emulator profile`},
		{[]string{"-target", "emulator", "-profile", "no-cascade,nope"}, nil, `no such emulator profile`},
		{[]string{"-target", "emulator", "-label-filter", "area:cascade && ("}, nil, "-label-filter"},
		{[]string{"-target", "emulator", "-budget", "NaN"}, nil, "want a positive number of US dollars"},
		{[]string{"-target", "emulator", "-budget", "-5"}, nil, "want a positive number of US dollars"},
		{[]string{"-target", "emulator", "-budget", "Inf"}, nil, "want a positive number of US dollars"},
		{[]string{"-target", "emulator", "-budget", "twelve"}, nil, "want a positive number of US dollars"},
		{[]string{"-target", "emulator"}, map[string]string{env.BudgetUSD: "NaN"}, "want a positive number of US dollars"},
		{[]string{"-target", "emulator"}, map[string]string{env.BudgetTokens: "-1"}, "want a positive number of tokens"},
	}
	for _, c := range cases {
		for k, v := range c.vars {
			t.Setenv(k, v)
		}
		stale := filepath.Join(reports, "nightly", "summary.md")
		writeFile(t, stale, "# cachecascade nightly: nothing differs\n")
		writeFile(t, filepath.Join(reports, "nightly", "summary.json"), "{}")
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), c.args, &stdout, &stderr); code != ExitUsage || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("run(%q, %v) = %d, stderr %q; want %d and %q", c.args, c.vars, code, stderr.String(), ExitUsage, c.want)
		}
		for _, f := range []string{"summary.md", "summary.json"} {
			if _, err := os.Stat(filepath.Join(reports, "nightly", f)); !os.IsNotExist(err) {
				t.Errorf("run(%q): a stale %s survives the usage error", c.args, f)
			}
		}
		for k := range c.vars {
			t.Setenv(k, "")
		}
	}
}

// TestDirtyCassettesFlaggedBeforeTheRun: a cassette directory with changes
// git does not have (a killed re-record's leftovers) stops the night before
// anything is built, unless -allow-dirty says to go on (issue 13: SIGKILL
// during re-record left 74 dirty cassettes the next run did not notice).
func TestDirtyCassettesFlaggedBeforeTheRun(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	repo := t.TempDir()
	cassettes := filepath.Join(repo, "cassettes")
	writeFile(t, filepath.Join(cassettes, "cascade/m/a.yaml"), "a1")
	writeFile(t, filepath.Join(cassettes, recorder.ManifestFile), testManifest)
	for _, args := range [][]string{{"init", "-q"}, {"add", "."}, {"-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	if got, err := dirtyCassettes(context.Background(), cassettes); err != nil || len(got) != 0 {
		t.Fatalf("a clean directory: %q, %v", got, err)
	}
	writeFile(t, filepath.Join(cassettes, "cascade/m/a.yaml"), "half a re-recording")
	writeFile(t, filepath.Join(cassettes, "cascade/m/new.yaml"), "x")
	got, err := dirtyCassettes(context.Background(), cassettes)
	if err != nil || strings.Join(got, ",") != "cascade/m/a.yaml,cascade/m/new.yaml" {
		t.Fatalf("dirtyCassettes = %q, %v", got, err)
	}
	t.Setenv(env.Cassettes, cassettes)
	t.Setenv(env.ReportDir, t.TempDir())
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-target", "emulator", "-procs", "1"}, &stdout, &stderr)
	if code != ExitUsage || !strings.Contains(stderr.String(), "2 files in the cassette directory differ from git") || strings.Contains(stderr.String(), "building the suites") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr.String())
	}
}

// TestInterruptBeforeThePhases: Ctrl-C while the suites build or the test
// binary starts ends the night as interrupted (130), not as a build
// failure (2) or a crash (issue 13: SIGINT while the test binary starts was
// ignored).
func TestInterruptBeforeThePhases(t *testing.T) {
	cassettes := filepath.Join(t.TempDir(), "cassettes")
	writeFile(t, filepath.Join(cassettes, recorder.ManifestFile), testManifest)
	t.Setenv(env.Cassettes, cassettes)
	t.Setenv(env.ReportDir, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	if code := run(ctx, []string{"-target", "emulator", "-procs", "1"}, &stdout, &stderr); code != ExitInterrupted {
		t.Errorf("exit %d, want %d:\n%s", code, ExitInterrupted, stderr.String())
	}
}

// TestFaultProfilesKeepEveryCassette runs the nightly against the emulator
// under fault profiles: each night is "service changed, now fails" (13),
// and the cassette directory, manifest included, is byte for byte what it
// was (issue 13: threshold-ignored left 28 re-recorded cassettes and a
// changed manifest, listed "to commit").
func TestFaultProfilesKeepEveryCassette(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the suites and runs them against the emulator")
	}
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ profile, filter string }{
		// Sonnet 4.5's four-checkpoint specs pass under the fault with
		// other write tokens (a service change, re-recorded), its
		// threshold specs fail (a rule broken).
		{"threshold-ignored", "model:claude-sonnet-4-5 && (area:limits || area:threshold)"},
		{"no-cascade", "model:nova-lite && area:cascade"},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			cassettes, reports := copyCassettes(t, root), t.TempDir()
			before, err := hashTree(cassettes)
			if err != nil {
				t.Fatal(err)
			}
			t.Setenv(env.Cassettes, cassettes)
			t.Setenv(env.ReportDir, reports)
			for _, k := range []string{env.Endpoint, env.BearerToken, env.GitHubStepSummary, env.BudgetUSD, env.BudgetTokens} {
				t.Setenv(k, "")
			}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"-target", "emulator", "-procs", "2", "-profile", tc.profile, "-label-filter", tc.filter}, &stdout, &stderr)
			if code != ExitRuleBroken {
				t.Fatalf("exit %d, want %d:\n%s\n%s", code, ExitRuleBroken, stderr.String(), stdout.String())
			}
			after, err := hashTree(cassettes)
			if err != nil {
				t.Fatal(err)
			}
			if ch := changedFiles(before, after); len(ch) > 0 {
				t.Errorf("exit 13 left %d cassettes changed: %q", len(ch), ch)
			}
			md := readFile(t, filepath.Join(reports, "nightly", "summary.md"))
			if strings.Contains(md, "to commit") || !strings.Contains(md, "service changed, now fails") {
				t.Errorf("the summary:\n%s", md)
			}
			if _, err := os.Stat(filepath.Join(reports, "nightly", ExportDir)); !os.IsNotExist(err) {
				t.Errorf("cassettes exported for a merge on exit 13: %v", err)
			}
		})
	}
}

// TestHistoryTrend: the history read the next night shows the trend: the
// last nights, the cells non-deterministic on several nights, and costs
// against the previous nights' median; it keeps HistoryNights nights.
func TestHistoryTrend(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 11, d, 4, 23, 0, 0, time.UTC) }
	night := func(d int, flaky bool, cost float64) Night {
		n := Night{Started: day(d), Exit: ExitSame, Compared: 2, LiveCalls: 8, ActualUSD: 2 * cost, Cells: map[string]Cell{
			"cascade nova-lite/none": {CostUSD: cost}, "limits claude-opus-4-7": {CostUSD: 0.01}}}
		if flaky {
			n.Exit, n.Differ = ExitNonDeterministic, 1
			n.Cells["limits claude-opus-4-7"] = Cell{Class: NonDeterministic, CostUSD: 0.01}
		}
		return n
	}
	var h History
	if got := Trend(h.With(night(1, false, 1))); !strings.Contains(got, "The first night of the history") {
		t.Errorf("first night:\n%s", got)
	}
	for d := 1; d <= 4; d++ {
		h = h.With(night(d, d%2 == 0, 1))
	}
	got := Trend(h.With(night(5, true, 1.5)))
	for _, want := range []string{
		"| 2026-11-05 04:23 | 11 | 2 | 1 | 1 | 8 | $3.0000 |",
		"Flaky cells: 1 were non-deterministic on 2 or more of the 5 nights:\n\n- limits claude-opus-4-7: 3 nights",
		"Cost tonight $3.0000 against a median of $2.0000 over the 4 nights before (+50.0%)",
		"- cascade nova-lite/none: $1.0000 → $1.5000 (+50.0%)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the trend lacks %q:\n%s", want, got)
		}
	}
	for d := 0; d < 40; d++ {
		h = h.With(night(1, false, 1))
	}
	if len(h.Nights) != HistoryNights {
		t.Errorf("the history keeps %d nights, want %d", len(h.Nights), HistoryNights)
	}
	path := filepath.Join(t.TempDir(), "h", HistoryFile)
	if err := h.write(path); err != nil {
		t.Fatal(err)
	}
	back, err := ReadHistory(path)
	if err != nil || len(back.Nights) != HistoryNights || back.Nights[0].Cells["cascade nova-lite/none"].CostUSD != 1 {
		t.Errorf("read back: %d nights, %v", len(back.Nights), err)
	}
	writeFile(t, path, "{not json")
	if _, err := ReadHistory(path); err == nil || !strings.Contains(err.Error(), "starts over") {
		t.Errorf("a corrupt history: %v", err)
	}
	if h, err := ReadHistory(filepath.Join(t.TempDir(), "none.json")); err != nil || len(h.Nights) != 0 {
		t.Errorf("no history yet: %+v, %v", h, err)
	}
}

// TestNightKeepsItsHistory: a night run with -history reads the previous
// nights, shows the trend in its summary and writes the history back with
// tonight added (and a copy in its report directory, for the artifact).
func TestNightKeepsItsHistory(t *testing.T) {
	const spec = "spec a"
	old := row(spec, report.Pass, 2, 100, 100)
	old.CostWithoutCacheUSD = 0.08
	hist := filepath.Join(t.TempDir(), HistoryFile)
	prev := History{}.With(Night{Started: time.Date(2026, 11, 1, 4, 23, 0, 0, time.UTC), LiveCalls: 2, ActualUSD: 0.01,
		Cells: map[string]Cell{spec: {CostUSD: 0.01}}})
	if err := prev.write(hist); err != nil {
		t.Fatal(err)
	}
	_, n, _ := runDo(t, doScenario{rows: map[string][]report.Row{"replay": {old}, "live": {old}}})
	n.history = hist
	var stdout bytes.Buffer
	n.finish(&stdout)
	md := readFile(t, filepath.Join(n.reports, "summary.md"))
	if !strings.Contains(md, "## Trend") || !strings.Contains(md, "Cost tonight $0.0200 against a median of $0.0100 over the 1 nights before (+100.0%)") {
		t.Errorf("the summary shows no trend:\n%s", md)
	}
	for _, p := range []string{hist, filepath.Join(n.reports, HistoryFile)} {
		h, err := ReadHistory(p)
		if err != nil || len(h.Nights) != 2 || h.Nights[1].Cells[spec].CostUSD != 0.02 || h.Nights[1].Cells[spec].CostWithoutCacheUSD != 0.08 {
			t.Errorf("%s: %+v, %v", p, h, err)
		}
	}
	// The live report plots the nights: the one before the history kept
	// the cost without caching as one bar, tonight beside what the same
	// calls would have cost without caching.
	page := readFile(t, filepath.Join(n.reports, "live", report.HTMLFile))
	if !strings.Contains(page, "Across nights") || strings.Count(page, `<g tabindex="0"><title>2026-11-01: $0.01000 live`) != 1 ||
		strings.Count(page, `spent; the live specs $0.02000 with caching, $0.08000 without (75.0% saved)`) != 1 {
		t.Errorf("the live report does not plot the 2 nights")
	}
}

// TestEverySpecAccountedFor: a spec the replay ran that the live run
// neither filed nor skipped (Ginkgo's report says why a spec was skipped)
// makes the night a crash, never "nothing differs" on fewer specs (issue
// 13: "Reports count what ran, not what filed a row").
func TestEverySpecAccountedFor(t *testing.T) {
	a, z := row("spec a", report.Pass, 2, 100, 100), row("hygiene the manifest names the source of every cassette", report.Pass, 0, 0, 0)
	code, n, _ := runDo(t, doScenario{rows: map[string][]report.Row{"replay": {a, z}, "live": {a}}})
	if code != ExitBroke || !strings.Contains(strings.Join(n.sum.Problems, "\n"), "1 specs the replay ran did not report in the live phase") {
		t.Errorf("exit %d, problems %q", code, n.sum.Problems)
	}
	skipped := `[{"SuiteDescription": "cachecascade", "SpecReports": [{"ContainerHierarchyTexts": ["hygiene"], "LeafNodeText": "the manifest names the source of every cassette", "LeafNodeType": "It", "State": "skipped", "Failure": {"Message": "checked in replay"}}]}]`
	code, n, _ = runDo(t, doScenario{rows: map[string][]report.Row{"replay": {a, z}, "live": {a}}, ginkgo: map[string]string{"live": skipped}})
	if code != ExitSame || len(n.sum.NotCompared) != 1 || !strings.Contains(n.sum.NotCompared[0], "(skipped live: checked in replay)") {
		t.Errorf("exit %d, not compared %q, problems %q", code, n.sum.NotCompared, n.sum.Problems)
	}
}

// TestHeadline: the summary's first line says what happened: a rule now
// broken, a timeout, a budget stop, a drift of the night's usage.
func TestHeadline(t *testing.T) {
	broken := brokenCascade(3)
	nd := Result{Change: Change{Spec: "x"}, Class: NonDeterministic}
	for _, c := range []struct {
		s    Summary
		want string
	}{
		{broken, "3 of 3 specs differ: 3 now fail (service changed, reproduced)"},
		{Summary{Compared: 4, Results: append(broken.Results, nd), Exit: ExitRuleBroken}, "4 of 4 specs differ: 3 now fail (service changed, reproduced), 1 non-deterministic"},
		{Summary{Exit: ExitTimeout, Problems: []string{"the live phase timed out"}}, "a phase timed out, the night is incomplete"},
		{Summary{Exit: ExitBudget, Problems: []string{"budget: …"}}, "the budget stopped the night"},
		{Summary{Exit: ExitRuleBroken, NightDrift: []string{"output tokens …"}}, "no spec differs, but the night's usage drifted"},
		{Summary{Exit: ExitSame}, "nothing differs"},
	} {
		if got := c.s.Headline(); got != c.want {
			t.Errorf("Headline = %q, want %q", got, c.want)
		}
	}
}

// TestFlakyAndInputDriftProfiles runs the nightly under the two emulator
// profiles issue 13's Done-when needs and the emulator does not have yet
// (their definitions are with the lead): random evictions must give 11
// (never 13) and leave every cassette as it was; 40 more input tokens a
// call must be reported as drift of the input tokens. Each subtest skips
// while its profile is missing.
func TestFlakyAndInputDriftProfiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the suites and runs them against the emulator")
	}
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, profile, filter string
		resends               string // env.NoiseResends; "" keeps the default
		exits                 []int
		want                  string
	}{
		// The suites settle the noise: no difference, the noise reported.
		{"random-evictions", "random-evictions", "area:cascade || area:conversation", "", []int{ExitSame}, "The service's noise in the live run"},
		{"routing", "routing", "area:cascade || area:conversation", "", []int{ExitSame}, "The service's noise in the live run"},
		// Allowed one extra call a process, too few to settle it, the specs it fails do not fail again
		// in the second live run (each run has its own salt, so its own
		// draws): non-deterministic, never a service change.
		{"random-evictions unsettled", "random-evictions", "area:cascade || area:conversation", "1", []int{ExitNonDeterministic}, "non-deterministic"},
		{"extra-input-tokens", "extra-input-tokens", "model:nova-lite && area:cascade", "", []int{ExitServiceChanged}, "input "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := emulator.LookupProfile(tc.profile); !ok {
				t.Skipf("the emulator has no %s profile yet", tc.profile)
			}
			cassettes, reports := copyCassettes(t, root), t.TempDir()
			before, _ := hashTree(cassettes)
			t.Setenv(env.Cassettes, cassettes)
			t.Setenv(env.ReportDir, reports)
			for _, k := range []string{env.Endpoint, env.BearerToken, env.GitHubStepSummary, env.BudgetUSD, env.BudgetTokens} {
				t.Setenv(k, "")
			}
			t.Setenv(env.NoiseResends, tc.resends)
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"-target", "emulator", "-procs", "2", "-profile", tc.profile, "-label-filter", tc.filter}, &stdout, &stderr)
			if !slices.Contains(tc.exits, code) || !strings.Contains(stdout.String(), tc.want) {
				t.Fatalf("exit %d, want %v and %q in the summary:\n%s", code, tc.exits, tc.want, stdout.String())
			}
			if code == ExitNonDeterministic || code == ExitSame {
				after, _ := hashTree(cassettes)
				if ch := changedFiles(before, after); len(ch) > 0 {
					t.Errorf("a flaky night changed cassettes: %q", ch)
				}
			}
		})
	}
}

// TestFlakyRuleIsNotAChange: on a night where some cells of a rule did not
// reproduce, the cells of that rule that failed the same way twice are
// chance too, not a broken rule (random evictions at one lookup in eight
// reproduced 6 of 51 failures and ended 13 before); a rule every cell of
// which reproduces stays 13.
func TestFlakyRuleIsNotAChange(t *testing.T) {
	fail := func(spec, rule string) (report.Row, report.Row) {
		r := row(spec, report.Pass, 2, 100, 100)
		l := row(spec, report.Fail, 2, 0, 200)
		l.Rule = rule
		return r, l
	}
	a, aLive := fail("spec a", "repeat-reads")
	b, bLive := fail("spec b", "repeat-reads")
	c, cLive := fail("spec c", "cascade")
	code, n, cassettes := runDo(t, doScenario{rows: map[string][]report.Row{
		"replay": {a, b, c}, "live": {aLive, bLive, cLive}, "confirm": {aLive, b, cLive}}})
	classes := map[string]string{}
	for _, r := range n.sum.Results {
		classes[r.Spec] = classLabel(r)
	}
	if code != ExitRuleBroken || classes["spec a"] != "non-deterministic" || classes["spec b"] != "non-deterministic" || classes["spec c"] != "service changed, now fails" {
		t.Errorf("exit %d, classes %v", code, classes)
	}
	cassettesUnchanged(t, cassettes)
	code, n, _ = runDo(t, doScenario{rows: map[string][]report.Row{"replay": {a, b}, "live": {aLive, bLive}, "confirm": {aLive, b}}})
	if code != ExitNonDeterministic {
		t.Errorf("a flaky rule alone: exit %d, results %+v", code, n.sum.Results)
	}
}

// TestFaultOnAFlakyNight: a rule most of whose cells reproduce their
// failure stays broken (13) even when a few of its cells were flaky.
func TestFaultOnAFlakyNight(t *testing.T) {
	var results []Result
	for i := 0; i < 5; i++ {
		results = append(results, Result{Change: Change{Spec: fmt.Sprint(i), Live: report.Row{Rule: "cascade"}}, Class: ServiceChanged, RuleBroken: true})
	}
	results = append(results, Result{Change: Change{Spec: "flaky", Live: report.Row{Rule: "cascade"}}, Class: NonDeterministic})
	DemoteFlakyRules(results)
	if ExitCode(results, false, nil) != ExitRuleBroken || !results[0].RuleBroken {
		t.Errorf("a fault on a flaky night was demoted: %+v", results[0])
	}
}
