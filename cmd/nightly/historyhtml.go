package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cachecascade/cachecascade/internal/atomicfile"
	"github.com/cachecascade/cachecascade/report"
)

// forReport is the night as the HTML report plots it: what it spent, and
// its live cells' cost with and without caching.
func (night Night) forReport() report.Night {
	p := report.Night{Started: night.Started, CostUSD: night.ActualUSD, Compared: night.Compared, Differ: night.Differ, Exit: night.Exit}
	for _, c := range night.Cells {
		p.LiveUSD += c.CostUSD
		p.WithoutCacheUSD += c.CostWithoutCacheUSD
	}
	return p
}

// drawHistory renders the live phase's HTML report again, from its
// matrix.json, with the history's nights plotted (report.Matrix.History).
// A night with no live report has nothing to draw on.
func (n *nightly) drawHistory(h History) error {
	dir := filepath.Join(n.reports, phaseDirs[PhaseLive])
	b, err := os.ReadFile(filepath.Join(dir, report.JSONFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	m, err := report.ParseJSON(b)
	if err != nil {
		return err
	}
	for _, night := range h.Nights {
		m.History = append(m.History, night.forReport())
	}
	return atomicfile.WriteFile(filepath.Join(dir, report.HTMLFile), []byte(m.HTML()), 0o644)
}
