package framework

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/recorder"
	"github.com/cachecascade/cachecascade/report"
)

// Rows returns the report rows the specs of a Ginkgo run filed, in the
// order the specs ran. A spec that failed without filing one (before its
// session opened, or in a setup node) gets a failing row from its Ginkgo
// report, so that the report counts every spec that ran, not only those
// that got far enough to file a row.
func Rows(rep types.Report) ([]report.Row, error) {
	var rows []report.Row
	for _, sr := range rep.SpecReports {
		filed, err := filedRows(sr)
		if err != nil {
			return nil, err
		}
		if len(filed) == 0 && sr.LeafNodeType == types.NodeTypeIt && sr.State.Is(types.SpecStateFailureStates) {
			filed = append(filed, unfiledRow(sr))
		}
		rows = append(rows, filed...)
	}
	return rows, nil
}

// filedRows returns the rows a spec filed as report entries.
func filedRows(sr types.SpecReport) ([]report.Row, error) {
	var rows []report.Row
	for _, e := range sr.ReportEntries {
		if e.Name != ReportEntry {
			continue
		}
		if row, ok := e.GetRawValue().(report.Row); ok {
			rows = append(rows, row)
			continue
		}
		// Entries from parallel processes arrive as JSON.
		var row report.Row
		if err := json.Unmarshal([]byte(e.Value.AsJSON), &row); err != nil {
			return nil, fmt.Errorf("framework: report entry of %q: %w", sr.FullText(), err)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// unfiledRow is the failing row of a spec that failed without filing one,
// its cell read from its labels (see CellLabels).
func unfiledRow(sr types.SpecReport) report.Row {
	row := report.Row{Spec: sr.FullText(), Outcome: report.Fail,
		Message: recorder.RedactText("failed before filing its result: " + sr.Failure.Message)}
	for _, l := range sr.Labels() {
		k, v, _ := strings.Cut(l, ":")
		switch k {
		case "area":
			row.Area = v
		case "api":
			row.API = v
		case "model":
			row.Model = v
		case "family":
			row.Family = v
		case "strategy":
			row.Strategy = v
		}
	}
	return row
}

// Matrix assembles the report of a run from its rows.
func (r *Run) Matrix(rows []report.Row) report.Matrix {
	m := report.Matrix{Generated: time.Now().UTC(), Mode: string(r.Mode), Target: r.Source(), Rows: rows}
	for _, model := range r.lineupFirst() {
		m.Models = append(m.Models, report.ModelInfo{Key: model.Key, Name: model.Name, Family: string(model.Family),
			Lifecycle: string(model.Lifecycle), Standing: standing(model), ID: model.ModelID()})
	}
	for _, s := range matrix.Strategies {
		m.Strategies = append(m.Strategies, string(s))
	}
	return m
}

// lineupFirst returns the catalog's models in report order: the current
// lineup (active, then legacy) first, then gated, then end-of-life models,
// each group in catalog order.
func (r *Run) lineupFirst() []matrix.Model {
	ms := slices.Clone(r.Catalog.Models)
	slices.SortStableFunc(ms, func(a, b matrix.Model) int { return a.Lifecycle.Rank() - b.Lifecycle.Rank() })
	return ms
}

// standing describes a model's lifecycle in words, with its dates.
func standing(m matrix.Model) string {
	switch {
	case m.Lifecycle == matrix.EndOfLife:
		return "end of life since " + m.EndOfLife
	case m.Since != "":
		return string(m.Lifecycle) + ", on Bedrock since " + m.Since
	}
	return string(m.Lifecycle)
}

// WriteReport writes the run's report (Markdown, JSON and HTML) into the
// report directory, appends the Markdown to the GitHub step summary when
// there is one, and, in record mode, updates the cassette manifest. It
// returns the Markdown and the files written.
func (r *Run) WriteReport(rep types.Report) (string, []string, error) {
	rows, err := Rows(rep)
	if err != nil {
		return "", nil, err
	}
	ps, err := Provenances(rep)
	if err != nil {
		return "", nil, err
	}
	if err := r.WriteManifest(ps); err != nil {
		return "", nil, fmt.Errorf("framework: writing the cassette manifest: %w", err)
	}
	if len(rows) == 0 {
		return "", nil, nil
	}
	m := r.Matrix(rows)
	files, err := report.WriteFiles(m, r.Reports)
	if err != nil {
		return "", nil, err
	}
	if err := report.AppendGitHubSummary(m); err != nil {
		return "", files, err
	}
	return m.Markdown(), files, nil
}

// PrintReport writes the Markdown report and where the files are to
// standard output, unless CACHECASCADE_QUIET is set.
func PrintReport(markdown string, files []string) {
	if os.Getenv(env.Quiet) != "" || markdown == "" {
		return
	}
	fmt.Fprintf(os.Stdout, "\n%s\nreport files: %s\n", markdown, strings.Join(files, ", "))
}
