package main

import (
	"time"

	"github.com/cachecascade/cachecascade/report"
)

// SummaryDoc is summary.json, the machine-readable summary: of one run, or
// of the shards of a nightly merged into one (Shards says which; see
// merge).
type SummaryDoc struct {
	Exit        int    `json:"exit"`
	Meaning     string `json:"meaning"`
	Target      string `json:"target"`
	LabelFilter string `json:"labelFilter,omitempty"`
	// Procs is the number of processes of the phases against the target.
	Procs int `json:"procs,omitempty"`
	// WallSeconds is the run's wall time; of merged shards, the longest.
	WallSeconds float64     `json:"wallSeconds"`
	Compared    int         `json:"compared"`
	Results     []ResultDoc `json:"results"`
	Problems    []string    `json:"problems,omitempty"`
	// EstimatedUSD, ActualUSD and LiveCalls are Summary.Costs.
	EstimatedUSD float64  `json:"estimatedUSD"`
	ActualUSD    float64  `json:"actualUSD"`
	LiveCalls    int      `json:"liveCalls"`
	CatalogDrift DriftDoc `json:"catalogDrift"`
	// Shards are the shards a merged summary was made of, and Applied the
	// cassettes the merge took from them, to commit.
	Shards  []ShardDoc `json:"shards,omitempty"`
	Applied []string   `json:"applied,omitempty"`
	// Cells are the specs the live run filed, for the history (see
	// History); of merged shards, all of them.
	Cells []CellDoc `json:"cells,omitempty"`
}

// ResultDoc is one differing spec in summary.json; Cassettes are those it
// left re-recorded, to commit.
type ResultDoc struct {
	Spec       string   `json:"spec"`
	Class      Class    `json:"class"`
	RuleBroken bool     `json:"ruleBroken,omitempty"`
	Restored   bool     `json:"restored,omitempty"`
	Reasons    []string `json:"reasons"`
	Note       string   `json:"note"`
	Cassettes  []string `json:"cassettes,omitempty"`
	// Rule, Model and Message are what the roll-ups group by and show
	// (see Rollups): the rule the difference is about, the model, and the
	// first line of the failure message.
	Rule    string `json:"rule,omitempty"`
	Model   string `json:"model,omitempty"`
	Message string `json:"message,omitempty"`
}

// result rebuilds, for the roll-ups, the Result a ResultDoc was made of.
func (r ResultDoc) result() Result {
	live := report.Row{Spec: r.Spec, Rule: r.Rule, Model: r.Model, Message: r.Message}
	return Result{Change: Change{Spec: r.Spec, Live: live, Reasons: r.Reasons}, Class: r.Class, RuleBroken: r.RuleBroken, Restored: r.Restored, Note: r.Note}
}

// DriftDoc is the catalog drift in summary.json: the summary's line,
// whether the profiles were listed (and why not), and the models the
// catalog lacks.
type DriftDoc struct {
	Line         string         `json:"line"`
	Checked      bool           `json:"checked"`
	Reason       string         `json:"reason,omitempty"`
	Profiles     int            `json:"profiles"`
	Uncatalogued []Uncatalogued `json:"uncatalogued"`
}

// ShardDoc is one shard of a merged summary.
type ShardDoc struct {
	// Name is the shard's name: its report directory's.
	Name        string  `json:"name"`
	LabelFilter string  `json:"labelFilter,omitempty"`
	Exit        int     `json:"exit"`
	Meaning     string  `json:"meaning"`
	Compared    int     `json:"compared"`
	Differ      int     `json:"differ"`
	LiveCalls   int     `json:"liveCalls"`
	ActualUSD   float64 `json:"actualUSD"`
	WallSeconds float64 `json:"wallSeconds"`
}

// summaryJSON is the machine-readable summary of a run.
func summaryJSON(s Summary) SummaryDoc {
	est, act, calls := s.Costs()
	out := SummaryDoc{Exit: s.Exit, Meaning: ExitMeaning(s.Exit), Target: s.Target, LabelFilter: s.LabelFilter, Procs: s.Procs,
		WallSeconds: s.Wall.Round(time.Millisecond).Seconds(), Compared: s.Compared, Results: []ResultDoc{}, Problems: s.Problems,
		EstimatedUSD: est, ActualUSD: act, LiveCalls: calls, CatalogDrift: driftJSON(s.Drift), Cells: cellsOf(s)}
	for _, r := range s.Results {
		out.Results = append(out.Results, ResultDoc{Spec: r.Spec, Class: r.Class, RuleBroken: r.RuleBroken, Restored: r.Restored, Reasons: r.Reasons, Note: r.Note, Cassettes: s.Rewritten[r.Spec],
			Rule: ruleOf(r), Model: modelOf(r), Message: firstMessage(r)})
	}
	return out
}

// driftJSON is the machine-readable catalog drift.
func driftJSON(d Drift) DriftDoc {
	return DriftDoc{Line: d.Line(), Checked: d.Checked, Reason: d.Reason, Profiles: d.Profiles, Uncatalogued: append([]Uncatalogued{}, d.Uncatalogued...)}
}
