package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// view is the laid-out content both the Markdown and the HTML renderers
// show. Building it once keeps the two formats in step.
type view struct {
	Title     string
	Meta      string // "mode replay · target … · generated …"
	Summary   Summary
	MultiAPI  bool
	Main      []mainTable // one per API, in order of first use
	Strays    areaTable   // cascade rows without a model or a strategy
	Areas     []areaTable // the other areas, in report order
	Problems  []problem   // failed and inconclusive rows, in table order
	HasOthers bool        // any row with an unknown outcome
}

// mainTable is the cascade area's model × strategy table for one API.
type mainTable struct {
	API        string
	Strategies []string
	Models     []mainRow
	// Notes are the messages of cells that are neither failed nor
	// inconclusive (those are listed among the problems), such as what a
	// passing spec found or the error an expected rejection carried.
	Notes []problem
}

// mainRow is one model's line in a mainTable.
type mainRow struct {
	Model ModelInfo
	Cells []cell
}

// cell aggregates the rows of one (API, model, strategy) place.
type cell struct {
	Rows     []Row
	Outcomes []Outcome // distinct, worst first
	Read     int
	Write    int
}

// areaTable is one area's compact table.
type areaTable struct {
	Area        string
	Heading     string
	HasStrategy bool
	Rows        []areaRow
}

// areaRow is one row of an areaTable.
type areaRow struct {
	Row
	ModelLabel string
}

// problem is a failed or inconclusive row with where it sits.
type problem struct {
	Row
	ModelLabel string
}

// worst returns the cell's worst outcome, or "" for an empty cell.
func (c cell) worst() Outcome {
	if len(c.Outcomes) == 0 {
		return ""
	}
	return c.Outcomes[0]
}

// showTokens reports whether the cell's token counts are worth showing:
// not for empty cells, nor for cells that are only not-applicable or
// skipped.
func (c cell) showTokens() bool {
	for _, o := range c.Outcomes {
		if o != NotApplicable && o != Skipped {
			return true
		}
	}
	return false
}

// symbols returns the cell's outcome marks, worst first.
func (c cell) symbols() string {
	var b strings.Builder
	for _, o := range c.Outcomes {
		b.WriteString(o.Symbol())
	}
	return b.String()
}

// layout arranges m into a view.
func (m Matrix) layout() view {
	v := view{Title: m.Title, Summary: m.Summary()}
	if v.Title == "" {
		v.Title = DefaultTitle
	}
	v.Meta = m.meta()
	v.HasOthers = v.Summary.Other > 0

	models, modelIndex := m.modelOrder()
	strategies, strategyIndex := m.strategyOrder()
	label := func(r Row) string {
		if r.Model == "" {
			return "—"
		}
		if i, ok := modelIndex[r.Model]; ok && models[i].Name != "" {
			return models[i].Name
		}
		if r.ModelName != "" {
			return r.ModelName
		}
		return r.Model
	}

	var apis []string
	for _, r := range m.Rows {
		if !slices.Contains(apis, r.api()) {
			apis = append(apis, r.api())
		}
	}
	v.MultiAPI = len(apis) > 1

	// The main table: cascade rows with both a model and a strategy.
	var cascade, strays []Row
	for _, r := range m.Rows {
		if r.Area != AreaCascade {
			continue
		}
		if r.Model == "" || r.Strategy == "" {
			strays = append(strays, r)
			continue
		}
		cascade = append(cascade, r)
	}
	for _, api := range apis {
		t := mainTable{API: api, Strategies: strategies}
		for _, mi := range models {
			line := mainRow{Model: mi, Cells: make([]cell, len(strategies))}
			used := false
			for _, r := range cascade {
				if r.api() != api || r.Model != mi.Key {
					continue
				}
				used = true
				c := &line.Cells[strategyIndex[r.Strategy]]
				c.Rows = append(c.Rows, r)
				c.Read += r.CacheReadTokens
				c.Write += r.CacheWriteTokens
				if !slices.Contains(c.Outcomes, r.Outcome) {
					c.Outcomes = append(c.Outcomes, r.Outcome)
				}
			}
			if !used {
				continue
			}
			if line.Model.Name == "" {
				line.Model.Name = label(Row{Model: mi.Key, ModelName: firstName(cascade, mi.Key)})
			}
			for i := range line.Cells {
				sortOutcomes(line.Cells[i].Outcomes)
			}
			t.Models = append(t.Models, line)
			for _, c := range line.Cells {
				for _, r := range c.Rows {
					if strings.TrimSpace(r.Message) != "" && !isProblem(r.Outcome) {
						t.Notes = append(t.Notes, problem{Row: r, ModelLabel: line.Model.Name})
					}
				}
			}
		}
		if len(t.Models) > 0 {
			v.Main = append(v.Main, t)
		}
	}

	// Order rows inside an area: model order, then strategy order, then
	// the order the suites reported them. Model-independent rows first.
	sortRows := func(rows []Row) []Row {
		rows = slices.Clone(rows)
		slices.SortStableFunc(rows, func(a, b Row) int {
			return cmp.Or(
				cmp.Compare(modelRank(a, modelIndex), modelRank(b, modelIndex)),
				cmp.Compare(strategyRank(a, strategyIndex), strategyRank(b, strategyIndex)),
			)
		})
		return rows
	}
	makeTable := func(area, heading string, rows []Row) areaTable {
		t := areaTable{Area: area, Heading: heading}
		for _, r := range sortRows(rows) {
			t.Rows = append(t.Rows, areaRow{Row: r, ModelLabel: label(r)})
			if r.Strategy != "" {
				t.HasStrategy = true
			}
		}
		return t
	}
	v.Strays = makeTable(AreaCascade, "Other cascade specs", strays)

	byArea := map[string][]Row{}
	var areas []string
	for _, r := range m.Rows {
		if r.Area == AreaCascade {
			continue
		}
		if _, ok := byArea[r.Area]; !ok {
			areas = append(areas, r.Area)
		}
		byArea[r.Area] = append(byArea[r.Area], r)
	}
	slices.SortFunc(areas, func(a, b string) int {
		ia, ib := areaRank(a), areaRank(b)
		return cmp.Or(cmp.Compare(ia, ib), strings.Compare(a, b))
	})
	for _, a := range areas {
		v.Areas = append(v.Areas, makeTable(a, areaHeading(a), byArea[a]))
	}

	// Problems, in the order the tables show them.
	addProblems := func(rows []Row) {
		for _, r := range rows {
			if isProblem(r.Outcome) {
				v.Problems = append(v.Problems, problem{Row: r, ModelLabel: label(r)})
			}
		}
	}
	for _, api := range apis {
		var rows []Row
		for _, r := range cascade {
			if r.api() == api {
				rows = append(rows, r)
			}
		}
		addProblems(sortRows(rows))
	}
	addProblems(sortRows(strays))
	for _, a := range areas {
		addProblems(sortRows(byArea[a]))
	}
	return v
}

// isProblem reports whether rows with outcome o belong in the failures
// section: failed, inconclusive, or an unknown outcome.
func isProblem(o Outcome) bool { return o == Fail || o == Inconclusive || !o.Valid() }

// meta returns the line under the title: mode, target and date.
func (m Matrix) meta() string {
	var parts []string
	if m.Mode != "" {
		parts = append(parts, "mode "+m.Mode)
	}
	if m.Target != "" {
		parts = append(parts, "target "+m.Target)
	}
	if !m.Generated.IsZero() {
		parts = append(parts, "generated "+m.Generated.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	return strings.Join(parts, " · ")
}

// modelOrder returns the models in table order, with those only the rows
// name appended, and each key's index.
func (m Matrix) modelOrder() ([]ModelInfo, map[string]int) {
	var models []ModelInfo
	index := map[string]int{}
	add := func(mi ModelInfo) {
		if mi.Key == "" {
			return
		}
		if _, ok := index[mi.Key]; ok {
			return
		}
		index[mi.Key] = len(models)
		models = append(models, mi)
	}
	for _, mi := range m.Models {
		add(mi)
	}
	for _, r := range m.Rows {
		add(ModelInfo{Key: r.Model, Name: r.ModelName, Family: r.Family})
	}
	return models, index
}

// strategyOrder returns the strategy columns, with those only the rows name
// appended, and each name's index.
func (m Matrix) strategyOrder() ([]string, map[string]int) {
	base := m.Strategies
	if len(base) == 0 {
		base = DefaultStrategies
	}
	var out []string
	index := map[string]int{}
	add := func(s string) {
		if s == "" {
			return
		}
		if _, ok := index[s]; ok {
			return
		}
		index[s] = len(out)
		out = append(out, s)
	}
	for _, s := range base {
		add(s)
	}
	for _, r := range m.Rows {
		add(r.Strategy)
	}
	return out, index
}

// firstName returns the first non-empty ModelName the rows give key.
func firstName(rows []Row, key string) string {
	for _, r := range rows {
		if r.Model == key && r.ModelName != "" {
			return r.ModelName
		}
	}
	return ""
}

func modelRank(r Row, index map[string]int) int {
	if r.Model == "" {
		return -1
	}
	return index[r.Model]
}

func strategyRank(r Row, index map[string]int) int {
	if r.Strategy == "" {
		return -1
	}
	return index[r.Strategy]
}

func areaRank(a string) int {
	if i := slices.Index(Areas, a); i >= 0 {
		return i
	}
	return len(Areas)
}

// areaHeading capitalises an area's name for a heading.
func areaHeading(a string) string {
	if a == "" {
		return "Unassigned"
	}
	return strings.ToUpper(a[:1]) + a[1:]
}

func sortOutcomes(os []Outcome) {
	slices.SortStableFunc(os, func(a, b Outcome) int { return cmp.Compare(a.rank(), b.rank()) })
}

// firstLine returns s's first line, with " …" appended when more follow.
func firstLine(s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[:i]) + " …"
	}
	return s
}

// formatInt writes n with thousands separators: 12,345.
func formatInt(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// formatUSD writes a dollar amount: two decimals from one dollar up, four
// significant digits below ($0.1234, $0.001234), and $0.00 for zero.
func formatUSD(x float64) string {
	sign := ""
	if x < 0 {
		sign, x = "-", -x
	}
	switch {
	case x == 0:
		return "$0.00"
	case x >= 1 || math.IsInf(x, 0) || math.IsNaN(x):
		return fmt.Sprintf("%s$%.2f", sign, x)
	}
	decimals := 3 - int(math.Floor(math.Log10(x)))
	if decimals > 10 {
		decimals = 10
	}
	s := strconv.FormatFloat(x, 'f', decimals, 64)
	if s == "1.0000" { // 0.99995 and up round to a dollar
		s = "1.00"
	}
	return sign + "$" + s
}

// formatPercent writes a percentage with one decimal.
func formatPercent(p float64) string { return strconv.FormatFloat(p, 'f', 1, 64) + "%" }

// tokens writes a read/write pair as the tables show it.
func tokens(read, write int) string { return "R " + formatInt(read) + "/W " + formatInt(write) }

// savingsPhrase describes the saving: "73.0% saved" or "5.0% more".
func savingsPhrase(s Summary) string {
	if s.CostWithoutCacheUSD == 0 {
		return "no saving"
	}
	if s.SavingsPercent < 0 {
		return formatPercent(-s.SavingsPercent) + " more"
	}
	return formatPercent(s.SavingsPercent) + " saved"
}

// legend lists the outcome marks.
func legend() []string {
	return []string{
		"✅ pass",
		"❌ fail",
		"⛔ expected error (rejected by the service as predicted; counts as a pass)",
		"⚠️ inconclusive",
		"— not applicable",
		"⏭️ skipped",
		"R/W cache-read/cache-write tokens",
	}
}
