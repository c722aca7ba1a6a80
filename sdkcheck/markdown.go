package sdkcheck

import (
	"fmt"
	"strings"
	"time"
)

// Summary is one run of the check: the project's own build first, then
// every version asked for.
type Summary struct {
	// Command is the command line, shown in the report.
	Command string
	// GoVersion is the Go toolchain used.
	GoVersion string
	// Evaluations are the baseline (first) and the versions, in order.
	Evaluations []Evaluation
}

// Rows classifies every evaluation.
func (s Summary) Rows() []Row {
	rows := make([]Row, len(s.Evaluations))
	for i, e := range s.Evaluations {
		rows[i] = Classify(e)
	}
	return rows
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// Markdown renders the summary for a pull-request comment: a verdict line,
// the table (one row per version), the wall times, then per-version details
// in collapsed sections.
func Markdown(s Summary) string {
	var b strings.Builder
	rows := s.Rows()
	code := ExitCode(rows)
	b.WriteString("## SDK upgrade check: does this bedrockruntime bump break prompt caching?\n\n")
	var bad, unknown []string
	for i, r := range rows {
		if s.Evaluations[i].Baseline {
			continue
		}
		switch r.Status {
		case CacheAffecting:
			bad = append(bad, r.Version)
		case NotEvaluated:
			unknown = append(unknown, r.Version)
		}
	}
	switch {
	case len(bad) > 0:
		fmt.Fprintf(&b, "**❌ Cache-affecting: %s.** ", strings.Join(bad, ", "))
	case len(unknown) > 0:
		b.WriteString("**⛔ Not every version could be evaluated.** ")
	default:
		b.WriteString("**✅ No version changes what gets cached.** ")
	}
	if len(unknown) > 0 && len(bad) > 0 {
		fmt.Fprintf(&b, "Not evaluated: %s. ", strings.Join(unknown, ", "))
	}
	fmt.Fprintf(&b, "Exit status %d.\n\n", code)
	b.WriteString("Each version is built as an application pinned to it would build it: bedrockruntime at that version with exactly the SDK core and smithy-go it requires (not the project's newer ones), `config` at the newest release within those, via `-modfile`; the project's go.mod is untouched. ")
	b.WriteString("*Deterministic*: the fixture requests (tool schemas built from Go maps) serialized repeatedly. ")
	b.WriteString("*Wire vs cassettes*: every request the replay suites send, compared byte for byte with the request recorded in `cassettes/`. ")
	b.WriteString("*Verdicts*: each spec's outcome against the run on the project's go.mod.\n\n")

	b.WriteString("| bedrockruntime | built with | builds | deterministic | wire vs cassettes | verdicts | outcome |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n",
			cell(r.Version), cell(r.SDK), cell(r.Builds), cell(r.Deterministic), cell(r.Wire), cell(r.Verdicts), cell(r.Status.String()))
	}

	b.WriteString("\n### Wall time per version\n\n")
	b.WriteString("| bedrockruntime | module cache | resolve | download | build | determinism | suites | total |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for i, e := range s.Evaluations {
		t := e.Timing
		cache := "shared"
		if t.Cold {
			cache = "cold (empty)"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", cell(rows[i].Version), cache,
			secs(t.Resolve), secs(t.Download), secs(t.Build), secs(t.Determinism), secs(t.Suites), secs(t.Total))
	}

	b.WriteString("\n### Details\n")
	for i, e := range s.Evaluations {
		details(&b, e, rows[i])
	}
	if s.Command != "" || s.GoVersion != "" {
		fmt.Fprintf(&b, "\n<sub>`%s` · %s</sub>\n", s.Command, s.GoVersion)
	}
	return b.String()
}

func secs(d time.Duration) string {
	if d == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// details writes one version's collapsed section.
func details(b *strings.Builder, e Evaluation, r Row) {
	fmt.Fprintf(b, "\n<details><summary><b>%s</b>: %s</summary>\n\n", r.Version, r.Status)
	for _, reason := range r.Reasons {
		fmt.Fprintf(b, "- %s\n", reason)
	}
	if len(r.Reasons) > 0 {
		b.WriteString("\n")
	}
	writePlan(b, e.Plan)
	writeBuild(b, e)
	if d := e.Determinism; d != nil {
		writeDeterminism(b, d)
	}
	if w := e.Wire; w != nil {
		writeWire(b, w)
	}
	if v := e.Verdicts; v != nil {
		writeVerdicts(b, v)
	}
	if e.SuiteOutput != "" && (e.Verdicts == nil || len(e.Verdicts.Changed) > 0) {
		b.WriteString("\nSuite output (tail):\n\n```\n" + e.SuiteOutput + "\n```\n")
	}
	if e.Err != "" {
		fmt.Fprintf(b, "\nError: %s\n", e.Err)
	}
	b.WriteString("\n</details>\n")
}

// writePlan lists the alternate go.mod's changes: the modules set, then
// those dropped; nothing when the plan changes nothing.
func writePlan(b *strings.Builder, p Plan) {
	if len(p.Set)+len(p.Drop) == 0 {
		return
	}
	b.WriteString("Alternate go.mod:\n\n")
	for _, ed := range p.Set {
		was := ""
		if ed.Was != "" && ed.Was != ed.Version {
			was = " (project: " + ed.Was + ")"
		}
		fmt.Fprintf(b, "- set `%s@%s`%s: %s\n", ed.Path, ed.Version, was, ed.Why)
	}
	var dropped []string
	for _, ed := range p.Drop {
		dropped = append(dropped, "`"+strings.TrimPrefix(ed.Path, Core+"/")+"`")
	}
	if len(dropped) > 0 {
		fmt.Fprintf(b, "- dropped %s: %s\n", strings.Join(dropped, ", "), p.Drop[0].Why)
	}
	b.WriteString("\n")
}

// writeBuild writes how the version built: the SDK modules selected, the
// build tags it needed, and the compile errors without and with them.
func writeBuild(b *strings.Builder, e Evaluation) {
	if len(e.Modules) > 0 {
		var ms []string
		for _, m := range sortedKeys(e.Modules) {
			ms = append(ms, fmt.Sprintf("`%s` %s", strings.TrimPrefix(m, "github.com/"), e.Modules[m]))
		}
		fmt.Fprintf(b, "Selected: %s.\n\n", strings.Join(ms, ", "))
	}
	for _, t := range e.Tags {
		fmt.Fprintf(b, "- tag `%s`: missing %s; %s\n", t.Name, strings.Join(t.Missing, ", "), t.Effect)
	}
	if len(e.UntaggedErrors) > 0 {
		b.WriteString("\nWithout tags:\n\n```\n" + strings.Join(e.UntaggedErrors, "\n") + "\n```\n")
	}
	if len(e.BuildErrors) > 0 {
		b.WriteString("\nBuild errors:\n\n```\n" + strings.Join(e.BuildErrors, "\n") + "\n```\n")
	}
}

// writeDeterminism writes the determinism check: each request's number of
// distinct bodies and up to four varying fields, the control last.
func writeDeterminism(b *strings.Builder, d *DeterminismReport) {
	fmt.Fprintf(b, "\nDeterminism (%d builds each):\n\n", d.Builds)
	for _, c := range append(d.Cases, d.Control) {
		label := c.Name
		if c.Name == d.Control.Name {
			label += " (control: must vary harmlessly)"
		}
		fmt.Fprintf(b, "- %s: %d distinct", label, c.Distinct)
		for i, f := range c.Varying {
			if i == 4 {
				fmt.Fprintf(b, "; and %d more", len(c.Varying)-4)
				break
			}
			fmt.Fprintf(b, "; %s", f)
		}
		b.WriteString("\n")
	}
}

// writeWire writes the comparison with the cassettes: the counts, up to six
// cassettes with recorded requests not replayed, and up to twelve differing
// paths with their examples.
func writeWire(b *strings.Builder, w *WireSummary) {
	fmt.Fprintf(b, "\nWire vs cassettes: %d requests: %d identical, %d reordered, %d changed (%d replay misses, %d with nothing to compare); %d of %d recorded requests not replayed",
		w.Requests, w.Identical, w.Reordered, w.Changed, w.Misses, w.Unpaired, w.NotReplayed, w.Recorded)
	if len(w.NotReplayedIn) > 0 {
		list := w.NotReplayedIn
		more := ""
		if len(list) > 6 {
			more = fmt.Sprintf(" and %d more", len(list)-6)
			list = list[:6]
		}
		fmt.Fprintf(b, " (in %s%s)", strings.Join(list, ", "), more)
	}
	b.WriteString(".\n")
	for i, f := range w.Fields {
		if i == 12 {
			fmt.Fprintf(b, "- and %d more paths\n", len(w.Fields)-12)
			break
		}
		fmt.Fprintf(b, "- %s", f)
		if f.Example != "" {
			fmt.Fprintf(b, ": %s", strings.ReplaceAll(f.Example, "\n", " "))
		}
		b.WriteString("\n")
	}
}

// writeVerdicts writes the verdict comparison: the counts, then up to
// fifteen specs whose verdict changed.
func writeVerdicts(b *strings.Builder, v *VerdictDiff) {
	fmt.Fprintf(b, "\nVerdicts: %d specs, %d unchanged, %d not applicable, %d changed.\n", v.Specs, v.Unchanged, len(v.NotApplicable), len(v.Changed))
	for i, c := range v.Changed {
		if i == 15 {
			fmt.Fprintf(b, "- and %d more\n", len(v.Changed)-15)
			break
		}
		fmt.Fprintf(b, "- %s: %s → %s", c.Spec, c.Before, c.After)
		if c.Message != "" {
			fmt.Fprintf(b, ": %s", c.Message)
		}
		b.WriteString("\n")
	}
}
