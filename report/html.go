package report

import (
	"fmt"
	"html/template"
	"io"
	"strings"
)

// HTML renders the matrix as one self-contained HTML page: at a glance,
// the cascade drawn (a strip of steps × layers per cell, see Step), the
// costs with and without caching per model, where the tokens go per area,
// the findings rolled up by rule and by the models and strategies they
// share, then the same tables as Markdown. Statuses are badges drawn with
// CSS and a word (no emoji font needed); filters by family, API, area and
// outcome are CSS-only checkboxes. The page has no scripts and refers to
// no external resource; html/template escapes everything taken from the
// rows.
func (m Matrix) HTML() string {
	var b strings.Builder
	if err := m.WriteHTML(&b); err != nil {
		// The template is fixed and the data are plain values, so this
		// is a programming error; show it rather than an empty page.
		return "<!DOCTYPE html>\n<pre>report: " + template.HTMLEscapeString(err.Error()) + "</pre>\n"
	}
	return b.String()
}

// WriteHTML writes the page of HTML to w as it is rendered, without holding
// it whole (the full matrix's is more than a megabyte). An error leaves w
// with part of the page.
func (m Matrix) WriteHTML(w io.Writer) error {
	v := m.layout()
	return pageTemplate.Execute(w, pageData{view: v, Vis: m.visuals(v), Changes: changesHTML(m.Rows)})
}

// outcomeClass returns the CSS class for an outcome.
func outcomeClass(o Outcome) string {
	if o == "" {
		return "o-none"
	}
	if !o.Valid() {
		return "o-unknown"
	}
	return "o-" + string(o)
}

// pageData is what the page template renders: the view and the pictures.
type pageData struct {
	view
	Vis visuals
	// Changes is the "what invalidates what" section (see changesHTML).
	Changes template.HTML
}

// areaContext hands the area template the page and the table.
type areaContext struct {
	V pageData
	T areaTable
}

// multiline reports whether s, trimmed, spans more than one line.
func multiline(s string) bool { return strings.Contains(strings.TrimSpace(s), "\n") }

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"class":      outcomeClass,
	"cellClass":  func(c cell) string { return outcomeClass(c.worst()) },
	"symbols":    func(c cell) string { return c.symbols() },
	"cellTokens": func(c cell) string { return tokens(c.Read, c.Write) },
	"cellTitle": func(c cell) string {
		var parts []string
		for _, r := range c.Rows {
			p := string(r.Outcome) + ": " + r.Spec
			if msg := firstLine(r.Message); msg != "" {
				p += " — " + msg
			}
			parts = append(parts, p)
		}
		return strings.Join(parts, "\n")
	},
	"tokens":     tokens,
	"usd":        formatUSD,
	"int":        formatInt,
	"savings":    savingsPhrase,
	"firstLine":  firstLine,
	"multiline":  multiline,
	"trim":       strings.TrimSpace,
	"legend":     legend,
	"rowTokens":  func(r areaRow) bool { return r.Outcome != NotApplicable && r.Outcome != Skipped },
	"api":        func(r Row) string { return r.api() },
	"showTokens": func(c cell) bool { return c.showTokens() },
	"dict":       func(v pageData, t areaTable) areaContext { return areaContext{V: v, T: t} },
	"badge":      func(o any) template.HTML { return badge(Outcome(fmt.Sprint(o))) },
	"strip":      strip,
	"rowStrip":   rowStrip,
	"stripKey":   stripKey,
	"history":    historyChart,
	"costBars":   costBars,
	"tokenBar":   tokenBar,
	"slug":       func(v any) string { return slug(fmt.Sprint(v)) },
	"cellAnchor": cellAnchor,
	"rowAnchor":  rowAnchor,
	"saving":     savingWords,
	"outLabel":   outcomeLabel,
	"worst":      func(c cell) Outcome { return c.worst() },
	"broken":     cellBroken,
}).Parse(pageHTML))

const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
:root { color-scheme: light dark; --fg: #1f2328; --bg: #ffffff; --muted: #59636e; --line: #d1d9e0;
  --pass: #dafbe1; --fail: #ffebe9; --expected: #ddf4ff; --inconclusive: #fff8c5; --na: #f6f8fa; --skipped: #eef1f4; --unknown: #fbefff;
  --k-pass: #1a7f37; --k-fail: #cf222e; --k-expected: #0969da; --k-inconclusive: #9a6700; --k-na: #818b98;
  --read: #2da44e; --written: #0969da; --uncached: #d1d9e0; --rejected: #8250df; --broken: #cf222e; --output: #bf8700; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #3d444d;
    --pass: #12361d; --fail: #4a1519; --expected: #0c2d4a; --inconclusive: #3d3208; --na: #161b22; --skipped: #1c2128; --unknown: #2e1a3d;
    --k-pass: #3fb950; --k-fail: #f85149; --k-expected: #4493f8; --k-inconclusive: #d29922; --k-na: #9198a1;
    --read: #3fb950; --written: #4493f8; --uncached: #3d444d; --rejected: #ab7df8; --broken: #ff7b72; --output: #d29922; }
}
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); margin: 1.5rem 2rem; }
h1 { margin: 0 0 .25rem; }
h2 { margin: 1.5rem 0 .5rem; }
.meta, .legend, .hint { color: var(--muted); }
table { border-collapse: collapse; margin: .5rem 0 1.25rem; }
th, td { border: 1px solid var(--line); padding: .3rem .6rem; vertical-align: top; text-align: left; }
th { background: var(--na); }
td.cell { white-space: nowrap; vertical-align: middle; }
td.cell .strip { vertical-align: middle; margin-left: .3rem; }
.tok { font: 11px ui-monospace, SFMono-Regular, Menlo, monospace; color: var(--muted); display: block; }
.o-pass { background: var(--pass); }
.o-fail { background: var(--fail); }
.o-expected-error { background: var(--expected); }
.o-inconclusive { background: var(--inconclusive); }
.o-not-applicable { background: var(--na); color: var(--muted); }
.o-skipped { background: var(--skipped); color: var(--muted); }
.o-unknown { background: var(--unknown); }
.badge { display: inline-flex; align-items: center; gap: .25rem; padding: 0 .35rem; border: 1px solid var(--line); border-radius: 3px; font-size: 12px; white-space: nowrap; }
.badge i { display: inline-block; width: .7rem; height: .7rem; background: var(--k-na); }
.badge.o-pass i { background: var(--k-pass); border-radius: 50%; }
.badge.o-fail i { background: var(--k-fail); clip-path: polygon(20% 0, 50% 30%, 80% 0, 100% 20%, 70% 50%, 100% 80%, 80% 100%, 50% 70%, 20% 100%, 0 80%, 30% 50%, 0 20%); }
.badge.o-expected-error i { background: var(--k-expected); clip-path: polygon(30% 0, 70% 0, 100% 30%, 100% 70%, 70% 100%, 30% 100%, 0 70%, 0 30%); }
.badge.o-inconclusive i { background: var(--k-inconclusive); clip-path: polygon(50% 0, 100% 100%, 0 100%); }
.badge.o-not-applicable i, .badge.o-skipped i { height: .2rem; }
.strip rect { stroke: none; }
.s-read { fill: var(--read); }
.s-written { fill: var(--written); }
.s-uncached { fill: var(--uncached); }
.s-rejected { fill: var(--rejected); }
.s-none { fill: none; stroke: var(--muted) !important; stroke-dasharray: 2 2; }
.strip rect.d { stroke: var(--broken); stroke-width: 2.5px; }
.strip rect.bk, .key.bk { fill: var(--broken); background: var(--broken); }
.key.bk { height: 4px; vertical-align: 1px; }
.how { display: flex; align-items: flex-end; gap: 1rem; }
.strip-key { flex: none; }
.strip-key text { font-size: 11px; fill: var(--fg); }
.strip g:focus { outline: 2px solid var(--fg); }
.key { display: inline-block; width: 10px; height: 10px; vertical-align: -1px; margin: 0 .2rem 0 .6rem; }
.key.s-read { background: var(--read); } .key.s-written { background: var(--written); } .key.s-uncached { background: var(--uncached); } .key.s-rejected { background: var(--rejected); }
.key.d { border: 2.5px solid var(--broken); width: 5px; height: 5px; }
.glance { display: flex; flex-wrap: wrap; gap: 1rem; margin: .75rem 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .8rem; min-width: 10rem; }
.card .big { font-size: 1.6rem; font-weight: 600; display: block; }
.card .bars { display: block; margin-top: .3rem; }
.bars rect.c-with { fill: var(--read); } .bars rect.c-without { fill: var(--uncached); }
.bars text { font-size: 11px; fill: var(--fg); }
.costs { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: .5rem 1rem; }
figure.cost-chart { margin: 0; }
figure.cost-chart figcaption { font-size: 12px; }
figure.cost-chart figcaption b { font-weight: 600; }
.t-read { fill: var(--read); } .t-write { fill: var(--written); } .t-input { fill: var(--uncached); } .t-output { fill: var(--output); }
.h-bad { fill: var(--broken); } .key.h-bad { background: var(--broken); }
.key.t-read { background: var(--read); } .key.t-write { background: var(--written); } .key.t-input { background: var(--uncached); } .key.t-output { background: var(--output); }
table.tokens-by-area td { border: none; padding: .1rem .5rem; }
.filters { border: 1px solid var(--line); border-radius: 6px; padding: .3rem .8rem; margin: .5rem 0; font-size: 13px; }
.filters fieldset { border: none; display: inline; margin: 0 1rem 0 0; padding: 0; }
.filters legend { display: inline; font-weight: 600; float: left; margin-right: .4rem; }
.filters label { margin-right: .5rem; white-space: nowrap; }
.finding { border: 1px solid var(--line); border-radius: 6px; padding: .4rem .6rem; margin: .4rem 0; }
.finding .share { margin: .2rem 0; }
.finding a.m { display: inline-block; font-size: 12px; border: 1px solid var(--line); border-radius: 3px; padding: 0 .3rem; margin: .1rem .1rem 0 0; color: inherit; text-decoration: none; }
.finding a.m:hover, .finding a.m:focus { text-decoration: underline; }
:target { outline: 3px solid var(--broken); }
pre { white-space: pre-wrap; word-break: break-word; margin: .4rem 0; padding: .5rem; background: var(--na); border: 1px solid var(--line); }
details.problem { border: 1px solid var(--line); padding: .4rem .6rem; margin: .5rem 0; }
details.problem > summary { cursor: pointer; }
.spec { color: var(--muted); }
@media (forced-colors: active) {
  .badge i { forced-color-adjust: none; background: CanvasText !important; }
  .strip, .strip-key, .bars, .tokens, .key { forced-color-adjust: none; }
  .s-read, .t-read, .c-with { fill: CanvasText; } .key.s-read, .key.t-read { background: CanvasText; }
  .s-written, .t-write { fill: Highlight; } .key.s-written, .key.t-write { background: Highlight; }
  .s-uncached, .t-input, .c-without { fill: Canvas; stroke: CanvasText !important; stroke-width: 1px; } .key.s-uncached, .key.t-input { background: Canvas; border: 1px solid CanvasText; }
  .h-bad { fill: Mark; } .key.h-bad { background: Mark; } .history { forced-color-adjust: none; }
  .s-rejected, .t-output { fill: GrayText; } .key.s-rejected, .key.t-output { background: GrayText; }
  .strip rect.d { stroke: Mark; stroke-width: 3px; } .key.d { border-color: Mark; }
  .strip rect.bk { fill: Mark; } .key.bk { background: Mark; } .strip-key { forced-color-adjust: none; } .strip-key text { fill: CanvasText; }
  .bars text { fill: CanvasText; }
}
{{range .Vis.Families}}body:has(#f-fam-{{slug .}}:not(:checked)) .fam-{{slug .}} { display: none; }
{{end}}{{range .Vis.APIs}}body:has(#f-api-{{slug .}}:not(:checked)) .api-{{slug .}} { display: none; }
{{end}}{{range .Vis.AreaNames}}body:has(#f-area-{{slug .}}:not(:checked)) .area-{{slug .}} { display: none; }
{{end}}{{range .Vis.Outcomes}}body:has(#f-out-{{slug .}}:not(:checked)) .out-{{slug .}} { display: none; }
body:has(#f-out-{{slug .}}:not(:checked)) .cout-{{slug .}} { opacity: .12; }
{{end}}</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{with .Meta}}<p class="meta">{{.}}</p>{{end}}
<nav class="meta" aria-label="sections">{{if or .Main .Strays.Rows}}<a href="#cascade">cascade</a> · {{end}}{{if .Vis.Costs}}<a href="#costs">costs per model</a> · {{end}}{{if .Vis.AreaTokens}}<a href="#tokens">tokens per area</a> · {{end}}{{if .Changes}}<a href="#changes">what invalidates what</a> · {{end}}{{if .Vis.Findings}}<a href="#findings">findings</a>{{end}}{{if .Problems}} · <a href="#problems">failures</a>{{end}}</nav>
<div class="glance">
{{with .Vis.Glance}}{{if .Cells}}<div class="card"><span class="big">{{.Caching}} / {{.Cells}}</span>cascade cells read from the cache</div>
<div class="card"><span class="big">{{.Problems}}</span>cells failed, inconclusive or off the oracle{{if .Broken}} ({{.Broken}} broke the cascade){{end}}</div>
<div class="card"><span class="big">{{.Rejected}}</span>rejected as predicted</div>{{end}}{{end}}
{{with .Summary}}<div class="card"><span class="big">{{savings .}}</span>by caching: {{usd .CostUSD}} instead of {{usd .CostWithoutCacheUSD}}
{{costBars .CostUSD .CostWithoutCacheUSD 260}}</div>{{end}}
</div>
{{with .Summary}}<p class="summary"><strong>{{.Specs}} specs</strong>: {{.Pass}} pass, {{.Fail}} fail, {{.ExpectedError}} expected-error, {{.Inconclusive}} inconclusive{{if .NotApplicable}}, {{.NotApplicable}} not applicable{{end}}{{if .Skipped}}, {{.Skipped}} skipped{{end}}{{if .Other}}, {{.Other}} unknown outcome{{end}}.
Tokens: {{int .CacheReadTokens}} read from cache{{if .ImplicitReadTokens}} ({{int .ImplicitReadTokens}} of them implicitly, without an explicit entry: {{usd .ImplicitReadUSD}}){{end}}, {{int .CacheWriteTokens}} written to cache, {{int .InputTokens}} input, {{int .OutputTokens}} output, in {{int .Calls}} calls.
Cost: <strong>{{usd .CostUSD}}</strong> with caching, {{usd .CostWithoutCacheUSD}} without ({{savings .}}).</p>{{end}}
<form class="filters" aria-label="filters">
{{with .Vis.Families}}<fieldset><legend>Family</legend>{{range .}}<label><input type="checkbox" id="f-fam-{{slug .}}" checked> {{.}}</label>{{end}}</fieldset>{{end}}
{{with .Vis.APIs}}<fieldset><legend>API</legend>{{range .}}<label><input type="checkbox" id="f-api-{{slug .}}" checked> {{.}}</label>{{end}}</fieldset>{{end}}
{{with .Vis.AreaNames}}<fieldset><legend>Area</legend>{{range .}}<label><input type="checkbox" id="f-area-{{slug .}}" checked> {{.}}</label>{{end}}</fieldset>{{end}}
{{with .Vis.Outcomes}}<fieldset><legend>Outcome</legend>{{range .}}<label><input type="checkbox" id="f-out-{{slug .}}" checked> {{outLabel .}}</label>{{end}}</fieldset>{{end}}
</form>
<p class="legend">Legend: {{badge "pass"}} {{badge "fail"}} {{badge "expected-error"}} (counts as a pass) {{badge "inconclusive"}} {{badge "not-applicable"}} {{badge "skipped"}} · R/W cache-read/cache-write tokens</p>
{{if or .Main .Strays.Rows}}<section class="area-cascade">
<h2 id="cascade">Cascade: model × strategy</h2>
<div class="how">{{with .Vis.Key}}{{stripKey .}}{{end}}<p class="legend">Each cell draws its calls left to right ({{if .Vis.Key}}as in this cell: {{range $i, $s := .Vis.Key}}{{if $i}}, {{end}}{{$s.Name}}{{end}}{{else}}prime, repeat, change messages, change system, change tools, …{{end}}) and the prompt's layers top to bottom (tools, system, messages), each square coloured by what the service did:<br><span class="key s-read"></span>read from cache <span class="key s-written"></span>written to cache <span class="key s-uncached"></span>uncached <span class="key s-rejected"></span>rejected <span class="key d"></span>not what the oracle expected (the step is also marked <span class="key bk"></span> underneath).<br>Hover or focus a column for the step's usage and rule.</p></div>
{{range .Main}}<div class="api-{{slug .API}}">{{if $.MultiAPI}}<h3>API: {{.API}}</h3>{{end}}
<table class="matrix">
<thead><tr><th>Model</th>{{range .Strategies}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{$api := .API}}{{$strategies := .Strategies}}{{range .Models}}{{$model := .Model}}<tr class="fam-{{slug .Model.Family}}"><th>{{.Model.Title}}</th>{{range $i, $c := .Cells}}{{$s := index $strategies $i}}<td class="cell {{cellClass .}}"{{if .Rows}} id="{{cellAnchor $api $model.Key $s}}" title="{{cellTitle .}}"{{end}}>{{if .Outcomes}}<div class="cout-{{slug (worst .)}}">{{range .Outcomes}}{{badge .}}{{end}}{{strip . $model.Title $s}}{{if showTokens .}} <span class="tok">{{cellTokens .}}</span>{{end}}</div>{{end}}</td>{{end}}</tr>
{{end}}</tbody>
</table></div>
{{end}}
{{with .Strays}}{{if .Rows}}<h3>{{.Heading}}</h3>
{{template "area" (dict $ .)}}{{end}}{{end}}</section>{{end}}
{{.Changes}}
{{with .Vis.Costs}}<h2 id="costs">What caching saves, per model</h2>
<p class="legend">Over every spec of the run:<span class="key t-read"></span>cost with caching<span class="key t-input"></span>cost without (cache reads and writes priced as input).</p>
<div class="costs">
{{range .}}<figure class="cost-chart fam-{{slug .Family}}" data-model="{{.Key}}"><figcaption><b>{{.Name}}</b> — {{saving .With .Without}}</figcaption>{{costBars .With .Without 250}}</figure>
{{end}}</div>{{end}}
{{with .Vis.History}}<h2 id="history">Across nights</h2>
<p class="legend">The nightly run's live cost per night, the latest last:<span class="key t-read"></span>a clean night<span class="key h-bad"></span>specs differed from their cassettes or the night failed<span class="key t-input"></span>the same calls without caching. Hover or focus a bar for its numbers.</p>
{{history .}}{{end}}
{{with .Vis.AreaTokens}}<h2 id="tokens">Where the tokens go, per area</h2>
<p class="legend"><span class="key t-read"></span>read from cache<span class="key t-write"></span>written to cache<span class="key t-input"></span>uncached input<span class="key t-output"></span>output</p>
<table class="tokens-by-area">{{range .}}<tr class="area-{{slug .Area}}"><td>{{.Area}}</td><td>{{tokenBar . 420}}</td><td class="tok">{{int .Read}} read · {{int .Write}} written · {{int .Input}} input · {{int .Output}} output</td></tr>
{{end}}</table>{{end}}
{{with .Vis.Findings}}<h2 id="findings">Findings, rolled up</h2>
<p class="hint">Messages grouped by outcome, rule, area, family and text, failures first; each chip links to its cell.</p>
{{range .}}<div class="finding out-{{slug .Outcome}} area-{{slug .Area}} fam-{{slug .Family}}">{{badge .Outcome}} {{with .Rule}}<strong>[{{.}}]</strong>{{end}} {{.Area}}{{with .Family}} · {{.}}{{end}} — {{len .Members}} {{if eq (len .Members) 1}}spec{{else}}specs{{end}}
{{if multiline .Message}}<details><summary>{{firstLine .Message}}</summary><pre>{{.Message}}</pre></details>{{else}}<div>{{.Message}}</div>{{end}}
{{range .Lines}}<div class="share">{{.}}</div>{{end}}<div>{{range .Members}}<a class="m api-{{slug .API}}" href="#{{.Anchor}}">{{.Label}}</a>{{end}}</div></div>
{{end}}{{end}}
{{range .Areas}}<section class="area-{{slug .Area}}"><h2>{{.Heading}}</h2>
{{template "area" (dict $ .)}}</section>{{end}}
{{with .Lineup}}<h2>Models</h2>
<table class="area"><thead><tr><th>Model</th><th>Lifecycle</th><th>Invoked as</th></tr></thead><tbody>
{{range .}}<tr class="fam-{{slug .Family}}"><td>{{.Name}}</td><td>{{.Standing}}</td><td>{{.ID}}</td></tr>
{{end}}</tbody></table>{{end}}
{{if .Problems}}<h2 id="problems">Failures and inconclusive cells</h2>
{{range .Problems}}<details class="problem {{class .Outcome}} out-{{slug .Outcome}} area-{{slug .Area}} fam-{{slug .Family}}" open>
<summary>{{badge .Outcome}} — {{.Area}}{{if $.MultiAPI}} · {{api .Row}}{{end}} · <a href="#{{rowAnchor .Row}}">{{.ModelLabel}}{{with .Strategy}} · {{.}}{{end}}</a></summary>
{{with .Spec}}<p class="spec">Spec: {{.}}</p>{{end}}
{{with trim .Message}}<pre>{{.}}</pre>{{else}}<p><em>(no message)</em></p>{{end}}
</details>
{{end}}{{end}}
</body>
</html>
{{define "area"}}<table class="area">
<thead><tr><th>Model</th>{{if .V.MultiAPI}}<th>API</th>{{end}}{{if .T.HasStrategy}}<th>Strategy</th>{{end}}<th>Spec</th><th>Outcome</th><th>R/W</th><th>Message</th></tr></thead>
<tbody>
{{range .T.Rows}}<tr id="{{rowAnchor .Row}}" class="{{class .Outcome}} out-{{slug .Outcome}} fam-{{slug .Family}} api-{{slug (api .Row)}}"><td>{{.ModelLabel}}</td>{{if $.V.MultiAPI}}<td>{{api .Row}}</td>{{end}}{{if $.T.HasStrategy}}<td>{{.Strategy}}</td>{{end}}<td>{{.Spec}}</td><td>{{badge .Outcome}}</td><td class="tok">{{if rowTokens .}}{{tokens .CacheReadTokens .CacheWriteTokens}}{{end}}{{rowStrip .Row}}</td><td>{{if multiline .Message}}<details><summary>{{firstLine .Message}}</summary><pre>{{trim .Message}}</pre></details>{{else}}{{trim .Message}}{{end}}</td></tr>
{{end}}</tbody>
</table>
{{end}}`
