package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cachecascade/cachecascade/internal/atomicfile"
	"github.com/cachecascade/cachecascade/report"
)

// HistoryNights is how many nights a history keeps, the latest last.
const HistoryNights = 30

// HistoryFile is the history's name in the report directory, where a run
// (or a merge) leaves the history with tonight added, for the workflow to
// keep and hand to the next night (-history).
const HistoryFile = "history.json"

// History is the record of the last nights: per night its exit, counts and
// cost, and per cell (spec) its class and cost, so that a night can show
// the trend: cells flaky over several nights, and cost against the
// previous nights.
type History struct {
	Nights []Night `json:"nights"`
}

// Night is one night in the history.
type Night struct {
	Started   time.Time `json:"started"`
	Exit      int       `json:"exit"`
	Compared  int       `json:"compared"`
	Differ    int       `json:"differ"`
	LiveCalls int       `json:"liveCalls"`
	ActualUSD float64   `json:"actualUSD"`
	// Cells maps each spec compared to its class ("" when the live run
	// agreed with the cassette) and its live cost.
	Cells map[string]Cell `json:"cells"`
}

// Cell is one spec on one night: its class, its live cost and what the
// same tokens would have cost with no caching (zero in a history written
// before that was kept).
type Cell struct {
	Class               Class   `json:"class,omitempty"`
	CostUSD             float64 `json:"costUSD"`
	CostWithoutCacheUSD float64 `json:"costWithoutCacheUSD,omitempty"`
}

// CellDoc is one spec the live run filed, in summary.json: its live cost,
// its cost without caching and its calls and, when it differed, its class.
// A merge reads the cells of every shard for the history.
type CellDoc struct {
	Spec                string  `json:"spec"`
	CostUSD             float64 `json:"costUSD"`
	CostWithoutCacheUSD float64 `json:"costWithoutCacheUSD,omitempty"`
	Calls               int     `json:"calls"`
	Class               Class   `json:"class,omitempty"`
}

// cellsOf lists the cells of a run: every spec of its live phase, with the
// class of those that differed.
func cellsOf(s Summary) []CellDoc {
	class := map[string]Class{}
	for _, r := range s.Results {
		class[r.Spec] = r.Class
	}
	var out []CellDoc
	for _, p := range s.Phases {
		if p.Name != PhaseLive {
			continue
		}
		for _, r := range p.Rows {
			if r.Outcome != report.Skipped {
				out = append(out, CellDoc{Spec: r.Spec, CostUSD: r.CostUSD, CostWithoutCacheUSD: r.CostWithoutCacheUSD, Calls: r.Calls, Class: class[r.Spec]})
			}
		}
	}
	return out
}

// nightOf is the history's record of a night from its summary.json.
func nightOf(d SummaryDoc, started time.Time) Night {
	n := Night{Started: started.UTC(), Exit: d.Exit, Compared: d.Compared, Differ: len(d.Results), LiveCalls: d.LiveCalls, ActualUSD: d.ActualUSD, Cells: map[string]Cell{}}
	for _, c := range d.Cells {
		n.Cells[c.Spec] = Cell{Class: c.Class, CostUSD: c.CostUSD, CostWithoutCacheUSD: c.CostWithoutCacheUSD}
	}
	return n
}

// ReadHistory reads a history file. A missing file is an empty history
// (the first night); a file that does not parse is an error, and the
// caller starts over.
func ReadHistory(path string) (History, error) {
	var h History
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return h, nil
	}
	if err != nil {
		return h, err
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return History{}, fmt.Errorf("the history %s does not parse (%v); it starts over tonight", path, err)
	}
	return h, nil
}

// With returns the history with tonight added, the oldest nights dropped
// beyond HistoryNights.
func (h History) With(tonight Night) History {
	nights := append(append([]Night(nil), h.Nights...), tonight)
	if len(nights) > HistoryNights {
		nights = nights[len(nights)-HistoryNights:]
	}
	return History{Nights: nights}
}

// write writes the history to each path (atomically), creating the
// directories.
func (h History) write(paths ...string) error {
	b, err := json.MarshalIndent(h, "", " ")
	if err != nil {
		return err
	}
	for _, p := range paths {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := atomicfile.WriteFile(p, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// trendRows is how many nights the trend's table shows, tonight included.
const trendRows = 7

// flakyNights is how often a cell must have been non-deterministic over
// the history, tonight included, to be listed as flaky.
const flakyNights = 2

// costMoved is how far a cell's cost tonight may be from its median over
// the previous nights before the trend lists it.
const costMoved = 0.10

// Trend renders the history with tonight as the summary's trend section:
// the last nights (exit, differing and non-deterministic cells, calls,
// cost), the cells non-deterministic on flakyNights or more nights, and
// the cells whose cost moved by more than costMoved against their median.
// It says so when there is no earlier night.
func Trend(h History) string {
	var b strings.Builder
	b.WriteString("## Trend\n\n")
	if len(h.Nights) < 2 {
		b.WriteString("The first night of the history: the next one shows the trend.\n\n")
		return b.String()
	}
	nights, _ := limited(reversed(h.Nights), trendRows)
	fmt.Fprintf(&b, "The last %d of %d nights kept, tonight first.\n\n| night | exit | compared | differ | non-deterministic | live calls | cost |\n|---|--:|--:|--:|--:|--:|--:|\n", len(nights), len(h.Nights))
	for _, n := range nights {
		nd := 0
		for _, c := range n.Cells {
			if c.Class == NonDeterministic {
				nd++
			}
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %s |\n", n.Started.Format("2006-01-02 15:04"), n.Exit, n.Compared, n.Differ, nd, n.LiveCalls, usd(n.ActualUSD))
	}
	b.WriteString("\n")
	writeFlaky(&b, h)
	writeCostMoves(&b, h)
	return b.String()
}

// writeFlaky lists the cells non-deterministic on flakyNights or more of
// the history's nights, the most often first.
func writeFlaky(b *strings.Builder, h History) {
	count := map[string]int{}
	for _, n := range h.Nights {
		for spec, c := range n.Cells {
			if c.Class == NonDeterministic {
				count[spec]++
			}
		}
	}
	var flaky []string
	for spec, k := range count {
		if k >= flakyNights {
			flaky = append(flaky, spec)
		}
	}
	sort.Slice(flaky, func(i, j int) bool {
		if count[flaky[i]] != count[flaky[j]] {
			return count[flaky[i]] > count[flaky[j]]
		}
		return flaky[i] < flaky[j]
	})
	if len(flaky) == 0 {
		fmt.Fprintf(b, "Flaky cells: none was non-deterministic on %d or more of the %d nights.\n\n", flakyNights, len(h.Nights))
		return
	}
	fmt.Fprintf(b, "Flaky cells: %d were non-deterministic on %d or more of the %d nights:\n\n", len(flaky), flakyNights, len(h.Nights))
	shown, more := limited(flaky, 10)
	for _, spec := range shown {
		fmt.Fprintf(b, "- %s: %d nights\n", cell(spec), count[spec])
	}
	if more > 0 {
		fmt.Fprintf(b, "- … and %d more (history.json)\n", more)
	}
	b.WriteString("\n")
}

// writeCostMoves lists the cells whose cost tonight moved by more than
// costMoved against their median over the previous nights, the largest
// move first, and the night's cost against the previous nights' median.
func writeCostMoves(b *strings.Builder, h History) {
	tonight, prev := h.Nights[len(h.Nights)-1], h.Nights[:len(h.Nights)-1]
	var totals []float64
	for _, n := range prev {
		totals = append(totals, n.ActualUSD)
	}
	if m := median(totals); m > 0 {
		fmt.Fprintf(b, "Cost tonight %s against a median of %s over the %d nights before (%+.1f%%).\n\n", usd(tonight.ActualUSD), usd(m), len(prev), 100*(tonight.ActualUSD-m)/m)
	}
	type move struct {
		spec     string
		was, now float64
	}
	var moves []move
	for spec, c := range tonight.Cells {
		var costs []float64
		for _, n := range prev {
			if p, ok := n.Cells[spec]; ok {
				costs = append(costs, p.CostUSD)
			}
		}
		if m := median(costs); m > 0 && !sameWithin(m, c.CostUSD, costMoved) {
			moves = append(moves, move{spec, m, c.CostUSD})
		}
	}
	if len(moves) == 0 {
		fmt.Fprintf(b, "No cell's cost moved by more than %.0f%% against its median.\n\n", 100*costMoved)
		return
	}
	rel := func(m move) float64 { return (m.now - m.was) / m.was }
	sort.Slice(moves, func(i, j int) bool {
		if a, c := abs(rel(moves[i])), abs(rel(moves[j])); a != c {
			return a > c
		}
		return moves[i].spec < moves[j].spec
	})
	fmt.Fprintf(b, "%d cells cost more than %.0f%% away from their median over the nights before:\n\n", len(moves), 100*costMoved)
	shown, more := limited(moves, 10)
	for _, m := range shown {
		fmt.Fprintf(b, "- %s: %s → %s (%+.1f%%)\n", cell(m.spec), usd(m.was), usd(m.now), 100*rel(m))
	}
	if more > 0 {
		fmt.Fprintf(b, "- … and %d more (history.json)\n", more)
	}
	b.WriteString("\n")
}

// reversed returns the nights latest first.
func reversed(ns []Night) []Night {
	out := make([]Night, len(ns))
	for i, n := range ns {
		out[len(ns)-1-i] = n
	}
	return out
}

// median returns the median of xs, 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// sameWithin reports whether b is within rel of a.
func sameWithin(a, b, rel float64) bool { return abs(b-a) <= rel*abs(a) }

// abs returns |x|.
func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
