package main

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cachecascade/cachecascade/report"
	"github.com/cachecascade/cachecascade/verdict"
)

// Phase is one run of the suites.
type Phase struct {
	// Name is "replay", "live", "re-record" or "replay re-recorded".
	Name string
	// Mode is the recorder mode it ran in.
	Mode string
	// Rows are the rows it filed.
	Rows []report.Row
	// Exit is the test binary's exit status (-1 when it did not exit).
	Exit int
	// Crashed says the run crashed: an exit status other than 0 or 1, a
	// timeout, or no report.
	Crashed bool
	// Err says why it crashed.
	Err string
	// Ran says whether the phase ran at all.
	Ran bool
	// Duration is its wall time.
	Duration time.Duration
	// Dir is its report directory.
	Dir string
	// TimedOut says the phase ran out of its time (-timeout): Ginkgo's
	// report says "Suite Timeout Elapsed", or the program stopped it.
	TimedOut bool
	// BudgetStop says the night's budget stopped the phase.
	BudgetStop bool
	// Spend is what the phase spent against the target (its spend.json).
	Spend Spend
}

// Summary is everything the Markdown summary shows.
type Summary struct {
	// Target describes the target ("aws us-east-1", "emulator with
	// profile no-cascade").
	Target string
	// LabelFilter is the Ginkgo label filter, if any.
	LabelFilter string
	// Procs is the number of Ginkgo processes of the phases that call the
	// target.
	Procs int
	// Started is when the run began; Wall its wall time.
	Started time.Time
	Wall    time.Duration
	// Phases are the runs, in order.
	Phases []Phase
	// Results are the differing specs, classified.
	Results []Result
	// Compared counts the specs both replay and live filed.
	Compared int
	// NotCompared lists specs only one of replay and live filed.
	NotCompared []string
	// Rewritten lists the cassettes left re-recorded, per spec.
	Rewritten map[string][]string
	// Restored lists cassettes put back from the backup.
	Restored []string
	// Problems are phase crashes and other errors, in order.
	Problems []string
	// Drift is what the catalog-drift check found; it never changes the
	// exit status.
	Drift Drift
	// Exit is the exit status.
	Exit int
	// NightDrift says how the night's totals moved beyond their
	// tolerances over the specs that agree one by one (see NightDrift).
	NightDrift []string
	// Spent is what all phases spent against the target; Budget names the
	// night's budget ("no budget" when there is none).
	Spent  Spend
	Budget string
}

// Costs returns the estimated and the actual cost of the run's calls to
// the target, in US dollars. The estimate is what the cassettes say the
// live run costs (the replayed rows) plus re-recording the specs that
// differ at their replayed cost; the actual cost is the live run plus the
// re-recording. Replays call nothing and cost nothing.
func (s Summary) Costs() (estimated, actual float64, liveCalls int) {
	var replay, live, rerecord []report.Row
	for _, p := range s.Phases {
		switch p.Name {
		case PhaseReplay:
			replay = p.Rows
		case PhaseLive:
			live = p.Rows
		case PhaseRerecord:
			rerecord = p.Rows
		}
	}
	for _, r := range replay {
		estimated += r.CostUSD
	}
	for _, r := range s.Results {
		estimated += r.Replay.CostUSD
	}
	for _, r := range append(append([]report.Row(nil), live...), rerecord...) {
		actual += r.CostUSD
		liveCalls += r.Calls
	}
	return estimated, actual, liveCalls
}

// Headline is the summary's one-line verdict.
func (s Summary) Headline() string {
	if len(s.Phases) == 0 && s.Exit == ExitBroke && len(s.Problems) > 0 && strings.HasPrefix(s.Problems[0], "pre-flight:") {
		return "the target failed its pre-flight check, nothing ran"
	}
	if len(s.Problems) > 0 && s.Exit == ExitBroke && len(s.Results) == 0 {
		return "a phase crashed"
	}
	if len(s.Results) == 0 {
		if s.Exit == ExitInterrupted {
			return "interrupted"
		}
		return "nothing differs"
	}
	c := Counts(s.Results)
	var parts []string
	for _, k := range []Class{ServiceChanged, NonDeterministic, RecordingBroke} {
		if c[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c[k], k))
		}
	}
	return fmt.Sprintf("%d of %d specs differ: %s", len(s.Results), s.Compared, strings.Join(parts, ", "))
}

// Markdown renders the summary: the verdict, the phases, one table row per
// differing spec (replay vs live, outcome and cache read/write, the
// re-recording, the replay of the new cassette, the class), the cassettes
// touched, the catalog drift, the costs and the exit status with what every
// status means.
func (s Summary) Markdown() string {
	var b strings.Builder
	s.writeHeader(&b)
	s.writePhases(&b)
	s.writeProblems(&b)
	s.writeDifferences(&b)
	s.writeCassettes(&b)
	s.writeNotCompared(&b)
	s.writeDrift(&b)
	s.writeCost(&b)
	s.writeExit(&b)
	return b.String()
}

// writeHeader writes the title with the headline, and the target, label
// filter, start and wall time.
func (s Summary) writeHeader(b *strings.Builder) {
	fmt.Fprintf(b, "# cachecascade nightly: %s\n\n", s.Headline())
	fmt.Fprintf(b, "Target: **%s**", s.Target)
	if s.LabelFilter != "" {
		fmt.Fprintf(b, " · label filter `%s`", s.LabelFilter)
	}
	if s.Procs > 0 {
		fmt.Fprintf(b, " · %d processes against the target", s.Procs)
	}
	if !s.Started.IsZero() {
		fmt.Fprintf(b, " · started %s", s.Started.UTC().Format(time.RFC3339))
	}
	if s.Wall > 0 {
		fmt.Fprintf(b, " · wall time %s", s.Wall.Round(100*time.Millisecond))
	}
	b.WriteString("\n\n")
}

// writePhases writes the table of phases: mode, specs, passed, failed,
// exit status and time, or "not run".
func (s Summary) writePhases(b *strings.Builder) {
	b.WriteString("| phase | mode | specs | passed | failed | exit | time |\n|---|---|--:|--:|--:|--:|--:|\n")
	for _, p := range s.Phases {
		if !p.Ran {
			fmt.Fprintf(b, "| %s | %s | | | | not run | |\n", p.Name, p.Mode)
			continue
		}
		sum := report.Matrix{Rows: p.Rows}.Summary()
		exit := fmt.Sprint(p.Exit)
		if p.Crashed {
			exit += " (crashed)"
		}
		fmt.Fprintf(b, "| %s | %s | %d | %d | %d | %s | %s |\n", p.Name, p.Mode, sum.Specs, sum.Pass+sum.ExpectedError, sum.Fail+sum.Inconclusive, exit, p.Duration.Round(100*time.Millisecond))
	}
	b.WriteString("\n")
}

// writeProblems lists the problems, if any.
func (s Summary) writeProblems(b *strings.Builder) {
	if len(s.Problems) == 0 {
		return
	}
	b.WriteString("**Problems**\n\n")
	for _, p := range s.Problems {
		fmt.Fprintf(b, "- %s\n", cell(p))
	}
	b.WriteString("\n")
}

// writeDifferences writes, when specs differ, one table row per differing
// spec and what each class means.
func (s Summary) writeDifferences(b *strings.Builder) {
	if len(s.Results) == 0 {
		return
	}
	fmt.Fprintf(b, "## Differences (%d)\n\n", len(s.Results))
	fmt.Fprintf(b, "Cache read (R) and write (W) tokens are summed over the spec's calls; they differ when they move by more than %d token per call.\n\n", verdict.BetweenRuns.Absolute)
	b.WriteString("| spec | replay (cassette) | live | re-recorded | replayed after | replay → live | classification |\n|---|---|---|---|---|---|---|\n")
	for _, r := range s.Results {
		class := "**" + string(r.Class) + "**"
		if r.RuleBroken {
			class += ", now fails"
		}
		if r.Restored {
			class += ", old cassette restored"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s: %s |\n",
			cell(r.Spec), tally(&r.Replay), tally(&r.Live), tally(r.Rerecord), tally(r.Verify), cell(strings.Join(r.Reasons, "; ")), class, cell(r.Note))
	}
	b.WriteString("\n")
	b.WriteString("**service changed**: re-recording reproduces the live result, so the service now answers differently from the cassette; " +
		"its new cassette must replay the same. *Now fails*: the spec fails against the changed service, so it cannot be recorded " +
		"(the recorder saves passing specs only) and keeps its old cassette: decide whether the service broke the rule, the rule changed, " +
		"or the target refused the calls (throttling, model access; the live log says). " +
		"**non-deterministic**: re-recording agrees with the old cassette (or with neither run): the service disagreed with itself; " +
		"the old cassette is kept. **recording broke**: the record run failed or crashed, or the new cassette does not replay as " +
		"recorded; the old cassette is restored.\n\n")
}

// writeCassettes lists the re-recorded cassettes to commit and the
// cassettes restored from the backup.
func (s Summary) writeCassettes(b *strings.Builder) {
	if len(s.Rewritten) > 0 {
		var paths []string
		for _, ps := range s.Rewritten {
			paths = append(paths, ps...)
		}
		sort.Strings(paths)
		fmt.Fprintf(b, "Re-recorded cassettes, to commit (%d):\n\n", len(paths))
		for _, p := range paths {
			fmt.Fprintf(b, "- `cassettes/%s`\n", p)
		}
		b.WriteString("\n")
	}
	if len(s.Restored) > 0 {
		b.WriteString("Restored from the backup:\n\n")
		for _, p := range s.Restored {
			fmt.Fprintf(b, "- `%s`\n", p)
		}
		b.WriteString("\n")
	}
}

// writeNotCompared lists, folded, the specs only one of replay and live
// filed.
func (s Summary) writeNotCompared(b *strings.Builder) {
	if len(s.NotCompared) == 0 {
		return
	}
	fmt.Fprintf(b, "<details><summary>Not compared: %d specs filed a result in only one of replay and live (such as specs skipped live)</summary>\n\n", len(s.NotCompared))
	for _, spec := range s.NotCompared {
		fmt.Fprintf(b, "- %s\n", spec)
	}
	b.WriteString("\n</details>\n\n")
}

// writeDrift writes the catalog-drift line and, when the catalog lacks
// models, one table row per model with the profiles that reach it and the
// command that adds it.
func (s Summary) writeDrift(b *strings.Builder) {
	fmt.Fprintf(b, "## Catalog drift\n\n%s\n\n", s.Drift.Line())
	if len(s.Drift.Uncatalogued) == 0 {
		return
	}
	b.WriteString("| model | inference profiles | to add it to the catalog |\n|---|---|---|\n")
	for _, u := range s.Drift.Uncatalogued {
		fmt.Fprintf(b, "| `%s` | %s | `%s` |\n", cell(u.Model), codeList(u.Profiles), cell(u.Command))
	}
	b.WriteString("\nNot a failure: the exit status ignores drift. Run each command to add its model.\n\n")
}

// codeList renders IDs as code, comma-separated, for a table cell.
func codeList(ids []string) string {
	var out []string
	for _, id := range ids {
		out = append(out, "`"+cell(id)+"`")
	}
	return strings.Join(out, ", ")
}

// writeCost writes the estimated and the actual cost of the run's calls.
func (s Summary) writeCost(b *strings.Builder) {
	est, act, calls := s.Costs()
	b.WriteString("## Cost\n\n| | USD |\n|---|--:|\n")
	fmt.Fprintf(b, "| estimated: the live run as the cassettes price it, plus re-recording the differing specs | %s |\n", usd(est))
	fmt.Fprintf(b, "| actual: live run and re-recording, %d calls | %s |\n\n", calls, usd(act))
	b.WriteString("Replays call nothing. Prices come from `matrix/catalog.json`; against the emulator they are what the same calls would cost on AWS.\n\n")
}

// writeExit writes the exit status, what it means, and, folded, what every
// exit status means.
func (s Summary) writeExit(b *strings.Builder) {
	fmt.Fprintf(b, "## Exit status %d\n\n%s.\n\n", s.Exit, ExitMeaning(s.Exit))
	b.WriteString("<details><summary>Exit statuses</summary>\n\n")
	for _, c := range []int{ExitSame, ExitServiceChanged, ExitNonDeterministic, ExitBroke, ExitRuleBroken, ExitUsage, ExitInterrupted} {
		fmt.Fprintf(b, "- `%d`: %s\n", c, ExitMeaning(c))
	}
	b.WriteString("\n</details>\n")
}

// tally renders one row's result in a table cell: the outcome, the cache
// read and write totals and the calls.
func tally(r *report.Row) string {
	if r == nil {
		return "—"
	}
	return fmt.Sprintf("%s %s R %d / W %d, %d calls", r.Outcome.Symbol(), r.Outcome, r.CacheReadTokens, r.CacheWriteTokens, r.Calls)
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\r", "")
	return strings.ReplaceAll(s, "\n", "<br>")
}

// usd formats an amount of US dollars to four decimals.
func usd(v float64) string { return fmt.Sprintf("$%.4f", v) }
