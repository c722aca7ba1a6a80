// Command nightly checks that the service still answers as the cassettes
// say, and re-records the specs where it does not. scripts/nightly wraps
// it; CI runs it every night against AWS.
//
// Usage (from anywhere in the module):
//
//	go run ./cmd/nightly -target aws|emulator [-label-filter EXPR] [-profile FAULT] [-timeout 4h] [-keep] [-v]
//
// The target comes from -target or CACHECASCADE_TARGET; there is no
// default, so a run never goes to AWS by accident. -profile names an
// emulator profile (a fault or benign profile, see `go run
// ./cmd/bedrock-emulator -list`) and simulates a changed service; it is
// only for the emulator. The cassettes are CACHECASCADE_CASSETTES or
// cassettes/; the reports go under CACHECASCADE_REPORT_DIR or reports/, in
// nightly/.
//
// The suites' test binary is built once (go test -c) and run in phases,
// each with its own report directory under reports/nightly/:
//
//  1. the cassette directory is backed up to a temporary directory;
//  2. replay: the selected specs from the cassettes, the baseline
//     (reports/nightly/replay/matrix.json);
//  3. live: the same specs against the target, writing nothing;
//  4. the specs whose live result differs from the replay are found: a
//     different outcome, a different number of calls, or cache read or
//     write tokens that moved by more than one token per call (the noise
//     the real service shows between days);
//  5. re-record: only those specs, in record mode, each focused by its
//     exact text; then "replay re-recorded": the same specs from the
//     cassettes again;
//  6. each difference is classified: service changed (the re-recording
//     reproduces the live result and its cassette replays the same),
//     non-deterministic (the re-recording agrees with the old cassette, or
//     with neither: the service disagreed with itself; the old cassette is
//     put back), or recording broke (the record run crashed or filed no
//     result, or the new cassette does not replay as recorded; the old
//     cassette is put back). A service change the spec now fails cannot be
//     recorded (the recorder saves passing specs only): it stays on the old
//     cassette and is marked "now fails".
//
// If the replay or live phase crashes, or cassettes change during a phase
// that must not change them, or the run is interrupted (Ctrl-C, SIGTERM),
// the whole cassette directory is restored from the backup.
//
// It writes a Markdown summary to reports/nightly/summary.md, standard
// output and $GITHUB_STEP_SUMMARY when that is set (the suite runs
// themselves do not append to it), and reports/nightly/summary.json.
//
// Exit statuses:
//
//	 0  nothing differs
//	10  only service changes, all re-recorded and replaying green: commit cassettes/ (open a pull request)
//	11  non-deterministic results (their old cassettes kept; service changes, if any, re-recorded)
//	12  a recording broke (its old cassette restored) or a phase crashed (all cassettes restored)
//	13  the service changed and a spec now fails against it (old cassette kept): a human must look
//	 2  bad flags, or the suites do not build
//	130 interrupted (cassettes restored)
//
// When several apply the worst wins, in the order 12, 13, 11, 10.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/internal/modroot"
	"github.com/cachecascade/cachecascade/report"
)

// The phases.
const (
	PhaseReplay   = "replay"
	PhaseLive     = "live"
	PhaseRerecord = "re-record"
	PhaseVerify   = "replay re-recorded"
)

// phaseDirs names each phase's report directory under reports/nightly/.
var phaseDirs = map[string]string{PhaseReplay: "replay", PhaseLive: "live", PhaseRerecord: "rerecord", PhaseVerify: "verify"}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	target, labelFilter, profile string
	timeout                      time.Duration
	keep, verbose                bool
}

// nightly is one run.
type nightly struct {
	options
	root, suites, cassettes, reports, backup, bin string
	stderr                                        io.Writer
	before                                        tree
	sum                                           Summary
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("nightly", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.target, "target", os.Getenv(env.Target), "where live and record calls go: aws or emulator (default $"+env.Target+"; required)")
	fs.StringVar(&o.labelFilter, "label-filter", "", "Ginkgo label filter selecting the specs, such as '!slow'")
	fs.StringVar(&o.profile, "profile", "", "emulator profile(s), comma-separated, to simulate a changed service (emulator only)")
	fs.DurationVar(&o.timeout, "timeout", 4*time.Hour, "time limit of one phase")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (test binary and cassette backup)")
	fs.BoolVar(&o.verbose, "v", false, "stream the suites' output to standard error (it is always in reports/nightly/<phase>/log)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: nightly -target aws|emulator [-label-filter EXPR] [-profile FAULT] [-timeout D] [-keep] [-v]")
		fs.PrintDefaults()
		fmt.Fprintln(stderr, "\nexit statuses:")
		for _, c := range []int{ExitSame, ExitServiceChanged, ExitNonDeterministic, ExitBroke, ExitRuleBroken, ExitUsage, ExitInterrupted} {
			fmt.Fprintf(stderr, "  %3d  %s\n", c, ExitMeaning(c))
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return ExitUsage
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "nightly: "+format+"\n", a...)
		return ExitUsage
	}
	switch {
	case fs.NArg() > 0:
		return usage("unexpected arguments %q", fs.Args())
	case o.target == "":
		return usage("say where live calls go: -target aws or -target emulator (or set %s)", env.Target)
	case o.target != "aws" && o.target != "emulator":
		return usage("-target %q: want aws or emulator", o.target)
	case o.profile != "" && o.target != "emulator":
		return usage("-profile simulates a changed service with the emulator; it needs -target emulator")
	}

	root, err := modroot.Find()
	if err != nil {
		return usage("%v", err)
	}
	n := &nightly{options: o, root: root, suites: filepath.Join(root, "suites"), stderr: stderr}
	n.cassettes = absPath(envOr(env.Cassettes, filepath.Join(root, "cassettes")))
	n.reports = filepath.Join(absPath(envOr(env.ReportDir, filepath.Join(root, "reports"))), "nightly")
	if st, err := os.Stat(n.cassettes); err != nil || !st.IsDir() {
		return usage("the cassette directory %s is missing", n.cassettes)
	}
	if err := os.RemoveAll(n.reports); err != nil {
		return usage("%v", err)
	}
	if err := os.MkdirAll(n.reports, 0o755); err != nil {
		return usage("%v", err)
	}
	tmp, err := os.MkdirTemp("", "cachecascade-nightly-")
	if err != nil {
		return usage("%v", err)
	}
	if o.keep {
		fmt.Fprintf(stderr, "nightly: keeping %s\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	n.bin, n.backup = filepath.Join(tmp, "suites.test"), filepath.Join(tmp, "cassettes")

	n.sum = Summary{Target: n.describeTarget(), LabelFilter: o.labelFilter, Started: time.Now()}
	n.logf("building the suites")
	build := exec.CommandContext(ctx, "go", "test", "-c", "-o", n.bin, "./suites")
	build.Dir, build.Stdout, build.Stderr = root, stderr, stderr
	if err := build.Run(); err != nil {
		return usage("building the suites (go test -c ./suites): %v", err)
	}
	n.logf("backing up %s to %s", n.cassettes, n.backup)
	if err := copyTree(n.cassettes, n.backup); err != nil {
		return usage("backing up the cassettes: %v", err)
	}
	if n.before, err = hashTree(n.cassettes); err != nil {
		return usage("reading the cassettes: %v", err)
	}

	n.sum.Exit = n.do(ctx)
	n.sum.Wall = time.Since(n.sum.Started)
	return n.finish(stdout)
}

// do runs the phases and returns the exit status.
func (n *nightly) do(ctx context.Context) int {
	sel := []string{}
	if n.labelFilter != "" {
		sel = append(sel, "-ginkgo.label-filter="+n.labelFilter)
	}
	replay := n.phase(ctx, PhaseReplay, "replay", sel)
	if code, stop := n.guard(ctx, replay); stop {
		return code
	}
	if len(replay.Rows) == 0 {
		n.problem("the selection runs no spec that files a result")
		return ExitBroke
	}
	if f := (report.Matrix{Rows: replay.Rows}).Summary(); f.Fail+f.Inconclusive > 0 {
		n.problem(fmt.Sprintf("%d specs fail in replay, from the cassettes as they are (scripts/verify fails too); they are compared like the rest", f.Fail+f.Inconclusive))
	}
	live := n.phase(ctx, PhaseLive, "live", sel)
	if code, stop := n.guard(ctx, live); stop {
		return code
	}

	changes, onlyReplay, onlyLive := Diff(replay.Rows, live.Rows)
	n.sum.Compared = len(replay.Rows) - len(onlyReplay)
	n.sum.NotCompared = append(onlyReplay, onlyLive...)
	n.logf("%d of %d specs differ between replay and live", len(changes), n.sum.Compared)
	if len(changes) == 0 {
		n.sum.Phases = append(n.sum.Phases, Phase{Name: PhaseRerecord, Mode: "record"}, Phase{Name: PhaseVerify, Mode: "replay"})
		return ExitSame
	}

	suite := suiteDescription(filepath.Join(replay.Dir, "ginkgo.json"))
	var specs []string
	for _, c := range changes {
		specs = append(specs, c.Spec)
	}
	focus := FocusArgs(suite, specs)
	rec := n.phase(ctx, PhaseRerecord, "record", focus)
	if ctx.Err() != nil {
		return n.interrupted()
	}
	after, err := hashTree(n.cassettes)
	if err != nil {
		n.problem("reading the cassettes after re-recording: " + err.Error())
		return n.restoreAll()
	}
	rw, err := rewritten(n.backup, n.cassettes, n.before, after)
	if err != nil {
		n.problem("reading the manifests after re-recording: " + err.Error())
		return n.restoreAll()
	}
	verify := n.phase(ctx, PhaseVerify, "replay", focus)
	if ctx.Err() != nil {
		return n.interrupted()
	}

	recBy, verBy := index(rec.Rows), index(verify.Rows)
	crashed := rec.Crashed || verify.Crashed
	var restore []string
	changed := map[string]bool{}
	for _, c := range changes {
		changed[c.Spec] = true
		e := Evidence{Rewritten: len(rw[c.Spec]) > 0, RerecordCrashed: rec.Crashed, VerifyCrashed: verify.Crashed}
		if r, ok := recBy[c.Spec]; ok {
			e.Rerecord = &r
		}
		if r, ok := verBy[c.Spec]; ok {
			e.Verify = &r
		}
		res := Classify(c, e)
		// After a crashed record or replay run nothing it wrote is trusted
		// (the manifest may not name the new cassettes): put back all.
		if (res.Class != ServiceChanged || crashed) && e.Rewritten {
			res.Restored = true
			restore = append(restore, c.Spec)
		}
		n.sum.Results = append(n.sum.Results, res)
	}
	for spec := range rw { // cassettes of no differing spec (or of none) must not change
		if !changed[spec] {
			n.problem(fmt.Sprintf("re-recording touched cassettes of a spec it did not focus on (%q): %s; restored", spec, strings.Join(rw[spec], ", ")))
			restore = append(restore, spec)
		}
	}
	restored, err := restoreSpecs(n.backup, n.cassettes, restore, rw)
	if err != nil {
		n.problem("restoring cassettes: " + err.Error())
		return n.restoreAll()
	}
	for _, p := range restored {
		n.sum.Restored = append(n.sum.Restored, "cassettes/"+p)
	}
	n.sum.Rewritten = map[string][]string{}
	for _, r := range n.sum.Results {
		if r.Class == ServiceChanged && !r.Restored && len(rw[r.Spec]) > 0 {
			n.sum.Rewritten[r.Spec] = rw[r.Spec]
		}
	}
	return ExitCode(n.sum.Results, crashed)
}

// guard checks a phase that must not change the cassettes: on an
// interruption, a crash or a changed cassette it restores the backup and
// says to stop with the returned status.
func (n *nightly) guard(ctx context.Context, p Phase) (int, bool) {
	if ctx.Err() != nil {
		return n.interrupted(), true
	}
	now, err := hashTree(n.cassettes)
	if err != nil {
		n.problem("reading the cassettes: " + err.Error())
		return n.restoreAll(), true
	}
	if ch := changedFiles(n.before, now); len(ch) > 0 {
		n.problem(fmt.Sprintf("the %s phase changed cassettes it must not change (%s)", p.Name, strings.Join(ch, ", ")))
		return n.restoreAll(), true
	}
	if p.Crashed {
		return ExitBroke, true
	}
	return 0, false
}

func (n *nightly) interrupted() int {
	n.problem("interrupted")
	if err := restoreAll(n.backup, n.cassettes); err != nil {
		n.problem("restoring the cassettes from " + n.backup + ": " + err.Error())
		n.keep = true
	} else {
		n.sum.Restored = append(n.sum.Restored, "all cassettes")
	}
	return ExitInterrupted
}

func (n *nightly) restoreAll() int {
	if err := restoreAll(n.backup, n.cassettes); err != nil {
		n.problem("restoring the cassettes from " + n.backup + ": " + err.Error())
	} else {
		n.sum.Restored = append(n.sum.Restored, "all cassettes")
	}
	return ExitBroke
}

func (n *nightly) problem(s string) {
	n.sum.Problems = append(n.sum.Problems, s)
	n.logf("%s", s)
}

func (n *nightly) logf(format string, a ...any) {
	fmt.Fprintf(n.stderr, "nightly: "+format+"\n", a...)
}

// phase runs the suites' test binary once in a mode and reads its rows.
func (n *nightly) phase(ctx context.Context, name, mode string, args []string) Phase {
	p := Phase{Name: name, Mode: mode, Ran: true, Exit: -1, Dir: filepath.Join(n.reports, phaseDirs[name])}
	defer func() { n.sum.Phases = append(n.sum.Phases, p) }()
	start := time.Now()
	defer func() { p.Duration = time.Since(start) }()
	if err := os.MkdirAll(p.Dir, 0o755); err != nil {
		p.Crashed, p.Err = true, err.Error()
		n.problem(name + ": " + err.Error())
		return p
	}
	log, err := os.Create(filepath.Join(p.Dir, "log"))
	if err != nil {
		p.Crashed, p.Err = true, err.Error()
		n.problem(name + ": " + err.Error())
		return p
	}
	defer log.Close()
	argv := append([]string{
		"-test.timeout=0", "-ginkgo.timeout=" + n.timeout.String(), "-ginkgo.no-color", "-ginkgo.succinct",
		"-ginkgo.json-report=" + filepath.Join(p.Dir, "ginkgo.json"), "-ginkgo.junit-report=" + filepath.Join(p.Dir, "junit.xml"),
	}, args...)
	pctx, cancel := context.WithTimeout(ctx, n.timeout+5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(pctx, n.bin, argv...)
	cmd.Dir, cmd.Env = n.suites, n.env(mode, p.Dir)
	cmd.Stdout, cmd.Stderr = log, log
	if n.verbose {
		w := io.MultiWriter(log, n.stderr)
		cmd.Stdout, cmd.Stderr = w, w
	}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) } // let Ginkgo clean up
	cmd.WaitDelay = time.Minute
	n.logf("%s: %s mode, %s", name, mode, describeArgs(args))
	err = cmd.Run()
	if cmd.ProcessState != nil {
		p.Exit = cmd.ProcessState.ExitCode()
	}
	switch {
	case ctx.Err() != nil:
		p.Crashed, p.Err = true, "interrupted"
	case pctx.Err() != nil:
		p.Crashed, p.Err = true, "timed out after "+n.timeout.String()
	case p.Exit != 0 && p.Exit != 1:
		p.Crashed, p.Err = true, fmt.Sprintf("the suites exited with status %d (%v)", p.Exit, err)
	}
	b, rerr := os.ReadFile(filepath.Join(p.Dir, "matrix.json"))
	if rerr == nil {
		m, perr := report.ParseJSON(b)
		if perr != nil {
			rerr = perr
		}
		p.Rows = m.Rows
	}
	if rerr != nil && !p.Crashed {
		p.Crashed, p.Err = true, "no report: "+rerr.Error()
	}
	sum := report.Matrix{Rows: p.Rows}.Summary()
	n.logf("%s: %d specs, %d passed, %d failed, exit %d, %s (log: %s)", name, sum.Specs, sum.Pass+sum.ExpectedError, sum.Fail+sum.Inconclusive, p.Exit, time.Since(start).Round(100*time.Millisecond), filepath.Join(p.Dir, "log"))
	if p.Crashed {
		n.problem(fmt.Sprintf("the %s phase crashed: %s; see %s", name, p.Err, filepath.Join(p.Dir, "log")))
	}
	return p
}

func describeArgs(args []string) string {
	switch {
	case len(args) == 0:
		return "every spec"
	case strings.HasPrefix(args[0], "-ginkgo.focus="):
		return fmt.Sprintf("%d specs focused by exact text", len(args))
	}
	return strings.Join(args, " ")
}

// env is the suites' environment in a mode: the caller's, without the
// variables the program sets, and without the step summary (the program
// writes its own).
func (n *nightly) env(mode, reports string) []string {
	drop := map[string]bool{env.Mode: true, env.Target: true, env.EmulatorProfiles: true, env.Cassettes: true, env.ReportDir: true, env.Quiet: true, env.GitHubStepSummary: true}
	if mode == "replay" {
		drop[env.BearerToken] = true // replay never uses credentials
	}
	var out []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !drop[k] {
			out = append(out, kv)
		}
	}
	out = append(out, env.Mode+"="+mode, env.Cassettes+"="+n.cassettes, env.ReportDir+"="+reports, env.Quiet+"=1")
	if mode != "replay" {
		out = append(out, env.Target+"="+n.target)
		if n.profile != "" {
			out = append(out, env.EmulatorProfiles+"="+n.profile)
		}
	}
	return out
}

func (n *nightly) describeTarget() string {
	if n.target == "emulator" {
		if n.profile != "" {
			return "emulator (in-process) with profile " + n.profile
		}
		return "emulator (in-process), healthy"
	}
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = "(AWS_REGION unset)"
	}
	return "aws " + region
}

// finish writes the summary and returns the exit status.
func (n *nightly) finish(stdout io.Writer) int {
	md := n.sum.Markdown()
	fmt.Fprint(stdout, "\n"+md)
	if err := os.WriteFile(filepath.Join(n.reports, "summary.md"), []byte(md), 0o644); err != nil {
		n.logf("writing summary.md: %v", err)
	}
	if b, err := json.MarshalIndent(summaryJSON(n.sum), "", "  "); err == nil {
		_ = os.WriteFile(filepath.Join(n.reports, "summary.json"), append(b, '\n'), 0o644)
	}
	if path := os.Getenv(env.GitHubStepSummary); path != "" {
		if f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprint(f, md+"\n")
			f.Close()
		} else {
			n.logf("appending to %s: %v", env.GitHubStepSummary, err)
		}
	}
	n.logf("exit %d: %s (summary: %s)", n.sum.Exit, ExitMeaning(n.sum.Exit), filepath.Join(n.reports, "summary.md"))
	return n.sum.Exit
}

// summaryJSON is the machine-readable summary.
func summaryJSON(s Summary) any {
	type result struct {
		Spec       string   `json:"spec"`
		Class      Class    `json:"class"`
		RuleBroken bool     `json:"ruleBroken,omitempty"`
		Restored   bool     `json:"restored,omitempty"`
		Reasons    []string `json:"reasons"`
		Note       string   `json:"note"`
		Cassettes  []string `json:"cassettes,omitempty"`
	}
	est, act, calls := s.Costs()
	out := struct {
		Exit         int      `json:"exit"`
		Meaning      string   `json:"meaning"`
		Target       string   `json:"target"`
		LabelFilter  string   `json:"labelFilter,omitempty"`
		Compared     int      `json:"compared"`
		Results      []result `json:"results"`
		Problems     []string `json:"problems,omitempty"`
		EstimatedUSD float64  `json:"estimatedUSD"`
		ActualUSD    float64  `json:"actualUSD"`
		LiveCalls    int      `json:"liveCalls"`
	}{Exit: s.Exit, Meaning: ExitMeaning(s.Exit), Target: s.Target, LabelFilter: s.LabelFilter, Compared: s.Compared,
		Results: []result{}, Problems: s.Problems, EstimatedUSD: est, ActualUSD: act, LiveCalls: calls}
	for _, r := range s.Results {
		out.Results = append(out.Results, result{Spec: r.Spec, Class: r.Class, RuleBroken: r.RuleBroken, Restored: r.Restored, Reasons: r.Reasons, Note: r.Note, Cassettes: s.Rewritten[r.Spec]})
	}
	return out
}

// suiteDescription reads the suite's description from a Ginkgo JSON
// report; Ginkgo matches focus against it and the spec text.
func suiteDescription(path string) string {
	var reps []struct{ SuiteDescription string }
	if b, err := os.ReadFile(path); err == nil && json.Unmarshal(b, &reps) == nil && len(reps) > 0 && reps[0].SuiteDescription != "" {
		return reps[0].SuiteDescription
	}
	return "cachecascade"
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
