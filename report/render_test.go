package report_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/report"
)

// mainTableRows returns the rows of the first Markdown table under the
// cascade heading, split into trimmed cells, header first.
func mainTableRows(t *testing.T, md string) [][]string {
	t.Helper()
	_, after, ok := strings.Cut(md, "## Cascade: model × strategy\n")
	if !ok {
		t.Fatalf("no cascade heading in:\n%s", md)
	}
	var rows [][]string
	started := false
	for line := range strings.SplitSeq(after, "\n") {
		if !strings.HasPrefix(line, "|") {
			if started {
				break
			}
			continue
		}
		started = true
		if strings.HasPrefix(line, "|---") {
			continue
		}
		rows = append(rows, splitRow(line))
	}
	return rows
}

// splitRow splits a Markdown table row on unescaped pipes.
func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line):
			cur.WriteByte(line[i])
			cur.WriteByte(line[i+1])
			i++
		case line[i] == '|':
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(line[i])
		}
	}
	if rest := strings.TrimSpace(cur.String()); rest != "" {
		cells = append(cells, rest)
	}
	return cells
}

func TestMarkdownCellPlacement(t *testing.T) {
	md := fixture().Markdown()
	rows := mainTableRows(t, md)
	header := rows[0]
	if diff := cmp.Diff(append([]string{"Model"}, report.DefaultStrategies...), header); diff != "" {
		t.Fatalf("header (-want +got):\n%s", diff)
	}
	cell := func(model, strategy string) string {
		col := slices.Index(header, strategy)
		for _, r := range rows[1:] {
			if r[0] == model {
				return r[col]
			}
		}
		t.Fatalf("no row for %s", model)
		return ""
	}
	tests := []struct {
		model, strategy, want string
	}{
		{"Claude Sonnet 4.5", "NONE", "✅ R 0/W 0"},
		{"Claude Sonnet 4.5", "SYSTEM_ONLY", "✅ R 2,048/W 2,048"},
		{"Claude Sonnet 4.5", "SYSTEM_AND_TOOLS", "❌ R 1,536/W 3,584"},
		{"Claude Sonnet 4.5", "CONVERSATION_HISTORY", "✅ R 4,096/W 4,608"},
		{"Nova Pro", "SYSTEM_ONLY", "✅ R 1,200/W 0"},
		{"Nova Pro", "TOOLS_ONLY", "⛔ R 0/W 0"},
		{"Nova Pro", "CONVERSATION_HISTORY", "⚠️ R 0/W 0"},
	}
	for _, tt := range tests {
		t.Run(tt.model+"/"+tt.strategy, func(t *testing.T) {
			if got := cell(tt.model, tt.strategy); got != tt.want {
				t.Errorf("cell = %q, want %q", got, tt.want)
			}
		})
	}
	if got := len(rows) - 1; got != 2 {
		t.Errorf("main table has %d model rows, want 2", got)
	}
	for _, want := range []string{"Legend:", "⛔ expected error", "## Failures and inconclusive cells", "mode replay", "cassettes (recorded against emulator v0.1)", "2026-11-22"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
}

// TestMarkdownCellOrder checks that columns follow Matrix.Strategies and
// rows follow Matrix.Models, whatever order the rows come in, and that a
// cell with several specs shows every outcome, worst first, with summed
// tokens.
func TestMarkdownCellOrder(t *testing.T) {
	m := report.Matrix{
		Models:     []report.ModelInfo{{Key: "b", Name: "Model B"}, {Key: "a", Name: "Model A"}},
		Strategies: []string{"TOOLS_ONLY", "NONE"},
		Rows: []report.Row{
			{Area: "cascade", Model: "a", Strategy: "NONE", Outcome: report.Pass, CacheReadTokens: 1},
			{Area: "cascade", Model: "a", Strategy: "NONE", Outcome: report.Fail, CacheReadTokens: 2, CacheWriteTokens: 5},
			{Area: "cascade", Model: "b", Strategy: "TOOLS_ONLY", Outcome: report.NotApplicable},
			{Area: "cascade", Model: "c", ModelName: "Model C", Strategy: "EXTRA", Outcome: report.Skipped},
		},
	}
	rows := mainTableRows(t, m.Markdown())
	want := [][]string{
		{"Model", "TOOLS_ONLY", "NONE", "EXTRA"},
		{"Model B", "—", ""},
		{"Model A", "", "❌✅ R 3/W 5"},
		{"Model C", "", "", "⏭️"},
	}
	// Trailing empty cells are dropped by splitRow; compare loosely.
	for i := range want {
		for len(rows[i]) > len(want[i]) && rows[i][len(rows[i])-1] == "" {
			rows[i] = rows[i][:len(rows[i])-1]
		}
		for len(want[i]) > len(rows[i]) && want[i][len(want[i])-1] == "" {
			want[i] = want[i][:len(want[i])-1]
		}
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("main table (-want +got):\n%s", diff)
	}
}

func TestMarkdownEscapesTableCells(t *testing.T) {
	tests := []struct {
		name    string
		row     report.Row
		want    string // must appear in the area table line
		notWant []string
	}{
		{
			name: "pipe in spec",
			row:  report.Row{Area: "limits", Spec: "a | b", Outcome: report.Pass},
			want: `a \| b`,
		},
		{
			name: "newline in spec",
			row:  report.Row{Area: "limits", Spec: "line one\nline two", Outcome: report.Pass},
			want: "line one<br>line two",
		},
		{
			name: "pipe and multi-line message shows first line",
			row:  report.Row{Area: "limits", Spec: "s", Outcome: report.Pass, Message: "x | y\nsecond"},
			want: `x \| y …`,
		},
		{
			name: "backslash before pipe",
			row:  report.Row{Area: "limits", Spec: `a\|b`, Outcome: report.Pass},
			want: `a\\\|b`,
		},
		{
			name: "angle bracket",
			row:  report.Row{Area: "limits", Spec: "got <nil>", Outcome: report.Pass},
			want: "got &lt;nil>",
		},
		{
			name: "pipe in model name of main table",
			row:  report.Row{Area: "cascade", Model: "m", ModelName: "M | N\nO", Strategy: "NONE", Outcome: report.Pass},
			want: `| M \| N<br>O | ✅ R 0/W 0 |`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md := report.Matrix{Rows: []report.Row{tt.row}}.Markdown()
			var line string
			for l := range strings.SplitSeq(md, "\n") {
				if strings.Contains(l, tt.want) {
					line = l
				}
			}
			if line == "" {
				t.Fatalf("no line contains %q in:\n%s", tt.want, md)
			}
			// Every table line must have the header's number of cells.
			for l := range strings.SplitSeq(md, "\n") {
				if strings.HasPrefix(l, "| ") {
					if n, h := len(splitRow(l)), headerCells(md, l); n != h {
						t.Errorf("line %q has %d cells, its header %d", l, n, h)
					}
				}
			}
		})
	}
}

// headerCells returns the cell count of the header of the table holding line.
func headerCells(md, line string) int {
	lines := strings.Split(md, "\n")
	i := slices.Index(lines, line)
	for i > 0 && strings.HasPrefix(lines[i-1], "|") {
		i--
	}
	return len(splitRow(lines[i]))
}

func TestFailureSectionFence(t *testing.T) {
	m := report.Matrix{Rows: []report.Row{{
		Area: "ttl", Model: "m", Spec: "s", Outcome: report.Fail,
		Message: "diff:\n```\n- a\n+ b\n```",
	}}}
	md := m.Markdown()
	if !strings.Contains(md, "````text\ndiff:\n```\n- a\n+ b\n```\n````\n") {
		t.Errorf("message not fenced with a longer fence:\n%s", md)
	}
}

func TestMultipleAPIs(t *testing.T) {
	m := report.Matrix{Rows: []report.Row{
		{Area: "cascade", Model: "m", Strategy: "NONE", Outcome: report.Pass, CacheReadTokens: 7},
		{Area: "cascade", API: "converse-stream", Model: "m", Strategy: "NONE", Outcome: report.Fail, CacheReadTokens: 9},
		{Area: "streaming", API: "converse-stream", Model: "m", Spec: "usage matches", Outcome: report.Pass},
	}}
	md := m.Markdown()
	for _, want := range []string{
		"### API: converse\n", "### API: converse-stream\n",
		"| m | ✅ R 7/W 0 |", "| m | ❌ R 9/W 0 |",
		"| Model | API | Spec | Outcome | R/W | Message |",
		"| m | converse-stream | usage matches |",
		"### ❌ fail — cascade · converse-stream · m · NONE",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	single := report.Matrix{Rows: m.Rows[:1]}.Markdown()
	if strings.Contains(single, "API") {
		t.Errorf("single-API Markdown mentions the API:\n%s", single)
	}
}

func TestHTML(t *testing.T) {
	m := fixture()
	m.Title = "matrix <b>bold</b>"
	m.Rows = append(m.Rows, report.Row{
		Area: "determinism", Model: "nova-pro", Spec: `spec "quoted" & <i>`, Outcome: report.Fail,
		Message: "<script>alert(1)</script>\nsecond line",
	}, report.Row{
		Area: "cascade", Model: "nova-pro", Strategy: "NONE", Spec: "<script>x</script>", Outcome: report.Pass,
		Message: "<script>y</script>",
	})
	page := m.HTML()
	for _, bad := range []string{"<script", "<b>bold", "<i>"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains unescaped %q", bad)
		}
	}
	if strings.Contains(strings.ToLower(page), "http") {
		t.Errorf("page refers to http: %q", regexp.MustCompile(`.{0,40}http.{0,40}`).FindString(page))
	}
	for _, bad := range []string{" src=", "<link", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("page has an external reference %q", bad)
		}
	}
	// Links go to places on the page (a cell, a row), never elsewhere.
	if l := regexp.MustCompile(` href="[^#]`).FindString(page); l != "" {
		t.Errorf("page links outside itself: %q", l)
	}
	for _, want := range []string{
		"&lt;script&gt;alert(1)&lt;/script&gt;",
		"<details", "<style>", `class="cell o-fail"`, `class="cell o-pass"`, `class="cell o-expected-error"`,
		`class="cell o-inconclusive"`, "Claude Sonnet 4.5", "SYSTEM_AND_TOOLS", "Failures and inconclusive cells",
		"R 1,536/W 3,584", "Expected cacheReadInputTokens on call 2\n    &lt;int&gt;: 1536",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// A URL in a message is shown as text, never linked.
	m = report.Matrix{Rows: []report.Row{{Area: "ttl", Spec: "s", Outcome: report.Fail, Message: "see https://example.com/x"}}}
	page = m.HTML()
	if !strings.Contains(page, "see https://example.com/x") || strings.Contains(page, `href="http`) {
		t.Errorf("URL in a message not shown as plain text")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	tests := []struct {
		name string
		m    report.Matrix
	}{
		{"fixture", fixture()},
		{"empty", report.Matrix{}},
		{"zone and odd values", report.Matrix{
			Generated: time.Date(2026, 1, 2, 3, 4, 5, 6, loc),
			Rows: []report.Row{{
				Area: "x", API: "invoke", Outcome: "weird", Message: "a\n<b> & \"c\"\u2028",
				CostUSD: 0.1 + 0.2, CostWithoutCacheUSD: 1e-9, Duration: 1234567891,
			}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := tt.m.JSON()
			if err != nil {
				t.Fatal(err)
			}
			got, err := report.ParseJSON(data)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.m, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
			again, err := got.JSON()
			if err != nil {
				t.Fatal(err)
			}
			if string(again) != string(data) {
				t.Errorf("JSON not stable:\n%s\n---\n%s", data, again)
			}
		})
	}
}

func TestJSONShape(t *testing.T) {
	data, err := fixture().JSON()
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, want := range []string{
		`"schema": "cachecascade.report/v1"`, `"generated": "2026-11-22T09:30:00Z"`,
		`"summary": {`, `"fail": 1,`, `"duration": "1.5s"`, `"strategy": "SYSTEM_ONLY"`, `"outcome": "expected-error"`,
		"\n  \"rows\": [\n    {\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("JSON lacks %q", want)
		}
	}
	if s[len(s)-1] != '\n' {
		t.Error("JSON does not end in a newline")
	}
	empty, _ := report.Matrix{}.JSON()
	if !strings.Contains(string(empty), `"rows": []`) {
		t.Errorf("empty matrix JSON has no empty rows list:\n%s", empty)
	}
}

func TestParseJSONErrors(t *testing.T) {
	tests := []struct{ name, in string }{
		{"not json", "{"},
		{"other schema", `{"schema": "cachecascade.report/v9"}`},
		{"bad time", `{"generated": "yesterday"}`},
		{"bad duration", `{"rows": [{"duration": "forever"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := report.ParseJSON([]byte(tt.in)); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestSummary(t *testing.T) {
	rows := []report.Row{
		{Outcome: report.Pass, Calls: 2, InputTokens: 10, OutputTokens: 5, CacheReadTokens: 100, CacheWriteTokens: 0, CostUSD: 0.25, CostWithoutCacheUSD: 1.00, Duration: time.Second},
		{Outcome: report.Fail, Calls: 1, InputTokens: 1, CacheWriteTokens: 50, CostUSD: 0.50, CostWithoutCacheUSD: 0.50, Duration: time.Second},
		{Outcome: report.ExpectedError},
		{Outcome: report.Inconclusive},
		{Outcome: report.NotApplicable},
		{Outcome: report.Skipped},
		{Outcome: "mystery"},
	}
	tests := []struct {
		name string
		rows []report.Row
		want report.Summary
	}{
		{"empty", nil, report.Summary{}},
		{"all outcomes", rows, report.Summary{
			Specs: 7, Pass: 1, Fail: 1, ExpectedError: 1, Inconclusive: 1, NotApplicable: 1, Skipped: 1, Other: 1,
			Calls: 3, InputTokens: 11, OutputTokens: 5, CacheReadTokens: 100, CacheWriteTokens: 50,
			CostUSD: 0.75, CostWithoutCacheUSD: 1.50, SavingsUSD: 0.75, SavingsPercent: 50, Duration: 2 * time.Second,
		}},
		{"caching costs more", []report.Row{{Outcome: report.Pass, CostUSD: 1.25, CostWithoutCacheUSD: 1.00}}, report.Summary{
			Specs: 1, Pass: 1, CostUSD: 1.25, CostWithoutCacheUSD: 1.00, SavingsUSD: -0.25, SavingsPercent: -25,
		}},
		{"free", []report.Row{{Outcome: report.Pass}}, report.Summary{Specs: 1, Pass: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := report.Matrix{Rows: tt.rows}.Summary()
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
				t.Errorf("Summary (-want +got):\n%s", diff)
			}
		})
	}
	if s := (report.Matrix{Rows: rows}).Summary(); s.OK() {
		t.Error("OK with a failure")
	}
	if s := (report.Matrix{Rows: rows[2:4]}).Summary(); !s.OK() {
		t.Error("not OK without failures")
	}
}

func TestSummaryLine(t *testing.T) {
	tests := []struct {
		name string
		rows []report.Row
		want string
	}{
		{"saving", []report.Row{{Outcome: report.Pass, CostUSD: 0.001234, CostWithoutCacheUSD: 0.004936}},
			"**1 specs**: 1 pass, 0 fail, 0 expected-error, 0 inconclusive. Tokens: 0 read from cache, 0 written to cache, 0 input, 0 output, in 0 calls. Cost: **$0.001234** with caching, $0.004936 without (75.0% saved)."},
		{"more", []report.Row{{Outcome: report.Skipped, CacheWriteTokens: 1234567, CostUSD: 12.5, CostWithoutCacheUSD: 10}},
			"**1 specs**: 0 pass, 0 fail, 0 expected-error, 0 inconclusive, 1 skipped. Tokens: 0 read from cache, 1,234,567 written to cache, 0 input, 0 output, in 0 calls. Cost: **$12.50** with caching, $10.00 without (25.0% more)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md := report.Matrix{Rows: tt.rows}.Markdown()
			if !strings.Contains(md, tt.want) {
				t.Errorf("Markdown lacks summary line\n%s\nin:\n%s", tt.want, md)
			}
		})
	}
}

func TestEmptyMatrix(t *testing.T) {
	tests := []struct {
		name string
		m    report.Matrix
	}{
		{"zero", report.Matrix{}},
		{"header only", report.Matrix{Title: "t", Mode: "live", Models: []report.ModelInfo{{Key: "k"}}}},
		{"row with nothing", report.Matrix{Rows: []report.Row{{}}}},
		{"cascade row without model", report.Matrix{Rows: []report.Row{{Area: "cascade", Strategy: "NONE", Outcome: report.Fail}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md := tt.m.Markdown()
			if !strings.HasPrefix(md, "# ") {
				t.Errorf("Markdown has no title:\n%s", md)
			}
			if page := tt.m.HTML(); !strings.Contains(page, "</html>") {
				t.Errorf("HTML incomplete:\n%s", page)
			}
			if _, err := tt.m.JSON(); err != nil {
				t.Error(err)
			}
		})
	}
	if md := (report.Matrix{}).Markdown(); strings.Contains(md, "Cascade") || strings.Contains(md, "Failures") {
		t.Errorf("empty matrix shows empty sections:\n%s", md)
	}
}

func TestWriteFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out", "nested")
	m := fixture()
	paths, err := report.WriteFiles(m, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "matrix.md"), filepath.Join(dir, "matrix.json"), filepath.Join(dir, "matrix.html")}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	js, _ := m.JSON()
	contents := map[string]string{"matrix.md": m.Markdown(), "matrix.json": string(js), "matrix.html": m.HTML()}
	// Write again over the first files: still exactly three, no leftovers.
	if _, err := report.WriteFiles(m, dir); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o644 {
			t.Errorf("%s has mode %v, want 0644", e.Name(), perm)
		}
	}
	if diff := cmp.Diff([]string{"matrix.html", "matrix.json", "matrix.md"}, names); diff != "" {
		t.Errorf("directory entries (-want +got):\n%s", diff)
	}
	for name, want := range contents {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%s differs from the rendering", name)
		}
	}
}

func TestWriteFilesError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := report.WriteFiles(report.Matrix{}, filepath.Join(file, "dir")); err == nil {
		t.Error("no error when the directory cannot be created")
	}
}

func TestAppendGitHubSummary(t *testing.T) {
	t.Run("unset", func(t *testing.T) {
		t.Setenv(report.GitHubSummaryEnv, "")
		if err := report.AppendGitHubSummary(fixture()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("appends", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "summary.md")
		if err := os.WriteFile(path, []byte("earlier step\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Setenv(report.GitHubSummaryEnv, path)
		first, second := fixture(), fixture()
		first.Title, second.Title = "first run", "second run"
		for _, m := range []report.Matrix{first, second} {
			if err := report.AppendGitHubSummary(m); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		want := "earlier step\n" + first.Markdown() + "\n" + second.Markdown() + "\n"
		if diff := cmp.Diff(want, string(got)); diff != "" {
			t.Errorf("summary file (-want +got):\n%s", diff)
		}
	})
	t.Run("unwritable", func(t *testing.T) {
		t.Setenv(report.GitHubSummaryEnv, filepath.Join(t.TempDir(), "missing", "summary.md"))
		if err := report.AppendGitHubSummary(report.Matrix{}); err == nil {
			t.Error("no error for a path in a missing directory")
		}
	})
}

// TestDefaultStrategies keeps the renderer's default column order in step
// with the matrix package.
func TestDefaultStrategies(t *testing.T) {
	var want []string
	for _, s := range matrix.Strategies {
		want = append(want, string(s))
	}
	if diff := cmp.Diff(want, report.DefaultStrategies); diff != "" {
		t.Errorf("DefaultStrategies (-matrix.Strategies +report):\n%s", diff)
	}
}

func TestOutcomes(t *testing.T) {
	tests := []struct {
		o             report.Outcome
		symbol        string
		valid, passed bool
	}{
		{report.Pass, "✅", true, true},
		{report.Fail, "❌", true, false},
		{report.ExpectedError, "⛔", true, true},
		{report.Inconclusive, "⚠️", true, false},
		{report.NotApplicable, "—", true, false},
		{report.Skipped, "⏭️", true, false},
		{"other", "❓", false, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.o), func(t *testing.T) {
			if got := tt.o.Symbol(); got != tt.symbol {
				t.Errorf("Symbol = %q, want %q", got, tt.symbol)
			}
			if got := tt.o.Valid(); got != tt.valid {
				t.Errorf("Valid = %v", got)
			}
			if got := tt.o.Passed(); got != tt.passed {
				t.Errorf("Passed = %v", got)
			}
		})
	}
}
