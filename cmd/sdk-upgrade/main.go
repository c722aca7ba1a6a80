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
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"gopkg.in/dnaeon/go-vcr.v2/cassette"

	"github.com/cachecascade/cachecascade/internal/modroot"
	"github.com/cachecascade/cachecascade/recorder"
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
}

// versionRE accepts what the command passes to the go command as a
// version.
var versionRE = regexp.MustCompile(`^(latest|v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?)$`)

func main() {
	var c config
	flag.StringVar(&c.out, "out", "reports/sdk-upgrade.md", "Markdown report (relative to the project root); empty: none")
	flag.StringVar(&c.jsonOut, "json", "reports/sdk-upgrade.json", "JSON data (relative to the project root); empty: none")
	flag.IntVar(&c.builds, "builds", 30, "serializations per fixture request in the determinism probe")
	flag.BoolVar(&c.cold, "cold", false, "evaluate each version with a fresh, empty module cache (measures a cold download and build)")
	flag.BoolVar(&c.keep, "keep", false, "keep the temporary directories (alternate go.mod, binaries, logs)")
	render := flag.String("render", "", "render the Markdown from a JSON file an earlier run wrote, evaluating nothing")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: scripts/sdk-upgrade [flags] VERSION...   (bedrockruntime versions such as v1.37.1, or latest)\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	c.versions = flag.Args()
	if *render != "" {
		os.Exit(renderOnly(*render, c.out))
	}
	if len(c.versions) == 0 {
		flag.Usage()
		os.Exit(2)
	}
	for _, v := range c.versions {
		if !versionRE.MatchString(v) {
			fmt.Fprintf(os.Stderr, "sdk-upgrade: %q is not a version (want vX.Y.Z or latest)\n", v)
			os.Exit(2)
		}
	}
	root, err := modroot.Find()
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdk-upgrade:", err)
		os.Exit(2)
	}
	c.root = root
	c.cassettes = filepath.Join(root, "cassettes")
	os.Exit(run(context.Background(), c))
}

func run(ctx context.Context, c config) int {
	r := &runner{config: c, companions: map[string][]sdkcheck.Require{}}
	s := sdkcheck.Summary{Command: "scripts/sdk-upgrade " + strings.Join(os.Args[1:], " ")}
	if v, err := r.goOut(ctx, nil, "", "env", "GOVERSION"); err == nil {
		s.GoVersion = strings.TrimSpace(v)
	}
	rec, err := loadCassettes(c.cassettes)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdk-upgrade:", err)
		return 2
	}
	r.recorded = rec

	logf("== baseline: the project's go.mod")
	base := r.evaluate(ctx, "", nil)
	s.Evaluations = append(s.Evaluations, base.Evaluation)
	r.baseline = base.specs
	if base.specs == nil {
		logf("   the baseline run produced no verdicts; versions are compared against nothing")
	}
	for _, v := range c.versions {
		logf("== bedrockruntime %s", v)
		e := r.evaluate(ctx, v, r.baseline)
		s.Evaluations = append(s.Evaluations, e.Evaluation)
		row := sdkcheck.Classify(e.Evaluation)
		logf("   %s (%.1f s)", row.Status, e.Timing.Total.Seconds())
	}

	md := sdkcheck.Markdown(s)
	fmt.Print(md)
	if c.out != "" {
		if err := writeFile(r.path(c.out), []byte(md)); err != nil {
			fmt.Fprintln(os.Stderr, "sdk-upgrade:", err)
		}
	}
	if c.jsonOut != "" {
		b, _ := json.MarshalIndent(s, "", "  ")
		if err := writeFile(r.path(c.jsonOut), append(b, '\n')); err != nil {
			fmt.Fprintln(os.Stderr, "sdk-upgrade:", err)
		}
	}
	return sdkcheck.ExitCode(s.Rows())
}

// renderOnly prints (and writes to out, if set) the Markdown of a saved
// run and returns its exit status.
func renderOnly(from, out string) int {
	b, err := os.ReadFile(from)
	var s sdkcheck.Summary
	if err == nil {
		err = json.Unmarshal(b, &s)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdk-upgrade:", err)
		return 2
	}
	md := sdkcheck.Markdown(s)
	fmt.Print(md)
	if out != "" {
		if root, err := modroot.Find(); err == nil {
			r := &runner{config: config{root: root}}
			if err := writeFile(r.path(out), []byte(md)); err != nil {
				fmt.Fprintln(os.Stderr, "sdk-upgrade:", err)
			}
		}
	}
	return sdkcheck.ExitCode(s.Rows())
}

// runner carries what evaluations share.
type runner struct {
	config
	recorded   sdkcheck.Cassettes
	baseline   []sdkcheck.SpecResult
	configVers []string                      // versions of the config module
	companions map[string][]sdkcheck.Require // config version → its requirements
}

// path resolves a path given on the command line against the project
// root, unless it is absolute.
func (r *runner) path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(r.root, p)
}

// result is an evaluation and the raw verdicts of its run.
type result struct {
	sdkcheck.Evaluation
	specs []sdkcheck.SpecResult
}

// env is the environment of the go commands of one evaluation.
type env struct {
	modfile  string   // alternate go.mod, or "" for the project's
	tags     string   // build tags
	extra    []string // extra environment (GOMODCACHE for a cold run)
	modcache string   // the fresh module cache of a cold run
}

func (e *env) buildFlags() []string {
	var out []string
	if e.modfile != "" {
		out = append(out, "-modfile="+e.modfile, "-mod=mod")
	}
	if e.tags != "" {
		out = append(out, "-tags="+e.tags)
	}
	return out
}

// evaluate evaluates one version ("" is the project's go.mod) and compares
// its verdicts with base.
func (r *runner) evaluate(ctx context.Context, version string, base []sdkcheck.SpecResult) (res result) {
	start := time.Now()
	e := &res.Evaluation
	e.Requested, e.Baseline = version, version == ""
	defer func() { e.Timing.Total = time.Since(start) }()

	tmp, err := os.MkdirTemp("", "sdk-upgrade-*")
	if err != nil {
		e.Err = err.Error()
		return res
	}
	ev := &env{}
	defer func() {
		if ev.modcache != "" {
			// Module cache files are read-only; go clean removes them.
			r.goOut(context.Background(), ev.extra, "", "clean", "-modcache")
		}
		if r.keep {
			logf("   kept %s", tmp)
		} else {
			os.RemoveAll(tmp)
		}
	}()
	if r.cold && !e.Baseline {
		e.Timing.Cold = true
		ev.modcache = filepath.Join(tmp, "modcache")
		ev.extra = []string{"GOMODCACHE=" + ev.modcache}
	}

	// Resolve: the version's go.mod, the companion config, the tags, the
	// alternate go.mod.
	t := time.Now()
	if e.Baseline {
		if err := r.resolveBaseline(ctx, e); err != nil {
			e.Err = err.Error()
			return res
		}
	} else if err := r.resolve(ctx, e, ev, tmp); err != nil {
		e.Err = err.Error()
		return res
	}
	e.Timing.Resolve = time.Since(t)
	ev.tags = sdkcheck.TagNames(e.Tags)

	// Download: load every package the evaluation builds, fetching the
	// modules, then read the versions the build selected.
	t = time.Now()
	pkgs := []string{"./suites/", "./cmd/sdk-upgrade/probe"}
	if out, err := r.goOut(ctx, ev.extra, r.root, append(append([]string{"list"}, ev.buildFlags()...), append([]string{"-deps", "-test"}, pkgs...)...)...); err != nil {
		e.Err = "loading the packages: " + strings.Join(sdkcheck.CompileErrors(out, 6), "; ")
		e.Timing.Download = time.Since(t)
		return res
	}
	sel, err := r.selected(ctx, ev)
	e.Timing.Download = time.Since(t)
	if err != nil {
		e.Err = err.Error()
		return res
	}
	e.Modules = sel
	if e.Baseline {
		e.Version = sel[sdkcheck.BedrockRuntime]
	} else {
		e.NotPinned = sdkcheck.Selected(e.Plan, sel, sdkcheck.BedrockRuntime, sdkcheck.Core, sdkcheck.Smithy, sdkcheck.Config)
	}
	logf("   selected %s, smithy-go %s, core %s; tags %q", sel[sdkcheck.BedrockRuntime], sel[sdkcheck.Smithy], sel[sdkcheck.Core], ev.tags)

	// Build: the suites' test binary and the probe; when tags are needed,
	// first without them, to report what is missing.
	t = time.Now()
	suitesBin, probeBin := filepath.Join(tmp, "suites.test"), filepath.Join(tmp, "probe")
	if ev.tags != "" {
		untagged := &env{modfile: ev.modfile, extra: ev.extra}
		out, err := r.goOut(ctx, ev.extra, r.root, append(append([]string{"test"}, untagged.buildFlags()...), "-c", "-o", filepath.Join(tmp, "untagged.test"), "./suites/")...)
		if err != nil {
			e.UntaggedErrors = sdkcheck.CompileErrors(out, 8)
		}
	}
	out, err := r.goOut(ctx, ev.extra, r.root, append(append([]string{"test"}, ev.buildFlags()...), "-c", "-o", suitesBin, "./suites/")...)
	if err == nil {
		out, err = r.goOut(ctx, ev.extra, r.root, append(append([]string{"build"}, ev.buildFlags()...), "-o", probeBin, "./cmd/sdk-upgrade/probe")...)
	}
	e.Timing.Build = time.Since(t)
	if err != nil {
		e.BuildErrors = sdkcheck.CompileErrors(out, 8)
		return res
	}

	// Determinism.
	t = time.Now()
	out, err = r.cmdOut(ctx, exec.CommandContext(ctx, probeBin, fmt.Sprintf("-builds=%d", r.builds)), nil)
	e.Timing.Determinism = time.Since(t)
	if err != nil {
		e.Err = "determinism probe: " + tail(out, 5)
	} else {
		var d sdkcheck.DeterminismReport
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			e.Err = "determinism probe output: " + err.Error()
		} else {
			e.Determinism = &d
		}
	}

	// The replay suites, logging every request body.
	t = time.Now()
	report, wirelog := filepath.Join(tmp, "report.json"), filepath.Join(tmp, "wire.jsonl")
	cmd := exec.CommandContext(ctx, suitesBin, "-test.count=1", "-test.timeout=20m", "-ginkgo.no-color", "-ginkgo.json-report="+report)
	cmd.Dir = filepath.Join(r.root, "suites")
	suiteOut, suiteErr := r.cmdOut(ctx, cmd, []string{
		"CACHECASCADE_MODE=replay",
		"CACHECASCADE_CASSETTES=" + r.cassettes,
		"CACHECASCADE_REPORT_DIR=" + filepath.Join(tmp, "reports"),
		recorder.WireLogEnv + "=" + wirelog,
	})
	e.Timing.Suites = time.Since(t)
	if suiteErr != nil {
		e.SuiteOutput = tail(suiteOut, 15)
	}
	if b, err := os.ReadFile(report); err != nil {
		e.Err = join(e.Err, "the suites wrote no report: "+tail(suiteOut, 5))
	} else if specs, err := sdkcheck.ParseGinkgoReport(b); err != nil {
		e.Err = join(e.Err, err.Error())
	} else {
		res.specs = specs
		if base == nil {
			base = specs
		}
		d := sdkcheck.DiffVerdicts(base, specs)
		e.Verdicts = &d
	}
	if w, err := r.compareWire(wirelog); err != nil {
		e.Err = join(e.Err, err.Error())
	} else {
		e.Wire = &w
	}
	return res
}

// resolve reads the version's go.mod and source, chooses the companion
// config version and the tags, and writes the alternate go.mod.
func (r *runner) resolve(ctx context.Context, e *sdkcheck.Evaluation, ev *env, tmp string) error {
	var dl struct {
		Version, GoMod, Dir, Error string
	}
	out, err := r.goOut(ctx, ev.extra, tmp, "mod", "download", "-json", sdkcheck.BedrockRuntime+"@"+e.Requested)
	if jerr := json.Unmarshal([]byte(out), &dl); jerr != nil || dl.Error != "" || err != nil {
		return fmt.Errorf("bedrockruntime@%s: %s", e.Requested, firstNonEmpty(dl.Error, tail(out, 3)))
	}
	e.Version = dl.Version
	sdk, err := r.requires(ctx, ev, dl.GoMod)
	if err != nil {
		return err
	}
	ceil := sdkcheck.Ceilings(sdk)
	cfg, err := r.companion(ctx, ev, tmp, ceil)
	if err != nil {
		return err
	}
	project, err := r.requires(ctx, ev, filepath.Join(r.root, "go.mod"))
	if err != nil {
		return err
	}
	e.Plan = sdkcheck.PlanModfile(project, e.Version, sdk, map[string]string{sdkcheck.Config: cfg})

	options, err1 := os.ReadFile(filepath.Join(dl.Dir, "options.go"))
	types, err2 := os.ReadFile(filepath.Join(dl.Dir, "types", "types.go"))
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("reading bedrockruntime@%s's source: %w", e.Version, err)
	}
	e.Tags = sdkcheck.TagsFor(string(options), string(types))

	ev.modfile = filepath.Join(tmp, "alt.mod")
	if err := copyFile(filepath.Join(r.root, "go.mod"), ev.modfile); err != nil {
		return err
	}
	if err := copyFile(filepath.Join(r.root, "go.sum"), filepath.Join(tmp, "alt.sum")); err != nil {
		return err
	}
	if out, err := r.goOut(ctx, ev.extra, tmp, append(append([]string{"mod", "edit"}, e.Plan.Args()...), ev.modfile)...); err != nil {
		return fmt.Errorf("go mod edit: %s", tail(out, 3))
	}
	return nil
}

// resolveBaseline fills in the baseline's version from the project's
// go.mod.
func (r *runner) resolveBaseline(ctx context.Context, e *sdkcheck.Evaluation) error {
	reqs, err := r.requires(ctx, &env{}, filepath.Join(r.root, "go.mod"))
	if err != nil {
		return err
	}
	for _, q := range reqs {
		if q.Path == sdkcheck.BedrockRuntime {
			e.Version = q.Version
		}
	}
	return nil
}

// requires returns the requirements of a go.mod file.
func (r *runner) requires(ctx context.Context, ev *env, gomod string) ([]sdkcheck.Require, error) {
	out, err := r.goOut(ctx, ev.extra, filepath.Dir(gomod), "mod", "edit", "-json", gomod)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %s", gomod, tail(out, 3))
	}
	var m struct{ Require []sdkcheck.Require }
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		return nil, fmt.Errorf("reading %s: %w", gomod, err)
	}
	return m.Require, nil
}

// companion returns the newest config version within the ceilings.
func (r *runner) companion(ctx context.Context, ev *env, tmp string, ceil map[string]string) (string, error) {
	if r.configVers == nil {
		out, err := r.goOut(ctx, ev.extra, tmp, "list", "-m", "-versions", "-json", sdkcheck.Config)
		var m struct{ Versions []string }
		if err != nil || json.Unmarshal([]byte(out), &m) != nil || len(m.Versions) == 0 {
			return "", fmt.Errorf("listing %s versions: %s", sdkcheck.Config, tail(out, 3))
		}
		r.configVers = m.Versions
	}
	return sdkcheck.Companion(r.configVers, ceil, func(v string) ([]sdkcheck.Require, error) {
		if reqs, ok := r.companions[v]; ok {
			return reqs, nil
		}
		out, err := r.goOut(ctx, ev.extra, tmp, "list", "-m", "-json", sdkcheck.Config+"@"+v)
		var m struct{ GoMod string }
		if err != nil || json.Unmarshal([]byte(out), &m) != nil || m.GoMod == "" {
			return nil, fmt.Errorf("%s@%s: %s", sdkcheck.Config, v, tail(out, 3))
		}
		reqs, err := r.requires(ctx, ev, m.GoMod)
		if err == nil {
			r.companions[v] = reqs
		}
		return reqs, err
	})
}

// selected returns the versions of the SDK modules the build list selects.
func (r *runner) selected(ctx context.Context, ev *env) (map[string]string, error) {
	args := append([]string{"list"}, ev.buildFlags()...)
	args = append(args, "-m", "-json", sdkcheck.BedrockRuntime, sdkcheck.Core, sdkcheck.Smithy, sdkcheck.Config)
	out, err := r.goOut(ctx, ev.extra, r.root, args...)
	if err != nil {
		return nil, fmt.Errorf("reading the selected versions: %s", tail(out, 3))
	}
	sel := map[string]string{}
	dec := json.NewDecoder(strings.NewReader(out))
	for {
		var m struct{ Path, Version string }
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("reading the selected versions: %w", err)
		}
		sel[m.Path] = m.Version
	}
	return sel, nil
}

// compareWire compares a wire log with the cassettes.
func (r *runner) compareWire(path string) (sdkcheck.WireSummary, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return sdkcheck.CompareWire(nil, r.recorded)
	}
	if err != nil {
		return sdkcheck.WireSummary{}, err
	}
	defer f.Close()
	entries, err := sdkcheck.ReadWireLog(f)
	if err != nil {
		return sdkcheck.WireSummary{}, err
	}
	for i := range entries {
		if rel, err := filepath.Rel(r.cassettes, entries[i].Cassette); err == nil {
			entries[i].Cassette = filepath.ToSlash(rel)
		}
	}
	return sdkcheck.CompareWire(entries, r.recorded)
}

// loadCassettes reads the recorded request bodies of every cassette, keyed
// by path relative to the cassette directory.
func loadCassettes(dir string) (sdkcheck.Cassettes, error) {
	out := sdkcheck.Cassettes{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		c, err := cassette.Load(strings.TrimSuffix(path, ".yaml"))
		if err != nil {
			return fmt.Errorf("loading %s: %w", path, err)
		}
		rel, _ := filepath.Rel(dir, path)
		bodies := make([]string, len(c.Interactions))
		for i, in := range c.Interactions {
			bodies[i] = in.Request.Body
		}
		out[filepath.ToSlash(rel)] = bodies
		return nil
	})
	return out, err
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
// returns its combined output (stdout alone when it succeeds and prints
// JSON would be cleaner, but go commands print little on stderr when they
// succeed, and the probe prints nothing there).
func (r *runner) cmdOut(ctx context.Context, cmd *exec.Cmd, extra []string) (string, error) {
	cmd.Env = append(cleanEnv(), extra...)
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
		case "AWS_BEARER_TOKEN_BEDROCK", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_ENDPOINT_URL", "CACHECASCADE_TARGET",
			"CACHECASCADE_MODE", "CACHECASCADE_CASSETTES", "CACHECASCADE_REPORT_DIR", recorder.WireLogEnv, "GOWORK":
			continue
		}
		out = append(out, kv)
	}
	return append(out, "GOWORK=off")
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

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

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}
