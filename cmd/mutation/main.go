// Command mutation proves the verifier can fail, and that it does not cry
// wolf. It runs the Ginkgo suites live against the in-process emulator once
// under every fault profile (emulator.Faults), once under every benign
// profile (emulator.BenignProfiles) and once healthy (the baseline), then
// judges each run from its Ginkgo JSON report:
//
//   - a fault is caught when at least one spec fails with a finding under a
//     rule the fault breaks: the rule ID the suites' framework files in the
//     spec's report row, matched against the table of fault → rule IDs in
//     rules.go (no wording is read); failures under another rule or none
//     are listed as "failed for another reason" and do not count;
//   - a benign profile or the baseline must pass with no failed spec; any
//     failure is a false alarm.
//
// Usage (from anywhere in the module; scripts/mutation wraps it):
//
//	go run ./cmd/mutation [-profiles a,b] [-parallel 2] [-timeout 10m] [-keep]
//
// -profiles runs only the named profiles ("baseline" names the healthy
// run); by default every fault, every benign profile and the baseline run.
// The suites' test binary is built once (go test -c) and run with the
// suites directory as working directory, at most -parallel at a time, each
// with CACHECASCADE_MODE=live CACHECASCADE_TARGET=emulator
// CACHECASCADE_EMULATOR_PROFILES=<name> and its own report directory in a
// temporary directory (kept with -keep, with each run's log and JSON
// report).
//
// It prints a Markdown table (profile, kind, rule, the specs that caught
// it, verdict, seconds), the kill ratio, the benign alarms and the wall
// time, writes the same to reports/mutation.md and appends it to
// $GITHUB_STEP_SUMMARY when that is set. The exit status is 1 when a fault
// survives, a benign profile or the baseline alarms, or a run crashes (a
// test binary exit status other than 0 or 1, a timeout, or a missing
// report), and 2 when the tool cannot run (bad flags, a build failure, or a
// fault profile with no rule in rules.go).
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
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/cachecascade/cachecascade/emulator"
	// envvar, not env: childEnv's parameter env would hide the package.
	envvar "github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/internal/modroot"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	profiles string
	parallel int
	timeout  time.Duration
	keep     bool
	// noiseSeeds is how many seeds each noise run takes (see noise.go).
	noiseSeeds int
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mutation", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.profiles, "profiles", "", "comma-separated profiles to run (\"baseline\" is the healthy run, \"default\" the default set); default: every fault, every benign profile and the baseline (and the -noise-seeds runs)")
	fs.IntVar(&o.parallel, "parallel", 2, "how many runs at once")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "time limit of one run of the suites")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (test binary, logs, JSON reports)")
	fs.IntVar(&o.noiseSeeds, "noise-seeds", 0, "also run the suites under each noise profile alone and all together, with seeds 1..N each (each must pass), and every fault under all noise profiles together (each must still be caught); 0: none")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "mutation: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if o.parallel < 1 || o.timeout <= 0 {
		fmt.Fprintln(stderr, "mutation: -parallel must be at least 1 and -timeout positive")
		return 2
	}

	var faultNames []string
	for _, p := range emulator.Faults() {
		faultNames = append(faultNames, p.Name)
	}
	if err := checkRules(faultNames, rules); err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if o.noiseSeeds < 0 {
		fmt.Fprintln(stderr, "mutation: -noise-seeds must not be negative")
		return 2
	}
	targets, err := selectTargets(append(allTargets(), noiseTargets(o.noiseSeeds)...), expandDefault(o.profiles))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	root, err := modroot.Find()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}

	tmp, err := os.MkdirTemp("", "cachecascade-mutation-")
	if err != nil {
		fmt.Fprintln(stderr, "mutation:", err)
		return 2
	}
	if o.keep {
		fmt.Fprintf(stderr, "mutation: keeping %s\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}

	start := time.Now()
	bin, err := buildSuites(ctx, root, tmp, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "mutation: building the suites: %v\n", err)
		return 2
	}
	buildTime := time.Since(start)
	outcomes := runAll(ctx, bin, root, tmp, targets, o, stderr)
	s := Summary{Outcomes: outcomes, Build: buildTime, Wall: time.Since(start), Parallel: min(o.parallel, len(targets))}
	status := publish(s, root, stdout, stderr)
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "mutation: interrupted")
		return 1
	}
	return status
}

// buildSuites compiles the suites' test binary once into dir.
func buildSuites(ctx context.Context, root, dir string, stderr io.Writer) (string, error) {
	bin := filepath.Join(dir, "suites.test")
	fmt.Fprintf(stderr, "mutation: building the suites (go test -c ./suites)\n")
	build := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, "./suites")
	build.Dir, build.Stdout, build.Stderr = root, stderr, stderr
	return bin, build.Run()
}

// runAll runs the suites once per target, at most o.parallel at a time, and
// judges each run, printing a line per run as it ends.
func runAll(ctx context.Context, bin, root, tmp string, targets []Target, o options, stderr io.Writer) []Outcome {
	outcomes := make([]Outcome, len(targets))
	sem := make(chan struct{}, o.parallel)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			res := runSuites(ctx, bin, filepath.Join(root, "suites"), tmp, t, o.timeout)
			out := classify(t, rules[t.fault()], res)
			outcomes[i] = out
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(stderr, "mutation: %-30s %-8s %-11s %d/%d failed, %d under its rule (%.1fs)\n",
				t.Name, t.Kind, out.Verdict, out.Failed, out.Ran, len(out.Catches), out.Seconds)
			if out.Verdict == Crashed {
				fmt.Fprintf(stderr, "mutation: %s crashed: %s\n%s", t.Name, out.Crash, tail(logPath(tmp, t), 20))
			}
		}()
	}
	wg.Wait()
	return outcomes
}

// publish prints the summary, writes it to reports/mutation.md and the
// GitHub step summary, and returns the exit status it gives.
func publish(s Summary, root string, stdout, stderr io.Writer) int {
	md := s.Markdown()
	fmt.Fprintln(stdout, md)
	status := 0
	if !s.OK() {
		status = 1
	}
	if err := os.MkdirAll(filepath.Join(root, "reports"), 0o755); err == nil {
		err = os.WriteFile(filepath.Join(root, "reports", "mutation.md"), []byte(md), 0o644)
		if err != nil {
			fmt.Fprintln(stderr, "mutation:", err)
			status = max(status, 1)
		}
	} else {
		fmt.Fprintln(stderr, "mutation:", err)
		status = max(status, 1)
	}
	if p := os.Getenv(envvar.GitHubStepSummary); p != "" {
		if err := appendFile(p, md+"\n"); err != nil {
			fmt.Fprintln(stderr, "mutation: "+envvar.GitHubStepSummary+":", err)
		}
	}
	return status
}

// allTargets is the baseline, every fault and every benign profile.
func allTargets() []Target {
	ts := []Target{{Name: Baseline, Kind: KindBaseline, Description: "the healthy emulator, no profile"}}
	for _, p := range emulator.Faults() {
		ts = append(ts, Target{Name: p.Name, Kind: KindFault, Description: p.Description})
	}
	for _, p := range emulator.BenignProfiles() {
		ts = append(ts, Target{Name: p.Name, Kind: KindBenign, Description: p.Description})
	}
	return ts
}

// selectTargets keeps the named targets (all of them when list is empty),
// in their usual order.
func selectTargets(all []Target, list string) ([]Target, error) {
	if strings.TrimSpace(list) == "" {
		return all, nil
	}
	want := map[string]bool{}
	for _, n := range strings.Split(list, ",") {
		if n = strings.TrimSpace(n); n != "" {
			want[n] = true
		}
	}
	var out []Target
	for _, t := range all {
		if want[t.Name] {
			out = append(out, t)
			delete(want, t.Name)
		}
	}
	if len(want) > 0 {
		var names, unknown []string
		for _, t := range all {
			names = append(names, t.Name)
		}
		for n := range want {
			unknown = append(unknown, n)
		}
		return nil, fmt.Errorf("mutation: unknown profiles %s; known: %s", strings.Join(unknown, ", "), strings.Join(names, ", "))
	}
	return out, nil
}

func logPath(tmp string, t Target) string { return filepath.Join(tmp, t.Name+".log") }

// runSuites runs the test binary once for the target and reads its report.
func runSuites(ctx context.Context, bin, dir, tmp string, t Target, timeout time.Duration) Result {
	report := filepath.Join(tmp, t.Name+".json")
	reportDir := filepath.Join(tmp, t.Name)
	var res Result
	logf, err := os.Create(logPath(tmp, t))
	if err != nil {
		res.Err, res.ExitCode = err, -1
		return res
	}
	defer logf.Close()

	// Ginkgo's own suite timeout ends the run with a report; the context
	// kills a binary that does not stop by itself.
	rctx, cancel := context.WithTimeout(ctx, timeout+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(rctx, bin,
		"-ginkgo.json-report="+report, "-ginkgo.no-color", "-ginkgo.timeout="+timeout.String())
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, logf, logf
	cmd.Env = childEnv(os.Environ(), t, reportDir)
	cmd.WaitDelay = 10 * time.Second

	start := time.Now()
	err = cmd.Run()
	res.Seconds = time.Since(start).Seconds()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case rctx.Err() != nil:
		res.Err, res.ExitCode = fmt.Errorf("stopped after %.0fs: %v", res.Seconds, rctx.Err()), -1
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
	default:
		res.Err, res.ExitCode = err, -1
	}
	res.Reports, res.ReportErr = readReport(report)
	return res
}

// childEnv is the environment of one run: the caller's, without anything
// that would point the suites elsewhere or change who they are, and without
// GITHUB_STEP_SUMMARY (each run would append its own matrix report to the
// CI summary; the mutation table is the one that belongs there), plus the
// run's settings.
func childEnv(env []string, t Target, reportDir string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, envvar.Prefix), strings.HasPrefix(k, "AWS_ENDPOINT_URL"),
			k == envvar.BearerToken, k == "AWS_PROFILE", k == "AWS_DEFAULT_PROFILE",
			k == envvar.GitHubStepSummary:
			continue
		}
		out = append(out, kv)
	}
	profiles := t.Name
	if t.Kind == KindBaseline {
		profiles = ""
	}
	if t.Profiles != nil {
		profiles = strings.Join(t.Profiles, ",")
	}
	if t.Seed != 0 {
		out = append(out, envvar.EmulatorNoiseSeed+"="+strconv.FormatUint(t.Seed, 10))
	}
	return append(out,
		envvar.Mode+"=live",
		envvar.Target+"=emulator",
		envvar.EmulatorProfiles+"="+profiles,
		envvar.Quiet+"=1",
		envvar.ReportDir+"="+reportDir,
	)
}

func readReport(path string) ([]types.Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var reps []types.Report
	if err := json.Unmarshal(b, &reps); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return reps, nil
}

func appendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(s); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// tail returns the last n lines of a file, indented, for a crash message.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "    " + strings.Join(lines, "\n    ") + "\n"
}
