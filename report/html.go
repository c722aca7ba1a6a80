package report

import (
	"bytes"
	"html/template"
	"strings"
)

// HTML renders the matrix as one self-contained HTML page: the same content
// as Markdown, with inline CSS, a colour per outcome, and each message in a
// <details> element. The page has no scripts and refers to no external
// resource; html/template escapes everything taken from the rows.
func (m Matrix) HTML() string {
	v := m.layout()
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, v); err != nil {
		// The template is fixed and the data are plain values, so this
		// is a programming error; show it rather than an empty page.
		return "<!DOCTYPE html>\n<pre>report: " + template.HTMLEscapeString(err.Error()) + "</pre>\n"
	}
	return buf.String()
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

// areaContext hands the area template the page and the table.
type areaContext struct {
	V view
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
	"dict":       func(v view, t areaTable) areaContext { return areaContext{V: v, T: t} },
}).Parse(pageHTML))

const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
:root { color-scheme: light dark; --fg: #1f2328; --bg: #ffffff; --muted: #59636e; --line: #d1d9e0;
  --pass: #dafbe1; --fail: #ffebe9; --expected: #ddf4ff; --inconclusive: #fff8c5; --na: #f6f8fa; --skipped: #eef1f4; --unknown: #fbefff; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #3d444d;
    --pass: #12361d; --fail: #4a1519; --expected: #0c2d4a; --inconclusive: #3d3208; --na: #161b22; --skipped: #1c2128; --unknown: #2e1a3d; }
}
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); margin: 2rem; }
h1 { margin-bottom: .25rem; }
.meta, .legend { color: var(--muted); }
table { border-collapse: collapse; margin: .75rem 0 1.5rem; }
th, td { border: 1px solid var(--line); padding: .3rem .6rem; vertical-align: top; text-align: left; }
th { background: var(--na); }
td.cell { white-space: nowrap; }
.tok { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; color: var(--muted); }
.o-pass { background: var(--pass); }
.o-fail { background: var(--fail); }
.o-expected-error { background: var(--expected); }
.o-inconclusive { background: var(--inconclusive); }
.o-not-applicable { background: var(--na); color: var(--muted); }
.o-skipped { background: var(--skipped); color: var(--muted); }
.o-unknown { background: var(--unknown); }
.legend span { display: inline-block; padding: 0 .4rem; margin: 0 .2rem .2rem 0; border: 1px solid var(--line); }
pre { white-space: pre-wrap; word-break: break-word; margin: .4rem 0; padding: .5rem; background: var(--na); border: 1px solid var(--line); }
details.problem { border: 1px solid var(--line); padding: .4rem .6rem; margin: .5rem 0; }
details.problem > summary { cursor: pointer; }
.spec { color: var(--muted); }
ul.notes li { margin: .15rem 0; padding: 0 .4rem; list-style-position: inside; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{with .Meta}}<p class="meta">{{.}}</p>{{end}}
{{with .Summary}}<p class="summary"><strong>{{.Specs}} specs</strong>: {{.Pass}} pass, {{.Fail}} fail, {{.ExpectedError}} expected-error, {{.Inconclusive}} inconclusive{{if .NotApplicable}}, {{.NotApplicable}} not applicable{{end}}{{if .Skipped}}, {{.Skipped}} skipped{{end}}{{if .Other}}, {{.Other}} unknown outcome{{end}}.
Tokens: {{int .CacheReadTokens}} read from cache{{if .ImplicitReadTokens}} ({{int .ImplicitReadTokens}} of them implicitly, without an explicit entry: {{usd .ImplicitReadUSD}}){{end}}, {{int .CacheWriteTokens}} written to cache, {{int .InputTokens}} input, {{int .OutputTokens}} output, in {{int .Calls}} calls.
Cost: <strong>{{usd .CostUSD}}</strong> with caching, {{usd .CostWithoutCacheUSD}} without ({{savings .}}).</p>{{end}}
<p class="legend">Legend: <span class="o-pass">✅ pass</span><span class="o-fail">❌ fail</span><span class="o-expected-error">⛔ expected error (rejected by the service as predicted; counts as a pass)</span><span class="o-inconclusive">⚠️ inconclusive</span><span class="o-not-applicable">— not applicable</span><span class="o-skipped">⏭️ skipped</span> R/W cache-read/cache-write tokens</p>
{{if or .Main .Strays.Rows}}<h2>Cascade: model × strategy</h2>{{end}}
{{range .Main}}{{if $.MultiAPI}}<h3>API: {{.API}}</h3>{{end}}
<table class="matrix">
<thead><tr><th>Model</th>{{range .Strategies}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Models}}<tr><th>{{.Model.Title}}</th>{{range .Cells}}<td class="cell {{cellClass .}}"{{if .Rows}} title="{{cellTitle .}}"{{end}}>{{if .Outcomes}}{{symbols .}}{{if showTokens .}} <span class="tok">{{cellTokens .}}</span>{{end}}{{end}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
{{with .Notes}}<p>Notes:</p>
<ul class="notes">
{{range .}}<li class="{{class .Outcome}}">{{.ModelLabel}} · {{.Strategy}}: {{.Outcome.Symbol}} {{if multiline .Message}}<details><summary>{{firstLine .Message}}</summary><pre>{{trim .Message}}</pre></details>{{else}}{{trim .Message}}{{end}}</li>
{{end}}</ul>
{{end}}{{end}}
{{with .Strays}}{{if .Rows}}<h3>{{.Heading}}</h3>
{{template "area" (dict $ .)}}{{end}}{{end}}
{{range .Areas}}<h2>{{.Heading}}</h2>
{{template "area" (dict $ .)}}{{end}}
{{with .Lineup}}<h2>Models</h2>
<table class="area"><thead><tr><th>Model</th><th>Lifecycle</th><th>Invoked as</th></tr></thead><tbody>
{{range .}}<tr><td>{{.Name}}</td><td>{{.Standing}}</td><td>{{.ID}}</td></tr>
{{end}}</tbody></table>{{end}}
{{if .Problems}}<h2>Failures and inconclusive cells</h2>
{{range .Problems}}<details class="problem {{class .Outcome}}" open>
<summary>{{.Outcome.Symbol}} <strong>{{.Outcome}}</strong> — {{.Area}}{{if $.MultiAPI}} · {{api .Row}}{{end}} · {{.ModelLabel}}{{with .Strategy}} · {{.}}{{end}}</summary>
{{with .Spec}}<p class="spec">Spec: {{.}}</p>{{end}}
{{with trim .Message}}<pre>{{.}}</pre>{{else}}<p><em>(no message)</em></p>{{end}}
</details>
{{end}}{{end}}
</body>
</html>
{{define "area"}}<table class="area">
<thead><tr><th>Model</th>{{if .V.MultiAPI}}<th>API</th>{{end}}{{if .T.HasStrategy}}<th>Strategy</th>{{end}}<th>Spec</th><th>Outcome</th><th>R/W</th><th>Message</th></tr></thead>
<tbody>
{{range .T.Rows}}<tr class="{{class .Outcome}}"><td>{{.ModelLabel}}</td>{{if $.V.MultiAPI}}<td>{{api .Row}}</td>{{end}}{{if $.T.HasStrategy}}<td>{{.Strategy}}</td>{{end}}<td>{{.Spec}}</td><td>{{.Outcome.Symbol}} {{.Outcome}}</td><td class="tok">{{if rowTokens .}}{{tokens .CacheReadTokens .CacheWriteTokens}}{{end}}</td><td>{{if multiline .Message}}<details><summary>{{firstLine .Message}}</summary><pre>{{trim .Message}}</pre></details>{{else}}{{trim .Message}}{{end}}</td></tr>
{{end}}</tbody>
</table>
{{end}}`
