package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/recorder"
	"github.com/cachecascade/cachecascade/report"
)

// entry is a manifest entry for a test cassette.
func entry(spec, recorded string) recorder.Provenance {
	return recorder.Provenance{Spec: spec, Model: "m", Source: "aws us-east-1", SDK: map[string]string{}, Recorded: recorded}
}

// writeShard writes a shard's report directory as scripts/nightly leaves
// it: summary.json and summary.md and, for each cassette re-recorded, the
// exported file and the shard's manifest holding its new entry.
func writeShard(t *testing.T, dir string, doc SummaryDoc, files map[string]string) {
	t.Helper()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "summary.json"), string(b))
	writeFile(t, filepath.Join(dir, "summary.md"), "# cachecascade nightly: shard "+filepath.Base(dir)+"\n\nits own summary\n")
	if len(files) == 0 {
		return
	}
	m := recorder.Manifest{Note: "n", Cassettes: map[string]recorder.Provenance{"cascade/x/old.yaml": entry("old", "2026-01-01T00:00:00Z")}}
	for p, content := range files {
		writeFile(t, filepath.Join(dir, ExportDir, p), content)
		m.Cassettes[p] = entry("spec of "+p, "2026-12-01T00:00:00Z")
	}
	if err := recorder.WriteManifest(filepath.Join(dir, ExportDir), m); err != nil {
		t.Fatal(err)
	}
}

// baseCassettes writes a checkout's cassette directory: two cassettes, one
// of each family, and their manifest.
func baseCassettes(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "cassettes")
	writeFile(t, filepath.Join(dir, "cascade/claude/a.yaml"), "claude old")
	writeFile(t, filepath.Join(dir, "cascade/nova/b.yaml"), "nova old")
	m := recorder.Manifest{Note: "n", Cassettes: map[string]recorder.Provenance{
		"cascade/claude/a.yaml": entry("spec of cascade/claude/a.yaml", "2026-01-01T00:00:00Z"),
		"cascade/nova/b.yaml":   entry("spec of cascade/nova/b.yaml", "2026-01-01T00:00:00Z"),
	}}
	if err := recorder.WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	return dir
}

// changed is a shard's summary with one service change that left the
// given cassettes re-recorded.
func changed(filter string, exit int, cassettes ...string) SummaryDoc {
	doc := SummaryDoc{Exit: exit, Target: "aws us-east-1", LabelFilter: filter, Procs: 8, WallSeconds: 300, Compared: 100, LiveCalls: 400, ActualUSD: 2,
		CatalogDrift: DriftDoc{Line: "catalog drift: none", Checked: true}}
	if len(cassettes) > 0 {
		doc.Results = []ResultDoc{{Spec: "spec of " + cassettes[0], Class: ServiceChanged, Reasons: []string{"read 0 → 10"}, Cassettes: cassettes}}
	}
	return doc
}

// runMergeIn merges shard directories into cassettes and returns the exit
// status, the merged summary and its Markdown.
func runMergeIn(t *testing.T, cassettes string, shards ...string) (int, SummaryDoc, string) {
	t.Helper()
	reports := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), append([]string{"merge", "-cassettes", cassettes, "-reports", reports}, shards...), &stdout, &stderr)
	var doc SummaryDoc
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(reports, "summary.json"))), &doc); err != nil {
		t.Fatalf("merged summary.json: %v (stderr %s)", err, stderr.String())
	}
	return code, doc, readFile(t, filepath.Join(reports, "summary.md"))
}

// TestMergeShards merges a Claude shard that re-recorded a cassette, a Nova
// shard that re-recorded another and a shard where nothing differs: both
// cassettes and their manifest entries land in the checkout, the others
// stay, and the summary adds the shards up with the worst exit status.
func TestMergeShards(t *testing.T) {
	cassettes, shards := baseCassettes(t), t.TempDir()
	writeShard(t, filepath.Join(shards, "claude"), changed("family:claude", ExitServiceChanged, "cascade/claude/a.yaml"), map[string]string{"cascade/claude/a.yaml": "claude new"})
	writeShard(t, filepath.Join(shards, "nova"), changed("family:nova", ExitServiceChanged, "cascade/nova/new.yaml"), map[string]string{"cascade/nova/new.yaml": "nova new"})
	writeShard(t, filepath.Join(shards, "same"), changed("family:other", ExitSame), nil)
	code, doc, md := runMergeIn(t, cassettes, filepath.Join(shards, "claude"), filepath.Join(shards, "nova"), filepath.Join(shards, "same"))
	if code != ExitServiceChanged || doc.Exit != ExitServiceChanged || len(doc.Shards) != 3 || len(doc.Results) != 2 || doc.Compared != 300 || doc.LiveCalls != 1200 || len(doc.Problems) != 0 {
		t.Fatalf("merged: exit %d, %+v", code, doc)
	}
	if readFile(t, filepath.Join(cassettes, "cascade/claude/a.yaml")) != "claude new" || readFile(t, filepath.Join(cassettes, "cascade/nova/new.yaml")) != "nova new" ||
		readFile(t, filepath.Join(cassettes, "cascade/nova/b.yaml")) != "nova old" {
		t.Error("the shards' re-recorded cassettes were not merged into the checkout, or an untouched one changed")
	}
	m, err := recorder.ReadManifest(cassettes)
	if err != nil {
		t.Fatal(err)
	}
	if m.Cassettes["cascade/claude/a.yaml"].Recorded != "2026-12-01T00:00:00Z" || m.Cassettes["cascade/nova/new.yaml"].Spec != "spec of cascade/nova/new.yaml" ||
		m.Cassettes["cascade/nova/b.yaml"].Recorded != "2026-01-01T00:00:00Z" || len(m.Cassettes) != 3 {
		t.Errorf("merged manifest: %+v", m.Cassettes)
	}
	if _, ok := m.Cassettes["cascade/x/old.yaml"]; ok {
		t.Error("an entry of a cassette no shard re-recorded came from a shard's manifest")
	}
	for _, want := range []string{"2 of 300 specs differ: 2 service changed (3 shards)", "| claude | `family:claude` | 10 |", "`cassettes/cascade/nova/new.yaml`", "catalog drift: none", "## Exit status 10", "### cachecascade nightly: shard nova"} {
		if !strings.Contains(md, want) {
			t.Errorf("merged summary.md lacks %q:\n%s", want, md)
		}
	}
}

// TestMergeProblems: a shard that filed no summary, two shards that
// re-recorded one cassette, a shard whose exported cassette is missing and
// a shard that exited 13 each make the merge what a single run would be,
// and nothing doubtful reaches the checkout.
func TestMergeProblems(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, shards string)
		exit  int
		want  string
	}{
		{"a shard without a summary", func(t *testing.T, shards string) {
			writeShard(t, filepath.Join(shards, "a"), changed("family:claude", ExitSame), nil)
			os.MkdirAll(filepath.Join(shards, "b"), 0o755)
		}, ExitBroke, "shard b: no summary"},
		{"two shards re-record one cassette", func(t *testing.T, shards string) {
			writeShard(t, filepath.Join(shards, "a"), changed("family:claude", ExitServiceChanged, "cascade/claude/a.yaml"), map[string]string{"cascade/claude/a.yaml": "from a"})
			writeShard(t, filepath.Join(shards, "b"), changed("family:claude", ExitServiceChanged, "cascade/claude/a.yaml"), map[string]string{"cascade/claude/a.yaml": "from b"})
		}, ExitBroke, "as did shards a, b"},
		{"an exported cassette is missing", func(t *testing.T, shards string) {
			writeShard(t, filepath.Join(shards, "a"), changed("family:claude", ExitServiceChanged, "cascade/claude/a.yaml"), map[string]string{"cascade/claude/a.yaml": "new"})
			os.Remove(filepath.Join(shards, "a", ExportDir, "cascade/claude/a.yaml"))
			writeShard(t, filepath.Join(shards, "b"), changed("family:nova", ExitSame), nil)
		}, ExitBroke, "were not applied"},
		{"a rule broken in one shard", func(t *testing.T, shards string) {
			writeShard(t, filepath.Join(shards, "a"), changed("family:claude", ExitRuleBroken), nil)
			writeShard(t, filepath.Join(shards, "b"), changed("family:nova", ExitServiceChanged), nil)
		}, ExitRuleBroken, ""},
		{"an interrupted shard", func(t *testing.T, shards string) {
			writeShard(t, filepath.Join(shards, "a"), changed("family:claude", ExitInterrupted), nil)
		}, ExitBroke, "shard a: exited 130"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cassettes, shards := baseCassettes(t), t.TempDir()
			c.setup(t, shards)
			dirs, _ := filepath.Glob(filepath.Join(shards, "*"))
			code, doc, _ := runMergeIn(t, cassettes, dirs...)
			if code != c.exit || !strings.Contains(strings.Join(doc.Problems, "\n"), c.want) {
				t.Errorf("exit %d, problems %q; want %d and %q", code, doc.Problems, c.exit, c.want)
			}
			if readFile(t, filepath.Join(cassettes, "cascade/claude/a.yaml")) != "claude old" {
				t.Error("a doubtful cassette reached the checkout")
			}
		})
	}
}

// TestWorse ranks exit statuses as ExitCode does.
func TestWorse(t *testing.T) {
	for _, c := range [][3]int{{0, 10, 10}, {10, 11, 11}, {11, 13, 13}, {13, 12, 12}, {12, 0, 12}, {0, 130, 12}, {2, 10, 12}} {
		if got := worse(c[0], c[1]); got != c[2] {
			t.Errorf("worse(%d, %d) = %d, want %d", c[0], c[1], got, c[2])
		}
	}
}

// TestShardExportsItsRerecordedCassettes: a run that leaves a cassette
// re-recorded copies it and the manifest into its report directory, where
// a merge finds them; a run that re-records nothing exports nothing.
func TestShardExportsItsRerecordedCassettes(t *testing.T) {
	old, changedRow := row("spec a", report.Pass, 2, 100, 100), row("spec a", report.Pass, 2, 0, 200)
	code, n, _ := runDo(t, doScenario{
		rows:    map[string][]report.Row{"replay": {old}, "live": {changedRow}, "confirm": {changedRow}, "rerecord": {changedRow}, "verify": {changedRow}},
		touches: map[string]bool{"rerecord": true},
	})
	if code != ExitServiceChanged {
		t.Fatalf("exit %d, problems %q", code, n.sum.Problems)
	}
	export := filepath.Join(n.reports, ExportDir)
	if readFile(t, filepath.Join(export, "cascade/m/a.yaml")) != "a2 from rerecord" || !strings.Contains(readFile(t, filepath.Join(export, recorder.ManifestFile)), "2026-03-03") {
		t.Error("the re-recorded cassette and the manifest were not exported")
	}
	_, n, _ = runDo(t, doScenario{rows: map[string][]report.Row{"replay": {old}, "live": {old}}})
	if _, err := os.Stat(filepath.Join(n.reports, ExportDir)); !os.IsNotExist(err) {
		t.Errorf("a run that re-recorded nothing exported something: %v", err)
	}
}

// TestMergedSummaryStaysUnderTheCap: three shards, each with a summary at
// the cap and 300 broken cells, merge into a summary.md under SummaryCap
// (the pull request's body) with the cells rolled up by rule and by model
// over all shards, and every shard's summary whole in summary-full.md.
func TestMergedSummaryStaysUnderTheCap(t *testing.T) {
	cassettes, shards := baseCassettes(t), t.TempDir()
	var dirs []string
	for _, name := range []string{"claude-4", "claude-3-5", "nova"} {
		s := brokenCascade(300)
		s.Exit = ExitRuleBroken
		doc := summaryJSON(s)
		dir := filepath.Join(shards, name)
		writeShard(t, dir, doc, nil)
		writeFile(t, filepath.Join(dir, "summary.md"), s.Markdown())
		writeFile(t, filepath.Join(dir, "summary-full.md"), s.FullMarkdown())
		dirs = append(dirs, dir)
	}
	reports := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), append([]string{"merge", "-cassettes", cassettes, "-reports", reports}, dirs...), &stdout, &stderr)
	md, full := readFile(t, filepath.Join(reports, "summary.md")), readFile(t, filepath.Join(reports, "summary-full.md"))
	if code != ExitRuleBroken || len(md) > SummaryCap {
		t.Errorf("exit %d, summary.md %d characters (cap %d)", code, len(md), SummaryCap)
	}
	for _, want := range []string{"| `cascade` | service changed, now fails | 900 |", "| claude-sonnet-4-5 | 300 | `cascade` (300) |", "**Exit 13**"} {
		if !strings.Contains(md, want) {
			t.Errorf("merged summary.md lacks %q", want)
		}
	}
	if strings.Count(full, "| cascade invalidates") != 900 {
		t.Errorf("summary-full.md holds %d differences, want every shard's 300", strings.Count(full, "| cascade invalidates"))
	}
}
