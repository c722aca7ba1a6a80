// Command nightly checks that the service still answers as the cassettes
// say, and re-records the specs where it does not. scripts/nightly wraps
// it; CI runs it every night against AWS.
//
// Usage (from anywhere in the module):
//
//	go run ./cmd/nightly -target aws|emulator|endpoint [-label-filter EXPR] [-profile FAULT] [-budget USD] [-timeout 4h] [-allow-dirty] [-keep] [-v]
//
// The target comes from -target or CACHECASCADE_TARGET; there is no
// default, so a run never goes to AWS by accident. -profile names emulator
// profiles (fault or benign, comma-separated, see `go run
// ./cmd/bedrock-emulator -list`) and simulates a changed service; it is
// only for the emulator. An unknown profile, a label filter Ginkgo cannot
// parse, or a budget that is not a finite positive number (NaN, negative,
// unparsable) is a usage error (2), and a previous night's summary is
// removed so that no one reads it as tonight's. The cassettes are
// CACHECASCADE_CASSETTES or cassettes/; the reports go under
// CACHECASCADE_REPORT_DIR or reports/, in nightly/.
//
// A cassette directory with changes git does not have (a re-record killed
// before it could restore) stops the night before anything runs (2), unless
// -allow-dirty says to go on.
//
// The suites' test binary is built once (go test -c) and run in phases,
// each with its own report directory under reports/nightly/:
//
//  1. the cassette directory is backed up to a temporary directory;
//  2. replay: the selected specs from the cassettes, the baseline
//     (reports/nightly/replay/matrix.json);
//  3. live: the same specs against the target, writing nothing;
//  4. the specs whose live result differs from the replay are found: a
//     different outcome or number of calls, cache read or write tokens that
//     moved by more than one token per call, uncached input tokens by more
//     than two per call, or a prompt cost (without the output tokens) by
//     more than 2% and $0.0001 (see Measures and CostTolerance). A spec
//     skipped live with a reason (an end-of-life model) is not compared.
//     Over the specs that agree one by one, the night's totals of input
//     tokens, output tokens (which vary with each night's salt, so no spec
//     compares them) and cost are compared too (NightMeasures: 2%, 15%, 1%,
//     over at least 200 calls);
//  5. second live: the differing specs once more against the target. A
//     difference the second run does not reproduce is non-deterministic
//     (old cassette kept); one it reproduces for a spec that now fails is a
//     rule broken ("service changed, now fails": the recorder saves passing
//     specs only, so it is not re-recorded);
//  6. re-record: the reproduced changes that pass, in record mode, each
//     focused by its exact text; then "replay re-recorded": the same specs
//     from the cassettes again;
//  7. each re-recording is classified: service changed (it reproduces the
//     live result and its cassette replays the same), non-deterministic
//     (it agrees with the old cassette, or with neither run; the old
//     cassette is put back), or recording broke (the record run crashed or
//     filed no result, or the new cassette does not replay as recorded;
//     the old cassette is put back).
//
// A night that ends 13 keeps every old cassette and the manifest exactly:
// re-recordings of that night are put back too, since a human must look
// first. If the replay, live or second live phase crashes, or cassettes
// change during a phase that must not change them, or a phase times out,
// or the budget stops the night, or the run is interrupted (Ctrl-C,
// SIGTERM), the whole cassette directory is restored from the backup.
//
// The night has one budget, -budget or CACHECASCADE_BUDGET_USD (and
// CACHECASCADE_BUDGET_TOKENS), over all phases and processes: each phase
// against the target gets what the earlier ones left (their spend.json
// tallies), and a phase the cassettes price over what is left is not run.
//
// Against AWS it first checks the target once (package preflight: region,
// credentials, an endpoint that answers), before building anything; a
// target that fails it ends the night in seconds with exit 12 and the
// reason in the summary. A phase that exits 1 without a failing row, or a
// live phase that made no call while the replay made some, is a crash
// (12), never "nothing differs".
//
// Before the phases it checks for catalog drift: it lists the target's
// inference profiles through the Bedrock control plane (ListInferenceProfiles,
// system-defined and application; against AWS where the SDK's configuration
// points, AWS_ENDPOINT_URL_BEDROCK included; for the emulator target, an
// in-process emulator with the suites' models file) and reports every
// Anthropic or Nova model the catalog lacks, with the scripts/discover
// command that adds it, or why the listing failed. Drift is information:
// it never changes the exit status.
//
// It writes a Markdown summary to reports/nightly/summary.md (capped at
// SummaryCap characters, under GitHub's 65,536-character pull request
// body: the exit's meaning first, the differences rolled up by rule and by
// model with a failure message each, the first few one by one, the cost
// and the budget), the uncapped summary-full.md, standard output and
// $GITHUB_STEP_SUMMARY when that is set (the suite runs themselves do not
// append to it), and reports/nightly/summary.json.
//
// Exit statuses:
//
//	 0  nothing differs
//	10  only service changes, reproduced, re-recorded and replaying green: commit cassettes/ (open a pull request)
//	11  non-deterministic results (their old cassettes kept; service changes, if any, re-recorded)
//	12  a recording broke (its old cassette restored), a phase crashed or a spec filed no result (all cassettes restored), or the pre-flight failed
//	13  the service changed and a spec now fails against it (reproduced), or the night's usage drifted: every old cassette and the manifest kept; a human must look
//	14  a phase timed out (-timeout): the night is incomplete; all cassettes restored
//	15  the night's budget stopped it (refused before a phase, or spent during one); all cassettes restored
//	 2  bad flags or environment, a dirty cassette directory, or the suites do not build
//	130 interrupted (cassettes restored)
//
// When several apply the worst wins, in the order 12, 14, 15, 13, 11, 10.
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
	"github.com/cachecascade/cachecascade/internal/preflight"
	"github.com/cachecascade/cachecascade/report"
)

// The phases.
const (
	PhaseReplay   = "replay"
	PhaseLive     = "live"
	PhaseRerecord = "re-record"
	PhaseVerify   = "replay re-recorded"
	// PhaseConfirm runs the specs that differ live a second time: a
	// change is the service's only when it reproduces.
	PhaseConfirm = "second live"
)

// phaseDirs names each phase's report directory under reports/nightly/.
var phaseDirs = map[string]string{PhaseReplay: "replay", PhaseLive: "live", PhaseConfirm: "confirm", PhaseRerecord: "rerecord", PhaseVerify: "verify"}

// phaseModes is each phase's recorder mode.
var phaseModes = map[string]string{PhaseReplay: "replay", PhaseLive: "live", PhaseConfirm: "live", PhaseRerecord: "record", PhaseVerify: "replay"}

// main runs the program until it ends or Ctrl-C or SIGTERM interrupts it.
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command line's settings.
type options struct {
	target, labelFilter, profile string
	timeout                      time.Duration
	keep, verbose                bool
	// procs is the number of Ginkgo processes of the live and re-record
	// phases.
	procs int
	// budgetUSD and budgetTokens are the night's one budget, over all
	// phases and processes; zero is no cap.
	budgetUSD    float64
	budgetTokens int
	// allowDirty lets the night run on a cassette directory with changes
	// git does not have.
	allowDirty bool
	// history is the history file (-history): read for the trend, written
	// back with tonight added.
	history string
	// parseBudget reads -budget (or env.BudgetUSD) and env.BudgetTokens
	// into budgetUSD and budgetTokens once the flags are parsed.
	parseBudget func() error
}

// nightly is one run.
type nightly struct {
	options
	root, suites, cassettes, reports, backup, bin string
	// ginkgo is the Ginkgo CLI and link the test binary's link in the
	// suites' directory, for the parallel phases (see prepareParallel).
	ginkgo, link string
	stderr       io.Writer
	before       tree
	sum          Summary
	// lister lists the target's inference profiles for the drift check;
	// nil selects the target's own (see targetLister).
	lister profileLister
}

// run is the program: it reads the command line, prepares the run (the
// report directory, the suites' test binary, the cassette backup), runs the
// phases and writes the summary, and returns the exit status. Its first
// argument "merge" merges the reports of shards instead (see runMerge).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "merge" {
		return runMerge(args[1:], stdout, stderr)
	}
	o, code, ok := parseOptions(args, stderr)
	if !ok {
		if code == ExitUsage {
			removeStaleSummary()
		}
		return code
	}
	n, err := newNightly(o, stderr)
	if err != nil {
		removeStaleSummary()
		return usageError(stderr, "%v", err)
	}
	if err := n.checkClean(ctx); err != nil {
		return usageError(stderr, "%v", err)
	}
	tmp, err := os.MkdirTemp("", "cachecascade-nightly-")
	if err != nil {
		return usageError(stderr, "%v", err)
	}
	if o.keep {
		fmt.Fprintf(stderr, "nightly: keeping %s\n", tmp)
	}
	defer n.removeTemp(tmp)
	n.bin, n.backup = filepath.Join(tmp, "suites.test"), filepath.Join(tmp, "cassettes")
	n.sum = Summary{Target: n.describeTarget(), LabelFilter: n.labelFilter, Procs: n.procs, Started: time.Now(), Budget: n.describeBudget(), Problems: n.sum.Problems}
	if err := n.preflight(ctx); err != nil && ctx.Err() == nil {
		n.problem(err.Error())
		n.sum.Exit, n.sum.Wall = ExitBroke, time.Since(n.sum.Started)
		return n.finish(stdout)
	}
	if err := n.prepare(ctx); err != nil || ctx.Err() != nil {
		if ctx.Err() != nil { // Ctrl-C while building or backing up: nothing ran
			n.problem("interrupted before the first phase")
			n.sum.Exit, n.sum.Wall = ExitInterrupted, time.Since(n.sum.Started)
			return n.finish(stdout)
		}
		return usageError(stderr, "%v", err)
	}
	n.sum.Exit = n.night(ctx)
	n.sum.Wall = time.Since(n.sum.Started)
	return n.finish(stdout)
}

// removeStaleSummary removes a previous night's summary from the report
// directory when this run cannot start, so that no reader (a workflow, a
// person) takes it for tonight's.
func removeStaleSummary() {
	root, err := modroot.Find()
	if err != nil {
		return
	}
	dir := filepath.Join(absPath(envOr(env.ReportDir, filepath.Join(root, "reports"))), "nightly")
	for _, f := range []string{"summary.md", "summary.json", "summary-full.md"} {
		os.Remove(filepath.Join(dir, f))
	}
}

// usageError says on stderr why the program cannot run and returns
// ExitUsage.
func usageError(stderr io.Writer, format string, a ...any) int {
	fmt.Fprintf(stderr, "nightly: "+format+"\n", a...)
	return ExitUsage
}

// parseOptions reads the command line. When the run must not go on (-h, a
// bad flag, a bad combination of flags) it has said why on stderr, and it
// returns ok false with the exit status.
func parseOptions(args []string, stderr io.Writer) (o options, code int, ok bool) {
	fs := flagSet(&o, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, 0, false
		}
		return o, ExitUsage, false
	}
	switch {
	case fs.NArg() > 0:
		return o, usageError(stderr, "unexpected arguments %q", fs.Args()), false
	case o.target == "":
		return o, usageError(stderr, "say where live calls go: -target aws, -target emulator or -target endpoint (or set %s)", env.Target), false
	case o.target != "aws" && o.target != "emulator" && o.target != "endpoint":
		return o, usageError(stderr, "-target %q: want aws, emulator or endpoint", o.target), false
	case o.target == "endpoint" && os.Getenv(env.Endpoint) == "":
		return o, usageError(stderr, "-target endpoint sends the live calls to $%s, which is unset", env.Endpoint), false
	case o.target == "aws" && os.Getenv(env.Endpoint) != "":
		return o, usageError(stderr, "-target aws, but %s=%s sends the calls elsewhere and the cassettes would be labelled as recorded on AWS: use -target endpoint, or unset it", env.Endpoint, os.Getenv(env.Endpoint)), false
	case o.profile != "" && o.target != "emulator":
		return o, usageError(stderr, "-profile simulates a changed service with the emulator; it needs -target emulator"), false
	case profileError(o.profile) != "":
		return o, usageError(stderr, "%s", profileError(o.profile)), false
	case labelFilterError(o.labelFilter) != "":
		return o, usageError(stderr, "%s", labelFilterError(o.labelFilter)), false
	case procsError(o.procs) != "":
		return o, usageError(stderr, "%s", procsError(o.procs)), false
	}
	if err := o.parseBudget(); err != nil {
		return o, usageError(stderr, "%v", err), false
	}
	return o, 0, true
}

// flagSet defines the program's flags, each stored into o, and a usage
// message that lists the exit statuses.
func flagSet(o *options, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("nightly", flag.ContinueOnError)
	fs.SetOutput(stderr)
	budget := os.Getenv(env.BudgetUSD)
	fs.Func("budget", "the night's one budget in US dollars, over all phases and processes (default $"+env.BudgetUSD+"; none when unset)", func(v string) error {
		budget = v
		return nil
	})
	fs.StringVar(&o.history, "history", "", "the nights' history (JSON): read for the trend in the summary, written back with tonight added (a copy goes to reports/nightly/"+HistoryFile+")")
	fs.BoolVar(&o.allowDirty, "allow-dirty", false, "run although the cassette directory has changes git does not have (they are backed up and restored as they are)")
	o.parseBudget = func() error {
		var err error
		if o.budgetUSD, err = parseBudgetUSD(budget); err != nil {
			return err
		}
		o.budgetTokens, err = parseBudgetTokens(os.Getenv(env.BudgetTokens))
		return err
	}
	fs.StringVar(&o.target, "target", os.Getenv(env.Target), "where live and record calls go: aws, emulator (in-process) or endpoint ($"+env.Endpoint+", such as cmd/bedrock-emulator) (default $"+env.Target+"; required)")
	fs.StringVar(&o.labelFilter, "label-filter", "", "Ginkgo label filter selecting the specs, such as '!slow'")
	fs.StringVar(&o.profile, "profile", "", "emulator profile(s), comma-separated, to simulate a changed service (emulator only)")
	fs.DurationVar(&o.timeout, "timeout", 4*time.Hour, "time limit of one phase")
	fs.IntVar(&o.procs, "procs", defaultProcs(), "Ginkgo processes of the live and re-record phases (default $"+env.Procs+" or 8); the replays run one")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (test binary and cassette backup)")
	fs.BoolVar(&o.verbose, "v", false, "stream the suites' output to standard error (it is always in reports/nightly/<phase>/log)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: nightly -target aws|emulator|endpoint [-label-filter EXPR] [-profile FAULT] [-budget USD] [-history FILE] [-procs N] [-timeout D] [-allow-dirty] [-keep] [-v]")
		fmt.Fprintln(stderr, "       nightly merge [-cassettes DIR] [-reports DIR] SHARD_REPORT_DIR...")
		fs.PrintDefaults()
		fmt.Fprintln(stderr, "\nexit statuses:")
		for _, c := range ExitStatuses {
			fmt.Fprintf(stderr, "  %3d  %s\n", c, ExitMeaning(c))
		}
		fmt.Fprintln(stderr, "When several apply the worst wins: 12, 14, 15, 13, 11, 10.")
	}
	return fs
}

// newNightly resolves the run's directories from the module root and the
// environment, checks that the cassette directory exists and empties the
// report directory reports/nightly/.
func newNightly(o options, stderr io.Writer) (*nightly, error) {
	root, err := modroot.Find()
	if err != nil {
		return nil, err
	}
	n := &nightly{options: o, root: root, suites: filepath.Join(root, "suites"), stderr: stderr}
	n.cassettes = absPath(envOr(env.Cassettes, filepath.Join(root, "cassettes")))
	n.reports = filepath.Join(absPath(envOr(env.ReportDir, filepath.Join(root, "reports"))), "nightly")
	if st, err := os.Stat(n.cassettes); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("the cassette directory %s is missing", n.cassettes)
	}
	if err := os.RemoveAll(n.reports); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(n.reports, 0o755); err != nil {
		return nil, err
	}
	return n, nil
}

// preflight checks the target once, before anything is built or run, as
// the suites' own pre-flight does (package preflight): against AWS, a
// region, credentials and an endpoint that answers. A night that cannot
// reach its target stops in seconds, with the reason in the summary, and
// exits ExitBroke. The in-process emulator needs no check; an endpoint
// target gets the same one as AWS (package preflight checks the endpoint).
func (n *nightly) preflight(ctx context.Context) error {
	if n.target == "emulator" {
		return nil
	}
	n.logf("pre-flight: checking the target")
	return preflight.Check(ctx)
}

// prepare builds the suites' test binary, backs up the cassette directory
// and hashes it, the state every phase is checked against.
func (n *nightly) prepare(ctx context.Context) error {
	n.logf("building the suites")
	build := exec.CommandContext(ctx, "go", "test", "-c", "-o", n.bin, "./suites")
	build.Dir, build.Stdout, build.Stderr = n.root, n.stderr, n.stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building the suites (go test -c ./suites): %v", err)
	}
	if n.procs > 1 {
		if err := n.prepareParallel(ctx); err != nil {
			return err
		}
	}
	n.logf("backing up %s to %s", n.cassettes, n.backup)
	if err := copyTree(n.cassettes, n.backup); err != nil {
		return fmt.Errorf("backing up the cassettes: %v", err)
	}
	var err error
	if n.before, err = hashTree(n.cassettes); err != nil {
		return fmt.Errorf("reading the cassettes: %v", err)
	}
	return nil
}

// night checks for catalog drift, runs the phases and exports the
// cassettes they left re-recorded for a merge of shards, and returns the
// phases' exit status: drift is reported, never a failure.
func (n *nightly) night(ctx context.Context) int {
	n.checkDrift(ctx)
	code := n.do(ctx)
	n.exportRewritten()
	return code
}

// do runs the phases and returns the exit status: replay and live; for
// the specs that differ, a second live run; for the changes it reproduces
// that pass, re-record and the replay of what was re-recorded. Each
// difference is classified and the cassettes that must not stay are put
// back (all of them when the night ends 13, 14 or 15).
func (n *nightly) do(ctx context.Context) int {
	replay, live, code, stop := n.replayAndLive(ctx)
	if stop {
		return code
	}
	changes := n.compare(replay, live)
	n.sum.NightDrift = NightDrift(replay.Rows, live.Rows, specsOf(changes))
	if len(changes) == 0 {
		n.notRun(PhaseConfirm, PhaseRerecord, PhaseVerify)
		return ExitCode(nil, false, n.sum.NightDrift)
	}
	suite := suiteDescription(filepath.Join(replay.Dir, "ginkgo.json"))
	toRecord, code, stop := n.confirm(ctx, suite, changes)
	if stop {
		return code
	}
	if len(toRecord) == 0 {
		n.notRun(PhaseRerecord, PhaseVerify)
		return ExitCode(n.sum.Results, false, n.sum.NightDrift)
	}
	focus := FocusArgs(suite, specsOf(toRecord))
	if code, stop := n.refuseOverBudget(PhaseRerecord, toRecord); stop {
		n.notRun(PhaseRerecord, PhaseVerify)
		return code
	}
	rec, rw, code, stop := n.rerecord(ctx, focus)
	if stop {
		return code
	}
	if code, stop := n.stopped(rec); stop {
		return code
	}
	verify := n.phase(ctx, PhaseVerify, "replay", focus)
	if ctx.Err() != nil {
		return n.interrupted()
	}
	if code, stop := n.stopped(verify); stop {
		return code
	}
	restore := n.classify(toRecord, rec, verify, rw)
	return n.settle(restore, rw, rec.Crashed || verify.Crashed)
}

// notRun adds the named phases to the summary as not run.
func (n *nightly) notRun(names ...string) {
	for _, name := range names {
		n.sum.Phases = append(n.sum.Phases, Phase{Name: name, Mode: phaseModes[name]})
	}
}

// confirm runs the changed specs live a second time (once each, within
// the night's budget) and files a result for every change the second run
// does not reproduce (non-deterministic) or that reproduces a spec now
// failing (a rule broken: the recorder saves passing specs only, so it is
// not re-recorded). It returns the reproduced changes that pass, to
// re-record, or says to stop with the returned status.
func (n *nightly) confirm(ctx context.Context, suite string, changes []Change) (toRecord []Change, code int, stop bool) {
	if code, stop := n.refuseOverBudget(PhaseConfirm, changes); stop {
		n.notRun(PhaseConfirm, PhaseRerecord, PhaseVerify)
		return nil, code, true
	}
	second := n.phase(ctx, PhaseConfirm, "live", FocusArgs(suite, specsOf(changes)))
	if code, stop := n.guard(ctx, second); stop {
		return nil, code, true
	}
	by := index(second.Rows)
	for _, c := range changes {
		r, ok := by[c.Spec]
		if !ok {
			n.problem(fmt.Sprintf("the second live run filed no result for %q", c.Spec))
			return nil, ExitBroke, true
		}
		res := Confirm(c, r)
		if res == nil {
			toRecord = append(toRecord, c)
			continue
		}
		n.sum.Results = append(n.sum.Results, *res)
	}
	DemoteFlakyRules(n.sum.Results)
	return toRecord, 0, false
}

// stopped checks a phase that may have been cut short: a timeout or a
// budget stop ends the night with its own status, every cassette put back.
func (n *nightly) stopped(p Phase) (int, bool) {
	switch {
	case p.TimedOut:
		n.restoreBackup()
		return ExitTimeout, true
	case p.BudgetStop:
		n.restoreBackup()
		return ExitBudget, true
	}
	return 0, false
}

// replayAndLive runs the selected specs from the cassettes and then live,
// each phase guarded (see guard). It says to stop, with the returned
// status, when a phase crashed, changed the cassettes or was interrupted,
// or when the replay filed no result at all.
func (n *nightly) replayAndLive(ctx context.Context) (replay, live Phase, code int, stop bool) {
	sel := []string{}
	if n.labelFilter != "" {
		sel = append(sel, "-ginkgo.label-filter="+n.labelFilter)
	}
	replay = n.phase(ctx, PhaseReplay, "replay", sel)
	if code, stop := n.guard(ctx, replay); stop {
		return replay, live, code, true
	}
	if len(replay.Rows) == 0 {
		n.problem("the selection runs no spec that files a result")
		return replay, live, ExitBroke, true
	}
	if f := (report.Matrix{Rows: replay.Rows}).Summary(); f.Fail+f.Inconclusive > 0 {
		n.problem(fmt.Sprintf("%d specs fail in replay, from the cassettes as they are (scripts/verify fails too); they are compared like the rest", f.Fail+f.Inconclusive))
	}
	if code, stop := n.refuseOverBudget(PhaseLive, rowsAsChanges(replay.Rows)); stop {
		n.notRun(PhaseLive, PhaseConfirm, PhaseRerecord, PhaseVerify)
		return replay, live, code, true
	}
	live = n.phase(ctx, PhaseLive, "live", sel)
	if code, stop := n.guard(ctx, live); stop {
		return replay, live, code, true
	}
	if r, l := (report.Matrix{Rows: replay.Rows}).Summary(), (report.Matrix{Rows: live.Rows}).Summary(); r.Calls > 0 && l.Calls == 0 {
		n.problem(fmt.Sprintf("the live phase made no call against the target (the replay made %d): its specs failed before calling, so nothing was compared; see %s", r.Calls, filepath.Join(live.Dir, "log")))
		return replay, live, ExitBroke, true
	}
	if missing := unaccounted(replay.Rows, live.Rows, skippedSpecs(filepath.Join(live.Dir, "ginkgo.json"))); len(missing) > 0 {
		shown, more := limited(missing, 5)
		what := strings.Join(shown, "; ")
		if more > 0 {
			what += fmt.Sprintf("; and %d more", more)
		}
		n.problem(fmt.Sprintf("%d specs the replay ran did not report in the live phase, neither a result nor a skip with its reason: %s; see %s", len(missing), what, filepath.Join(live.Dir, "log")))
		return replay, live, ExitBroke, true
	}
	return replay, live, 0, false
}

// unaccounted lists the specs the replay filed that the live run neither
// filed nor skipped (skipped maps the specs Ginkgo skipped to the reason).
func unaccounted(replay, live []report.Row, skipped map[string]string) []string {
	liveBy := index(live)
	var out []string
	for _, r := range replay {
		if _, ok := liveBy[r.Spec]; !ok {
			if _, ok := skipped[r.Spec]; !ok {
				out = append(out, r.Spec)
			}
		}
	}
	return out
}

// skippedSpecs maps each spec a Ginkgo JSON report lists as skipped (by
// its full text) to the reason it gives.
func skippedSpecs(path string) map[string]string {
	var reps []struct {
		SpecReports []struct {
			ContainerHierarchyTexts []string
			LeafNodeText, State     string
			Failure                 struct{ Message string }
		}
	}
	out := map[string]string{}
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &reps) != nil {
		return out
	}
	for _, r := range reps {
		for _, s := range r.SpecReports {
			if s.State == "skipped" {
				out[strings.Join(append(append([]string(nil), s.ContainerHierarchyTexts...), s.LeafNodeText), " ")] = s.Failure.Message
			}
		}
	}
	return out
}

// compare finds the specs whose live result differs from their replay, and
// notes in the summary how many were compared and which specs only one of
// the two runs filed (a spec Ginkgo skipped live, with its reason).
func (n *nightly) compare(replay, live Phase) []Change {
	changes, onlyReplay, onlyLive := Diff(replay.Rows, live.Rows)
	n.sum.Compared = len(replay.Rows) - len(onlyReplay)
	skipped := skippedSpecs(filepath.Join(live.Dir, "ginkgo.json"))
	for i, spec := range onlyReplay {
		if why, ok := skipped[spec]; ok {
			onlyReplay[i] = fmt.Sprintf("%s (skipped live: %s)", spec, firstLine(why))
		}
	}
	n.sum.NotCompared = append(onlyReplay, onlyLive...)
	n.logf("%d of %d specs differ between replay and live", len(changes), n.sum.Compared)
	return changes
}

// specsOf returns the spec of each change, in order.
func specsOf(changes []Change) []string {
	var specs []string
	for _, c := range changes {
		specs = append(specs, c.Spec)
	}
	return specs
}

// rerecord runs the focused specs in record mode and returns the phase and
// the cassettes it rewrote, per spec (see rewritten). On an interruption,
// or when the cassettes or manifests cannot be read afterwards, it restores
// the backup and says to stop with the returned status.
func (n *nightly) rerecord(ctx context.Context, focus []string) (rec Phase, rw map[string][]string, code int, stop bool) {
	rec = n.phase(ctx, PhaseRerecord, "record", focus)
	if ctx.Err() != nil {
		return rec, nil, n.interrupted(), true
	}
	after, err := hashTree(n.cassettes)
	if err != nil {
		n.problem("reading the cassettes after re-recording: " + err.Error())
		return rec, nil, n.restoreAll(), true
	}
	rw, err = rewritten(n.backup, n.cassettes, n.before, after)
	if err != nil {
		n.problem("reading the manifests after re-recording: " + err.Error())
		return rec, nil, n.restoreAll(), true
	}
	return rec, rw, 0, false
}

// classify files a Result for each change, from the re-record and the
// replay after it, and returns the specs whose cassettes must be put back:
// those not classified as a service change, all of them after a crashed
// record or replay run (nothing it wrote is trusted; the manifest may not
// name the new cassettes), and any spec the record run touched but did not
// focus on.
func (n *nightly) classify(changes []Change, rec, verify Phase, rw map[string][]string) (restore []string) {
	recBy, verBy := index(rec.Rows), index(verify.Rows)
	crashed := rec.Crashed || verify.Crashed
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
	return restore
}

// settle puts back the cassettes of the specs to restore, records in the
// summary what was restored and what stays re-recorded, and returns the
// exit status. A night that ends 13 keeps every old cassette and the
// manifest exactly: a human must look before any re-recording is taken.
// If restoring fails, it restores the whole backup.
func (n *nightly) settle(restore []string, rw map[string][]string, crashed bool) int {
	restored, err := restoreSpecs(n.backup, n.cassettes, restore, rw)
	if err != nil {
		n.problem("restoring cassettes: " + err.Error())
		return n.restoreAll()
	}
	for _, p := range restored {
		n.sum.Restored = append(n.sum.Restored, "cassettes/"+p)
	}
	code := ExitCode(n.sum.Results, crashed, n.sum.NightDrift)
	if code == ExitRuleBroken {
		kept := 0
		for i, r := range n.sum.Results {
			if r.Class == ServiceChanged && !r.Restored && len(rw[r.Spec]) > 0 {
				n.sum.Results[i].Restored = true
				n.sum.Results[i].Note += "; not kept: the night ends 13, so every old cassette stays until a human looks"
				kept++
			}
		}
		n.restoreBackup()
		if kept > 0 {
			n.problem(fmt.Sprintf("%d re-recorded service changes were put back: on exit 13 every old cassette and the manifest stay as they were", kept))
		}
		return code
	}
	n.sum.Rewritten = map[string][]string{}
	for _, r := range n.sum.Results {
		if r.Class == ServiceChanged && !r.Restored && len(rw[r.Spec]) > 0 {
			n.sum.Rewritten[r.Spec] = rw[r.Spec]
		}
	}
	return code
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
	if code, stop := n.stopped(p); stop {
		return code, true
	}
	if p.Crashed {
		return ExitBroke, true
	}
	return 0, false
}

// interrupted notes the interruption, restores the whole cassette directory
// from the backup and returns ExitInterrupted.
func (n *nightly) interrupted() int {
	n.problem("interrupted")
	n.restoreBackup()
	return ExitInterrupted
}

// restoreAll restores the whole cassette directory from the backup and
// returns ExitBroke.
func (n *nightly) restoreAll() int {
	n.restoreBackup()
	return ExitBroke
}

// restoreBackup makes the cassette directory what the backup holds and
// notes it in the summary. When that fails it records the problem and
// keeps the temporary directory, so that the backup, the only copy of the
// old cassettes, survives the run.
func (n *nightly) restoreBackup() {
	if err := restoreAll(n.backup, n.cassettes); err != nil {
		n.problem("restoring the cassettes from " + n.backup + ": " + err.Error() + "; the backup is kept")
		n.keep = true
		return
	}
	n.sum.Restored = append(n.sum.Restored, "all cassettes")
}

// removeTemp removes the temporary directory (test binary and cassette
// backup) unless -keep was given or a restore from the backup failed.
func (n *nightly) removeTemp(tmp string) {
	if n.link != "" {
		os.Remove(n.link)
	}
	if !n.keep {
		os.RemoveAll(tmp)
	}
}

// problem records a problem in the summary and logs it.
func (n *nightly) problem(s string) {
	n.sum.Problems = append(n.sum.Problems, s)
	n.logf("%s", s)
}

// logf logs a line to standard error, prefixed "nightly: ".
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
	pctx, cancel := context.WithTimeout(ctx, n.timeout+5*time.Minute)
	defer cancel()
	cmd := n.suiteCommand(pctx, mode, p.Dir, args)
	cmd.Env = n.env(mode, p.Dir)
	if mode != "replay" {
		cmd.Env = append(cmd.Env, n.budgetEnv()...)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if n.verbose {
		w := io.MultiWriter(log, n.stderr)
		cmd.Stdout, cmd.Stderr = w, w
	}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) } // let Ginkgo clean up
	cmd.WaitDelay = time.Minute
	n.logf("%s: %s mode, %s, %s", name, mode, describeArgs(args), n.describeProcs(mode))
	err = cmd.Run()
	if cmd.ProcessState != nil {
		p.Exit = cmd.ProcessState.ExitCode()
	}
	switch {
	case ctx.Err() != nil:
		p.Crashed, p.Err = true, "interrupted"
	case pctx.Err() != nil:
		p.TimedOut, p.Err = true, "timed out after "+n.timeout.String()
	case p.Exit != 0 && p.Exit != 1:
		p.Crashed, p.Err = true, fmt.Sprintf("the suites exited with status %d (%v)", p.Exit, err)
	}
	sum := n.account(&p, mode, log.Name())
	n.logf("%s: %d specs, %d passed, %d failed, exit %d, %s (log: %s)", name, sum.Specs, sum.Pass+sum.ExpectedError, sum.Fail+sum.Inconclusive, p.Exit, time.Since(start).Round(100*time.Millisecond), filepath.Join(p.Dir, "log"))
	switch {
	case p.TimedOut:
		n.problem(fmt.Sprintf("the %s phase timed out: %s, %d specs filed a result; nothing of it is classified; see %s", name, p.Err, sum.Specs, filepath.Join(p.Dir, "log")))
	case p.Crashed:
		n.problem(fmt.Sprintf("the %s phase crashed: %s; see %s", name, p.Err, filepath.Join(p.Dir, "log")))
	}
	return p
}

// account reads the rows a finished phase filed into p, charges a phase
// against the target to the night's tally (its log at logPath), and marks
// p crashed when it did not account for its work: no report, or a failed
// run whose report holds no failure, quoting a suite-level setup failure
// when there is one. It returns the rows' summary.
func (n *nightly) account(p *Phase, mode, logPath string) report.Summary {
	b, rerr := os.ReadFile(filepath.Join(p.Dir, "matrix.json"))
	if rerr == nil {
		m, perr := report.ParseJSON(b)
		if perr != nil {
			rerr = perr
		}
		p.Rows = m.Rows
	}
	if suiteTimedOut(specialFailures(filepath.Join(p.Dir, "ginkgo.json"))) {
		p.TimedOut, p.Err = true, "timed out after "+n.timeout.String()+" (Ginkgo: Suite Timeout Elapsed)"
	}
	if mode != "replay" {
		n.charge(p, logPath)
	}
	if rerr != nil && !p.Crashed && !p.TimedOut && !p.BudgetStop {
		p.Crashed, p.Err = true, "no report: "+rerr.Error()
	}
	sum := report.Matrix{Rows: p.Rows}.Summary()
	if !p.Crashed && !p.TimedOut && !p.BudgetStop && p.Exit == 1 && sum.Fail+sum.Inconclusive == 0 {
		// Ginkgo failed, but the report holds no failure: it does not
		// account for what went wrong.
		p.Crashed, p.Err = true, fmt.Sprintf("the suites failed (exit 1) but no spec filed a failure (%d specs reported): a spec failed before filing its result, or the run stopped before its first spec", sum.Specs)
	}
	if msg := setupFailure(filepath.Join(p.Dir, "ginkgo.json")); p.Crashed && msg != "" {
		// Say why, not only that no report came: a suite-level setup
		// node failed (the suites' pre-flight among others).
		p.Err = "the suites stopped before their first spec: " + msg
	}
	return sum
}

// describeProcs says how many processes a phase in a mode runs.
func (n *nightly) describeProcs(mode string) string {
	if n.parallel(mode) {
		return fmt.Sprintf("%d processes", n.procs)
	}
	return "1 process"
}

// describeArgs says which specs a phase's arguments select, for the log.
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
// writes its own). The emulator's models file is passed on as an absolute
// path, the one the drift check's emulator reads.
func (n *nightly) env(mode, reports string) []string {
	drop := map[string]bool{env.BudgetUSD: true, env.BudgetTokens: true, env.Mode: true, env.Target: true, env.EmulatorProfiles: true, env.EmulatorModels: true, env.Cassettes: true, env.ReportDir: true, env.Quiet: true, env.GitHubStepSummary: true}
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
		if models := emulatorModels(); models != "" {
			out = append(out, env.EmulatorModels+"="+models)
		}
	}
	return out
}

// describeTarget says where live and record calls go, for the summary.
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
	if n.target == "endpoint" {
		return "endpoint " + os.Getenv(env.Endpoint) + " " + region
	}
	return "aws " + region
}

// finish adds tonight to the history (with -history), writes the summary
// and returns the exit status.
func (n *nightly) finish(stdout io.Writer) int {
	n.keepHistory()
	md := n.sum.Markdown()
	fmt.Fprint(stdout, "\n"+md)
	if err := os.WriteFile(filepath.Join(n.reports, "summary.md"), []byte(md), 0o644); err != nil {
		n.logf("writing summary.md: %v", err)
	}
	if err := os.WriteFile(filepath.Join(n.reports, "summary-full.md"), []byte(n.sum.FullMarkdown()), 0o644); err != nil {
		n.logf("writing summary-full.md: %v", err)
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

// keepHistory reads the history (-history), adds tonight, renders the
// trend into the summary and writes the history back, with a copy in the
// report directory. A history that cannot be read starts over, said in
// the summary; one that cannot be written is a problem of the night, not a
// change of its exit status.
func (n *nightly) keepHistory() {
	if n.history == "" {
		return
	}
	prev, err := ReadHistory(n.history)
	if err != nil {
		n.problem("history: " + err.Error())
	}
	h := prev.With(nightOf(summaryJSON(n.sum), n.sum.Started))
	n.sum.Trend = Trend(h)
	if err := h.write(n.history, filepath.Join(n.reports, HistoryFile)); err != nil {
		n.problem("history: writing it: " + err.Error())
	}
	if err := n.drawHistory(h); err != nil {
		n.problem("history: plotting it in the live report: " + err.Error())
	}
}

// specialFailures reads the suite's special failure reasons ("Suite
// Timeout Elapsed", "Interrupted by User") from a Ginkgo JSON report.
func specialFailures(path string) []string {
	var reps []struct{ SpecialSuiteFailureReasons []string }
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &reps) != nil {
		return nil
	}
	var out []string
	for _, r := range reps {
		out = append(out, r.SpecialSuiteFailureReasons...)
	}
	return out
}

// setupFailure returns the message of the first suite-level setup node
// (BeforeSuite, SynchronizedBeforeSuite) that did not pass in a Ginkgo
// JSON report, or "" when none failed or the report cannot be read: a run
// that stops before its first spec says why there, the suites' pre-flight
// (an account without access to a model) among others.
func setupFailure(path string) string {
	var reps []struct {
		SpecReports []struct {
			LeafNodeType string
			State        string
			Failure      struct{ Message string }
		}
	}
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &reps) != nil {
		return ""
	}
	for _, r := range reps {
		for _, sr := range r.SpecReports {
			switch sr.LeafNodeType {
			case "BeforeSuite", "SynchronizedBeforeSuite":
				if sr.State != "passed" && strings.TrimSpace(sr.Failure.Message) != "" {
					return strings.TrimSpace(sr.Failure.Message)
				}
			}
		}
	}
	return ""
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

// envOr returns the value of the environment variable name, or def when it
// is unset or empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// absPath returns p made absolute, or p itself when that fails.
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
