package report_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cachecascade/cachecascade/report"
)

// cascadeSteps returns a cascade cell's five steps over two checkpoints
// (tools, system); broken names a step whose system layer was written where
// the oracle expected a read.
func cascadeSteps(broken string) []report.Step {
	const R, W, U = report.StateRead, report.StateWritten, report.StateUncached
	step := func(name string, did, want [3]report.CacheState) report.Step {
		s := report.Step{Name: name, Outcome: report.Pass, Rule: "cascade-invalidates", Finding: "hit at tools, miss at system",
			InputTokens: 40, OutputTokens: 5, CacheReadTokens: 1536, CacheWriteTokens: 2048}
		for i, l := range report.LayerNames {
			s.Layers = append(s.Layers, report.LayerResult{Layer: l, Checkpoint: i < 2, Did: did[i], Expected: want[i]})
		}
		if name == broken {
			s.Layers[1].Did, s.Outcome = W, report.Fail
		}
		return s
	}
	return []report.Step{
		step("prime", [3]report.CacheState{W, W, U}, [3]report.CacheState{W, W, U}),
		step("repeat", [3]report.CacheState{R, R, U}, [3]report.CacheState{R, R, U}),
		step("change messages", [3]report.CacheState{R, R, U}, [3]report.CacheState{R, R, U}),
		step("change system", [3]report.CacheState{R, W, U}, [3]report.CacheState{R, W, U}),
		step("change tools", [3]report.CacheState{W, W, U}, [3]report.CacheState{W, W, U}),
	}
}

// withSteps gives the fixture's cascade rows steps, the failing cell's
// "repeat" off the oracle.
func withSteps(m report.Matrix) report.Matrix {
	for i, r := range m.Rows {
		if r.Area != report.AreaCascade {
			continue
		}
		broken := ""
		if r.Outcome == report.Fail {
			broken = "repeat"
		}
		m.Rows[i].Steps = cascadeSteps(broken)
	}
	return m
}

// TestHTMLDrawsTheCascade: every cascade cell has a strip of steps ×
// layers, squares coloured by what the service did, the layer off the
// oracle outlined, and each step focusable with its usage and rule.
func TestHTMLDrawsTheCascade(t *testing.T) {
	m := withSteps(fixture())
	page := m.HTML()
	if n := strings.Count(page, `<svg class="strip"`); n != 10 {
		t.Errorf("%d strips, want one per cascade cell (10)", n)
	}
	if n := strings.Count(page, `<g tabindex="0">`); n != 50 {
		t.Errorf("%d focusable steps, want 5 per cell (50)", n)
	}
	if n := strings.Count(page, `class="s-written d"`); n != 1 {
		t.Errorf("%d outlined squares, want 1 (the failing cell's repeat, system layer)", n)
	}
	if n := strings.Count(page, `<rect class="bk"`); n != 1 {
		t.Errorf("%d steps marked off the oracle, want 1 (the failing cell's repeat)", n)
	}
	if !strings.Contains(page, `<svg class="strip-key"`) || !strings.Contains(page, `rotate(-65)">change messages</text>`) {
		t.Errorf("the strips' legend does not name the steps")
	}
	for _, want := range []string{
		"<title>repeat: fail [cascade-invalidates]\ntools: read (checkpoint)\nsystem: written (checkpoint), expected read\nmessages: uncached\ninput 40 · output 5 · read 1,536 · write 2,048\nhit at tools, miss at system</title>",
		`aria-label="Claude Sonnet 4.5 SYSTEM_AND_TOOLS: 5 steps, 1 differ from the oracle"`,
		`id="c-converse-claude-sonnet-4-5-system-and-tools"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// A cell without steps still gets its strip, saying so.
	if page := fixture().HTML(); strings.Count(page, "no judged call recorded") != 10 {
		t.Errorf("cells without steps do not say so")
	}
}

// TestHTMLCostCharts: one cost chart per model with costs, the bars in
// proportion, and where the tokens go per area.
func TestHTMLCostCharts(t *testing.T) {
	page := fixture().HTML()
	if n := strings.Count(page, `<figure class="cost-chart`); n != 2 {
		t.Errorf("%d cost charts, want one per model (2)", n)
	}
	// Nova Pro: with caching 420+780+3×420 = $0.002460 (millionths), without
	// 420+4,020+3×420 = $0.005700: 250-90 = 160 pixels for the larger bar,
	// 2460/5700×160 = 69 for the smaller.
	for _, want := range []string{
		`data-model="nova-pro"><figcaption><b>Nova Pro</b> — 56.8% saved</figcaption>`,
		`<rect class="c-with" y="2" height="14" width="69"/>`,
		`<rect class="c-without" y="20" height="14" width="160"/>`,
		`<svg class="tokens"`, `aria-label="threshold: 0 read from cache (0.0%), 1,100 written to cache (99.1%), 10 uncached input (0.9%)`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestHTMLFindingsRolledUp: one group per message shared by several
// cells, saying which models and strategies share it, failures first,
// each member linking to its cell.
func TestHTMLFindingsRolledUp(t *testing.T) {
	page := fixture().HTML()
	i := strings.Index(page, "Findings, rolled up")
	if i < 0 {
		t.Fatal("no findings section")
	}
	sec := page[i : strings.Index(page[i:], "</h2>\n<table")+i]
	if n := strings.Count(sec, "tools cannot be cached for this model"); n != 1 {
		t.Errorf("the shared rejection is listed %d times, want once:\n%s", n, sec)
	}
	for _, want := range []string{
		`<div class="share">Nova Pro × TOOLS_ONLY, SYSTEM_AND_TOOLS</div>`,
		`<a class="m api-converse" href="#c-converse-nova-pro-tools-only">Nova Pro · TOOLS_ONLY</a>`,
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("findings lack %q:\n%s", want, sec)
		}
	}
	fail, expected := strings.Index(sec, `class="finding out-fail`), strings.Index(sec, `class="finding out-expected-error`)
	if fail < 0 || expected < 0 || fail > expected {
		t.Errorf("failures are not listed first (fail at %d, expected error at %d)", fail, expected)
	}
	// Every link goes to an id on the page.
	for _, l := range regexp.MustCompile(`href="#([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if !strings.Contains(page, `id="`+l[1]+`"`) {
			t.Errorf("link to #%s has no target", l[1])
		}
	}
}

// TestHTMLStatusWithoutEmoji: the page shows statuses as drawn badges with
// a word, never as emoji (which need a font); the Markdown keeps them.
func TestHTMLStatusWithoutEmoji(t *testing.T) {
	m := fixture()
	page, md := m.HTML(), m.Markdown()
	for _, o := range report.Outcomes {
		if sym := o.Symbol(); sym != "—" && strings.Contains(page, sym) {
			t.Errorf("page shows emoji %q for %s", sym, o)
		}
	}
	for _, want := range []string{`<span class="badge o-fail"><i aria-hidden="true"></i>fail</span>`, `<span class="badge o-expected-error"><i aria-hidden="true"></i>rejected as predicted</span>`, "@media (forced-colors: active)"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if !strings.Contains(md, "❌") || !strings.Contains(md, "✅") {
		t.Errorf("the Markdown lost its emoji")
	}
}

// TestHTMLFilters: a CSS-only checkbox per family, API, area and outcome,
// each with the rule that hides what it filters.
func TestHTMLFilters(t *testing.T) {
	page := fixture().HTML()
	for _, want := range []string{
		`id="f-fam-nova" checked`, `id="f-api-converse" checked`, `id="f-area-limits" checked`, `id="f-out-fail" checked`,
		`body:has(#f-fam-nova:not(:checked)) .fam-nova { display: none; }`,
		`body:has(#f-out-pass:not(:checked)) .cout-pass { opacity: .12; }`,
		`<tr class="fam-nova">`, `<section class="area-limits">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// fullMatrix is a matrix the size of the whole run: 28 models × 5
// strategies × 2 APIs of cascade cells with five steps each, and 600
// rows in other areas with long messages.
func fullMatrix() report.Matrix {
	m := report.Matrix{Title: "full", Strategies: report.DefaultStrategies}
	for i := range 28 {
		key := fmt.Sprintf("model-%02d", i)
		m.Models = append(m.Models, report.ModelInfo{Key: key, Name: "Model Number " + key, Family: []string{"claude", "nova", "llama"}[i%3]})
		for _, api := range []string{report.APIConverse, report.APIInvoke} {
			for _, s := range report.DefaultStrategies {
				m.Rows = append(m.Rows, report.Row{Area: report.AreaCascade, API: api, Model: key, Family: m.Models[i].Family, Strategy: s,
					Spec: "cascade invalidates every checkpoint at or after a changed layer " + key + "/" + s, Outcome: report.Pass,
					Message: fmt.Sprintf("step %q: %d tokens read implicitly, without an explicit entry ($0.000123 at the read price) [implicit-read]", "prime", i*7),
					Calls:   5, CostUSD: 0.01, CostWithoutCacheUSD: 0.03, Steps: cascadeSteps("")})
			}
		}
	}
	for i := range 600 {
		m.Rows = append(m.Rows, report.Row{Area: report.Areas[1+i%(len(report.Areas)-1)], Model: fmt.Sprintf("model-%02d", i%28), Strategy: report.DefaultStrategies[i%5],
			Spec: fmt.Sprintf("limits a fifth checkpoint is rejected with the documented message, case %d", i), Outcome: report.ExpectedError,
			Message: strings.Repeat(fmt.Sprintf("ValidationException: too many cache points (5 > 4), row %d. ", i), 3), Steps: cascadeSteps("")[:2]})
	}
	return m
}

// TestHTMLSizeOfTheWholeMatrix: the page for a run the size of the whole
// matrix stays one file under 2 MB.
func TestHTMLSizeOfTheWholeMatrix(t *testing.T) {
	const limit = 2 << 20
	page := fullMatrix().HTML()
	if n := len(page); n >= limit {
		t.Errorf("the page of the whole matrix is %d bytes, want under %d", n, limit)
	}
	changes := 0
	for _, r := range fullMatrix().Rows {
		if r.Area == report.AreaChanges {
			changes++
		}
	}
	if n, want := strings.Count(page, `<svg class="strip"`), 28*5*2+changes; changes == 0 || n != want {
		t.Errorf("%d strips, want %d: one per cascade cell and one per changes row (%d)", n, want, changes)
	}
	t.Logf("whole-matrix page: %d bytes", len(page))
}

// TestHTMLHistory: with the nightly's history, the page plots one bar per
// night, in proportion to its live cost, red where specs differed.
func TestHTMLHistory(t *testing.T) {
	m := fixture()
	if strings.Contains(m.HTML(), "Across nights") {
		t.Errorf("a page without history plots one")
	}
	day := func(d int) time.Time { return time.Date(2026, 11, d, 3, 0, 0, 0, time.UTC) }
	m.History = []report.Night{{Started: day(20), CostUSD: 2}, {Started: day(21), CostUSD: 4, Compared: 800, Differ: 3, Exit: 1}, {Started: day(22), CostUSD: 1}}
	page := m.HTML()
	for _, want := range []string{
		`<svg class="history"`, `<title>2026-11-21: $4.00 live, 800 specs compared, 3 differed, exit 1</title><rect class="h-bad" x="18" y="4" width="14" height="86"/>`,
		`<rect class="t-read" x="0" y="47" width="14" height="43"/>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if n := strings.Count(page, `<rect class="h-bad"`); n != 1 {
		t.Errorf("%d red nights, want 1", n)
	}

	// Nights that kept their live specs' cost without caching draw it
	// behind the cost with caching, on one scale over all nights.
	m.History = []report.Night{
		{Started: day(23), CostUSD: 3, LiveUSD: 2, WithoutCacheUSD: 8, Compared: 800},
		{Started: day(24), CostUSD: 5, LiveUSD: 4, WithoutCacheUSD: 4, Compared: 800},
	}
	page = m.HTML()
	for _, want := range []string{
		`<title>2026-11-23: $3.00 spent; the live specs $2.00 with caching, $8.00 without (75.0% saved), 800 specs compared, 0 differed, exit 0</title><rect class="t-input" x="0" y="4" width="14" height="86"/><rect class="t-read" x="0" y="69" width="14" height="21"/>`,
		`<rect class="t-input" x="18" y="47" width="14" height="43"/><rect class="t-read" x="18" y="47" width="14" height="43"/>`,
		`the same calls without caching`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
