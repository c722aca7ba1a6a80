package report

import (
	"fmt"
	"html/template"
	"strings"
	"time"
)

// Night is one night of the nightly run's history, as the HTML report
// plots it across nights (cmd/nightly fills Matrix.History from its
// -history file).
type Night struct {
	// Started is when the night began.
	Started time.Time
	// CostUSD is what the night spent: its live, second live and
	// re-record runs.
	CostUSD float64
	// LiveUSD is what the live run's specs cost, and WithoutCacheUSD what
	// the same tokens would have cost with no caching (zero for a night
	// recorded before the history kept it: then only CostUSD is plotted).
	LiveUSD, WithoutCacheUSD float64
	// Compared counts the specs compared with their cassettes, Differ
	// those that differed.
	Compared, Differ int
	// Exit is the night's exit status; 0 is a clean night.
	Exit int
}

// historyChart draws the nights, the latest last: for each, a bar of its
// live specs' cost with caching in front of a bar of the same calls without
// caching (a night recorded before the history kept that: one bar of what
// it spent). A bar is red where specs differed from their cassettes or the
// night failed, and titled with the night's numbers.
func historyChart(nights []Night) template.HTML {
	const barW, gap, h = 14, 4, 90
	full := 0.0
	for _, n := range nights {
		full = max(full, n.plotted(), n.WithoutCacheUSD)
	}
	height := func(usd float64) int {
		if full <= 0 {
			return 1
		}
		return max(1, int(usd/full*float64(h-4)))
	}
	w := len(nights)*(barW+gap) + 2
	var b strings.Builder
	label := fmt.Sprintf("live cost of the last %d nights, with caching and without", len(nights))
	fmt.Fprintf(&b, `<svg class="history" width="%d" height="%d" role="group" aria-label="%s">`, w, h+2, label)
	for i, n := range nights {
		x := i * (barW + gap)
		cls := "t-read"
		if n.Differ > 0 || n.Exit != 0 {
			cls = "h-bad"
		}
		day := n.Started.UTC().Format("2006-01-02")
		title := fmt.Sprintf("%s: %s live, %d specs compared, %d differed, exit %d", day, formatUSD(n.CostUSD), n.Compared, n.Differ, n.Exit)
		var without string
		if n.WithoutCacheUSD > 0 {
			title = fmt.Sprintf("%s: %s spent; the live specs %s with caching, %s without (%s), %d specs compared, %d differed, exit %d",
				day, formatUSD(n.CostUSD), formatUSD(n.LiveUSD), formatUSD(n.WithoutCacheUSD), savingWords(n.LiveUSD, n.WithoutCacheUSD), n.Compared, n.Differ, n.Exit)
			wh := height(n.WithoutCacheUSD)
			without = fmt.Sprintf(`<rect class="t-input" x="%d" y="%d" width="%d" height="%d"/>`, x, h-wh, barW, wh)
		}
		bh := height(n.plotted())
		fmt.Fprintf(&b, `<g tabindex="0"><title>%s</title>%s<rect class="%s" x="%d" y="%d" width="%d" height="%d"/></g>`,
			template.HTMLEscapeString(title), without, cls, x, h-bh, barW, bh)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// plotted is the cost the night's front bar shows: its live specs' cost
// when the history kept the cost without caching beside it, else what the
// night spent.
func (n Night) plotted() float64 {
	if n.WithoutCacheUSD > 0 {
		return n.LiveUSD
	}
	return n.CostUSD
}
