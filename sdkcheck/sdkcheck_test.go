package sdkcheck

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/recorder"
)

// project is the shape of the project's go.mod requirements.
var project = []Require{
	{Path: Core, Version: "v1.47.7"},
	{Path: "github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream", Version: "v1.7.26"},
	{Path: Config, Version: "v1.33.15"},
	{Path: "github.com/aws/aws-sdk-go-v2/credentials", Version: "v1.20.15"},
	{Path: BedrockRuntime, Version: "v1.63.11"},
	{Path: Smithy, Version: "v1.28.8"},
	{Path: "github.com/onsi/ginkgo/v2", Version: "v2.34.0"},
	{Path: "gopkg.in/dnaeon/go-vcr.v2", Version: "v2.3.0"},
	{Path: "github.com/aws/aws-sdk-go-v2/internal/configsources", Version: "v1.5.10", Indirect: true},
	{Path: "github.com/aws/aws-sdk-go-v2/service/sts", Version: "v1.51.8", Indirect: true},
	{Path: "github.com/aws/aws-sdk-go-v2/service/signin", Version: "v1.12.3", Indirect: true},
	{Path: "golang.org/x/net", Version: "v0.56.0", Indirect: true},
}

// sdk1371 is bedrockruntime v1.37.1's go.mod.
var sdk1371 = []Require{
	{Path: Core, Version: "v1.38.1"},
	{Path: "github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream", Version: "v1.7.0"},
	{Path: "github.com/aws/aws-sdk-go-v2/internal/configsources", Version: "v1.4.4"},
	{Path: "github.com/aws/aws-sdk-go-v2/internal/endpoints/v2", Version: "v2.7.4"},
	{Path: Smithy, Version: "v1.22.5"},
}

func TestPlanModfile(t *testing.T) {
	p := PlanModfile(project, "v1.37.1", sdk1371, map[string]string{Config: "v1.31.2"})
	set := map[string]string{}
	for _, e := range p.Set {
		set[e.Path] = e.Version
	}
	want := map[string]string{
		BedrockRuntime: "v1.37.1",
		Core:           "v1.38.1", // down from the project's v1.47.7
		Smithy:         "v1.22.5", // the regression lives here
		"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream": "v1.7.0",
		"github.com/aws/aws-sdk-go-v2/internal/configsources":   "v1.4.4",
		"github.com/aws/aws-sdk-go-v2/internal/endpoints/v2":    "v2.7.4", // not in the project's go.mod: added
		Config: "v1.31.2",
	}
	if len(set) != len(want) {
		t.Errorf("set %v, want %v", set, want)
	}
	for m, v := range want {
		if set[m] != v {
			t.Errorf("%s set to %q, want %q", m, set[m], v)
		}
	}
	var dropped []string
	for _, e := range p.Drop {
		dropped = append(dropped, e.Path)
	}
	// Every other SDK module goes, or MVS raises the core and smithy-go
	// back to current; nothing outside the SDK is touched.
	wantDrop := []string{
		"github.com/aws/aws-sdk-go-v2/credentials",
		"github.com/aws/aws-sdk-go-v2/service/signin",
		"github.com/aws/aws-sdk-go-v2/service/sts",
	}
	if !slices.Equal(dropped, wantDrop) {
		t.Errorf("dropped %v, want %v", dropped, wantDrop)
	}
	args := p.Args()
	for _, a := range []string{"-require=" + Smithy + "@v1.22.5", "-droprequire=github.com/aws/aws-sdk-go-v2/credentials"} {
		if !slices.Contains(args, a) {
			t.Errorf("args %v lack %s", args, a)
		}
	}
	for _, a := range args {
		if strings.Contains(a, "ginkgo") || strings.Contains(a, "go-vcr") || strings.Contains(a, "x/net") {
			t.Errorf("a module outside the SDK is edited: %s", a)
		}
	}
	if got := p.Set[slices.IndexFunc(p.Set, func(e Edit) bool { return e.Path == Smithy })].Was; got != "v1.28.8" {
		t.Errorf("smithy-go Was = %q, want the project's v1.28.8", got)
	}
}

func TestPlanModfileWithoutCompanion(t *testing.T) {
	// The wire-only capture needs no config: it is dropped with the rest.
	p := PlanModfile(project, "v1.37.1", sdk1371, nil)
	if p.Version(Config) != "" {
		t.Errorf("config set to %s", p.Version(Config))
	}
	if !slices.ContainsFunc(p.Drop, func(e Edit) bool { return e.Path == Config }) {
		t.Errorf("config not dropped: %+v", p.Drop)
	}
}

func TestCompanion(t *testing.T) {
	versions := []string{"v1.29.0", "v1.29.12", "v1.31.1", "v1.31.2", "v1.31.3", "v1.33.15"}
	core := map[string]string{"v1.29.0": "v1.36.0", "v1.29.12": "v1.36.3", "v1.31.1": "v1.38.0", "v1.31.2": "v1.38.1", "v1.31.3": "v1.38.2", "v1.33.15": "v1.47.7"}
	smithy := map[string]string{"v1.29.0": "v1.22.2", "v1.29.12": "v1.22.2", "v1.31.1": "v1.22.5", "v1.31.2": "v1.22.5", "v1.31.3": "v1.23.0", "v1.33.15": "v1.28.8"}
	fetched := 0
	reqs := func(v string) ([]Require, error) {
		fetched++
		return []Require{{Path: Core, Version: core[v]}, {Path: Smithy, Version: smithy[v]}, {Path: "github.com/aws/aws-sdk-go-v2/service/sts", Version: "v9.9.9"}}, nil
	}
	cases := []struct {
		ceil map[string]string
		want string
	}{
		{Ceilings(sdk1371), "v1.31.2"},
		{map[string]string{Core: "v1.38.2", Smithy: "v1.22.5"}, "v1.31.2"}, // smithy-go binds
		{map[string]string{Core: "v1.36.3", Smithy: "v1.22.2"}, "v1.29.12"},
		{map[string]string{Core: "v1.99.0", Smithy: "v1.99.0"}, "v1.33.15"},
	}
	for _, c := range cases {
		fetched = 0
		got, err := Companion(versions, c.ceil, reqs)
		if err != nil || got != c.want {
			t.Errorf("Companion(%v) = %q, %v; want %q", c.ceil, got, err, c.want)
		}
		if fetched > 3 {
			t.Errorf("Companion(%v) fetched %d go.mod files, want a binary search (≤3)", c.ceil, fetched)
		}
	}
	if _, err := Companion(versions, map[string]string{Core: "v1.0.0"}, reqs); err == nil {
		t.Error("Companion found a version below every release")
	}
	boom := errors.New("proxy down")
	if _, err := Companion(versions, Ceilings(sdk1371), func(string) ([]Require, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("fetch error lost: %v", err)
	}
}

func TestCompareVersions(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"v1.22.5", "v1.23.0", -1}, {"v1.38.10", "v1.38.9", 1}, {"v2.7.4", "v2.7.4", 0},
		{"v1.2.3-rc.1", "v1.2.3", -1}, {"v1.2.3", "v1.2.3-rc.1", 1}, {"v1.10.0", "v1.9.99", 1},
	} {
		if got := CompareVersions(c.a, c.b); got != c.want {
			t.Errorf("CompareVersions(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestSelected(t *testing.T) {
	p := PlanModfile(project, "v1.37.1", sdk1371, map[string]string{Config: "v1.31.2"})
	if got := Selected(p, map[string]string{Core: "v1.38.1", Smithy: "v1.22.5", BedrockRuntime: "v1.37.1"}, Core, Smithy, BedrockRuntime); len(got) != 0 {
		t.Errorf("pinned build reported moved: %v", got)
	}
	got := Selected(p, map[string]string{Core: "v1.38.1", Smithy: "v1.28.8"}, Core, Smithy)
	if len(got) != 1 || !strings.Contains(got[0], "smithy-go raised from v1.22.5 to v1.28.8") {
		t.Errorf("raised smithy-go not reported: %v", got)
	}
}

func TestTagsFor(t *testing.T) {
	options := "type Options struct {\n\tBearerAuthTokenProvider bearer.TokenProvider\n\tAuthSchemePreference []string\n}\n"
	const count = "type CountTokensInputMemberConverse struct {\n\tValue ConverseTokensRequest\n}\n" // v1.37.0 and later
	types := "type CachePointBlock struct {\n\tType CachePointType\n\tTtl CacheTTL\n}\ntype TokenUsage struct {\n\tCacheDetails []CacheDetail\n}\n" + count
	if got := TagsFor(options, types); len(got) != 0 {
		t.Errorf("current SDK needs tags %v", got)
	}
	oldTypes := "type CachePointBlock struct {\n\tType CachePointType\n}\n" + count // v1.37.0–v1.47.x
	got := TagsFor(options, oldTypes)
	if TagNames(got) != TagNoTTL || !slices.Contains(got[0].Missing, "types.CachePointBlock.Ttl") {
		t.Errorf("TagsFor(old types) = %+v", got)
	}
	got = TagsFor("type Options struct {\n\tRegion string\n}\n", strings.TrimSuffix(oldTypes, count)) // v1.28.0
	if TagNames(got) != TagNoTTL+","+TagNoCount+","+TagNoBearer {
		t.Errorf("TagsFor(v1.28.0) = %q", TagNames(got))
	}
	// A mention in a comment or a constructor is not a declaration.
	got = TagsFor("// BearerAuthTokenProvider: cfg.BearerAuthTokenProvider,\n", types)
	if TagNames(got) != TagNoBearer {
		t.Errorf("TagsFor(mention only) = %q", TagNames(got))
	}
}

func TestCompileErrors(t *testing.T) {
	out := "go: downloading github.com/aws/smithy-go v1.22.2\n# github.com/cachecascade/cachecascade/usage\nusage/details.go:11:22: u.CacheDetails undefined (type *types.TokenUsage has no field or method CacheDetails)\n# github.com/cachecascade/cachecascade/recorder\nrecorder/bearer.go:13:4: o.AuthSchemePreference undefined\n"
	got := CompileErrors(out, 8)
	if len(got) != 2 || !strings.HasPrefix(got[0], "usage/details.go:11:22: u.CacheDetails undefined") {
		t.Errorf("CompileErrors = %q", got)
	}
	if got := CompileErrors("go: github.com/x@v1: missing go.sum entry\n", 3); len(got) != 1 || !strings.Contains(got[0], "missing go.sum") {
		t.Errorf("CompileErrors without positions = %q", got)
	}
}

const (
	recordedBody  = `{"messages":[{"content":[{"text":"hi"}],"role":"user"}],"system":[{"text":"be brief"}],"toolConfig":{"tools":[{"toolSpec":{"inputSchema":{"json":{"properties":{"a":{"description":"x","type":"string"}},"type":"object"}},"name":"t"}}]}}`
	reorderedBody = `{"messages":[{"content":[{"text":"hi"}],"role":"user"}],"system":[{"text":"be brief"}],"toolConfig":{"tools":[{"toolSpec":{"inputSchema":{"json":{"properties":{"a":{"type":"string","description":"x"}},"type":"object"}},"name":"t"}}]}}`
	changedBody   = `{"messages":[{"content":[{"text":"hi"}],"role":"user"}],"system":[{"text":"be BRIEF"}],"toolConfig":{"tools":[{"toolSpec":{"inputSchema":{"json":{"properties":{"a":{"description":"x","type":"string"}},"type":"object"}},"name":"t"}}]}}`
	metadataBody  = `{"messages":[{"content":[{"text":"hi"}],"role":"user"}],"requestMetadata":{"b":"2","a":"1"}}`
	metadataRec   = `{"messages":[{"content":[{"text":"hi"}],"role":"user"}],"requestMetadata":{"a":"1","b":"2"}}`
)

func TestCompareWire(t *testing.T) {
	rec := Cassettes{
		"cascade/m/s.yaml":    {recordedBody, recordedBody, recordedBody},
		"ttl/m/one-hour.yaml": {recordedBody},
		"meta/m/x.yaml":       {metadataRec},
	}
	entries := []recorder.WireLogEntry{
		{Cassette: "cascade/m/s.yaml", Interaction: 0, Matched: true, Body: []byte(recordedBody)},
		{Cassette: "cascade/m/s.yaml", Interaction: 1, Matched: true, Body: []byte(reorderedBody)},
		{Cassette: "cascade/m/s.yaml", Interaction: 2, Matched: false, Body: []byte(changedBody)},
		{Cassette: "meta/m/x.yaml", Interaction: 0, Matched: true, Body: []byte(metadataBody)},
	}
	w, err := CompareWire(entries, rec)
	if err != nil {
		t.Fatal(err)
	}
	if w.Requests != 4 || w.Identical != 1 || w.Reordered != 2 || w.Changed != 1 || w.Misses != 1 {
		t.Errorf("counts %+v", w)
	}
	if !w.PromptChanged() || !w.PromptReordered() || !w.CacheAffecting() {
		t.Errorf("PromptChanged %v PromptReordered %v CacheAffecting %v", w.PromptChanged(), w.PromptReordered(), w.CacheAffecting())
	}
	// The missed interaction and the skipped TTL cassette were not replayed.
	if w.Recorded != 5 || w.NotReplayed != 2 || !slices.Equal(w.NotReplayedIn, []string{"cascade/m/s.yaml", "ttl/m/one-hour.yaml"}) {
		t.Errorf("not replayed: %d of %d in %v", w.NotReplayed, w.Recorded, w.NotReplayedIn)
	}
	paths := map[string]FieldSummary{}
	for _, f := range w.Fields {
		paths[f.Path+" "+f.Kind] = f
	}
	if f, ok := paths["system[*].text value"]; !ok || !f.PromptBearing || f.Layer != "system" {
		t.Errorf("system text change: %+v (fields %v)", f, w.Fields)
	}
	if f, ok := paths["toolConfig.tools[*].toolSpec.inputSchema.json.properties.* key order"]; !ok || !f.CacheAffecting {
		t.Errorf("schema key order: %+v (fields %v)", f, w.Fields)
	}
	if f, ok := paths["requestMetadata key order"]; !ok || f.CacheAffecting {
		t.Errorf("requestMetadata key order: %+v", f)
	}
	if w.Fields[len(w.Fields)-1].CacheAffecting {
		t.Errorf("cache-affecting fields are not listed first: %v", w.Fields)
	}

	// Only reordering harmless fields: not cache-affecting at all.
	w, _ = CompareWire(entries[3:], Cassettes{"meta/m/x.yaml": {metadataRec}})
	if w.CacheAffecting() || w.PromptChanged() || w.PromptReordered() {
		t.Errorf("requestMetadata order judged cache-affecting: %+v", w)
	}
	if _, err := CompareWire([]recorder.WireLogEntry{{Cassette: "nope.yaml"}}, rec); err == nil {
		t.Error("an unknown cassette passed")
	}
	// A miss with nothing on the same route counts as changed.
	w, _ = CompareWire([]recorder.WireLogEntry{{Cassette: "meta/m/x.yaml", Interaction: -1, Body: []byte(metadataBody)}}, Cassettes{"meta/m/x.yaml": {metadataRec}})
	if w.Unpaired != 1 || w.Changed != 1 || !w.PromptChanged() {
		t.Errorf("unpaired miss: %+v", w)
	}
}

func TestReadWireLog(t *testing.T) {
	in := `{"spec":"s","cassette":"/c/a.yaml","interaction":2,"matched":true,"body":"eyJhIjoxfQ=="}` + "\n\n"
	got, err := ReadWireLog(strings.NewReader(in))
	if err != nil || len(got) != 1 || string(got[0].Body) != `{"a":1}` || got[0].Interaction != 2 {
		t.Errorf("ReadWireLog = %+v, %v", got, err)
	}
	if _, err := ReadWireLog(strings.NewReader("{nope\n")); err == nil {
		t.Error("a corrupt line passed")
	}
}

const ginkgoJSON = `[{"SuiteSucceeded":false,"SpecReports":[
 {"ContainerHierarchyTexts":null,"LeafNodeText":"","LeafNodeType":"BeforeSuite","State":"passed","Failure":{}},
 {"ContainerHierarchyTexts":["cascade","invalidates"],"LeafNodeText":"nova-pro/none","LeafNodeType":"It","State":"passed","Failure":{}},
 {"ContainerHierarchyTexts":["ttl"],"LeafNodeText":"one hour","LeafNodeType":"It","State":"skipped","Failure":{"Message":"this SDK has no CachePointBlock.Ttl (bedrockruntime before v1.48.0): not applicable"}},
 {"ContainerHierarchyTexts":["determinism"],"LeafNodeText":"claude/tools_only","LeafNodeType":"It","State":"failed","Failure":{"Message":"determinism claude/tools_only: 30 builds, 30 distinct bodies\n  more"}},
 {"ContainerHierarchyTexts":["hygiene"],"LeafNodeText":"manifest","LeafNodeType":"It","State":"skipped","Failure":{"Message":"checked in replay"}}
]}]`

func TestVerdicts(t *testing.T) {
	got, err := ParseGinkgoReport([]byte(ginkgoJSON))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 || got[0].Name != "[BeforeSuite]" || got[1].Name != "cascade invalidates nova-pro/none" {
		t.Fatalf("parsed %+v", got)
	}
	base := []SpecResult{
		{Name: "[BeforeSuite]", State: "passed"},
		{Name: "cascade invalidates nova-pro/none", State: "passed"},
		{Name: "ttl one hour", State: "passed"},
		{Name: "determinism claude/tools_only", State: "passed"},
		{Name: "hygiene manifest", State: "passed"},
		{Name: "gone", State: "passed"},
	}
	d := DiffVerdicts(base, got)
	if d.Specs != 5 || d.Unchanged != 2 {
		t.Errorf("diff %+v", d)
	}
	if len(d.NotApplicable) != 1 || d.NotApplicable[0].Spec != "ttl one hour" {
		t.Errorf("not applicable %+v", d.NotApplicable)
	}
	// A skip that is not "not applicable" is a change, as is a failure and
	// a spec that disappeared.
	var changed []string
	for _, c := range d.Changed {
		changed = append(changed, c.Spec+":"+c.Before+"→"+c.After)
	}
	want := []string{"determinism claude/tools_only:passed→failed", "hygiene manifest:passed→skipped", "gone:passed→absent"}
	if !slices.Equal(changed, want) {
		t.Errorf("changed %v, want %v", changed, want)
	}
	if d.Changed[0].Message != "determinism claude/tools_only: 30 builds, 30 distinct bodies" {
		t.Errorf("message not cut to its first line: %q", d.Changed[0].Message)
	}
	if _, err := ParseGinkgoReport([]byte("{")); err == nil {
		t.Error("corrupt report passed")
	}
}

// schemaVarying is what v1.37.1 shows: tool schemas in random key order.
var schemaVarying = []FieldSummary{{Path: "toolConfig.tools[*].toolSpec.inputSchema.json.properties.*", Kind: "key order", PromptBearing: true, CacheAffecting: true, Layer: "tools", Count: 3}}

var harmlessControl = DeterminismCase{Name: "control", Distinct: 7, Varying: []FieldSummary{{Path: "requestMetadata", Kind: "key order", Count: 1}}}

// clean is an evaluation of a version with nothing to report.
func clean() Evaluation {
	return Evaluation{
		Requested: "v1.37.2", Version: "v1.37.2",
		Modules: map[string]string{Smithy: "v1.23.0", Core: "v1.38.2"},
		Tags:    []Tag{{Name: TagNoTTL, Missing: []string{"types.CachePointBlock.Ttl"}, Effect: "TTL cells not applicable (skipped)"}},
		Determinism: &DeterminismReport{Builds: 30, Cases: []DeterminismCase{{Name: "a", Distinct: 1}, {Name: "b", Distinct: 1}},
			Control: harmlessControl},
		Wire:     &WireSummary{Requests: 597, Identical: 597, Recorded: 625, NotReplayed: 28},
		Verdicts: &VerdictDiff{Specs: 218, Unchanged: 196, NotApplicable: make([]SpecChange, 22)},
	}
}

func TestClassify(t *testing.T) {
	r := Classify(clean())
	if r.Status != Clean || len(r.Reasons) != 0 {
		t.Errorf("clean version: %v %v", r.Status, r.Reasons)
	}
	if !strings.Contains(r.Builds, "-tags cachecascade_nottl") || !strings.Contains(r.Builds, "not applicable") || !strings.Contains(r.Builds, "no types.CachePointBlock.Ttl") {
		t.Errorf("builds cell %q does not say which tags and what they cost", r.Builds)
	}
	if !strings.Contains(r.Verdicts, "196 unchanged, 22 not applicable") || !strings.Contains(r.Wire, "597/597 identical") {
		t.Errorf("cells %q / %q", r.Verdicts, r.Wire)
	}
	if r.SDK != "smithy-go v1.23.0, core v1.38.2" {
		t.Errorf("SDK cell %q", r.SDK)
	}

	// v1.37.1: nondeterministic tool schemas, reordered against the
	// cassettes, the determinism specs fail.
	e := clean()
	e.Requested, e.Version = "v1.37.1", "v1.37.1"
	e.Determinism.Cases[1] = DeterminismCase{Name: "b", Distinct: 30, Varying: schemaVarying}
	e.Wire = &WireSummary{Requests: 597, Identical: 272, Reordered: 325, Fields: schemaVarying}
	e.Verdicts.Changed = []SpecChange{{Spec: "determinism b", Before: "passed", After: "failed"}}
	r = Classify(e)
	if r.Status != CacheAffecting {
		t.Errorf("v1.37.1-like: %v", r.Status)
	}
	if !strings.Contains(r.Deterministic, "30/30 distinct") || !strings.Contains(r.Deterministic, "inputSchema.json.properties.*") || !strings.Contains(r.Deterministic, "prompt-bearing") {
		t.Errorf("deterministic cell %q", r.Deterministic)
	}
	if !strings.Contains(r.Wire, "325/597 reordered, prompt-bearing") || !strings.Contains(r.Verdicts, "1 changed") {
		t.Errorf("cells %q / %q", r.Wire, r.Verdicts)
	}
	if slices.ContainsFunc(r.Reasons, func(s string) bool { return strings.Contains(s, "known cause") }) {
		t.Errorf("known cause named without the smithy-go version: %v", r.Reasons)
	}
	e.Determinism.SDK = map[string]string{Smithy: "v1.22.5"}
	if r := Classify(e); !slices.ContainsFunc(r.Reasons, func(s string) bool { return strings.Contains(s, "known cause: smithy-go before v1.23.0") }) {
		t.Errorf("known cause not named: %v", r.Reasons)
	}

	// Only reordered against the cassettes, deterministic: a warning.
	e = clean()
	e.Wire = &WireSummary{Requests: 10, Reordered: 10, Fields: schemaVarying}
	if r := Classify(e); r.Status != Warn {
		t.Errorf("reorder only: %v %v", r.Status, r.Reasons)
	}
	// Only harmless encoding differences: clean.
	e = clean()
	e.Wire = &WireSummary{Requests: 10, Identical: 9, Reordered: 1, Fields: []FieldSummary{{Path: "system[*].text", Kind: "encoding", PromptBearing: true}}}
	if r := Classify(e); r.Status != Clean || !strings.Contains(r.Wire, "not cache-affecting") {
		t.Errorf("encoding only: %v %q", r.Status, r.Wire)
	}
	// A semantic change in a prompt-bearing field.
	e = clean()
	e.Wire = &WireSummary{Requests: 10, Identical: 9, Changed: 1, Misses: 1, Fields: []FieldSummary{{Path: "system[*].text", Kind: "value", PromptBearing: true, CacheAffecting: true, Layer: "system"}}}
	if r := Classify(e); r.Status != CacheAffecting || !strings.Contains(r.Wire, "semantically changed") {
		t.Errorf("semantic change: %v %q", r.Status, r.Wire)
	}
	// Harmless nondeterminism only.
	e = clean()
	e.Determinism.Cases[0] = harmlessControl
	if r := Classify(e); r.Status != Warn {
		t.Errorf("harmless nondeterminism: %v", r.Status)
	}
	// A broken detector leaves the version not evaluated.
	e = clean()
	e.Determinism.Control = DeterminismCase{Name: "control", Distinct: 1}
	if r := Classify(e); r.Status != NotEvaluated {
		t.Errorf("broken control: %v", r.Status)
	}
	// Does not build.
	e = Evaluation{Requested: "v1.27.0", Version: "v1.27.0", BuildErrors: []string{"matrix/cachepoint_nottl.go:22:16: undefined: types.CachePointBlock", "x"}}
	if r := Classify(e); r.Status != NotEvaluated || !strings.Contains(r.Builds, "undefined: types.CachePointBlock") || !strings.Contains(r.Builds, "+1 more") {
		t.Errorf("build failure: %v %q", r.Status, r.Builds)
	}
	// MVS raised smithy-go: not evaluated as pinned.
	e = clean()
	e.NotPinned = []string{Smithy + " raised from v1.22.5 to v1.28.8"}
	if r := Classify(e); r.Status != NotEvaluated {
		t.Errorf("not pinned: %v", r.Status)
	}
	// The tool failed before anything ran.
	if r := Classify(Evaluation{Requested: "v9.9.9", Err: "bedrockruntime@v9.9.9: unknown revision"}); r.Status != NotEvaluated || !strings.Contains(r.Builds, "unknown revision") {
		t.Errorf("tool failure: %v %q", r.Status, r.Builds)
	}
	if r := Classify(Evaluation{Requested: "latest", Version: "v1.63.11"}); r.Version != "latest = v1.63.11" {
		t.Errorf("version label %q", r.Version)
	}
}

func TestExitCode(t *testing.T) {
	for _, c := range []struct {
		s    []Status
		want int
	}{
		{nil, 0}, {[]Status{Clean, Warn}, 0}, {[]Status{Clean, NotEvaluated}, 2},
		{[]Status{NotEvaluated, CacheAffecting}, 1}, {[]Status{CacheAffecting, Clean}, 1},
	} {
		var rows []Row
		for _, s := range c.s {
			rows = append(rows, Row{Status: s})
		}
		if got := ExitCode(rows); got != c.want {
			t.Errorf("ExitCode(%v) = %d, want %d", c.s, got, c.want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	base := clean()
	base.Baseline, base.Requested, base.Version, base.Tags = true, "", "v1.63.11", nil
	bad := clean()
	bad.Requested, bad.Version = "v1.37.1", "v1.37.1"
	bad.Plan = PlanModfile(project, "v1.37.1", sdk1371, map[string]string{Config: "v1.31.2"})
	bad.Determinism.Cases[0] = DeterminismCase{Name: "claude/TOOLS_ONLY", Distinct: 30, Varying: schemaVarying}
	bad.Verdicts.Changed = []SpecChange{{Spec: "spec | with a pipe", Before: "passed", After: "failed", Message: "boom"}}
	bad.Timing = Timing{Cold: true, Build: 34_000_000_000, Total: 48_000_000_000}
	good := clean()
	good.Requested = "latest"
	good.Version = "v1.63.11"
	md := Markdown(Summary{Command: "scripts/sdk-upgrade v1.37.1 latest", GoVersion: "go1.26", Evaluations: []Evaluation{base, bad, good}})

	for _, want := range []string{
		"**❌ Cache-affecting: v1.37.1.** Exit status 1.",
		"| bedrockruntime | built with | builds | deterministic | wire vs cassettes | verdicts | outcome |",
		"| go.mod: v1.63.11 |",
		"| v1.37.1 | smithy-go v1.23.0, core v1.38.2 |",
		"| latest = v1.63.11 |",
		`spec \| with a pipe`, // escaped in the table cell
		"| v1.37.1 | cold (empty) | — | — | 34.0 s | — | — | 48.0 s |",
		"<details><summary><b>v1.37.1</b>: ❌ CACHE-AFFECTING</summary>",
		"- set `github.com/aws/smithy-go@v1.22.5` (project: v1.28.8): required by bedrockruntime v1.37.1",
		"- dropped `credentials`, `service/signin`, `service/sts`",
		"claude/TOOLS_ONLY: 30 distinct; `toolConfig.tools[*].toolSpec.inputSchema.json.properties.*` key order (prompt-bearing, cache-affecting from tools) ×3",
		"control (control: must vary harmlessly): 7 distinct; `requestMetadata` key order (not cache-affecting)",
		"- spec | with a pipe: passed → failed: boom",
		"<sub>`scripts/sdk-upgrade v1.37.1 latest` · go1.26</sub>",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
	// Every row of the main table has the header's number of cells.
	for _, l := range strings.Split(md, "\n") {
		if strings.Contains(l, " | smithy-go ") {
			if n := strings.Count(strings.ReplaceAll(l, `\|`, ""), "|"); n != 8 {
				t.Errorf("row has %d separators, want 8: %s", n, l)
			}
		}
	}
	if md2 := Markdown(Summary{Evaluations: []Evaluation{base, good}}); !strings.Contains(md2, "**✅ No version changes what gets cached.** Exit status 0.") {
		t.Errorf("clean summary headline missing:\n%s", md2)
	}
}
