package report

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"html/template"
	"slices"
	"strconv"
	"strings"
)

// visuals is what the HTML page draws beyond the tables: the at-a-glance
// counts, the cost charts, where the tokens go, the findings rolled up and
// the filter values.
type visuals struct {
	Glance     glance
	Costs      []modelCost
	AreaTokens []areaTokens
	Findings   []findingGroup
	Families   []string
	APIs       []string
	AreaNames  []string
	Outcomes   []Outcome
	Key        []Step // the steps the strips' legend draws
	History    []Night
}

// glance counts the cascade cells by what they show.
type glance struct {
	Cells, Caching, Broken, Rejected, Problems int
}

// modelCost is one model's cost over the run.
type modelCost struct {
	Key, Name, Family string
	With, Without     float64
}

// areaTokens is where one area's tokens went.
type areaTokens struct {
	Area                       string
	Input, Read, Write, Output int
}

// findingGroup is the rows that share an outcome, a rule, an area, a family
// and a message.
type findingGroup struct {
	Outcome            Outcome
	Rule, Area, Family string
	Message            string
	Members            []member
	Lines              []string // "Nova Pro, Nova Lite × TOOLS_ONLY, SYSTEM_AND_TOOLS"
}

// member is one row of a finding group, with where it sits on the page.
type member struct {
	Label, Anchor, API string
}

// visuals computes the page's pictures from the matrix and its view.
func (m Matrix) visuals(v view) visuals {
	var vis visuals
	o := m.tableOrder()
	for _, t := range v.Main {
		for _, line := range t.Models {
			for _, c := range line.Cells {
				if len(c.Rows) == 0 {
					continue
				}
				vis.Glance.Cells++
				switch {
				case isProblem(c.worst()) || cellBroken(c):
					vis.Glance.Problems++
				case c.worst() == ExpectedError:
					vis.Glance.Rejected++
				case cellReads(c):
					vis.Glance.Caching++
				}
				if cellBroken(c) {
					vis.Glance.Broken++
				}
			}
		}
	}
	costs := map[string]*modelCost{}
	areas := map[string]*areaTokens{}
	for _, r := range m.Rows {
		add(&vis.Families, r.Family)
		add(&vis.APIs, r.api())
		add(&vis.AreaNames, r.Area)
		add(&vis.Outcomes, r.Outcome)
		if r.Model != "" {
			c, ok := costs[r.Model]
			if !ok {
				c = &modelCost{Key: r.Model, Name: o.label(r), Family: r.Family}
				costs[r.Model] = c
			}
			c.With += r.CostUSD
			c.Without += r.CostWithoutCacheUSD
		}
		a, ok := areas[r.Area]
		if !ok {
			a = &areaTokens{Area: r.Area}
			areas[r.Area] = a
		}
		a.Input += r.InputTokens
		a.Read += r.CacheReadTokens
		a.Write += r.CacheWriteTokens
		a.Output += r.OutputTokens
	}
	for _, mi := range o.models {
		if c, ok := costs[mi.Key]; ok && c.Without > 0 {
			vis.Costs = append(vis.Costs, *c)
		}
	}
	slices.SortFunc(vis.AreaNames, func(a, b string) int { return cmp.Or(cmp.Compare(areaRank(a), areaRank(b)), strings.Compare(a, b)) })
	for _, a := range vis.AreaNames {
		if t := areas[a]; t.Input+t.Read+t.Write+t.Output > 0 {
			vis.AreaTokens = append(vis.AreaTokens, *t)
		}
	}
	slices.Sort(vis.Families)
	sortOutcomes(vis.Outcomes)
	vis.Key = keySteps(v)
	vis.History = m.History
	vis.Findings = o.findings(m.Rows, vis.AreaNames, len(vis.APIs) > 1)
	return vis
}

// add appends s to *list unless it is empty or there already.
func add[T comparable](list *[]T, s T) {
	var zero T
	if s != zero && !slices.Contains(*list, s) {
		*list = append(*list, s)
	}
}

// cellBroken reports whether a step of the cell's rows differs from the
// oracle's expectation.
func cellBroken(c cell) bool {
	for _, r := range c.Rows {
		for _, s := range r.Steps {
			if s.Broken() {
				return true
			}
		}
	}
	return false
}

// cellReads reports whether a step of the cell's rows read a layer from
// the cache.
func cellReads(c cell) bool {
	for _, r := range c.Rows {
		for _, s := range r.Steps {
			for _, l := range s.Layers {
				if l.Did == StateRead {
					return true
				}
			}
		}
	}
	return false
}

// findings groups the rows with a message by outcome, rule, area, family
// and message: failed and inconclusive groups first, worst first, then the
// others in table order.
func (o tableOrder) findings(rows []Row, areas []string, multiAPI bool) []findingGroup {
	var groups []findingGroup
	index := map[string]int{}
	for _, a := range areas {
		var inArea []Row
		for _, r := range rows {
			if r.Area == a {
				inArea = append(inArea, r)
			}
		}
		for _, r := range o.sortRows(inArea) {
			msg := strings.TrimSpace(r.Message)
			if msg == "" {
				continue
			}
			key := strings.Join([]string{string(r.Outcome), r.Rule, r.Area, r.Family, msg}, "\x00")
			i, ok := index[key]
			if !ok {
				i = len(groups)
				index[key] = i
				groups = append(groups, findingGroup{Outcome: r.Outcome, Rule: r.Rule, Area: r.Area, Family: r.Family, Message: msg})
			}
			label := o.label(r)
			if r.Strategy != "" {
				label += " · " + r.Strategy
			}
			if multiAPI {
				label += " · " + r.api()
			}
			groups[i].Members = append(groups[i].Members, member{Label: label, Anchor: rowAnchor(r), API: r.api()})
		}
	}
	for i := range groups {
		groups[i].Lines = o.shareLines(groups[i], rows)
	}
	// Failures and inconclusive findings first, worst first; the others
	// stay in table order (areas in report order).
	first := func(g findingGroup) int {
		if isProblem(g.Outcome) {
			return g.Outcome.rank()
		}
		return len(Outcomes) + 1
	}
	slices.SortStableFunc(groups, func(a, b findingGroup) int { return cmp.Compare(first(a), first(b)) })
	return groups
}

// shareLines says which models and strategies a group's rows share:
// models with the same strategies on one line, "Nova Pro, Nova Lite ×
// TOOLS_ONLY, SYSTEM_AND_TOOLS".
func (o tableOrder) shareLines(g findingGroup, rows []Row) []string {
	strategies := map[string][]string{}
	var models []string
	for _, r := range rows {
		if strings.TrimSpace(r.Message) != g.Message || r.Outcome != g.Outcome || r.Rule != g.Rule || r.Area != g.Area || r.Family != g.Family {
			continue
		}
		name := o.label(r)
		add(&models, name)
		if r.Strategy != "" && !slices.Contains(strategies[name], r.Strategy) {
			strategies[name] = append(strategies[name], r.Strategy)
		}
	}
	var sigs []string
	bySig := map[string][]string{}
	for _, name := range models {
		ss := slices.Clone(strategies[name])
		slices.SortFunc(ss, func(a, b string) int { return cmp.Compare(o.strategyIndex[a], o.strategyIndex[b]) })
		sig := strings.Join(ss, ", ")
		if _, ok := bySig[sig]; !ok {
			sigs = append(sigs, sig)
		}
		bySig[sig] = append(bySig[sig], name)
	}
	var lines []string
	for _, sig := range sigs {
		ms := bySig[sig]
		line := strings.Join(ms, ", ")
		if sig != "" {
			line += " × " + sig
		}
		if n := len(ms); n > 1 {
			line = fmt.Sprintf("%d models: %s", n, line)
		}
		lines = append(lines, line)
	}
	return lines
}

// slug keeps the letters and digits of s, lower-cased, and turns the rest
// into dashes: safe in an id, a class and a CSS selector.
func slug(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		} else {
			b.WriteByte('-')
		}
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

// cellAnchor is the id of a cascade cell.
func cellAnchor(api, model, strategy string) string {
	return "c-" + slug(api) + "-" + slug(model) + "-" + slug(strategy)
}

// rowAnchor is the id of where a row is shown: its cascade cell, or its row
// of an area table.
func rowAnchor(r Row) string {
	if r.Area == AreaCascade && r.Model != "" && r.Strategy != "" {
		return cellAnchor(r.api(), r.Model, r.Strategy)
	}
	h := fnv.New32a()
	h.Write([]byte(strings.Join([]string{r.Area, r.api(), r.Model, r.Strategy, r.Spec}, "\x00")))
	return "r-" + strconv.FormatUint(uint64(h.Sum32()), 36)
}

// outcomeLabel is the word a badge shows for an outcome.
func outcomeLabel(o Outcome) string {
	switch o {
	case ExpectedError:
		return "rejected as predicted"
	case NotApplicable:
		return "n/a"
	case "":
		return "none"
	}
	return string(o)
}

// badge draws an outcome as a shape and a word: readable without an emoji
// font, by screen readers and in forced colours.
func badge(o Outcome) template.HTML {
	return template.HTML(`<span class="badge ` + outcomeClass(o) + `"><i aria-hidden="true"></i>` +
		template.HTMLEscapeString(outcomeLabel(o)) + `</span>`)
}

// The strip's geometry: squares of stripSide pixels every stripPitch.
const (
	stripSide  = 10
	stripPitch = 13
	// stripMark is the height of the band under the squares where a step
	// off the oracle is marked.
	stripMark = 5
)

// strip draws a cascade cell as steps × layers: one column per judged step,
// one square per layer coloured by what the service did, outlined where it
// differs from the oracle's expectation; each column's title gives the
// step's usage and rule.
func strip(c cell, model, strategy string) template.HTML {
	var steps []Step
	for _, r := range c.Rows {
		steps = append(steps, r.Steps...)
	}
	var b strings.Builder
	n := max(len(steps), 1)
	w, h := n*stripPitch-(stripPitch-stripSide)+2, len(LayerNames)*stripPitch-(stripPitch-stripSide)+2+stripMark
	fmt.Fprintf(&b, `<svg class="strip" width="%d" height="%d" viewBox="-1 -1 %d %d" role="group" aria-label="%s">`,
		w, h, w, h, template.HTMLEscapeString(fmt.Sprintf("%s %s: %d steps, %s", model, strategy, len(steps), stripSummary(steps))))
	if len(steps) == 0 {
		fmt.Fprintf(&b, `<g tabindex="0"><title>no judged call recorded</title><rect class="s-none" width="%d" height="%d"/></g>`, stripSide, h-2-stripMark)
	}
	for i, s := range steps {
		b.WriteString(`<g tabindex="0"><title>`)
		template.HTMLEscape(&b, []byte(stepTitle(s)))
		b.WriteString(`</title>`)
		layers := s.Layers
		if len(layers) == 0 {
			layers = make([]LayerResult, len(LayerNames))
		}
		for j, l := range layers {
			cls := "s-" + slug(string(l.Did))
			if l.Did == "" {
				cls = "s-none"
			}
			if l.Differs() {
				cls += " d"
			}
			svgRect(&b, cls, i*stripPitch, j*stripPitch, stripSide, stripSide)
		}
		if s.Broken() {
			svgRect(&b, "bk", i*stripPitch, len(layers)*stripPitch, stripSide, stripMark-1)
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// svgRect writes an SVG rect of a class (which needs no escaping) at x, y
// of width w and height h. A strip has a rect per step and layer, a few
// thousand in the page of the full matrix.
func svgRect(b *strings.Builder, class string, x, y, w, h int) {
	var num [20]byte
	b.WriteString(`<rect class="`)
	b.WriteString(class)
	for _, a := range [...]struct {
		name string
		v    int
	}{{`" x="`, x}, {`" y="`, y}, {`" width="`, w}, {`" height="`, h}} {
		b.WriteString(a.name)
		b.Write(strconv.AppendInt(num[:0], int64(a.v), 10))
	}
	b.WriteString(`"/>`)
}

// rowStrip draws the strip of one row of the changes area's table (its
// steps are the change kinds) when some step of it has its layers; rows
// of other areas draw none, which keeps the page of the whole matrix
// under its 2 MB.
func rowStrip(r Row) template.HTML {
	if r.Area != AreaChanges {
		return ""
	}
	for _, st := range r.Steps {
		if len(st.Layers) > 0 {
			return "<br>" + strip(cell{Rows: []Row{r}}, r.ModelName, r.Spec)
		}
	}
	return ""
}

// stripKey draws the legend of the strips: the steps of a cell, larger,
// with the steps' names over the columns and the layers' names beside the
// rows.
func stripKey(steps []Step) template.HTML {
	const side, pitch, left, top = 14, 20, 70, 92
	var b strings.Builder
	w, h := left+len(steps)*pitch+70, top+len(LayerNames)*pitch+2
	fmt.Fprintf(&b, `<svg class="strip-key" width="%d" height="%d" role="img" aria-label="how to read a strip: one column per step, one row per layer"><title>one column per step, one row per layer</title>`, w, h)
	for j, l := range LayerNames {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, left-6, top+j*pitch+side-3, l)
	}
	for i, s := range steps {
		x := left + i*pitch
		fmt.Fprintf(&b, `<text transform="translate(%d,%d) rotate(-65)">%s</text>`, x+side/2+3, top-5, template.HTMLEscapeString(s.Name))
		for j, l := range s.Layers {
			fmt.Fprintf(&b, `<rect class="s-%s" x="%d" y="%d" width="%d" height="%d"/>`, slug(string(l.Did)), x, top+j*pitch, side, side)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// keySteps returns the steps of the first cascade cell that has the most
// layers read from the cache, as the strips' legend shows them.
func keySteps(v view) []Step {
	var best []Step
	score := -1
	for _, t := range v.Main {
		for _, line := range t.Models {
			for _, c := range line.Cells {
				for _, r := range c.Rows {
					n := 0
					for _, s := range r.Steps {
						for _, l := range s.Layers {
							if l.Did == StateRead {
								n++
							}
						}
						if len(s.Layers) == 0 {
							n = -1 << 20
						}
					}
					if n > score && len(r.Steps) > 0 {
						best, score = r.Steps, n
					}
				}
			}
		}
	}
	return best
}

// stripSummary says in a few words what a strip shows.
func stripSummary(steps []Step) string {
	broken, reads := 0, 0
	for _, s := range steps {
		if s.Broken() {
			broken++
		}
		for _, l := range s.Layers {
			if l.Did == StateRead {
				reads++
				break
			}
		}
	}
	if broken > 0 {
		return fmt.Sprintf("%d differ from the oracle", broken)
	}
	return fmt.Sprintf("%d read from cache, all as the oracle expected", reads)
}

// stepTitle is a step's hover text: name, outcome, rule, layers, usage and
// the finding's first line, shortened.
func stepTitle(s Step) string {
	var b strings.Builder
	b.WriteString(s.Name + ": " + outcomeLabel(s.Outcome))
	if s.Rule != "" {
		b.WriteString(" [" + s.Rule + "]")
	}
	for _, l := range s.Layers {
		b.WriteString("\n" + l.Layer + ": " + string(l.Did))
		if l.Checkpoint {
			b.WriteString(" (checkpoint)")
		}
		if l.Differs() {
			b.WriteString(", expected " + string(l.Expected))
		}
	}
	fmt.Fprintf(&b, "\ninput %s · output %s · read %s · write %s", formatInt(s.InputTokens), formatInt(s.OutputTokens), formatInt(s.CacheReadTokens), formatInt(s.CacheWriteTokens))
	if f := firstLine(s.Finding); f != "" {
		if r := []rune(f); len(r) > 160 {
			f = string(r[:160]) + " …"
		}
		b.WriteString("\n" + f)
	}
	return b.String()
}

// costBars draws cost with and without caching as two bars, the larger
// filling the width, with the amounts and the saving.
func costBars(with, without float64, width int) template.HTML {
	full := max(with, without)
	bar := func(x float64) int {
		if full <= 0 {
			return 0
		}
		return max(1, int(x/full*float64(width-90)))
	}
	label := fmt.Sprintf("%s with caching, %s without, %s", formatUSD(with), formatUSD(without), savingWords(with, without))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="bars" width="%d" height="36" role="img" aria-label="%s"><title>%s</title>`, width, template.HTMLEscapeString(label), template.HTMLEscapeString(label))
	fmt.Fprintf(&b, `<rect class="c-with" y="2" height="14" width="%d"/><text x="%d" y="13">%s</text>`, bar(with), bar(with)+4, formatUSD(with))
	fmt.Fprintf(&b, `<rect class="c-without" y="20" height="14" width="%d"/><text x="%d" y="31">%s</text>`, bar(without), bar(without)+4, formatUSD(without))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// savingWords says what caching saved: "62.0% saved" or "5.0% more".
func savingWords(with, without float64) string {
	return savingsPhrase(Summary{CostUSD: with, CostWithoutCacheUSD: without, SavingsUSD: without - with, SavingsPercent: percentOf(without-with, without)})
}

func percentOf(x, of float64) float64 {
	if of == 0 {
		return 0
	}
	return x / of * 100
}

// tokenBar draws where an area's tokens went as one bar, split into cache
// reads, cache writes, uncached input and output.
func tokenBar(a areaTokens, width int) template.HTML {
	total := a.Read + a.Write + a.Input + a.Output
	parts := []struct {
		cls, name string
		n         int
	}{{"t-read", "read from cache", a.Read}, {"t-write", "written to cache", a.Write}, {"t-input", "uncached input", a.Input}, {"t-output", "output", a.Output}}
	var label []string
	for _, p := range parts {
		label = append(label, fmt.Sprintf("%s %s (%s)", formatInt(p.n), p.name, formatPercent(percentOf(float64(p.n), float64(total)))))
	}
	var b strings.Builder
	l := template.HTMLEscapeString(a.Area + ": " + strings.Join(label, ", "))
	fmt.Fprintf(&b, `<svg class="tokens" width="%d" height="16" role="img" aria-label="%s"><title>%s</title>`, width, l, l)
	x := 0.0
	for _, p := range parts {
		if p.n == 0 || total == 0 {
			continue
		}
		w := float64(p.n) / float64(total) * float64(width)
		fmt.Fprintf(&b, `<rect class="%s" x="%.1f" width="%.1f" height="16"/>`, p.cls, x, w)
		x += w
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
