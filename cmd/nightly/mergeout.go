package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/recorder"
)

// rewrittenOf lists the cassettes a shard left re-recorded, sorted.
func rewrittenOf(d SummaryDoc) []string {
	var out []string
	for _, r := range d.Results {
		out = append(out, r.Cassettes...)
	}
	sort.Strings(out)
	return out
}

// applyCassettes copies every shard's re-recorded cassettes into the
// cassette directory and their entries from the shard's manifest into
// base, which it then writes. Shards run disjoint slices of the matrix, so
// no two should re-record one cassette; one that two did is applied from
// neither. A shard whose exported cassettes are incomplete is applied not
// at all.
func (m *merger) applyCassettes(base *recorder.Manifest) {
	owners := map[string][]string{}
	for _, s := range m.shards {
		for _, p := range rewrittenOf(s.doc) {
			owners[p] = append(owners[p], s.name)
		}
	}
	applied := false
	for _, s := range m.shards {
		var paths []string
		for _, p := range rewrittenOf(s.doc) {
			if len(owners[p]) > 1 {
				m.problem(s.name, fmt.Sprintf("re-recorded cassettes/%s, as did shards %s: not applied", p, strings.Join(owners[p], ", ")), ExitBroke)
				continue
			}
			paths = append(paths, p)
		}
		if len(paths) == 0 {
			continue
		}
		if err := m.applyShard(s, paths, base); err != nil {
			m.problem(s.name, "its re-recorded cassettes were not applied: "+err.Error(), ExitBroke)
			continue
		}
		applied = true
	}
	if applied {
		if err := recorder.WriteManifest(m.cassettes, *base); err != nil {
			m.problem("merge", "writing the merged manifest: "+err.Error(), ExitBroke)
		}
	}
}

// applyShard checks that a shard exported every cassette it re-recorded
// (or that its manifest dropped it, for one the re-recording removed),
// then copies them into the cassette directory and their entries into
// base.
func (m *merger) applyShard(s shard, paths []string, base *recorder.Manifest) error {
	export := filepath.Join(s.dir, ExportDir)
	if _, err := os.Stat(filepath.Join(export, recorder.ManifestFile)); err != nil {
		return fmt.Errorf("no manifest in %s: %v", export, err)
	}
	man, err := recorder.ReadManifest(export)
	if err != nil {
		return err
	}
	for _, p := range paths {
		_, listed := man.Cassettes[p]
		if _, err := os.Stat(filepath.Join(export, filepath.FromSlash(p))); (err == nil) != listed {
			return fmt.Errorf("cassettes/%s: the exported file and the shard's manifest disagree", p)
		}
	}
	for _, p := range paths {
		dst := filepath.Join(m.cassettes, filepath.FromSlash(p))
		e, listed := man.Cassettes[p]
		if !listed {
			delete(base.Cassettes, p)
			if err := os.Remove(dst); err != nil && !os.IsNotExist(err) {
				return err
			}
			continue
		}
		if err := copyFile(filepath.Join(export, filepath.FromSlash(p)), dst); err != nil {
			return err
		}
		base.Cassettes[p] = e
		m.doc.Applied = append(m.doc.Applied, p)
	}
	return nil
}

// write writes the merged summary: summary.md (also to stdout and
// $GITHUB_STEP_SUMMARY) and summary.json.
func (m *merger) write(stdout io.Writer) {
	m.doc.Meaning = ExitMeaning(m.doc.Exit)
	sort.Strings(m.doc.Applied)
	m.keepHistory()
	md := m.markdown(false)
	fmt.Fprint(stdout, "\n"+md)
	if err := os.WriteFile(filepath.Join(m.reports, "summary.md"), []byte(md), 0o644); err != nil {
		fmt.Fprintf(m.stderr, "nightly merge: writing summary.md: %v\n", err)
	}
	if err := os.WriteFile(filepath.Join(m.reports, "summary-full.md"), []byte(m.markdown(true)), 0o644); err != nil {
		fmt.Fprintf(m.stderr, "nightly merge: writing summary-full.md: %v\n", err)
	}
	if b, err := json.MarshalIndent(m.doc, "", "  "); err == nil {
		_ = os.WriteFile(filepath.Join(m.reports, "summary.json"), append(b, '\n'), 0o644)
	}
	if path := os.Getenv(env.GitHubStepSummary); path != "" {
		if f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprint(f, md+"\n")
			f.Close()
		}
	}
	fmt.Fprintf(m.stderr, "nightly merge: exit %d: %s (summary: %s)\n", m.doc.Exit, m.doc.Meaning, filepath.Join(m.reports, "summary.md"))
}

// markdown renders the merged summary: the headline and the exit's
// meaning, one row per shard, the problems, the differences of all shards
// rolled up by rule and by model, the cassettes to commit, the catalog
// drift, the cost, the exit status, and each shard's own summary folded.
// Unless full, it fits SummaryCap: each shard's summary gets an equal
// share of what the merged part leaves, cut where it must be, and the
// lists are limited; full folds each shard's summary-full.md whole.
func (m *merger) markdown(full bool) string {
	var b strings.Builder
	d := m.doc
	limit := detailRows
	if full {
		limit = -1
	}
	fmt.Fprintf(&b, "# cachecascade nightly: %s (%d shards)\n\n", m.headline(), len(d.Shards))
	fmt.Fprintf(&b, "Target: **%s** · %d processes per shard against the target · longest shard %s\n\n", d.Target, d.Procs, (time.Duration(d.WallSeconds * float64(time.Second))).Round(100*time.Millisecond))
	fmt.Fprintf(&b, "**Exit %d**: %s.\n\n", d.Exit, ExitMeaning(d.Exit))
	b.WriteString("| shard | label filter | exit | compared | differ | live calls | cost | wall time |\n|---|---|--:|--:|--:|--:|--:|--:|\n")
	for _, s := range d.Shards {
		fmt.Fprintf(&b, "| %s | `%s` | %d | %d | %d | %d | %s | %.1fs |\n", cell(s.Name), cell(s.LabelFilter), s.Exit, s.Compared, s.Differ, s.LiveCalls, usd(s.ActualUSD), s.WallSeconds)
	}
	b.WriteString("\n")
	if len(d.Problems) > 0 {
		b.WriteString("**Problems**\n\n")
		ps, more := limited(d.Problems, limit)
		for _, p := range ps {
			fmt.Fprintf(&b, "- %s\n", cell(p))
		}
		if more > 0 {
			fmt.Fprintf(&b, "- … and %d more in `summary-full.md`\n", more)
		}
		b.WriteString("\n")
	}
	if len(d.Results) > 0 {
		fmt.Fprintf(&b, "## Differences of all shards (%d)\n\n", len(d.Results))
		var rs []Result
		for _, r := range d.Results {
			rs = append(rs, r.result())
		}
		writeRollups(&b, rs)
	}
	if len(d.Applied) > 0 {
		fmt.Fprintf(&b, "Re-recorded cassettes, to commit (%d):\n\n", len(d.Applied))
		ps, more := limited(d.Applied, limit)
		for _, p := range ps {
			fmt.Fprintf(&b, "- `cassettes/%s`\n", p)
		}
		if more > 0 {
			fmt.Fprintf(&b, "- … and %d more in `summary-full.md`\n", more)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "## Catalog drift\n\n%s\n\n", d.CatalogDrift.Line)
	fmt.Fprintf(&b, "## Cost\n\nEstimated %s; actual %s over %d live, second live and re-recording calls, all shards.\n\n", usd(d.EstimatedUSD), usd(d.ActualUSD), d.LiveCalls)
	b.WriteString(m.trend)
	fmt.Fprintf(&b, "## Exit status %d\n\n%s.\n\n", d.Exit, d.Meaning)
	share := 0
	if !full && len(m.shards) > 0 {
		share = (SummaryCap - b.Len() - 1000) / len(m.shards)
	}
	for _, s := range m.shards {
		md := s.md
		if full && s.full != "" {
			md = s.full
		}
		if !full {
			md = capMarkdown(md, max(share, 2000))
		}
		fmt.Fprintf(&b, "<details><summary>Shard %s: exit %d</summary>\n\n%s\n</details>\n\n", cell(s.name), s.doc.Exit, demote(md))
	}
	if full {
		return b.String()
	}
	return capMarkdown(b.String(), SummaryCap)
}

// keepHistory adds the merged night to the history (-history), renders
// the trend and writes the history back, with a copy in the report
// directory.
func (m *merger) keepHistory() {
	if m.history == "" {
		return
	}
	prev, err := ReadHistory(m.history)
	if err != nil {
		m.doc.Problems = append(m.doc.Problems, "history: "+err.Error())
	}
	h := prev.With(nightOf(m.doc, time.Now()))
	m.trend = Trend(h)
	if err := h.write(m.history, filepath.Join(m.reports, HistoryFile)); err != nil {
		m.doc.Problems = append(m.doc.Problems, "history: writing it: "+err.Error())
	}
}

// demote makes every Markdown heading of a shard's summary two levels
// deeper, to sit inside the merged one.
func demote(md string) string {
	lines := strings.Split(md, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "#") {
			lines[i] = "##" + l
		}
	}
	return strings.Join(lines, "\n")
}

// headline is the merged summary's one-line verdict.
func (m *merger) headline() string {
	d := m.doc
	if len(d.Results) == 0 {
		if d.Exit == ExitSame {
			return "nothing differs"
		}
		return "a shard or the merge broke"
	}
	counts := map[Class]int{}
	for _, r := range d.Results {
		counts[r.Class]++
	}
	var parts []string
	for _, k := range []Class{ServiceChanged, NonDeterministic, RecordingBroke} {
		if counts[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
		}
	}
	return fmt.Sprintf("%d of %d specs differ: %s", len(d.Results), d.Compared, strings.Join(parts, ", "))
}
