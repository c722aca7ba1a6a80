package main

import (
	"encoding/json"
	"errors"
	envvar "github.com/cachecascade/cachecascade/internal/env"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/dnaeon/go-vcr.v2/cassette"

	"github.com/cachecascade/cachecascade/recorder"
	"github.com/cachecascade/cachecascade/sdkcheck"
)

// errExit is what a failing fake command returns.
var errExit = errors.New("exit status 1")

// fakeGo stands in, through runner.execute, for the go command and the two
// programs an evaluation builds: it answers from canned data, writes what
// the suites would write, and records every command.
type fakeGo struct {
	t *testing.T
	// releases is what `go mod download -json` prints per bedrockruntime
	// query; a query not in it fails like an unknown revision.
	releases map[string]module
	// gomods are the requirements of each go.mod path.
	gomods map[string][]sdkcheck.Require
	// configVersions are the config module's versions, oldest first.
	configVersions []string
	// selectedBase and selectedAlt are what the build list selects on the
	// project's go.mod and on an alternate one.
	selectedBase, selectedAlt map[string]string
	// loadOut, when set, makes loading the packages fail with it.
	loadOut string
	// untaggedOut, when set, makes the build without tags fail with it.
	untaggedOut string
	// buildFails makes the suites' build fail, printing buildOut.
	buildFails bool
	buildOut   string
	// probe is the probe's output; probeFails makes it fail.
	probe      string
	probeFails bool
	// report is the Ginkgo report the suites write ("" for none); wire the
	// request bodies they log, by cassette; suitesFail makes them fail.
	report     string
	wire       []recorder.WireLogEntry
	suitesFail bool
	// onDownload, when set, is called with the bedrockruntime query an
	// evaluation resolves, to set up the answers for that version.
	onDownload func(query string)

	cmds []*exec.Cmd
}

// execute is the runner's seam.
func (f *fakeGo) execute(cmd *exec.Cmd) (string, error) {
	f.cmds = append(f.cmds, cmd)
	switch filepath.Base(cmd.Args[0]) {
	case "go":
		return f.goCommand(cmd.Args[1:])
	case "probe":
		if f.probeFails {
			return "panic: boom\ngoroutine 1 [running]:\n", errExit
		}
		return f.probe, nil
	case "suites.test":
		return f.suites(cmd)
	}
	f.t.Errorf("unexpected command %q", cmd.Args)
	return "", errExit
}

// goCommand answers a go command.
func (f *fakeGo) goCommand(args []string) (string, error) {
	a, last := strings.Join(args, " "), args[len(args)-1]
	switch {
	case a == "env GOVERSION":
		return "go1.26.8\n", nil
	case strings.HasPrefix(a, "mod download -json "+sdkcheck.BedrockRuntime+"@"):
		_, q, _ := strings.Cut(last, "@")
		if f.onDownload != nil {
			f.onDownload(q)
		}
		m, ok := f.releases[q]
		if !ok {
			return marshal(f.t, module{Error: sdkcheck.BedrockRuntime + "@" + q + ": invalid version: unknown revision " + q}), errExit
		}
		return marshal(f.t, m), nil
	case strings.HasPrefix(a, "mod edit -json "):
		reqs, ok := f.gomods[last]
		if !ok {
			return "go: open " + last + ": no such file or directory\n", errExit
		}
		return marshal(f.t, struct{ Require []sdkcheck.Require }{reqs}), nil
	case strings.HasPrefix(a, "mod edit -"), a == "clean -modcache", args[0] == "build":
		return "", nil
	case a == "list -m -versions -json "+sdkcheck.Config:
		return marshal(f.t, struct {
			Path     string
			Versions []string
		}{sdkcheck.Config, f.configVersions}), nil
	case strings.HasPrefix(a, "list -m -json "+sdkcheck.Config+"@"):
		return marshal(f.t, struct{ GoMod string }{configGoMod(strings.TrimPrefix(last, sdkcheck.Config+"@"))}), nil
	case args[0] == "list" && slices.Contains(args, "-deps"):
		if f.loadOut != "" {
			return f.loadOut, errExit
		}
		return "", nil
	case args[0] == "list" && slices.Contains(args, "-m"):
		return f.listSelected(args), nil
	case args[0] == "test":
		return f.testBuild(args)
	}
	f.t.Errorf("unexpected go command %q", a)
	return "", errExit
}

// listSelected prints what `go list -m -json MODULE...` prints.
func (f *fakeGo) listSelected(args []string) string {
	sel := f.selectedBase
	if slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "-modfile=") }) {
		sel = f.selectedAlt
	}
	var b strings.Builder
	for _, a := range args {
		if v, ok := sel[a]; ok {
			b.WriteString(marshal(f.t, struct{ Path, Version string }{a, v}) + "\n")
		}
	}
	return b.String()
}

// testBuild answers `go test -c`: the untagged attempt, or the build.
func (f *fakeGo) testBuild(args []string) (string, error) {
	if strings.HasSuffix(args[slices.Index(args, "-o")+1], "untagged.test") {
		if f.untaggedOut != "" {
			return f.untaggedOut, errExit
		}
		return "", nil
	}
	if f.buildFails {
		return f.buildOut, errExit
	}
	return "", nil
}

// suites does what the suites' test binary does: write the Ginkgo report
// and the wire log where it is told to.
func (f *fakeGo) suites(cmd *exec.Cmd) (string, error) {
	for _, a := range cmd.Args {
		if p, ok := strings.CutPrefix(a, "-ginkgo.json-report="); ok && f.report != "" {
			if err := os.WriteFile(p, []byte(f.report), 0o644); err != nil {
				f.t.Fatal(err)
			}
		}
	}
	if p := envValue(cmd.Env, envvar.WireLog); p != "" && len(f.wire) > 0 {
		var b strings.Builder
		for _, e := range f.wire {
			b.WriteString(marshal(f.t, e) + "\n")
		}
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			f.t.Fatal(err)
		}
	}
	if f.suitesFail {
		return "Ran 3 of 3 Specs\nFAIL! -- 2 Passed | 1 Failed\n--- FAIL: TestSuites\nFAIL\n", errExit
	}
	return "Ran 3 of 3 Specs\nSUCCESS!\nPASS\n", nil
}

// commands returns the arguments (without the program) of the recorded
// commands whose program is named prog.
func (f *fakeGo) commands(prog string) [][]string {
	var out [][]string
	for _, c := range f.cmds {
		if filepath.Base(c.Args[0]) == prog {
			out = append(out, c.Args[1:])
		}
	}
	return out
}

// last returns the last recorded command whose program is prog, or nil.
func (f *fakeGo) last(prog string) *exec.Cmd {
	for i := len(f.cmds) - 1; i >= 0; i-- {
		if filepath.Base(f.cmds[i].Args[0]) == prog {
			return f.cmds[i]
		}
	}
	return nil
}

// command returns the first recorded command whose program is prog and
// whose arguments start with prefix, or nil.
func (f *fakeGo) command(prog string, prefix ...string) *exec.Cmd {
	for _, c := range f.cmds {
		if filepath.Base(c.Args[0]) == prog && len(c.Args) > len(prefix) && slices.Equal(c.Args[1:1+len(prefix)], prefix) {
			return c
		}
	}
	return nil
}

func envValue(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, _ := strings.Cut(kv, "="); k == key {
			v = val // the last one wins, as for exec
		}
	}
	return v
}

func marshal(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func configGoMod(v string) string { return "/fake/modcache/config@" + v + ".mod" }

// Request bodies: as recorded, with the tool schema's keys in another
// order, and with the system text changed.
const (
	recordedBody  = `{"messages":[{"content":[{"text":"hi"}],"role":"user"}],"system":[{"text":"be brief"}],"toolConfig":{"tools":[{"toolSpec":{"inputSchema":{"json":{"properties":{"a":{"description":"x","type":"string"}},"type":"object"}},"name":"t"}}]}}`
	reorderedBody = `{"messages":[{"content":[{"text":"hi"}],"role":"user"}],"system":[{"text":"be brief"}],"toolConfig":{"tools":[{"toolSpec":{"inputSchema":{"json":{"properties":{"a":{"type":"string","description":"x"}},"type":"object"}},"name":"t"}}]}}`
	changedBody   = `{"messages":[{"content":[{"text":"hi"}],"role":"user"}],"system":[{"text":"be BRIEF"}],"toolConfig":{"tools":[{"toolSpec":{"inputSchema":{"json":{"properties":{"a":{"description":"x","type":"string"}},"type":"object"}},"name":"t"}}]}}`
)

// The cassettes of the fake project, relative to cassettes/.
const (
	cascadeCassette = "cascade/claude/none.yaml"
	ttlCassette     = "ttl/claude/one-hour.yaml"
)

// The project's go.mod and two bedrockruntime releases.
var (
	projectReqs = []sdkcheck.Require{
		{Path: sdkcheck.Core, Version: "v1.47.7"},
		{Path: sdkcheck.Config, Version: "v1.33.15"},
		{Path: "github.com/aws/aws-sdk-go-v2/credentials", Version: "v1.20.15"},
		{Path: sdkcheck.BedrockRuntime, Version: "v1.63.11"},
		{Path: sdkcheck.Smithy, Version: "v1.28.8"},
		{Path: "github.com/onsi/ginkgo/v2", Version: "v2.34.0"},
	}
	reqs1371 = []sdkcheck.Require{
		{Path: sdkcheck.Core, Version: "v1.38.1"},
		{Path: "github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream", Version: "v1.7.0"},
		{Path: sdkcheck.Smithy, Version: "v1.22.5"},
	}
	reqs16311 = []sdkcheck.Require{
		{Path: sdkcheck.Core, Version: "v1.47.7"},
		{Path: sdkcheck.Smithy, Version: "v1.28.8"},
	}
	// configReqs are the config releases' requirements: v1.31.2 is the
	// newest within v1.37.1's core and smithy-go.
	configReqs = map[string][]sdkcheck.Require{
		"v1.31.0":  {{Path: sdkcheck.Core, Version: "v1.38.0"}, {Path: sdkcheck.Smithy, Version: "v1.22.4"}},
		"v1.31.2":  {{Path: sdkcheck.Core, Version: "v1.38.1"}, {Path: sdkcheck.Smithy, Version: "v1.22.5"}},
		"v1.31.3":  {{Path: sdkcheck.Core, Version: "v1.38.2"}, {Path: sdkcheck.Smithy, Version: "v1.22.5"}},
		"v1.33.15": {{Path: sdkcheck.Core, Version: "v1.47.7"}, {Path: sdkcheck.Smithy, Version: "v1.28.8"}},
	}
)

// world is a fake project checkout with its runner and fake go command.
type world struct {
	root string
	r    *runner
	f    *fakeGo
}

// newWorld returns a project at v1.63.11 that knows the releases v1.37.1
// (no TTL, no bearer auth) and latest = v1.63.11, whose suites pass and
// whose requests match the cassettes, as on the project's own go.mod.
func newWorld(t *testing.T) *world {
	t.Setenv("TMPDIR", t.TempDir()) // the evaluations' temporary directories
	root := t.TempDir()
	for name, text := range map[string]string{"go.mod": "module example.com/fake\n", "go.sum": "x v1 h1:y\n"} {
		if err := os.WriteFile(filepath.Join(root, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f := &fakeGo{
		t: t,
		releases: map[string]module{
			"v1.37.1": sourceTree(t, "v1.37.1", false),
			"latest":  sourceTree(t, "v1.63.11", true),
		},
		gomods: map[string][]sdkcheck.Require{
			filepath.Join(root, "go.mod"): projectReqs,
			"/fake/modcache/v1.37.1.mod":  reqs1371,
			"/fake/modcache/v1.63.11.mod": reqs16311,
		},
		configVersions: []string{"v1.31.0", "v1.31.2", "v1.31.3", "v1.33.15"},
		selectedBase:   selection("v1.63.11", "v1.47.7", "v1.28.8", "v1.33.15"),
		probe:          probeOutput(t, deterministic("v1.28.8", "v1.47.7")),
		report:         ginkgoReport(passed("cascade claude/none"), passed("determinism claude/tools_only"), passed("ttl one hour")),
	}
	for v, reqs := range configReqs {
		f.gomods[configGoMod(v)] = reqs
	}
	c := config{root: root, cassettes: filepath.Join(root, "cassettes"), builds: 30, out: "reports/sdk-upgrade.md", jsonOut: "reports/sdk-upgrade.json"}
	w := &world{root: root, r: newRunner(c), f: f}
	w.r.execute = f.execute
	w.r.recorded = sdkcheck.Cassettes{cascadeCassette: {recordedBody}, ttlCassette: {recordedBody}}
	w.logWire(recordedBody, true)
	return w
}

// logWire sets the bodies the suites send: body on the cascade cassette,
// and, with ttl, the recorded body on the TTL one.
func (w *world) logWire(body string, ttl bool) {
	w.f.wire = []recorder.WireLogEntry{{Spec: "cascade", Cassette: filepath.Join(w.r.cassettes, cascadeCassette), Interaction: 0, Matched: body == recordedBody || body == reorderedBody, Body: []byte(body)}}
	if ttl {
		w.f.wire = append(w.f.wire, recorder.WireLogEntry{Spec: "ttl", Cassette: filepath.Join(w.r.cassettes, ttlCassette), Interaction: 0, Matched: true, Body: []byte(recordedBody)})
	}
}

// pin137 makes the build of an alternate go.mod select v1.37.1's modules.
func (w *world) pin137() {
	w.f.selectedAlt = selection("v1.37.1", "v1.38.1", "v1.22.5", "v1.31.2")
}

// untaggedErrs is what building the suites against v1.37.1 without the
// tags prints.
const untaggedErrs = "# github.com/cachecascade/cachecascade/matrix\nmatrix/cachepoint.go:22:16: unknown field Ttl in struct literal of type types.CachePointBlock\nrecorder/bearer.go:13:4: o.AuthSchemePreference undefined\n"

// mapOrder137 answers as v1.37.1 does: it needs both tags, writes tool
// schemas in random key order (so the determinism spec fails and the
// bodies come out reordered against the cassettes), and its TTL spec is
// not applicable.
func (w *world) mapOrder137() {
	w.pin137()
	w.f.untaggedOut = untaggedErrs
	w.f.probe = probeOutput(w.f.t, mapOrder("v1.22.5", "v1.38.1"))
	w.f.report = ginkgoReport(passed("cascade claude/none"), failed("determinism claude/tools_only", "30 builds, 30 distinct bodies"), notApplicable("ttl one hour"))
	w.f.suitesFail = true
	w.logWire(reorderedBody, false)
}

// latestClean answers as the project's own release does, pinned.
func (w *world) latestClean() {
	w.f.selectedAlt = selection("v1.63.11", "v1.47.7", "v1.28.8", "v1.33.15")
	w.f.untaggedOut, w.f.suitesFail = "", false
	w.f.probe = probeOutput(w.f.t, deterministic("v1.28.8", "v1.47.7"))
	w.f.report = ginkgoReport(passed("cascade claude/none"), passed("determinism claude/tools_only"), passed("ttl one hour"))
	w.logWire(recordedBody, true)
}

// writeCassettes writes the recorded bodies as go-vcr cassettes.
func (w *world) writeCassettes(t *testing.T) {
	for rel, bodies := range w.r.recorded {
		c := cassette.New(strings.TrimSuffix(filepath.Join(w.r.cassettes, rel), ".yaml"))
		for _, b := range bodies {
			c.AddInteraction(&cassette.Interaction{
				Request:  cassette.Request{Body: b, Method: "POST", URL: "/model/m/converse"},
				Response: cassette.Response{Body: "{}", Code: 200, Status: "200 OK"},
			})
		}
		if err := c.Save(); err != nil {
			t.Fatal(err)
		}
	}
}

func selection(br, core, smithy, config string) map[string]string {
	return map[string]string{sdkcheck.BedrockRuntime: br, sdkcheck.Core: core, sdkcheck.Smithy: smithy, sdkcheck.Config: config}
}

// sourceTree writes the part of a bedrockruntime release's source that
// TagsFor reads, with or without the TTL and bearer-auth declarations, and
// returns what `go mod download -json` prints for it.
func sourceTree(t *testing.T, version string, current bool) module {
	dir := t.TempDir()
	// Both fake releases (v1.37.1 and later) have CountTokens.
	const count = "type CountTokensInputMemberConverse struct {\n\tValue ConverseTokensRequest\n}\n"
	options, types := "type Options struct {\n\tRegion string\n}\n", "type CachePointBlock struct {\n\tType CachePointType\n}\n"+count
	if current {
		options = "type Options struct {\n\tAuthSchemePreference []string\n\tBearerAuthTokenProvider smithybearer.TokenProvider\n}\n"
		types = "type CachePointBlock struct {\n\tTtl CacheTTL\n}\ntype TokenUsage struct {\n\tCacheDetails []CacheDetail\n}\n" + count
	}
	if err := os.MkdirAll(filepath.Join(dir, "types"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"options.go": options, "types/types.go": types} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("package x\n\n"+text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return module{Version: version, GoMod: "/fake/modcache/" + version + ".mod", Dir: dir}
}

// schemaOrder is the field v1.37.1 writes in random order.
var schemaOrder = sdkcheck.FieldSummary{Path: "toolConfig.tools[*].toolSpec.inputSchema.json.properties.*", Kind: "key order", PromptBearing: true, CacheAffecting: true, Layer: "tools", Count: 1}

// deterministic is a probe report with one body per request and a control
// that varies harmlessly.
func deterministic(smithy, core string) sdkcheck.DeterminismReport {
	return sdkcheck.DeterminismReport{
		SDK:    map[string]string{sdkcheck.Smithy: smithy, sdkcheck.Core: core},
		Builds: 30,
		Cases:  []sdkcheck.DeterminismCase{{Name: "claude/NONE", Distinct: 1}, {Name: "claude/TOOLS_ONLY", Distinct: 1}},
		Control: sdkcheck.DeterminismCase{Name: "claude/requestMetadata", Distinct: 9,
			Varying: []sdkcheck.FieldSummary{{Path: "requestMetadata", Kind: "key order", Count: 1}}},
	}
}

// mapOrder is deterministic but with tool schemas in random key order.
func mapOrder(smithy, core string) sdkcheck.DeterminismReport {
	d := deterministic(smithy, core)
	d.Cases[1] = sdkcheck.DeterminismCase{Name: "claude/TOOLS_ONLY", Distinct: 30, Varying: []sdkcheck.FieldSummary{schemaOrder}}
	return d
}

func probeOutput(t *testing.T, d sdkcheck.DeterminismReport) string {
	return marshal(t, d)
}

// spec is one spec of a Ginkgo report.
type spec struct{ name, state, message string }

func passed(name string) spec      { return spec{name, "passed", ""} }
func failed(name, msg string) spec { return spec{name, "failed", msg} }
func notApplicable(name string) spec {
	return spec{name, "skipped", "no CachePointBlock.Ttl: not applicable"}
}

// ginkgoReport returns a Ginkgo JSON report of the specs, each a leaf
// under one container (the name's first word).
func ginkgoReport(specs ...spec) string {
	type report struct {
		ContainerHierarchyTexts []string
		LeafNodeText            string
		LeafNodeType            string
		State                   string
		Failure                 struct{ Message string }
	}
	var rs []report
	for _, s := range specs {
		container, leaf, _ := strings.Cut(s.name, " ")
		r := report{ContainerHierarchyTexts: []string{container}, LeafNodeText: leaf, LeafNodeType: "It", State: s.state}
		r.Failure.Message = s.message
		rs = append(rs, r)
	}
	b, _ := json.Marshal([]struct {
		SuiteSucceeded bool
		SpecReports    []report
	}{{SpecReports: rs}})
	return string(b)
}
