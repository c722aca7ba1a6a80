package main

import (
	"context"
	"errors"
	envvar "github.com/cachecascade/cachecascade/internal/env"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/sdkcheck"
)

// TestPlanVersion checks how a version is resolved into its alternate
// go.mod and build tags: v1.37.1 gets its own core and smithy-go, the
// newest config within them, both tags, and the project's go.mod edited
// by exactly the plan.
func TestPlanVersion(t *testing.T) {
	w := newWorld(t)
	tmp := t.TempDir()
	e := &sdkcheck.Evaluation{Requested: "v1.37.1"}
	ev := &env{}
	if err := w.r.plan(context.Background(), e, ev, tmp); err != nil {
		t.Fatal(err)
	}
	if e.Version != "v1.37.1" || e.Timing.Resolve <= 0 {
		t.Errorf("version %q, resolve time %v", e.Version, e.Timing.Resolve)
	}
	want := sdkcheck.PlanModfile(projectReqs, "v1.37.1", reqs1371, map[string]string{sdkcheck.Config: "v1.31.2"})
	if !reflect.DeepEqual(e.Plan, want) {
		t.Errorf("plan\n%+v\nwant\n%+v", e.Plan, want)
	}
	for m, v := range map[string]string{sdkcheck.Smithy: "v1.22.5", sdkcheck.Core: "v1.38.1", sdkcheck.Config: "v1.31.2", sdkcheck.BedrockRuntime: "v1.37.1"} {
		if got := e.Plan.Version(m); got != v {
			t.Errorf("plan sets %s to %q, want %q", m, got, v)
		}
	}
	if len(e.Plan.Drop) != 1 || e.Plan.Drop[0].Path != "github.com/aws/aws-sdk-go-v2/credentials" {
		t.Errorf("plan drops %+v", e.Plan.Drop)
	}
	if tags := sdkcheck.TagNames(e.Tags); tags != "cachecascade_nottl,cachecascade_nobearer" || ev.tags != tags {
		t.Errorf("tags %q, env tags %q", tags, ev.tags)
	}
	if len(e.Tags) == 0 || !slices.Contains(e.Tags[0].Missing, "types.CachePointBlock.Ttl") {
		t.Errorf("tags do not name the missing symbols: %+v", e.Tags)
	}

	// The alternate go.mod is a copy of the project's, edited by the plan.
	if ev.modfile != filepath.Join(tmp, "alt.mod") {
		t.Errorf("modfile %q", ev.modfile)
	}
	for from, to := range map[string]string{"go.mod": "alt.mod", "go.sum": "alt.sum"} {
		a, _ := os.ReadFile(filepath.Join(w.root, from))
		b, err := os.ReadFile(filepath.Join(tmp, to))
		if err != nil || string(a) != string(b) {
			t.Errorf("%s is not a copy of %s: %v", to, from, err)
		}
	}
	edit := w.f.command("go", "mod", "edit", "-require="+sdkcheck.Core+"@v1.38.1")
	if edit == nil {
		t.Fatalf("no go mod edit applied the plan; commands %q", w.f.commands("go"))
	}
	if wantArgs := append(append([]string{"go", "mod", "edit"}, want.Args()...), ev.modfile); !slices.Equal(edit.Args, wantArgs) || edit.Dir != tmp {
		t.Errorf("go mod edit ran %q in %s, want %q in %s", edit.Args, edit.Dir, wantArgs, tmp)
	}
	// Companion binary-searches four config versions: at most three looked at.
	var looked int
	for _, a := range w.f.commands("go") {
		if strings.HasPrefix(strings.Join(a, " "), "list -m -json "+sdkcheck.Config+"@") {
			looked++
		}
	}
	if looked == 0 || looked > 3 {
		t.Errorf("looked at %d config versions", looked)
	}
}

// TestPlanLatest checks that latest resolves to the version the proxy
// names, needs no tags on a current release, and reuses the config
// versions listed for an earlier version.
func TestPlanLatest(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if err := w.r.plan(ctx, &sdkcheck.Evaluation{Requested: "v1.37.1"}, &env{}, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	e, ev := &sdkcheck.Evaluation{Requested: "latest"}, &env{}
	if err := w.r.plan(ctx, e, ev, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if e.Version != "v1.63.11" || e.Plan.Version(sdkcheck.BedrockRuntime) != "v1.63.11" || e.Plan.Version(sdkcheck.Config) != "v1.33.15" {
		t.Errorf("latest: version %q, plan %+v", e.Version, e.Plan.Set)
	}
	if len(e.Tags) != 0 || ev.tags != "" {
		t.Errorf("a current release needs no tags: %+v", e.Tags)
	}
	var listed int
	for _, a := range w.f.commands("go") {
		if slices.Contains(a, "-versions") {
			listed++
		}
	}
	if listed != 1 {
		t.Errorf("config versions listed %d times, want once", listed)
	}
}

func TestPlanBaseline(t *testing.T) {
	w := newWorld(t)
	e, ev := &sdkcheck.Evaluation{Baseline: true}, &env{}
	if err := w.r.plan(context.Background(), e, ev, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if e.Version != "v1.63.11" || len(e.Plan.Set)+len(e.Plan.Drop) != 0 || ev.modfile != "" || ev.tags != "" {
		t.Errorf("baseline: %+v, env %+v", e, ev)
	}
	if w.f.command("go", "mod", "download") != nil {
		t.Error("the baseline downloaded a release")
	}
}

func TestPlanErrors(t *testing.T) {
	for _, c := range []struct {
		name, version string
		setup         func(*world)
		want          string
	}{
		{"unknown version", "v9.9.9", nil, "bedrockruntime@v9.9.9: invalid version: unknown revision v9.9.9"},
		{"no source", "v1.37.1", func(w *world) { os.RemoveAll(filepath.Join(w.f.releases["v1.37.1"].Dir, "types")) }, "reading bedrockruntime@v1.37.1's source"},
		{"unreadable go.mod", "v1.37.1", func(w *world) { delete(w.f.gomods, "/fake/modcache/v1.37.1.mod") }, "reading /fake/modcache/v1.37.1.mod: go: open"},
		{"no companion", "v1.37.1", func(w *world) { w.f.configVersions = []string{"v1.33.15"} }, "no version requires at most"},
		{"no config versions", "v1.37.1", func(w *world) { w.f.configVersions = nil }, "listing " + sdkcheck.Config + " versions"},
		{"no go.sum", "v1.37.1", func(w *world) { os.Remove(filepath.Join(w.root, "go.sum")) }, "go.sum"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			if c.setup != nil {
				c.setup(w)
			}
			e := &sdkcheck.Evaluation{Requested: c.version}
			err := w.r.plan(context.Background(), e, &env{}, t.TempDir())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("plan(%s) = %v, want an error containing %q", c.version, err, c.want)
			}
			if e.Timing.Resolve != 0 {
				t.Error("a failed resolve was timed")
			}
		})
	}
}

// outcome is what a test reads off an evaluation: its row, and the exit
// status and summary of a run of the baseline and that version.
type outcome struct {
	res  result
	row  sdkcheck.Row
	exit int
	md   string
}

// evaluateVersion evaluates the baseline, lets setup change the fake for
// the version, evaluates the version against the baseline's verdicts, and
// publishes the two.
func evaluateVersion(t *testing.T, w *world, version string, setup func(*world)) outcome {
	t.Helper()
	ctx := context.Background()
	base := w.r.evaluate(ctx, "", nil)
	if row := sdkcheck.Classify(base.Evaluation); row.Status != sdkcheck.Clean {
		t.Fatalf("baseline %v: %v (%s)", row.Status, row.Reasons, base.Err)
	}
	if setup != nil {
		setup(w)
	}
	res := w.r.evaluate(ctx, version, base.specs)
	var md strings.Builder
	code := publish(&md, sdkcheck.Summary{Evaluations: []sdkcheck.Evaluation{base.Evaluation, res.Evaluation}}, "", "")
	return outcome{res: res, row: sdkcheck.Classify(res.Evaluation), exit: code, md: md.String()}
}

// na is a table cell of a check that was not reached.
const na = "—"

// outcomeCase is one version's evaluation and what its row must say.
type outcomeCase struct {
	name, version string
	setup         func(*world) // the fake's answers for the version
	status        sdkcheck.Status
	exit          int       // of a run of the baseline and the version
	cells         [4]string // builds, deterministic, wire, verdicts: substrings, or na for exactly "—"
}

var outcomeCases = []outcomeCase{
	{"latest is clean", "latest", (*world).latestClean, sdkcheck.Clean, 0,
		[4]string{"✅", "✅ 2 requests × 30 builds: 1 body each", "✅ 2/2 identical", "✅ 3 unchanged"}},
	{"v1.37.1 is cache-affecting", "v1.37.1", (*world).mapOrder137, sdkcheck.CacheAffecting, 1,
		[4]string{"✅ with `-tags cachecascade_nottl,cachecascade_nobearer`", "❌ up to 30/30 distinct bodies", "⚠️ 1/1 reordered, prompt-bearing", "❌ 1 changed: determinism claude/tools_only (passed → failed), 1 not applicable"}},
	{"without TTL, otherwise clean", "v1.37.1", func(w *world) {
		w.pin137()
		w.f.report = ginkgoReport(passed("cascade claude/none"), passed("determinism claude/tools_only"), notApplicable("ttl one hour"))
		w.logWire(recordedBody, false)
	}, sdkcheck.Clean, 0,
		[4]string{"TTL cells not applicable (skipped)", "✅", "✅ 1/1 identical; 1 recorded requests not replayed", "✅ 2 unchanged, 1 not applicable"}},
	{"deterministic reorder is only a warning", "v1.37.1", func(w *world) {
		w.pin137()
		w.f.report = ginkgoReport(passed("cascade claude/none"), passed("determinism claude/tools_only"), notApplicable("ttl one hour"))
		w.logWire(reorderedBody, false)
	}, sdkcheck.Warn, 0,
		[4]string{"✅", "✅", "⚠️ 1/1 reordered, prompt-bearing", "✅ 2 unchanged, 1 not applicable"}},
	{"changed prompt bytes", "latest", func(w *world) {
		w.latestClean()
		w.logWire(changedBody, true)
	}, sdkcheck.CacheAffecting, 1,
		[4]string{"✅", "✅", "❌ 1/2 semantically changed: `system[*].text` (value, prompt-bearing)", "✅ 3 unchanged"}},
	{"does not build", "v1.37.1", func(w *world) {
		w.pin137()
		w.f.buildFails, w.f.buildOut = true, "go: downloading x v1\n# m\nsuites/ttl_test.go:12:3: undefined: usage.Details\nsuites/x_test.go:1:1: y\n"
	}, sdkcheck.NotEvaluated, 2,
		[4]string{"❌ does not build: `suites/ttl_test.go:12:3: undefined: usage.Details` (+1 more) with `-tags cachecascade_nottl,cachecascade_nobearer`", na, na, na}},
	{"build dies without output", "latest", func(w *world) {
		w.latestClean()
		w.f.buildFails, w.f.buildOut = true, "go: downloading x v1\n"
	}, sdkcheck.NotEvaluated, 2,
		[4]string{"❌ does not build: `the build failed (exit status 1) without naming an error`", na, na, na}},
	{"not pinned", "v1.37.1", func(w *world) {
		w.pin137()
		w.f.selectedAlt[sdkcheck.Smithy] = "v1.28.8"
		w.f.report = ginkgoReport(passed("cascade claude/none"), passed("determinism claude/tools_only"), notApplicable("ttl one hour"))
		w.logWire(recordedBody, false)
	}, sdkcheck.NotEvaluated, 2,
		[4]string{"⛔ not pinned: " + sdkcheck.Smithy + " raised from v1.22.5 to v1.28.8", "✅", "✅", "✅"}},
	{"unknown version", "v9.9.9", nil, sdkcheck.NotEvaluated, 2,
		[4]string{"⛔ bedrockruntime@v9.9.9: ", na, na, na}},
	{"packages do not load", "latest", func(w *world) {
		w.latestClean()
		w.f.loadOut = "go: github.com/aws/smithy-go@v1.28.8: missing go.sum entry\n"
	}, sdkcheck.NotEvaluated, 2,
		[4]string{"⛔ loading the packages: go: github.com/aws/smithy-go@v1.28.8: missing go.sum entry", na, na, na}},
	{"probe fails", "latest", func(w *world) {
		w.latestClean()
		w.f.probeFails = true
	}, sdkcheck.NotEvaluated, 2,
		[4]string{"✅", "⛔ determinism probe: panic: boom", "✅ 2/2 identical", "✅ 3 unchanged"}},
	{"no request reaches the cassettes", "latest", func(w *world) {
		w.latestClean()
		w.f.wire = nil
	}, sdkcheck.NotEvaluated, 2,
		[4]string{"✅", "✅", "⛔ no request reached the cassettes; 2 recorded requests not replayed", "✅ 3 unchanged"}},
}

// TestEvaluateOutcomes runs one version through every phase against the
// fake go command and checks the verdict, the cells and the exit status.
func TestEvaluateOutcomes(t *testing.T) {
	for _, c := range outcomeCases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			o := evaluateVersion(t, w, c.version, c.setup)
			r := o.row
			if r.Status != c.status || o.exit != c.exit {
				t.Errorf("status %v, exit %d; want %v, exit %d (reasons %q, err %q)", r.Status, o.exit, c.status, c.exit, r.Reasons, o.res.Err)
			}
			for i, got := range []string{r.Builds, r.Deterministic, r.Wire, r.Verdicts} {
				if want := c.cells[i]; want == na && got != na || want != na && !strings.Contains(got, want) {
					t.Errorf("cell %d = %q, want %q", i, got, want)
				}
			}
			if !strings.Contains(o.md, "| "+r.Status.String()+" |") {
				t.Errorf("summary lacks the outcome %q:\n%s", r.Status, o.md)
			}
		})
	}
}

// TestEvaluateMapOrder checks the details of a cache-affecting v1.37.1:
// what is recorded, and the summary's headline and explanation.
func TestEvaluateMapOrder(t *testing.T) {
	w := newWorld(t)
	o := evaluateVersion(t, w, "v1.37.1", (*world).mapOrder137)
	e := o.res.Evaluation
	if e.Requested != "v1.37.1" || e.Version != "v1.37.1" || e.Baseline || len(e.NotPinned) != 0 || e.Err != "" {
		t.Errorf("evaluation %+v", e)
	}
	if !reflect.DeepEqual(e.Modules, w.f.selectedAlt) {
		t.Errorf("modules %v", e.Modules)
	}
	if len(e.UntaggedErrors) != 2 || !strings.Contains(e.UntaggedErrors[0], "unknown field Ttl") {
		t.Errorf("untagged errors %q", e.UntaggedErrors)
	}
	if e.Verdicts == nil || len(e.Verdicts.NotApplicable) != 1 || e.Verdicts.NotApplicable[0].Spec != "ttl one hour" {
		t.Errorf("verdicts %+v", e.Verdicts)
	}
	if e.Wire == nil || e.Wire.Reordered != 1 || e.Wire.NotReplayed != 1 || !slices.Equal(e.Wire.NotReplayedIn, []string{ttlCassette}) {
		t.Errorf("wire %+v", e.Wire)
	}
	if !strings.Contains(e.SuiteOutput, "FAIL") {
		t.Errorf("suite output %q", e.SuiteOutput)
	}
	if len(o.res.specs) != 3 {
		t.Errorf("specs %+v", o.res.specs)
	}
	for _, want := range []string{
		"**❌ Cache-affecting: v1.37.1.** Exit status 1.",
		"known cause: smithy-go before v1.23.0",
		"Without tags:\n\n```\nmatrix/cachepoint.go:22:16: unknown field Ttl",
		"Verdicts: 3 specs, 1 unchanged, 1 not applicable, 1 changed.",
	} {
		if !strings.Contains(o.md, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	// The TTL spec is not applicable, not changed.
	if strings.Contains(o.md, "- ttl one hour: passed →") {
		t.Errorf("the not-applicable TTL spec is listed as changed:\n%s", o.md)
	}
}

// TestEvaluateCommands checks what an evaluation runs: the flags of each
// go command, the probe's and the suites' command lines and environment,
// and that the temporary directory goes away.
func TestEvaluateCommands(t *testing.T) {
	t.Setenv("AWS_BEARER_TOKEN_BEDROCK", "secret")
	w := newWorld(t)
	o := evaluateVersion(t, w, "v1.37.1", (*world).mapOrder137)
	bin := filepath.Dir(w.f.last("suites.test").Path)
	alt := filepath.Join(bin, "alt.mod")
	flags := []string{"-modfile=" + alt, "-mod=mod", "-tags=cachecascade_nottl,cachecascade_nobearer"}
	for _, want := range [][]string{
		append(append([]string{"list"}, flags...), "-deps", "-test", "./suites/", "./cmd/sdk-upgrade/probe"),
		append(append([]string{"list"}, flags...), "-m", "-json", sdkcheck.BedrockRuntime, sdkcheck.Core, sdkcheck.Smithy, sdkcheck.Config),
		{"test", "-modfile=" + alt, "-mod=mod", "-c", "-o", filepath.Join(bin, "untagged.test"), "./suites/"},
		append(append([]string{"test"}, flags...), "-c", "-o", filepath.Join(bin, "suites.test"), "./suites/"),
		append(append([]string{"build"}, flags...), "-o", filepath.Join(bin, "probe"), "./cmd/sdk-upgrade/probe"),
	} {
		if !slices.ContainsFunc(w.f.commands("go"), func(a []string) bool { return slices.Equal(a, want) }) {
			t.Errorf("no go %q among %q", want, w.f.commands("go"))
		}
	}
	if got := w.f.commands("probe"); len(got) != 2 || !slices.Equal(got[1], []string{"-builds=30"}) {
		t.Errorf("probe runs %q", got)
	}
	suites := w.f.last("suites.test")
	if suites.Dir != filepath.Join(w.root, "suites") || !slices.Contains(suites.Args, "-ginkgo.json-report="+filepath.Join(bin, "report.json")) {
		t.Errorf("suites ran %q in %s", suites.Args, suites.Dir)
	}
	for k, v := range map[string]string{"CACHECASCADE_MODE": "replay", "CACHECASCADE_CASSETTES": w.r.cassettes, envvar.WireLog: filepath.Join(bin, "wire.jsonl")} {
		if got := envValue(suites.Env, k); got != v {
			t.Errorf("suites env %s=%q, want %q", k, got, v)
		}
	}
	for _, c := range w.f.cmds {
		if envValue(c.Env, "AWS_BEARER_TOKEN_BEDROCK") != "" || envValue(c.Env, "GOWORK") != "off" || envValue(c.Env, "GOMODCACHE") != os.Getenv("GOMODCACHE") {
			t.Errorf("%q ran with a leaking environment", c.Args)
		}
	}
	if _, err := os.Stat(bin); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary directory %s not removed: %v", bin, err)
	}
	if o.res.Timing.Total <= 0 || o.res.Timing.Build <= 0 || o.res.Timing.Cold {
		t.Errorf("timing %+v", o.res.Timing)
	}
}

// TestEvaluateColdKeep checks -cold (a fresh module cache for the version,
// emptied afterwards; not for the baseline) and -keep.
func TestEvaluateColdKeep(t *testing.T) {
	w := newWorld(t)
	w.r.cold, w.r.keep = true, true
	o := evaluateVersion(t, w, "latest", (*world).latestClean)
	if !o.res.Timing.Cold {
		t.Error("the version's timing is not marked cold")
	}
	var base, version []string
	for _, c := range w.f.cmds {
		if c.Args[0] != "go" {
			continue
		}
		if mc := envValue(c.Env, "GOMODCACHE"); strings.HasSuffix(mc, "modcache") {
			version = append(version, strings.Join(c.Args[1:], " "))
		} else if len(version) == 0 {
			base = append(base, strings.Join(c.Args[1:], " "))
		} else {
			t.Errorf("go %q of the version ran with the shared module cache", c.Args[1:])
		}
	}
	if len(base) == 0 || slices.Contains(base, "clean -modcache") {
		t.Errorf("baseline commands %q", base)
	}
	if len(version) == 0 || version[len(version)-1] != "clean -modcache" {
		t.Errorf("version commands %q: the fresh cache is not emptied last", version)
	}
	bin := filepath.Dir(w.f.last("suites.test").Path)
	if _, err := os.Stat(filepath.Join(bin, "alt.mod")); err != nil {
		t.Errorf("-keep did not keep %s: %v", bin, err)
	}
}

// TestEvaluateToolFailures checks that when the suites leave no report,
// or the wire log cannot be read, the evaluation records why and keeps
// what the other checks found.
//
// The row's status is sdkcheck.Classify's decision, which today consults
// Err only when the probe produced no report, so these evaluations are
// rated clean; that is not checked here, and needs fixing there.
func TestEvaluateToolFailures(t *testing.T) {
	w := newWorld(t)
	o := evaluateVersion(t, w, "latest", func(w *world) {
		w.latestClean()
		w.f.report, w.f.suitesFail = "", true
	})
	e := o.res.Evaluation
	if e.Verdicts != nil || o.res.specs != nil || e.Err != "the suites wrote no report: Ran 3 of 3 Specs\nFAIL! -- 2 Passed | 1 Failed\n--- FAIL: TestSuites\nFAIL" {
		t.Errorf("no report: verdicts %+v, err %q", e.Verdicts, e.Err)
	}
	if !strings.HasSuffix(e.SuiteOutput, "--- FAIL: TestSuites\nFAIL") || e.Determinism == nil || e.Wire == nil || e.Wire.Identical != 2 {
		t.Errorf("no report: the other checks were lost: %+v", e)
	}

	w = newWorld(t)
	o = evaluateVersion(t, w, "latest", func(w *world) {
		w.latestClean()
		w.f.wire[0].Cassette = "/elsewhere/x.yaml"
	})
	if e := o.res.Evaluation; e.Wire != nil || !strings.Contains(e.Err, "/elsewhere/x.yaml, which is not among the cassettes") || e.Verdicts == nil {
		t.Errorf("unknown cassette in the wire log: wire %+v, err %q", e.Wire, e.Err)
	}
}

func TestProbeReport(t *testing.T) {
	d, err := probeReport(probeOutput(t, mapOrder("v1.22.5", "v1.38.1")), nil)
	if err != nil || d.Deterministic() || !d.CacheAffecting() || !d.ControlOK() || d.SDK[sdkcheck.Smithy] != "v1.22.5" {
		t.Errorf("probeReport = %+v, %v", d, err)
	}
	if _, err := probeReport("1\n2\n3\n4\n5\n6\n", errExit); err == nil || err.Error() != "determinism probe: 2\n3\n4\n5\n6" {
		t.Errorf("failed probe: %v", err)
	}
	if _, err := probeReport("not json", nil); err == nil || !strings.HasPrefix(err.Error(), "determinism probe output: ") {
		t.Errorf("garbled probe output: %v", err)
	}
}

func TestReadVerdicts(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "report.json")
	if err := os.WriteFile(report, []byte(ginkgoReport(passed("a x"), failed("b y", "boom"))), 0o644); err != nil {
		t.Fatal(err)
	}
	// The baseline is compared with itself.
	var e sdkcheck.Evaluation
	specs := readVerdicts(&e, report, "", nil)
	if len(specs) != 2 || e.Verdicts == nil || e.Verdicts.Unchanged != 2 || len(e.Verdicts.Changed) != 0 {
		t.Errorf("baseline verdicts %+v, specs %+v", e.Verdicts, specs)
	}
	// A version is compared with the baseline.
	e = sdkcheck.Evaluation{}
	readVerdicts(&e, report, "", []sdkcheck.SpecResult{{Name: "a x", State: "passed"}, {Name: "b y", State: "passed"}})
	if e.Verdicts == nil || len(e.Verdicts.Changed) != 1 || e.Verdicts.Changed[0].Spec != "b y" {
		t.Errorf("version verdicts %+v", e.Verdicts)
	}
	// No report, or a corrupt one, is an error, added to any earlier one.
	e = sdkcheck.Evaluation{Err: "determinism probe: x"}
	if specs := readVerdicts(&e, filepath.Join(dir, "none.json"), "line 1\nline 2\n", nil); specs != nil || e.Verdicts != nil ||
		e.Err != "determinism probe: x; the suites wrote no report: line 1\nline 2" {
		t.Errorf("missing report: %q", e.Err)
	}
	os.WriteFile(report, []byte("{"), 0o644)
	e = sdkcheck.Evaluation{}
	if specs := readVerdicts(&e, report, "", nil); specs != nil || !strings.Contains(e.Err, "reading the Ginkgo report") {
		t.Errorf("corrupt report: %q", e.Err)
	}
}

func TestBuildErrors(t *testing.T) {
	out := "go: downloading x v1\n# p\na.go:1:2: undefined: b\n"
	if got := buildErrors(out, errExit); !slices.Equal(got, []string{"a.go:1:2: undefined: b"}) {
		t.Errorf("buildErrors = %q", got)
	}
	if got := buildErrors("go: downloading x v1\n", errors.New("signal: killed")); len(got) != 1 || !strings.Contains(got[0], "signal: killed") {
		t.Errorf("a build killed silently: %q", got)
	}
}

func TestGoArgs(t *testing.T) {
	if got := goArgs("test", &env{}, "-c", "./suites/"); !slices.Equal(got, []string{"test", "-c", "./suites/"}) {
		t.Errorf("project go.mod: %q", got)
	}
	got := goArgs("list", &env{modfile: "/t/alt.mod", tags: "a,b", extra: []string{"GOMODCACHE=/t/m"}}, "-m")
	if !slices.Equal(got, []string{"list", "-modfile=/t/alt.mod", "-mod=mod", "-tags=a,b", "-m"}) {
		t.Errorf("alternate go.mod: %q", got)
	}
}

func TestCompareWire(t *testing.T) {
	w := newWorld(t)
	log := filepath.Join(t.TempDir(), "wire.jsonl")
	w.logWire(reorderedBody, true)
	var b strings.Builder
	for _, e := range w.f.wire {
		b.WriteString(marshal(t, e) + "\n")
	}
	os.WriteFile(log, []byte(b.String()), 0o644)
	// The log names cassettes by absolute path; the cassettes are keyed
	// relative to their directory.
	got, err := w.r.compareWire(log)
	if err != nil || got.Requests != 2 || got.Reordered != 1 || got.Identical != 1 || got.NotReplayed != 0 {
		t.Errorf("compareWire = %+v, %v", got, err)
	}
	// No log: nothing reached the cassettes.
	got, err = w.r.compareWire(filepath.Join(t.TempDir(), "none"))
	if err != nil || got.Requests != 0 || got.NotReplayed != 2 {
		t.Errorf("no log: %+v, %v", got, err)
	}
	os.WriteFile(log, []byte("{corrupt\n"), 0o644)
	if _, err := w.r.compareWire(log); err == nil {
		t.Error("a corrupt log passed")
	}
}

func TestLoadCassettes(t *testing.T) {
	w := newWorld(t)
	w.r.recorded[cascadeCassette] = []string{recordedBody, changedBody}
	w.writeCassettes(t)
	// Hidden files and other files are not cassettes.
	os.WriteFile(filepath.Join(w.r.cassettes, ".partial.yaml"), []byte("{not yaml"), 0o644)
	os.WriteFile(filepath.Join(w.r.cassettes, "manifest.json"), []byte("{}"), 0o644)
	got, err := loadCassettes(w.r.cassettes)
	if err != nil || !reflect.DeepEqual(got, w.r.recorded) {
		t.Errorf("loadCassettes = %v, %v; want %v", got, err, w.r.recorded)
	}
	os.WriteFile(filepath.Join(w.r.cassettes, "bad.yaml"), []byte("interactions: {"), 0o644)
	if _, err := loadCassettes(w.r.cassettes); err == nil || !strings.Contains(err.Error(), "bad.yaml") {
		t.Errorf("a corrupt cassette: %v", err)
	}
}

// TestGoModErrorKeepsTheReason: a version the module proxy does not have
// is reported with the proxy's reason within the row's 160 characters
// (issue 13: "v9.9.9" was cut before "403 Forbidden").
func TestGoModErrorKeepsTheReason(t *testing.T) {
	const goErr = "github.com/aws/aws-sdk-go-v2/service/bedrockruntime@v9.9.9: reading https://proxy.golang.org/github.com/aws/aws-sdk-go-v2/service/bedrockruntime/@v/v9.9.9.info: 403 Forbidden\n\tserver response: This module version is not available."
	got := condenseGoError(goErr)
	want := "bedrockruntime@v9.9.9: the module proxy answers 403 Forbidden: This module version is not available."
	if got != want {
		t.Errorf("condenseGoError:\n got %q\nwant %q", got, want)
	}
	row := sdkcheck.Classify(sdkcheck.Evaluation{Version: "v9.9.9", Err: got})
	if !strings.Contains(row.Builds, "This module version is not available.") {
		t.Errorf("the row cuts the reason: %q", row.Builds)
	}
	// An error that is not the proxy's is kept as it is, folded on one line.
	if got := condenseGoError(sdkcheck.BedrockRuntime + "@v9.9.9: invalid version: unknown revision v9.9.9"); got != "bedrockruntime@v9.9.9: invalid version: unknown revision v9.9.9" {
		t.Errorf("condenseGoError = %q", got)
	}
}
