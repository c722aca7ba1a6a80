package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/recorder"
	"github.com/cachecascade/cachecascade/report"
)

const cascadeSpec = "cascade invalidates every checkpoint at or after a changed layer and keeps those before it claude-sonnet-4-5/system_only"

func row(spec string, o report.Outcome, calls, read, write int) report.Row {
	return report.Row{Spec: spec, Area: "cascade", Outcome: o, Calls: calls, CacheReadTokens: read, CacheWriteTokens: write, CostUSD: 0.01 * float64(calls)}
}

func TestDifferencesToleratesOneTokenPerCall(t *testing.T) {
	cases := []struct {
		name string
		a, b report.Row
		want int // number of reasons
	}{
		// FACTS.md: write 1322 then read 1322, the same on another day.
		{"identical", row("s", report.Pass, 2, 1322, 1322), row("s", report.Pass, 2, 1322, 1322), 0},
		// The boundary that moved by one token between days: 1503 vs 1504.
		{"one token on one call", row("s", report.Pass, 1, 0, 1503), row("s", report.Pass, 1, 0, 1504), 0},
		{"two tokens on one call", row("s", report.Pass, 1, 0, 1503), row("s", report.Pass, 1, 0, 1505), 1},
		{"two tokens over two calls", row("s", report.Pass, 2, 1712, 1948), row("s", report.Pass, 2, 1714, 1946), 0},
		{"three tokens over two calls", row("s", report.Pass, 2, 1712, 1948), row("s", report.Pass, 2, 1715, 1948), 1},
		{"outcome", row("s", report.Pass, 5, 10, 10), row("s", report.Fail, 5, 10, 10), 1},
		{"expected error is not pass", row("s", report.Pass, 1, 0, 0), row("s", report.ExpectedError, 1, 0, 0), 1},
		{"calls, read and write", row("s", report.Pass, 5, 5776, 8664), row("s", report.Fail, 4, 8664, 5776), 4},
	}
	for _, c := range cases {
		if got := Differences(c.a, c.b); len(got) != c.want {
			t.Errorf("%s: Differences = %q, want %d reasons", c.name, got, c.want)
		}
	}
	got := Differences(row("s", report.Pass, 5, 5776, 8664), row("s", report.Fail, 4, 8664, 5776))
	want := []string{"outcome pass → fail", "calls 5 → 4", "read 5776 → 8664 (+2888)", "write 8664 → 5776 (-2888)"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("reasons = %q, want %q", got, want)
	}
}

func TestDiff(t *testing.T) {
	replay := []report.Row{row("a", report.Pass, 2, 100, 100), row("b", report.Pass, 2, 100, 100), row("hygiene", report.Pass, 0, 0, 0), row("c", report.Pass, 1, 0, 0)}
	live := []report.Row{row("c", report.Pass, 1, 0, 1), row("b", report.Fail, 2, 100, 100), row("a", report.Pass, 2, 101, 99), row("new", report.Pass, 1, 0, 0)}
	changes, onlyReplay, onlyLive := Diff(replay, live)
	if len(changes) != 1 || changes[0].Spec != "b" || changes[0].Live.Outcome != report.Fail || changes[0].Replay.Outcome != report.Pass {
		t.Errorf("changes = %+v, want only b", changes)
	}
	if strings.Join(onlyReplay, ",") != "hygiene" || strings.Join(onlyLive, ",") != "new" {
		t.Errorf("onlyReplay = %q, onlyLive = %q", onlyReplay, onlyLive)
	}
	if c, _, _ := Diff(replay[:2], replay[:2]); len(c) != 0 {
		t.Errorf("a run differs from itself: %+v", c)
	}
}

func TestFocusRegexpSelectsExactlyOneSpec(t *testing.T) {
	specs := []string{
		cascadeSpec,
		cascadeSpec + "x",
		"limits claude-opus-4: five checkpoints are rejected (ValidationException) [x] $1 .*",
		"nova nova-lite: caches system and message checkpoints",
		"a nova nova-lite: caches system and message checkpoints",
	}
	for _, target := range specs {
		re := regexp.MustCompile(FocusRegexp("cachecascade", target))
		for _, other := range specs {
			if got := re.MatchString("cachecascade " + other); got != (other == target) {
				t.Errorf("focus on %q matches %q: %v", target, other, got)
			}
		}
	}
	args := FocusArgs("cachecascade", specs[:2])
	if len(args) != 2 || !strings.HasPrefix(args[0], "-ginkgo.focus=^cachecascade ") {
		t.Errorf("FocusArgs = %q", args)
	}
}

func TestClassify(t *testing.T) {
	replay := row(cascadeSpec, report.Pass, 5, 5776, 8664)
	liveFail := row(cascadeSpec, report.Fail, 5, 8664, 5776)
	livePass := row(cascadeSpec, report.Pass, 5, 7000, 7000)
	p := func(r report.Row) *report.Row { return &r }
	cases := []struct {
		name      string
		live      report.Row
		e         Evidence
		want      Class
		ruleBroke bool
	}{
		{"service changed, re-recorded, replays the same", livePass,
			Evidence{Rerecord: p(livePass), Verify: p(livePass), Rewritten: true}, ServiceChanged, false},
		{"service changed within tokenizer noise", livePass,
			Evidence{Rerecord: p(row(cascadeSpec, report.Pass, 5, 7004, 6996)), Verify: p(row(cascadeSpec, report.Pass, 5, 7004, 6996)), Rewritten: true}, ServiceChanged, false},
		{"service changed and the spec now fails: old cassette kept", liveFail,
			Evidence{Rerecord: p(liveFail), Verify: p(replay), Rewritten: false}, ServiceChanged, true},
		{"now fails, and the old cassette no longer replays", liveFail,
			Evidence{Rerecord: p(liveFail), Verify: p(liveFail), Rewritten: false}, RecordingBroke, true},
		{"passed when re-recorded but not rewritten", livePass,
			Evidence{Rerecord: p(livePass), Verify: p(replay), Rewritten: false}, RecordingBroke, false},
		{"new cassette replays differently", livePass,
			Evidence{Rerecord: p(livePass), Verify: p(row(cascadeSpec, report.Fail, 5, 7000, 7000)), Rewritten: true}, RecordingBroke, false},
		{"new cassette replays with other tokens", livePass,
			Evidence{Rerecord: p(livePass), Verify: p(row(cascadeSpec, report.Pass, 5, 7100, 7000)), Rewritten: true}, RecordingBroke, false},
		{"replay of the new cassette filed nothing", livePass,
			Evidence{Rerecord: p(livePass), Rewritten: true}, RecordingBroke, false},
		{"replay of the new cassette crashed", livePass,
			Evidence{Rerecord: p(livePass), Rewritten: true, VerifyCrashed: true}, RecordingBroke, false},
		{"record run filed nothing", livePass, Evidence{}, RecordingBroke, false},
		{"record run crashed", livePass, Evidence{RerecordCrashed: true}, RecordingBroke, false},
		{"re-recording agrees with the old cassette", liveFail,
			Evidence{Rerecord: p(replay), Verify: p(replay), Rewritten: true}, NonDeterministic, false},
		{"re-recording agrees with neither", liveFail,
			Evidence{Rerecord: p(livePass), Verify: p(livePass), Rewritten: true}, NonDeterministic, false},
	}
	for _, c := range cases {
		r := Classify(Change{Spec: cascadeSpec, Replay: replay, Live: c.live, Reasons: Differences(replay, c.live)}, c.e)
		if r.Class != c.want || r.RuleBroken != c.ruleBroke || r.Note == "" {
			t.Errorf("%s: class %q ruleBroken %v note %q; want %q ruleBroken %v", c.name, r.Class, r.RuleBroken, r.Note, c.want, c.ruleBroke)
		}
	}
}

func TestExitCode(t *testing.T) {
	sc := Result{Class: ServiceChanged}
	rb := Result{Class: ServiceChanged, RuleBroken: true}
	nd := Result{Class: NonDeterministic}
	br := Result{Class: RecordingBroke}
	cases := []struct {
		results []Result
		crashed bool
		want    int
	}{
		{nil, false, 0},
		{[]Result{sc, sc}, false, 10},
		{[]Result{sc, nd}, false, 11},
		{[]Result{nd, sc, rb}, false, 13},
		{[]Result{rb, br, nd}, false, 12},
		{[]Result{br}, false, 12},
		{nil, true, 12},
		{[]Result{sc}, true, 12},
	}
	for _, c := range cases {
		if got := ExitCode(c.results, c.crashed, nil); got != c.want {
			t.Errorf("ExitCode(%v, crashed %v) = %d, want %d", c.results, c.crashed, got, c.want)
		}
	}
	for _, code := range ExitStatuses {
		if m := ExitMeaning(code); m == "" || strings.HasPrefix(m, "exit status") {
			t.Errorf("exit status %d has no meaning", code)
		}
	}
}

func TestMarkdown(t *testing.T) {
	replay := row(cascadeSpec, report.Pass, 5, 5776, 8664)
	live := row(cascadeSpec, report.Fail, 5, 8664, 5776)
	piped := "limits nova-lite: a | in the text\nand a newline"
	pipedRow := row(piped, report.Pass, 1, 0, 0)
	pipedLive := row(piped, report.Pass, 2, 0, 0)
	sc := Classify(Change{Spec: cascadeSpec, Replay: replay, Live: live, Reasons: Differences(replay, live)},
		Evidence{Rerecord: &live, Verify: &replay})
	nd := Classify(Change{Spec: piped, Replay: pipedRow, Live: pipedLive, Reasons: Differences(pipedRow, pipedLive)},
		Evidence{Rerecord: &pipedRow, Verify: &pipedRow, Rewritten: true})
	nd.Restored = true
	s := Summary{
		Target: "emulator (in-process) with profile no-cascade", LabelFilter: "area:cascade",
		Phases: []Phase{
			{Name: PhaseReplay, Mode: "replay", Ran: true, Rows: []report.Row{replay, pipedRow}},
			{Name: PhaseLive, Mode: "live", Ran: true, Exit: 1, Rows: []report.Row{live, pipedLive}},
			{Name: PhaseRerecord, Mode: "record", Ran: true, Exit: 1, Rows: []report.Row{live, pipedRow}},
			{Name: PhaseVerify, Mode: "replay", Ran: true, Rows: []report.Row{replay, pipedRow}},
		},
		Compared: 2, Results: []Result{sc, nd}, Restored: []string{"cassettes/limits/nova-lite/x.yaml"},
	}
	s.Exit = ExitCode(s.Results, false, nil)
	md := s.Markdown()
	for _, want := range []string{
		"# cachecascade nightly: 2 of 2 specs differ: 1 now fail (service changed, reproduced), 1 non-deterministic",
		"emulator (in-process) with profile no-cascade", "`area:cascade`",
		"| " + cascadeSpec + " | ✅ pass R 5776 / W 8664, 5 calls | ❌ fail R 8664 / W 5776, 5 calls | — | ❌ fail R 8664 / W 5776, 5 calls | ✅ pass R 5776 / W 8664, 5 calls | outcome pass → fail; read 5776 → 8664 (+2888); write 8664 → 5776 (-2888) | **service changed**, now fails:",
		`a \| in the text<br>and a newline`, "**non-deterministic**, old cassette restored",
		"## Exit status 13", "cassettes/limits/nova-lite/x.yaml",
		"| estimated: the live run as the cassettes price it, plus a second live run and a re-recording of the differing specs | $0.1800 |",
		"| actual: live, second live and re-record runs, 13 calls | $0.1300 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| "+cascadeSpec) || strings.HasPrefix(line, "| limits") {
			if n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|"); n != 9 {
				t.Errorf("table row has %d cell separators, want 9: %s", n, line)
			}
		}
	}

	same := Summary{Target: "aws us-east-1", Phases: []Phase{{Name: PhaseReplay, Mode: "replay", Ran: true}, {Name: PhaseRerecord, Mode: "record"}}}
	md = same.Markdown()
	if !strings.Contains(md, "nightly: nothing differs") || strings.Contains(md, "## Differences") || !strings.Contains(md, "| re-record | record | | | | not run | |") {
		t.Errorf("nothing-differs summary:\n%s", md)
	}
}

// writeFile writes a file, creating its directory.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// testManifest is a manifest as a record run writes it
// (recorder.WriteManifest).
const testManifest = `{
  "note": "n",
  "cassettes": {
    "cascade/m/a.yaml": {
      "spec": "spec a",
      "model": "us.amazon.nova-lite-v1:0",
      "source": "emulator 0.1.0",
      "sdk": {
        "github.com/aws/aws-sdk-go-v2": "v1.47.7",
        "github.com/aws/smithy-go": "v1.28.8"
      },
      "recorded": "2026-01-01T00:00:00Z"
    },
    "cascade/m/b.yaml": {
      "spec": "spec b",
      "source": "emulator 0.1.0",
      "sdk": {},
      "recorded": "2026-01-01T00:00:00Z"
    }
  }
}
`

func TestRewrittenAndRestore(t *testing.T) {
	dir, backup := filepath.Join(t.TempDir(), "cassettes"), filepath.Join(t.TempDir(), "backup")
	writeFile(t, filepath.Join(dir, "cascade/m/a.yaml"), "a1")
	writeFile(t, filepath.Join(dir, "cascade/m/b.yaml"), "b1")
	writeFile(t, filepath.Join(dir, recorder.ManifestFile), testManifest)
	if err := copyTree(dir, backup); err != nil {
		t.Fatal(err)
	}
	before, _ := hashTree(dir)

	// A record run: a is re-recorded with other bytes, b with the same
	// bytes (only its manifest date moves), and a stray file appears.
	writeFile(t, filepath.Join(dir, "cascade/m/a.yaml"), "a2")
	m, _ := recorder.ReadManifest(dir)
	a, b := m.Cassettes["cascade/m/a.yaml"], m.Cassettes["cascade/m/b.yaml"]
	a.Source, a.Recorded, b.Recorded = "emulator 0.1.0 with profiles x", "2026-02-02T00:00:00Z", "2026-02-02T00:00:00Z"
	m.Cassettes["cascade/m/a.yaml"], m.Cassettes["cascade/m/b.yaml"] = a, b
	if err := recorder.WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "cascade/m/.stray"), "x")
	after, _ := hashTree(dir)

	rw, err := rewritten(backup, dir, before, after)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rw["spec a"], ","); got != "cascade/m/a.yaml" {
		t.Errorf("spec a rewrote %q", got)
	}
	if got := strings.Join(rw["spec b"], ","); got != "cascade/m/b.yaml" {
		t.Errorf("spec b rewrote %q (same bytes, new manifest entry)", got)
	}
	if got := strings.Join(rw[""], ","); got != "cascade/m/.stray" {
		t.Errorf("unattributed files %q", got)
	}

	// Keep a (service changed), put back b and the stray file.
	restored, err := restoreSpecs(backup, dir, []string{"spec b", ""}, rw)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(restored, ",") != "cascade/m/.stray,cascade/m/b.yaml" {
		t.Errorf("restored %q", restored)
	}
	if _, err := os.Stat(filepath.Join(dir, "cascade/m/.stray")); !os.IsNotExist(err) {
		t.Errorf("stray file not removed: %v", err)
	}
	if readFile(t, filepath.Join(dir, "cascade/m/a.yaml")) != "a2" || readFile(t, filepath.Join(dir, "cascade/m/b.yaml")) != "b1" {
		t.Error("cassette contents after restoring b are wrong")
	}
	got, _ := recorder.ReadManifest(dir)
	if got.Cassettes["cascade/m/a.yaml"].Recorded != "2026-02-02T00:00:00Z" || got.Cassettes["cascade/m/b.yaml"].Recorded != "2026-01-01T00:00:00Z" {
		t.Errorf("manifest after restoring b: %v", got.Cassettes)
	}

	// Restoring a as well gives back the backup byte for byte, manifest
	// included.
	if _, err := restoreSpecs(backup, dir, []string{"spec a"}, rw); err != nil {
		t.Fatal(err)
	}
	if readFile(t, filepath.Join(dir, recorder.ManifestFile)) != testManifest {
		t.Errorf("manifest not restored byte for byte:\n%s", readFile(t, filepath.Join(dir, recorder.ManifestFile)))
	}
	now, _ := hashTree(dir)
	if ch := changedFiles(before, now); len(ch) != 0 {
		t.Errorf("after restoring every spec, files differ: %q", ch)
	}
}

func TestRestoreAll(t *testing.T) {
	dir, backup := filepath.Join(t.TempDir(), "cassettes"), filepath.Join(t.TempDir(), "backup")
	writeFile(t, filepath.Join(dir, "a/x.yaml"), "x1")
	writeFile(t, filepath.Join(dir, recorder.ManifestFile), testManifest)
	if err := copyTree(dir, backup); err != nil {
		t.Fatal(err)
	}
	before, _ := hashTree(dir)
	writeFile(t, filepath.Join(dir, "a/x.yaml"), "half a cass")
	writeFile(t, filepath.Join(dir, "b/new.yaml"), "new")
	os.Remove(filepath.Join(dir, recorder.ManifestFile))
	if err := restoreAll(backup, dir); err != nil {
		t.Fatal(err)
	}
	now, _ := hashTree(dir)
	if ch := changedFiles(before, now); len(ch) != 0 {
		t.Errorf("restoreAll left differences: %q", ch)
	}
}

func TestFlags(t *testing.T) {
	t.Setenv(env.Target, "")
	t.Setenv(env.Endpoint, "")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-target", "endpoint"}, "AWS_ENDPOINT_URL_BEDROCK_RUNTIME, which is unset"},
		{nil, "-target aws, -target emulator or -target endpoint"},
		{[]string{"-target", "gcp"}, `want aws, emulator or endpoint`},
		{[]string{"--target", "aws", "--profile", "no-cascade"}, "needs -target emulator"},
		{[]string{"-target", "emulator", "extra"}, "unexpected arguments"},
		{[]string{"-target", "emulator", "-procs", "0"}, "want at least one process"},
		{[]string{"merge"}, "name the shards' report directories"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), c.args, &stdout, &stderr); code != ExitUsage || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("run(%q) = %d, stderr %q; want %d and %q", c.args, code, stderr.String(), ExitUsage, c.want)
		}
	}
	t.Setenv(env.Endpoint, "http://127.0.0.1:1")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-target", "aws"}, &stdout, &stderr); code != ExitUsage || !strings.Contains(stderr.String(), "use -target endpoint") {
		t.Errorf("-target aws with an endpoint set: %d, stderr %q; want %d and the advice to use -target endpoint", code, stderr.String(), ExitUsage)
	}
	stdout.Reset()
	stderr.Reset()
	if code := run(context.Background(), []string{"-h"}, &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "13  the service changed") {
		t.Errorf("-h: %d %q", code, stderr.String())
	}
}

// copyCassettes copies the project's cassettes (under root) into a new
// temporary directory, which it returns, for a night that may rewrite them.
func copyCassettes(t *testing.T, root string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "cassettes")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(root, "cassettes"))); err != nil {
		t.Fatal(err)
	}
	return dir
}
