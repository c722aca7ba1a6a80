package main

import (
	"context"
	"encoding/json"
	"errors"
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

	envvar "github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/sdkcheck"
)

// The packages an evaluation builds, relative to the project root.
const (
	suitesPkg = "./suites/"
	probePkg  = "./cmd/sdk-upgrade/probe"
)

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

// buildFlags returns the go command flags that build against the
// alternate go.mod (if any) with the build tags (if any).
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

// goArgs returns the arguments of a go command: the verb, the build flags
// of ev, then rest.
func goArgs(verb string, ev *env, rest ...string) []string {
	return append(append([]string{verb}, ev.buildFlags()...), rest...)
}

// binaries are the programs an evaluation builds.
type binaries struct {
	suites string // the suites' test binary
	probe  string // the determinism probe
}

// evaluate evaluates one version ("" is the project's go.mod) and compares
// its verdicts with base. It runs the phases in order (plan, download,
// build, determinism, replay), stopping after the first of the first three
// that fails, and records the wall time of each.
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
	ev := r.newEnv(e, tmp)
	defer r.cleanup(ev, tmp)

	if err := r.plan(ctx, e, ev, tmp); err != nil {
		e.Err = err.Error()
		return res
	}
	if err := r.download(ctx, e, ev); err != nil {
		e.Err = err.Error()
		return res
	}
	bins, ok := r.build(ctx, e, ev, tmp)
	if !ok {
		return res
	}
	r.determinism(ctx, e, bins.probe)
	res.specs = r.replay(ctx, e, bins.suites, tmp, base)
	return res
}

// newEnv returns the environment of an evaluation's go commands: with
// -cold, a version (never the baseline) gets a fresh module cache in tmp.
func (r *runner) newEnv(e *sdkcheck.Evaluation, tmp string) *env {
	ev := &env{}
	if r.cold && !e.Baseline {
		e.Timing.Cold = true
		ev.modcache = filepath.Join(tmp, "modcache")
		ev.extra = []string{"GOMODCACHE=" + ev.modcache}
	}
	return ev
}

// cleanup empties an evaluation's fresh module cache, if it has one, and
// removes its temporary directory, unless -keep asks to keep it.
func (r *runner) cleanup(ev *env, tmp string) {
	if ev.modcache != "" {
		// Module cache files are read-only; go clean removes them.
		r.goOut(context.Background(), ev.extra, "", "clean", "-modcache")
	}
	if r.keep {
		logf("   kept %s", tmp)
	} else {
		os.RemoveAll(tmp)
	}
}

// plan is the resolve phase: it settles the baseline's bedrockruntime
// version, or a version's go.mod, companion config, build tags and
// alternate go.mod, and sets ev's build tags from the evaluation's.
func (r *runner) plan(ctx context.Context, e *sdkcheck.Evaluation, ev *env, tmp string) error {
	t := time.Now()
	var err error
	if e.Baseline {
		err = r.resolveBaseline(ctx, e)
	} else {
		err = r.resolve(ctx, e, ev, tmp)
	}
	if err != nil {
		return err
	}
	e.Timing.Resolve = time.Since(t)
	ev.tags = sdkcheck.TagNames(e.Tags)
	return nil
}

// download is the download phase: it loads every package the evaluation
// builds, which fetches the modules, and records the versions the build
// selected (for the baseline, its bedrockruntime version; for a version,
// any module minimal version selection moved away from the plan).
func (r *runner) download(ctx context.Context, e *sdkcheck.Evaluation, ev *env) error {
	t := time.Now()
	sel, err := r.loadPackages(ctx, ev)
	e.Timing.Download = time.Since(t)
	if err != nil {
		return err
	}
	e.Modules = sel
	if e.Baseline {
		e.Version = sel[sdkcheck.BedrockRuntime]
	} else {
		e.NotPinned = sdkcheck.Selected(e.Plan, sel, sdkcheck.BedrockRuntime, sdkcheck.Core, sdkcheck.Smithy, sdkcheck.Config)
	}
	logf("   selected %s, smithy-go %s, core %s; tags %q", sel[sdkcheck.BedrockRuntime], sel[sdkcheck.Smithy], sel[sdkcheck.Core], ev.tags)
	return nil
}

// loadPackages lists the packages the evaluation builds with their
// dependencies and tests, fetching their modules, and returns the versions
// of the SDK modules the build list selects.
func (r *runner) loadPackages(ctx context.Context, ev *env) (map[string]string, error) {
	args := goArgs("list", ev, "-deps", "-test", suitesPkg, probePkg)
	if out, err := r.goOut(ctx, ev.extra, r.root, args...); err != nil {
		return nil, errors.New("loading the packages: " + strings.Join(sdkcheck.CompileErrors(out, 6), "; "))
	}
	return r.selected(ctx, ev)
}

// build is the build phase: it compiles the suites' test binary and the
// probe into tmp. When the version needs build tags, the suites are first
// built without them to record what is missing. A failed build records its
// compile errors and returns false.
func (r *runner) build(ctx context.Context, e *sdkcheck.Evaluation, ev *env, tmp string) (binaries, bool) {
	t := time.Now()
	defer func() { e.Timing.Build = time.Since(t) }()
	bins := binaries{suites: filepath.Join(tmp, "suites.test"), probe: filepath.Join(tmp, "probe")}
	if ev.tags != "" {
		e.UntaggedErrors = r.untaggedErrors(ctx, ev, tmp)
	}
	out, err := r.goOut(ctx, ev.extra, r.root, goArgs("test", ev, "-c", "-o", bins.suites, suitesPkg)...)
	if err == nil {
		out, err = r.goOut(ctx, ev.extra, r.root, goArgs("build", ev, "-o", bins.probe, probePkg)...)
	}
	if err != nil {
		e.BuildErrors = buildErrors(out, err)
		return bins, false
	}
	return bins, true
}

// untaggedErrors builds the suites without build tags and returns the
// compile errors, which name the SDK symbols the tags stand in for; nil
// when the suites build anyway.
func (r *runner) untaggedErrors(ctx context.Context, ev *env, tmp string) []string {
	untagged := &env{modfile: ev.modfile, extra: ev.extra}
	out, err := r.goOut(ctx, ev.extra, r.root, goArgs("test", untagged, "-c", "-o", filepath.Join(tmp, "untagged.test"), suitesPkg)...)
	if err != nil {
		return sdkcheck.CompileErrors(out, 8)
	}
	return nil
}

// buildErrors returns the compile errors of a failed build, or the
// command's error when its output names none (a build killed before it
// printed any), so that a failed build is never taken for a clean one.
func buildErrors(out string, err error) []string {
	if lines := sdkcheck.CompileErrors(out, 8); len(lines) > 0 {
		return lines
	}
	return []string{fmt.Sprintf("the build failed (%v) without naming an error", err)}
}

// determinism is the determinism phase: it runs the probe, which
// serializes every fixture request r.builds times, and records its report,
// or why there is none.
func (r *runner) determinism(ctx context.Context, e *sdkcheck.Evaluation, probeBin string) {
	t := time.Now()
	out, err := r.cmdOut(ctx, exec.CommandContext(ctx, probeBin, fmt.Sprintf("-builds=%d", r.builds)), nil)
	e.Timing.Determinism = time.Since(t)
	d, err := probeReport(out, err)
	if err != nil {
		e.Err = err.Error()
		return
	}
	e.Determinism = d
}

// probeReport reads the probe's output into its report; the error names
// what went wrong, with the tail of the output when the probe failed.
func probeReport(out string, runErr error) (*sdkcheck.DeterminismReport, error) {
	if runErr != nil {
		return nil, errors.New("determinism probe: " + tail(out, 5))
	}
	var d sdkcheck.DeterminismReport
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		return nil, errors.New("determinism probe output: " + err.Error())
	}
	return &d, nil
}

// replay is the suites phase: it runs the replay suites against the
// cassettes with the recorder logging every request body, records their
// verdicts against base and how the logged bodies compare with the
// recorded ones, and returns the run's specs.
func (r *runner) replay(ctx context.Context, e *sdkcheck.Evaluation, suitesBin, tmp string, base []sdkcheck.SpecResult) []sdkcheck.SpecResult {
	t := time.Now()
	report, wirelog := filepath.Join(tmp, "report.json"), filepath.Join(tmp, "wire.jsonl")
	cmd := exec.CommandContext(ctx, suitesBin, "-test.count=1", "-test.timeout=20m", "-ginkgo.no-color", "-ginkgo.json-report="+report)
	cmd.Dir = filepath.Join(r.root, "suites")
	out, err := r.cmdOut(ctx, cmd, []string{
		envvar.Mode + "=replay",
		envvar.Cassettes + "=" + r.cassettes,
		envvar.ReportDir + "=" + filepath.Join(tmp, "reports"),
		envvar.WireLog + "=" + wirelog,
	})
	e.Timing.Suites = time.Since(t)
	if err != nil {
		e.SuiteOutput = tail(out, 15)
	}
	specs := readVerdicts(e, report, out, base)
	if w, err := r.compareWire(wirelog); err != nil {
		e.Err = join(e.Err, err.Error())
	} else {
		e.Wire = &w
	}
	return specs
}

// readVerdicts reads the suites' Ginkgo report, records how its verdicts
// differ from base (from themselves when base is nil, as for the baseline)
// and returns them; a missing or corrupt report is recorded as an error.
func readVerdicts(e *sdkcheck.Evaluation, report, suiteOut string, base []sdkcheck.SpecResult) []sdkcheck.SpecResult {
	b, err := os.ReadFile(report)
	if err != nil {
		e.Err = join(e.Err, "the suites wrote no report: "+tail(suiteOut, 5))
		return nil
	}
	specs, err := sdkcheck.ParseGinkgoReport(b)
	if err != nil {
		e.Err = join(e.Err, err.Error())
		return nil
	}
	if base == nil {
		base = specs
	}
	d := sdkcheck.DiffVerdicts(base, specs)
	e.Verdicts = &d
	return specs
}

// module is what `go mod download -json` prints about a module.
type module struct {
	Version, GoMod, Dir, Error string
}

// resolve reads the version's go.mod and source, chooses the companion
// config version and the tags, and writes the alternate go.mod.
func (r *runner) resolve(ctx context.Context, e *sdkcheck.Evaluation, ev *env, tmp string) error {
	dl, err := r.fetch(ctx, ev, tmp, e.Requested)
	if err != nil {
		return err
	}
	e.Version = dl.Version
	sdk, err := r.requires(ctx, ev, dl.GoMod)
	if err != nil {
		return err
	}
	cfg, err := r.companion(ctx, ev, tmp, sdkcheck.Ceilings(sdk))
	if err != nil {
		return err
	}
	project, err := r.requires(ctx, ev, filepath.Join(r.root, "go.mod"))
	if err != nil {
		return err
	}
	e.Plan = sdkcheck.PlanModfile(project, e.Version, sdk, map[string]string{sdkcheck.Config: cfg})
	if e.Tags, err = tagsIn(dl.Dir, e.Version); err != nil {
		return err
	}
	return r.writeModfile(ctx, ev, tmp, e.Plan)
}

// fetch downloads bedrockruntime at a version (or a query such as latest)
// into the module cache and returns where its go.mod and source are.
func (r *runner) fetch(ctx context.Context, ev *env, tmp, version string) (module, error) {
	var dl module
	out, err := r.goOut(ctx, ev.extra, tmp, "mod", "download", "-json", sdkcheck.BedrockRuntime+"@"+version)
	if jerr := json.Unmarshal([]byte(out), &dl); jerr != nil || dl.Error != "" || err != nil {
		if dl.Error != "" {
			return dl, errors.New(condenseGoError(dl.Error))
		}
		return dl, fmt.Errorf("bedrockruntime@%s: %s", version, tail(out, 3))
	}
	return dl, nil
}

// proxyRead matches the go command's report of a module proxy's answer:
// "reading https://proxy.golang.org/…/@v/v9.9.9.info: 403 Forbidden",
// then the proxy's own words after "server response:".
var proxyRead = regexp.MustCompile(`reading https?://\S+: (.*?)\s+server response:\s*`)

// condenseGoError shortens an error of go mod download so that its reason
// fits a report row: bedrockruntime's module path becomes
// "bedrockruntime", and a proxy's answer loses the URL ("the module proxy
// answers 403 Forbidden: This module version is not available."). Other
// errors are kept, folded on one line.
func condenseGoError(s string) string {
	s = strings.ReplaceAll(s, sdkcheck.BedrockRuntime+"@", "bedrockruntime@")
	s = proxyRead.ReplaceAllString(s, "the module proxy answers $1: ")
	return strings.Join(strings.Fields(s), " ")
}

// tagsIn returns the build tags a bedrockruntime release needs, judged from
// its options.go and types/types.go in dir.
func tagsIn(dir, version string) ([]sdkcheck.Tag, error) {
	options, err1 := os.ReadFile(filepath.Join(dir, "options.go"))
	types, err2 := os.ReadFile(filepath.Join(dir, "types", "types.go"))
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("reading bedrockruntime@%s's source: %w", version, err)
	}
	return sdkcheck.TagsFor(string(options), string(types)), nil
}

// writeModfile writes the alternate go.mod (and its go.sum) into tmp: the
// project's, edited by the plan. It points ev at it.
func (r *runner) writeModfile(ctx context.Context, ev *env, tmp string, p sdkcheck.Plan) error {
	ev.modfile = filepath.Join(tmp, "alt.mod")
	if err := copyFile(filepath.Join(r.root, "go.mod"), ev.modfile); err != nil {
		return err
	}
	if err := copyFile(filepath.Join(r.root, "go.sum"), filepath.Join(tmp, "alt.sum")); err != nil {
		return err
	}
	if out, err := r.goOut(ctx, ev.extra, tmp, append(append([]string{"mod", "edit"}, p.Args()...), ev.modfile)...); err != nil {
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
	args := goArgs("list", ev, "-m", "-json", sdkcheck.BedrockRuntime, sdkcheck.Core, sdkcheck.Smithy, sdkcheck.Config)
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
