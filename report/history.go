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
	// CostUSD is what the night's live calls cost.
	CostUSD float64
	// Compared counts the specs compared with their cassettes, Differ
	// those that differed.
	Compared, Differ int
	// Exit is the night's exit status; 0 is a clean night.
	Exit int
}

// historyChart draws the nights as bars of their live cost, the latest
// last, each bar red where specs differed from their cassettes and titled
// with the night's numbers.
func historyChart(nights []Night) template.HTML {
	const barW, gap, h = 14, 4, 90
	full := 0.0
	for _, n := range nights {
		full = max(full, n.CostUSD)
	}
	w := len(nights)*(barW+gap) + 2
	var b strings.Builder
	label := fmt.Sprintf("live cost of the last %d nights", len(nights))
	fmt.Fprintf(&b, `<svg class="history" width="%d" height="%d" role="group" aria-label="%s">`, w, h+2, label)
	for i, n := range nights {
		bh := 1
		if full > 0 {
			bh = max(1, int(n.CostUSD/full*float64(h-4)))
		}
		cls := "t-read"
		if n.Differ > 0 || n.Exit != 0 {
			cls = "h-bad"
		}
		title := fmt.Sprintf("%s: %s live, %d specs compared, %d differed, exit %d",
			n.Started.UTC().Format("2006-01-02"), formatUSD(n.CostUSD), n.Compared, n.Differ, n.Exit)
		fmt.Fprintf(&b, `<g tabindex="0"><title>%s</title><rect class="%s" x="%d" y="%d" width="%d" height="%d"/></g>`,
			template.HTMLEscapeString(title), cls, i*(barW+gap), h-bh, barW, bh)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
