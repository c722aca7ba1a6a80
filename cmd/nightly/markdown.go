package main

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/report"
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
	// Trend is the rendered trend over the history's nights (see Trend);
	// empty without -history.
	Trend string
}

// Costs returns the estimated and the actual cost of the run's calls to
// the target, in US dollars. The estimate is what the cassettes say the
// live run costs (the replayed rows) plus a second live run and a
// re-recording of the specs that differ at their replayed cost; the actual
// cost is the live, second live and re-record runs. Replays call nothing
// and cost nothing.
func (s Summary) Costs() (estimated, actual float64, liveCalls int) {
	var replay, live, confirm, rerecord []report.Row
	for _, p := range s.Phases {
		switch p.Name {
		case PhaseConfirm:
			confirm = p.Rows
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
		estimated += 2 * r.Replay.CostUSD
	}
	for _, r := range append(append(append([]report.Row(nil), live...), confirm...), rerecord...) {
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
		for _, p := range s.Problems {
			if strings.Contains(p, "stopped before their first spec: pre-flight:") {
				return "the target failed the suites' pre-flight check, no spec ran against it"
			}
		}
		return "a phase crashed"
	}
	switch {
	case s.Exit == ExitTimeout:
		return "a phase timed out, the night is incomplete"
	case s.Exit == ExitBudget:
		return "the budget stopped the night"
	case s.Exit == ExitInterrupted:
		return "interrupted"
	case len(s.Results) == 0 && len(s.NightDrift) > 0:
		return "no spec differs, but the night's usage drifted"
	case len(s.Results) == 0:
		return "nothing differs"
	}
	nowFail := 0
	c := Counts(s.Results)
	for _, r := range s.Results {
		if r.RuleBroken {
			nowFail++
			c[r.Class]--
		}
	}
	var parts []string
	if nowFail > 0 {
		parts = append(parts, fmt.Sprintf("%d now fail (service changed, reproduced)", nowFail))
	}
	for _, k := range []Class{ServiceChanged, NonDeterministic, RecordingBroke} {
		if c[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c[k], k))
		}
	}
	h := fmt.Sprintf("%d of %d specs differ: %s", len(s.Results), s.Compared, strings.Join(parts, ", "))
	if len(s.NightDrift) > 0 {
		h += "; the night's usage drifted"
	}
	return h
}

// SummaryCap is the most characters summary.md holds: well under
// GitHub's 65,536-character limit on a pull request's body and a step
// summary's 1 MiB, with room for what a workflow adds. The full report is
// FullMarkdown, written to summary-full.md.
const SummaryCap = 40000

// detailRows is how many differences, cassettes and uncompared specs the
// capped summary lists one by one; the roll-ups count them all.
const detailRows = 20

// Markdown renders the summary on-call reads, capped at SummaryCap: the
// verdict and the exit's meaning, the phases, the problems, the night's
// drift, the differences rolled up by rule and by model with a failure
// message each, the first differences one by one, the cassettes touched,
// the catalog drift, the costs and the budget, and what every exit status
// means.
func (s Summary) Markdown() string { return s.render(detailRows, SummaryCap) }

// FullMarkdown renders the same summary with every difference, cassette
// and uncompared spec listed, uncapped (summary-full.md).
func (s Summary) FullMarkdown() string { return s.render(-1, 0) }

// render writes the summary, listing at most limit items of each list
// (all when limit is negative) and cutting it at capChars characters (no
// cap when 0).
func (s Summary) render(limit, capChars int) string {
	var b strings.Builder
	s.writeHeader(&b)
	s.writePhases(&b)
	s.writeNoise(&b)
	s.writeProblems(&b, limit)
	s.writeNightDrift(&b)
	s.writeDifferences(&b, limit)
	s.writeCassettes(&b, limit)
	s.writeNotCompared(&b, limit)
	s.writeDrift(&b)
	s.writeCost(&b)
	b.WriteString(s.Trend)
	s.writeExit(&b)
	return capMarkdown(b.String(), capChars)
}

// capMarkdown cuts md at a line boundary so that it holds at most
// capChars characters with the note that says where the rest is.
func capMarkdown(md string, capChars int) string {
	if capChars <= 0 || len(md) <= capChars {
		return md
	}
	note := fmt.Sprintf("\n\n**Cut at %d characters**: the full report is `summary-full.md` in the nightly's report artifact.\n", capChars)
	cut := md[:capChars-len(note)]
	if i := strings.LastIndex(cut, "\n"); i > 0 {
		cut = cut[:i]
	}
	return cut + note
}

// limited returns the first limit items of a list (all when limit is
// negative) and how many it left out.
func limited[T any](items []T, limit int) ([]T, int) {
	if limit < 0 || len(items) <= limit {
		return items, 0
	}
	return items[:limit], len(items) - limit
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
	fmt.Fprintf(b, "\n\n**Exit %d**: %s.\n\n", s.Exit, ExitMeaning(s.Exit))
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

// writeNoise says how much of the service's noise the live runs met and
// settled (see README, "How a verdict survives the service's noise"): the
// specs that met it, their routing misses and extra calls. Settled noise
// is no difference and no alarm; a spec it failed is a difference like any
// other, classed non-deterministic when a second live run does not
// reproduce it.
func (s Summary) writeNoise(b *strings.Builder) {
	for _, p := range s.Phases {
		if p.Name != PhaseLive && p.Name != PhaseConfirm {
			continue
		}
		specs, misses, calls, cost := 0, 0, 0, 0.0
		for _, r := range p.Rows {
			if r.RoutingMisses > 0 || r.NoiseCalls > 0 {
				specs++
				misses += r.RoutingMisses
				calls += r.NoiseCalls
				cost += r.NoiseUSD
			}
		}
		if specs > 0 {
			fmt.Fprintf(b, "The service's noise in the %s run: %d of %d specs met it, %d routing misses settled by %d extra calls (%s); settled noise is no difference (the suites told it from a broken rule).\n\n",
				p.Name, specs, len(p.Rows), misses, calls, usd(cost))
		}
	}
}

// writeProblems lists the problems, if any, at most limit of them.
func (s Summary) writeProblems(b *strings.Builder, limit int) {
	if len(s.Problems) == 0 {
		return
	}
	b.WriteString("**Problems**\n\n")
	ps, more := limited(s.Problems, limit)
	for _, p := range ps {
		fmt.Fprintf(b, "- %s\n", cell(p))
	}
	if more > 0 {
		fmt.Fprintf(b, "- … and %d more in `summary-full.md`\n", more)
	}
	b.WriteString("\n")
}

// writeNightDrift says how the night's totals moved, if they did.
func (s Summary) writeNightDrift(b *strings.Builder) {
	if len(s.NightDrift) == 0 {
		return
	}
	b.WriteString("## The night's usage drifted\n\nNo spec differs beyond its tolerance, but the totals of those that agree one by one moved:\n\n")
	for _, d := range s.NightDrift {
		fmt.Fprintf(b, "- %s\n", cell(d))
	}
	b.WriteString("\nThe cassettes no longer price the night right (estimates and budgets read them): find what the service changed, then re-record (`scripts/record`).\n\n")
}

// writeDifferences writes, when specs differ, the roll-ups by rule and by
// model, at most limit differences one by one, and what each class means.
func (s Summary) writeDifferences(b *strings.Builder, limit int) {
	if len(s.Results) == 0 {
		return
	}
	fmt.Fprintf(b, "## Differences (%d)\n\n", len(s.Results))
	writeRollups(b, s.Results)
	rs, more := limited(s.Results, limit)
	if more > 0 {
		fmt.Fprintf(b, "### One by one: first %d of %d; every one in `summary-full.md`\n\n", len(rs), len(s.Results))
	} else {
		b.WriteString("### One by one\n\n")
	}
	fmt.Fprintf(b, "Cache read (R) and write (W) tokens are summed over the spec's calls; they differ when they move by more than %d token per call, uncached input by more than %d, cost by more than %.0f%% (and $%g).\n\n",
		Measures[0].Tolerance.Absolute, Measures[2].Tolerance.Absolute, 100*CostTolerance.Relative, CostTolerance.Absolute)
	b.WriteString("| spec | replay (cassette) | live | second live | re-recorded | replayed after | replay → live | classification |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range rs {
		class := "**" + string(r.Class) + "**"
		if r.RuleBroken {
			class += ", now fails"
		}
		if r.Restored {
			class += ", old cassette restored"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s: %s |\n",
			cell(r.Spec), tally(&r.Replay), tally(&r.Live), tally(r.Confirm), tally(r.Rerecord), tally(r.Verify), cell(strings.Join(r.Reasons, "; ")), class, cell(r.Note))
	}
	b.WriteString("\n")
	b.WriteString("**service changed**: a second live run reproduces the live result, so the service now answers differently from the cassette; " +
		"its re-recording must reproduce it too and its new cassette replay the same. *Now fails*: the spec fails against the changed service, so it cannot be recorded " +
		"(the recorder saves passing specs only) and keeps its old cassette: decide whether the service broke the rule, the rule changed, " +
		"or the target refused the calls (throttling, model access; the live log says). " +
		"**non-deterministic**: the second live run or the re-recording agrees with the old cassette (or with neither run): the service disagreed with itself; " +
		"the old cassette is kept. **recording broke**: the record run failed or crashed, or the new cassette does not replay as " +
		"recorded; the old cassette is restored.\n\n")
}

// writeCassettes lists the re-recorded cassettes to commit and the
// cassettes restored from the backup, at most limit of each.
func (s Summary) writeCassettes(b *strings.Builder, limit int) {
	if len(s.Rewritten) > 0 {
		var paths []string
		for _, ps := range s.Rewritten {
			paths = append(paths, ps...)
		}
		sort.Strings(paths)
		fmt.Fprintf(b, "Re-recorded cassettes, to commit (%d):\n\n", len(paths))
		ps, more := limited(paths, limit)
		for _, p := range ps {
			fmt.Fprintf(b, "- `cassettes/%s`\n", p)
		}
		if more > 0 {
			fmt.Fprintf(b, "- … and %d more in `summary-full.md`\n", more)
		}
		b.WriteString("\n")
	}
	if len(s.Restored) > 0 {
		b.WriteString("Restored from the backup:\n\n")
		ps, more := limited(s.Restored, limit)
		for _, p := range ps {
			fmt.Fprintf(b, "- `%s`\n", p)
		}
		if more > 0 {
			fmt.Fprintf(b, "- … and %d more in `summary-full.md`\n", more)
		}
		b.WriteString("\n")
	}
}

// writeNotCompared lists, folded, the specs only one of replay and live
// filed, at most limit of them.
func (s Summary) writeNotCompared(b *strings.Builder, limit int) {
	if len(s.NotCompared) == 0 {
		return
	}
	fmt.Fprintf(b, "<details><summary>Not compared: %d specs filed a result in only one of replay and live, or were skipped live with a reason</summary>\n\n", len(s.NotCompared))
	specs, more := limited(s.NotCompared, limit)
	for _, spec := range specs {
		fmt.Fprintf(b, "- %s\n", spec)
	}
	if more > 0 {
		fmt.Fprintf(b, "- … and %d more in `summary-full.md`\n", more)
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

// writeCost writes the estimated and the actual cost of the run's calls,
// and the night's budget with what the suites' tallies say it spent.
func (s Summary) writeCost(b *strings.Builder) {
	est, act, calls := s.Costs()
	b.WriteString("## Cost\n\n| | USD |\n|---|--:|\n")
	fmt.Fprintf(b, "| estimated: the live run as the cassettes price it, plus a second live run and a re-recording of the differing specs | %s |\n", usd(est))
	fmt.Fprintf(b, "| actual: live, second live and re-record runs, %d calls | %s |\n\n", calls, usd(act))
	budget := s.Budget
	if budget == "" {
		budget = "no budget"
	}
	if budget == "no budget" {
		fmt.Fprintf(b, "The night had no budget (`-budget`, `%s`). ", env.BudgetUSD)
	} else {
		fmt.Fprintf(b, "The night's one budget %s, over all phases: ", budget)
	}
	fmt.Fprintf(b, "spent %s and %d tokens over %d calls by the suites' tallies. Replays call nothing. Prices come from `matrix/catalog.json`; against the emulator they are what the same calls would cost on AWS.\n\n", usd(s.Spent.USD), s.Spent.Tokens, s.Spent.Calls)
}

// writeExit writes the exit status, what it means, and, folded, what every
// exit status means.
func (s Summary) writeExit(b *strings.Builder) {
	fmt.Fprintf(b, "## Exit status %d\n\n%s.\n\n", s.Exit, ExitMeaning(s.Exit))
	b.WriteString("<details><summary>Exit statuses</summary>\n\n")
	for _, c := range ExitStatuses {
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
