package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/internal/modroot"
	"github.com/cachecascade/cachecascade/recorder"
)

// ExportDir is the directory, in a run's report directory, that holds a
// copy of the cassettes the run left re-recorded and of the manifest after
// the run, so that a shard's report artifact carries them to the merge.
const ExportDir = "cassettes"

// exportRewritten copies the cassettes the run left re-recorded, and the
// manifest, into ExportDir. A failure is a problem of the run; the merge
// then finds the shard's cassettes incomplete and says so.
func (n *nightly) exportRewritten() {
	var paths []string
	for _, ps := range n.sum.Rewritten {
		paths = append(paths, ps...)
	}
	if len(paths) == 0 {
		return
	}
	sort.Strings(paths)
	dst := filepath.Join(n.reports, ExportDir)
	for _, p := range append(paths, recorder.ManifestFile) {
		src := filepath.Join(n.cassettes, filepath.FromSlash(p))
		if _, err := os.Stat(src); os.IsNotExist(err) && p != recorder.ManifestFile {
			continue // a cassette the re-recording removed: the manifest has no entry for it
		}
		if err := copyFile(src, filepath.Join(dst, filepath.FromSlash(p))); err != nil {
			n.problem("exporting the re-recorded cassettes for a merge: " + err.Error())
			return
		}
	}
}

// shard is one shard's report directory as the merge reads it.
type shard struct {
	name, dir string
	doc       SummaryDoc
	// md and full are the shard's summary.md and summary-full.md.
	md, full string
}

// merger merges the reports of a nightly's shards: each ran
// scripts/nightly on its own slice of the matrix (a label filter) and
// uploaded its report directory, re-recorded cassettes included (see
// exportRewritten).
type merger struct {
	cassettes, reports string
	// history is the history file (-history); trend the rendered trend.
	history, trend string
	shards         []shard
	doc            SummaryDoc
	stderr         io.Writer
}

// runMerge is `nightly merge [-cassettes DIR] [-reports DIR] SHARD...`:
// it copies the cassettes each shard left re-recorded into the cassette
// directory and their entries into its manifest, writes one summary of
// all shards (summary.md and summary.json in the report directory's
// nightly/, standard output, $GITHUB_STEP_SUMMARY) and returns the worst
// exit status of the shards (see worse). A shard without a summary, a
// cassette two shards re-recorded, or a shard's incomplete cassettes make
// it ExitBroke; those cassettes are not applied.
func runMerge(args []string, stdout, stderr io.Writer) int {
	m, dirs, code, ok := parseMerge(args, stderr)
	if !ok {
		return code
	}
	base, err := recorder.ReadManifest(m.cassettes)
	if err != nil {
		return usageError(stderr, "merge: reading the manifest of %s: %v", m.cassettes, err)
	}
	for _, dir := range dirs {
		m.load(dir)
	}
	m.applyCassettes(&base)
	if err := os.MkdirAll(m.reports, 0o755); err != nil {
		return usageError(stderr, "merge: %v", err)
	}
	m.write(stdout)
	return m.doc.Exit
}

// parseMerge reads the merge's command line. When it must not go on it
// has said why on stderr and returns ok false with the exit status.
func parseMerge(args []string, stderr io.Writer) (m *merger, dirs []string, code int, ok bool) {
	root, err := modroot.Find()
	if err != nil {
		return nil, nil, usageError(stderr, "merge: %v", err), false
	}
	m = &merger{stderr: stderr, doc: SummaryDoc{Results: []ResultDoc{}}}
	fs := flag.NewFlagSet("nightly merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&m.cassettes, "cassettes", envOr(env.Cassettes, filepath.Join(root, "cassettes")), "the cassette directory to merge the shards' re-recorded cassettes into")
	fs.StringVar(&m.history, "history", "", "the nights' history (JSON): read for the trend, written back with tonight's merged night added")
	fs.StringVar(&m.reports, "reports", filepath.Join(envOr(env.ReportDir, filepath.Join(root, "reports")), "nightly"), "where to write the merged summary")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: nightly merge [-cassettes DIR] [-reports DIR] [-history FILE] SHARD_REPORT_DIR...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil, 0, false
		}
		return nil, nil, ExitUsage, false
	}
	if fs.NArg() == 0 {
		return nil, nil, usageError(stderr, "merge: name the shards' report directories"), false
	}
	return m, fs.Args(), 0, true
}

// load reads one shard's summary and folds it into the merged one. A shard
// without a readable summary (its job crashed or uploaded nothing) is a
// problem and makes the exit status ExitBroke.
func (m *merger) load(dir string) {
	s := shard{name: filepath.Base(filepath.Clean(dir)), dir: dir}
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err == nil {
		err = json.Unmarshal(b, &s.doc)
	}
	if err != nil {
		m.problem(s.name, fmt.Sprintf("no summary (%v): its job crashed or uploaded nothing", err), ExitBroke)
		return
	}
	if md, err := os.ReadFile(filepath.Join(dir, "summary.md")); err == nil {
		s.md = string(md)
	}
	if md, err := os.ReadFile(filepath.Join(dir, "summary-full.md")); err == nil {
		s.full = string(md)
	}
	m.shards = append(m.shards, s)
	m.fold(s)
}

// fold adds a shard's figures, results and problems to the merged summary.
func (m *merger) fold(s shard) {
	d := &m.doc
	d.Exit = worse(d.Exit, s.doc.Exit)
	if d.Target == "" {
		d.Target = s.doc.Target
	}
	d.Procs = max(d.Procs, s.doc.Procs)
	d.WallSeconds = max(d.WallSeconds, s.doc.WallSeconds)
	d.Compared += s.doc.Compared
	d.Results = append(d.Results, s.doc.Results...)
	for _, p := range s.doc.Problems {
		d.Problems = append(d.Problems, s.name+": "+p)
	}
	d.EstimatedUSD += s.doc.EstimatedUSD
	d.ActualUSD += s.doc.ActualUSD
	d.LiveCalls += s.doc.LiveCalls
	d.Cells = append(d.Cells, s.doc.Cells...)
	if !d.CatalogDrift.Checked && (s.doc.CatalogDrift.Checked || d.CatalogDrift.Line == "") {
		d.CatalogDrift = s.doc.CatalogDrift // every shard lists the same profiles; one listing that worked is enough
	}
	d.Shards = append(d.Shards, ShardDoc{Name: s.name, LabelFilter: s.doc.LabelFilter, Exit: s.doc.Exit, Meaning: ExitMeaning(s.doc.Exit),
		Compared: s.doc.Compared, Differ: len(s.doc.Results), LiveCalls: s.doc.LiveCalls, ActualUSD: s.doc.ActualUSD, WallSeconds: s.doc.WallSeconds})
	if rank(s.doc.Exit) < 0 {
		m.problem(s.name, fmt.Sprintf("exited %d (%s)", s.doc.Exit, ExitMeaning(s.doc.Exit)), ExitBroke)
	}
}

// problem records a problem of a shard and makes the exit status at least
// code.
func (m *merger) problem(name, what string, code int) {
	m.doc.Problems = append(m.doc.Problems, "shard "+name+": "+what)
	m.doc.Exit = worse(m.doc.Exit, code)
	fmt.Fprintf(m.stderr, "nightly merge: shard %s: %s\n", name, what)
}

// rank orders the exit statuses a merge keeps, worst highest: nothing
// differs, service changed, non-deterministic, a rule broken, a budget
// stop, a timeout, something broke. Any other status (bad flags,
// interrupted) is -1: the merge counts it as ExitBroke.
func rank(code int) int {
	switch code {
	case ExitSame:
		return 0
	case ExitServiceChanged:
		return 1
	case ExitNonDeterministic:
		return 2
	case ExitRuleBroken:
		return 3
	case ExitBudget:
		return 4
	case ExitTimeout:
		return 5
	case ExitBroke:
		return 6
	}
	return -1
}

// worse returns the worse of two exit statuses, as ExitCode ranks them (12,
// 14, 15, 13, 11, 10, 0); a status rank does not know counts as ExitBroke.
func worse(a, b int) int {
	if rank(a) < 0 {
		a = ExitBroke
	}
	if rank(b) < 0 {
		b = ExitBroke
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}
