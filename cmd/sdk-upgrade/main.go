// Command sdk-upgrade answers "does this bump of bedrockruntime break our
// prompt caching?" for one or more versions, without touching go.mod:
//
//	go run ./cmd/sdk-upgrade [flags] VERSION...   (or scripts/sdk-upgrade)
//
// VERSION is a bedrockruntime version such as v1.37.1, or latest. For each
// it writes an alternate go.mod in a temporary directory (see
// sdkcheck.PlanModfile: bedrockruntime at the version with exactly the SDK
// core and smithy-go it requires), picks the build tags the version needs,
// builds the replay suites and the determinism probe with -modfile, runs
// the probe (the fixture requests serialized repeatedly), runs the suites
// against the cassettes with the recorder logging every request body, and
// compares the bodies with the recorded ones and the verdicts with a run on
// the project's own go.mod. It prints a Markdown summary, writes it to
// reports/sdk-upgrade.md (and the data to reports/sdk-upgrade.json), and
// exits 1 if a version is cache-affecting, 2 if one could not be evaluated,
// 0 otherwise.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	// envvar, not env: the package's type env would clash with the name.
	envvar "github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/internal/modroot"
	"github.com/cachecascade/cachecascade/sdkcheck"
)

// config is the command's configuration.
type config struct {
	root      string // project root
	out       string // Markdown report
	jsonOut   string // JSON data
	builds    int
	cold      bool
	keep      bool
	versions  []string
	cassettes string
	args      []string // the command line, for the report
}

// versionRE accepts what the command passes to the go command as a
// version.
var versionRE = regexp.MustCompile(`^(latest|v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?)$`)

func main() {
	c, render, err := parseArgs(os.Args[1:], os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case err != nil:
		os.Exit(2)
	case render != "":
		os.Exit(renderOnly(os.Stdout, render, renderTarget(c.out)))
	}
	root, err := modroot.Find()
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdk-upgrade:", err)
		os.Exit(2)
	}
	c.root = root
	c.cassettes = filepath.Join(root, "cassettes")
	os.Exit(newRunner(c).run(context.Background(), os.Stdout))
}

// parseArgs parses the command line (without the program name) and reports
// any problem on stderr, as the flag package does. It returns the
// configuration and the -render file; when that is set, the versions are
// neither required nor checked. The error is flag.ErrHelp for -h (exit 0)
// and anything else for bad usage (exit 2).
func parseArgs(args []string, stderr io.Writer) (c config, render string, err error) {
	fs := flag.NewFlagSet("sdk-upgrade", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.out, "out", "reports/sdk-upgrade.md", "Markdown report (relative to the project root); empty: none")
	fs.StringVar(&c.jsonOut, "json", "reports/sdk-upgrade.json", "JSON data (relative to the project root); empty: none")
	fs.IntVar(&c.builds, "builds", 30, "serializations per fixture request in the determinism probe")
	fs.BoolVar(&c.cold, "cold", false, "evaluate each version with a fresh, empty module cache (measures a cold download and build)")
	fs.BoolVar(&c.keep, "keep", false, "keep the temporary directories (alternate go.mod, binaries, logs)")
	fs.StringVar(&render, "render", "", "render the Markdown from a JSON file an earlier run wrote, evaluating nothing")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: scripts/sdk-upgrade [flags] VERSION...   (bedrockruntime versions such as v1.37.1, or latest)\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, "", err
	}
	c.args, c.versions = args, fs.Args()
	if render != "" {
		return c, render, nil
	}
	if len(c.versions) == 0 {
		fs.Usage()
		return c, "", errNoVersions
	}
	for _, v := range c.versions {
		if !versionRE.MatchString(v) {
			err := fmt.Errorf("%q is not a version (want vX.Y.Z or latest)", v)
			fmt.Fprintln(stderr, "sdk-upgrade:", err)
			return c, "", err
		}
	}
	return c, "", nil
}

// errNoVersions is parseArgs's error for a command line without versions.
var errNoVersions = errors.New("no version given")

// run evaluates the project's go.mod and then every version, prints the
// summary to stdout, writes the reports, and returns the exit status.
func (r *runner) run(ctx context.Context, stdout io.Writer) int {
	s, err := r.summarize(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdk-upgrade:", err)
		return 2
	}
	return publish(stdout, s, r.outPath(r.out), r.outPath(r.jsonOut))
}

// summarize loads the cassettes, evaluates the baseline (the project's
// go.mod) and then each version against the baseline's verdicts, and
// returns the summary of the run.
func (r *runner) summarize(ctx context.Context) (sdkcheck.Summary, error) {
	s := sdkcheck.Summary{Command: "scripts/sdk-upgrade " + strings.Join(r.args, " ")}
	if v, err := r.goOut(ctx, nil, "", "env", "GOVERSION"); err == nil {
		s.GoVersion = strings.TrimSpace(v)
	}
	rec, err := loadCassettes(r.cassettes)
	if err != nil {
		return s, err
	}
	r.recorded = rec

	logf("== baseline: the project's go.mod")
	base := r.evaluate(ctx, "", nil)
	s.Evaluations = append(s.Evaluations, base.Evaluation)
	r.baseline = base.specs
	if base.specs == nil {
		logf("   the baseline run produced no verdicts; versions are compared against nothing")
	}
	for _, v := range r.versions {
		logf("== bedrockruntime %s", v)
		e := r.evaluate(ctx, v, r.baseline)
		s.Evaluations = append(s.Evaluations, e.Evaluation)
		row := sdkcheck.Classify(e.Evaluation)
		logf("   %s (%.1f s)", row.Status, e.Timing.Total.Seconds())
	}
	return s, nil
}

// publish prints the Markdown summary of a run to stdout, writes it to
// mdPath and the run's JSON data to jsonPath (each unless empty; a write
// error is reported and otherwise ignored), and returns the exit status.
func publish(stdout io.Writer, s sdkcheck.Summary, mdPath, jsonPath string) int {
	md := sdkcheck.Markdown(s)
	fmt.Fprint(stdout, md)
	if mdPath != "" {
		if err := writeFile(mdPath, []byte(md)); err != nil {
			fmt.Fprintln(os.Stderr, "sdk-upgrade:", err)
		}
	}
	if jsonPath != "" {
		b, _ := json.MarshalIndent(s, "", "  ")
		if err := writeFile(jsonPath, append(b, '\n')); err != nil {
			fmt.Fprintln(os.Stderr, "sdk-upgrade:", err)
		}
	}
	return sdkcheck.ExitCode(s.Rows())
}

// renderOnly prints (and writes to mdPath, if set) the Markdown of a saved
// run and returns its exit status.
func renderOnly(stdout io.Writer, from, mdPath string) int {
	b, err := os.ReadFile(from)
	var s sdkcheck.Summary
	if err == nil {
		err = json.Unmarshal(b, &s)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdk-upgrade:", err)
		return 2
	}
	return publish(stdout, s, mdPath, "")
}

// renderTarget resolves -out for -render against the project root; it is
// empty (nothing is written) when -out is, or when the root is not found.
func renderTarget(out string) string {
	if out == "" {
		return ""
	}
	root, err := modroot.Find()
	if err != nil {
		return ""
	}
	return resolvePath(root, out)
}

// runner carries what evaluations share.
type runner struct {
	config
	// execute runs a prepared command, its environment set, and returns
	// its output: runCommand, except in tests.
	execute    func(*exec.Cmd) (string, error)
	recorded   sdkcheck.Cassettes
	baseline   []sdkcheck.SpecResult
	configVers []string                      // versions of the config module
	companions map[string][]sdkcheck.Require // config version → its requirements
}

// newRunner returns a runner for a configuration that runs real commands.
func newRunner(c config) *runner {
	return &runner{config: c, execute: runCommand, companions: map[string][]sdkcheck.Require{}}
}

// path resolves a path given on the command line against the project
// root, unless it is absolute.
func (r *runner) path(p string) string {
	return resolvePath(r.root, p)
}

// outPath is path for an output file, keeping "" (no file) as it is.
func (r *runner) outPath(p string) string {
	if p == "" {
		return ""
	}
	return r.path(p)
}

// resolvePath joins p to root, unless it is absolute.
func resolvePath(root, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(root, p)
}

// goOut runs a go command in dir (the project root when empty) with extra
// environment and returns its combined output.
func (r *runner) goOut(ctx context.Context, extra []string, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	if dir == "" {
		cmd.Dir = r.root
	}
	return r.cmdOut(ctx, cmd, extra)
}

// cmdOut runs a command with the offline environment plus extra, and
// returns its output as runCommand does.
func (r *runner) cmdOut(ctx context.Context, cmd *exec.Cmd, extra []string) (string, error) {
	cmd.Env = append(cleanEnv(), extra...)
	return r.execute(cmd)
}

// runCommand runs a command and returns its stdout when it succeeds, and
// its stdout followed by its stderr when it fails (stdout alone would be
// cleaner JSON, but go commands print little on stderr when they succeed,
// and the probe prints nothing there).
func runCommand(cmd *exec.Cmd) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.String() + stderr.String(), err
	}
	return stdout.String(), nil
}

// cleanEnv is the environment without what could reach AWS or change the
// module setup: no bearer token, endpoint or target, no workspace.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case envvar.BearerToken, envvar.Endpoint, "AWS_ENDPOINT_URL", envvar.Target,
			envvar.Mode, envvar.Cassettes, envvar.ReportDir, envvar.WireLog, "GOWORK":
			continue
		}
		out = append(out, kv)
	}
	return append(out, "GOWORK=off")
}

// copyFile copies a file.
func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// writeFile writes a file, creating its directory.
func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// tail returns the last n non-empty lines of s.
func tail(s string, n int) string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// join joins two error messages with "; ", either of which may be empty.
func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// firstNonEmpty returns the first of s that is not empty.
func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// logf writes a progress line to stderr.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}
