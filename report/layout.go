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
	Lineup    []ModelInfo // the models with a lifecycle, in Matrix.Models order
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
	for _, mi := range m.Models {
		if mi.Lifecycle != "" {
			v.Lineup = append(v.Lineup, mi)
		}
	}

	o := m.tableOrder()
	apis := m.apis()
	v.MultiAPI = len(apis) > 1

	// The main table: cascade rows with both a model and a strategy.
	cascade, strays := splitCascade(m.Rows)
	for _, api := range apis {
		if t := o.cascadeTable(api, cascade); len(t.Models) > 0 {
			v.Main = append(v.Main, t)
		}
	}
	v.Strays = o.compactTable(AreaCascade, "Other cascade specs", strays)
	byArea, areas := otherAreas(m.Rows)
	for _, a := range areas {
		v.Areas = append(v.Areas, o.compactTable(a, areaHeading(a), byArea[a]))
	}

	// Problems, in the order the tables show them.
	var groups [][]Row
	for _, api := range apis {
		groups = append(groups, rowsOfAPI(cascade, api))
	}
	groups = append(groups, strays)
	for _, a := range areas {
		groups = append(groups, byArea[a])
	}
	v.Problems = o.problems(groups)
	return v
}

// tableOrder is the order the tables follow: the models and the strategy
// columns, each with its index by key.
type tableOrder struct {
	models        []ModelInfo
	modelIndex    map[string]int
	strategies    []string
	strategyIndex map[string]int
}

// tableOrder returns the model and strategy order of m's tables.
func (m Matrix) tableOrder() tableOrder {
	var o tableOrder
	o.models, o.modelIndex = m.modelOrder()
	o.strategies, o.strategyIndex = m.strategyOrder()
	return o
}

// label returns the name a table shows for r's model: the model list's
// name, else the row's, else the key, and "—" for a row without a model.
func (o tableOrder) label(r Row) string {
	if r.Model == "" {
		return "—"
	}
	if i, ok := o.modelIndex[r.Model]; ok && o.models[i].Name != "" {
		return o.models[i].Name
	}
	if r.ModelName != "" {
		return r.ModelName
	}
	return r.Model
}

// sortRows returns a copy of rows in the order inside an area: model
// order, then strategy order, then the order the suites reported them.
// Model-independent rows come first.
func (o tableOrder) sortRows(rows []Row) []Row {
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, func(a, b Row) int {
		return cmp.Or(
			cmp.Compare(modelRank(a, o.modelIndex), modelRank(b, o.modelIndex)),
			cmp.Compare(strategyRank(a, o.strategyIndex), strategyRank(b, o.strategyIndex)),
		)
	})
	return rows
}

// apis returns the APIs the rows use, in order of first use.
func (m Matrix) apis() []string {
	var apis []string
	for _, r := range m.Rows {
		if !slices.Contains(apis, r.api()) {
			apis = append(apis, r.api())
		}
	}
	return apis
}

// splitCascade returns the cascade area's rows, those with both a model and
// a strategy (the main table's) apart from the strays missing either.
func splitCascade(rows []Row) (cascade, strays []Row) {
	for _, r := range rows {
		if r.Area != AreaCascade {
			continue
		}
		if r.Model == "" || r.Strategy == "" {
			strays = append(strays, r)
			continue
		}
		cascade = append(cascade, r)
	}
	return cascade, strays
}

// rowsOfAPI returns the rows on api, in order.
func rowsOfAPI(rows []Row, api string) []Row {
	var out []Row
	for _, r := range rows {
		if r.api() == api {
			out = append(out, r)
		}
	}
	return out
}

// cascadeTable builds api's main table from the cascade rows: one line per
// model with rows on api, and the notes of its cells.
func (o tableOrder) cascadeTable(api string, cascade []Row) mainTable {
	t := mainTable{API: api, Strategies: o.strategies}
	for _, mi := range o.models {
		line, used := o.cascadeLine(api, mi, cascade)
		if !used {
			continue
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
	return t
}

// cascadeLine aggregates model mi's cascade rows on api into one cell per
// strategy, outcomes worst first; used is false when mi has no such row.
func (o tableOrder) cascadeLine(api string, mi ModelInfo, cascade []Row) (line mainRow, used bool) {
	line = mainRow{Model: mi, Cells: make([]cell, len(o.strategies))}
	for _, r := range cascade {
		if r.api() != api || r.Model != mi.Key {
			continue
		}
		used = true
		c := &line.Cells[o.strategyIndex[r.Strategy]]
		c.Rows = append(c.Rows, r)
		c.Read += r.CacheReadTokens
		c.Write += r.CacheWriteTokens
		if !slices.Contains(c.Outcomes, r.Outcome) {
			c.Outcomes = append(c.Outcomes, r.Outcome)
		}
	}
	if !used {
		return line, false
	}
	if line.Model.Name == "" {
		line.Model.Name = o.label(Row{Model: mi.Key, ModelName: firstName(cascade, mi.Key)})
	}
	for i := range line.Cells {
		sortOutcomes(line.Cells[i].Outcomes)
	}
	return line, true
}

// compactTable builds one area's compact table from its rows, sorted.
func (o tableOrder) compactTable(area, heading string, rows []Row) areaTable {
	t := areaTable{Area: area, Heading: heading}
	for _, r := range o.sortRows(rows) {
		t.Rows = append(t.Rows, areaRow{Row: r, ModelLabel: o.label(r)})
		if r.Strategy != "" {
			t.HasStrategy = true
		}
	}
	return t
}

// otherAreas groups the rows outside the cascade area by area, returning
// the groups and the areas in report order (known areas first, then the
// others by name).
func otherAreas(rows []Row) (map[string][]Row, []string) {
	byArea := map[string][]Row{}
	var areas []string
	for _, r := range rows {
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
	return byArea, areas
}

// problems lists the problem rows of each group, the group sorted as its
// table shows it, group after group.
func (o tableOrder) problems(groups [][]Row) []problem {
	var out []problem
	for _, rows := range groups {
		for _, r := range o.sortRows(rows) {
			if isProblem(r.Outcome) {
				out = append(out, problem{Row: r, ModelLabel: o.label(r)})
			}
		}
	}
	return out
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
