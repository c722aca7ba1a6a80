package report

import (
	"fmt"
	"strings"
)

// Markdown renders the matrix as GitHub-flavoured Markdown: a title with
// mode, target and date; a summary line; a legend; the cascade area as a
// model × strategy table (one per API when rows use more than one); a
// compact table per other area; and a section listing each failed or
// inconclusive row with its full message in a fenced block. When the
// models carry a lifecycle, a Models section lists them (current lineup
// first, as Matrix.Models orders them) with their standing and the ID
// invoked.
func (m Matrix) Markdown() string {
	v := m.layout()
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	p("# %s\n\n", inline(v.Title))
	if v.Meta != "" {
		p("_%s_\n\n", inline(v.Meta))
	}
	p("%s\n\n", summaryLine(v.Summary))
	p("Legend: %s\n", strings.Join(legend(), " · "))

	if len(v.Main) > 0 || len(v.Strays.Rows) > 0 {
		p("\n## Cascade: model × strategy\n")
	}
	for _, t := range v.Main {
		if v.MultiAPI {
			p("\n### API: %s\n", inline(t.API))
		}
		b.WriteString("\n| Model |")
		for _, s := range t.Strategies {
			p(" %s |", cellText(s))
		}
		b.WriteString("\n|---|")
		b.WriteString(strings.Repeat("---|", len(t.Strategies)))
		b.WriteString("\n")
		for _, line := range t.Models {
			p("| %s |", cellText(line.Model.Title()))
			for _, c := range line.Cells {
				p(" %s |", markdownCell(c))
			}
			b.WriteString("\n")
		}
		if len(t.Notes) > 0 {
			b.WriteString("\nNotes:\n\n")
			for _, n := range t.Notes {
				p("- %s · %s: %s %s\n", inline(n.ModelLabel), inline(n.Strategy), n.Outcome.Symbol(), inline(firstLine(n.Message)))
			}
		}
	}
	if len(v.Strays.Rows) > 0 {
		p("\n### %s\n", v.Strays.Heading)
		writeAreaTable(&b, v.Strays, v.MultiAPI)
	}

	for _, t := range v.Areas {
		p("\n## %s\n", cellText(t.Heading))
		writeAreaTable(&b, t, v.MultiAPI)
	}

	writeChanges(&b, m.Rows)
	writeLineup(&b, v.Lineup)
	writeProblems(&b, v)
	return b.String()
}

// writeLineup writes the Models section: each model with its standing and
// the ID the run invoked.
func writeLineup(b *strings.Builder, lineup []ModelInfo) {
	if len(lineup) == 0 {
		return
	}
	fmt.Fprintf(b, "\n## Models\n\n| Model | Lifecycle | Invoked as |\n|---|---|---|\n")
	for _, mi := range lineup {
		fmt.Fprintf(b, "| %s | %s | %s |\n", cellText(mi.Name), cellText(mi.Standing), cellText(mi.ID))
	}
}

// writeProblems writes the section listing each failed or inconclusive row
// with its full message in a fenced block.
func writeProblems(b *strings.Builder, v view) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	if len(v.Problems) > 0 {
		p("\n## Failures and inconclusive cells\n")
		for _, pr := range v.Problems {
			where := []string{pr.Area}
			if v.MultiAPI {
				where = append(where, pr.api())
			}
			where = append(where, pr.ModelLabel)
			if pr.Strategy != "" {
				where = append(where, pr.Strategy)
			}
			p("\n### %s %s — %s\n\n", pr.Outcome.Symbol(), inline(string(pr.Outcome)), inline(strings.Join(where, " · ")))
			if pr.Spec != "" {
				p("Spec: %s\n\n", inline(pr.Spec))
			}
			msg := strings.TrimRight(strings.ReplaceAll(pr.Message, "\r\n", "\n"), "\n ")
			if msg == "" {
				p("_(no message)_\n")
				continue
			}
			fence := fenceFor(msg)
			p("%stext\n%s\n%s\n", fence, msg, fence)
		}
	}
}

// summaryLine writes the one-line summary.
func summaryLine(s Summary) string {
	counts := []string{
		fmt.Sprintf("%d pass", s.Pass),
		fmt.Sprintf("%d fail", s.Fail),
		fmt.Sprintf("%d expected-error", s.ExpectedError),
		fmt.Sprintf("%d inconclusive", s.Inconclusive),
	}
	if s.NotApplicable > 0 {
		counts = append(counts, fmt.Sprintf("%d not applicable", s.NotApplicable))
	}
	if s.Skipped > 0 {
		counts = append(counts, fmt.Sprintf("%d skipped", s.Skipped))
	}
	if s.Other > 0 {
		counts = append(counts, fmt.Sprintf("%d unknown outcome", s.Other))
	}
	implicit := ""
	if s.ImplicitReadTokens > 0 {
		implicit = fmt.Sprintf(" (%s of them implicitly, without an explicit entry: %s)", formatInt(s.ImplicitReadTokens), formatUSD(s.ImplicitReadUSD))
	}
	return fmt.Sprintf("**%d specs**: %s. Tokens: %s read from cache%s, %s written to cache, %s input, %s output, in %s calls. Cost: **%s** with caching, %s without (%s).",
		s.Specs, strings.Join(counts, ", "),
		formatInt(s.CacheReadTokens), implicit, formatInt(s.CacheWriteTokens),
		formatInt(s.InputTokens), formatInt(s.OutputTokens), formatInt(s.Calls),
		formatUSD(s.CostUSD), formatUSD(s.CostWithoutCacheUSD), savingsPhrase(s)) + noisePhrase(s)
}

// noisePhrase says what the service's noise cost the run, if anything:
// the extra calls spent telling it from a broken rule (not among the calls
// and costs above) and the misses they showed to be noise.
func noisePhrase(s Summary) string {
	if s.NoiseCalls == 0 {
		return ""
	}
	return fmt.Sprintf(" The service's noise: %s routing misses (an entry not found in the Region that served the call, or an extra write), told from broken rules by %s extra calls (%s, not included above).",
		formatInt(s.RoutingMisses), formatInt(s.NoiseCalls), formatUSD(s.NoiseUSD))
}

// markdownCell writes one cell of the main table.
func markdownCell(c cell) string {
	if len(c.Outcomes) == 0 {
		return ""
	}
	var s string
	for _, o := range c.Outcomes {
		if !o.Valid() {
			s += o.Symbol() + cellText(string(o)) // name the unknown outcome
			continue
		}
		s += o.Symbol()
	}
	if c.showTokens() {
		s += " " + tokens(c.Read, c.Write)
	}
	return s
}

// writeAreaTable writes one area's compact table.
func writeAreaTable(b *strings.Builder, t areaTable, multiAPI bool) {
	b.WriteString("\n| Model |")
	if multiAPI {
		b.WriteString(" API |")
	}
	if t.HasStrategy {
		b.WriteString(" Strategy |")
	}
	b.WriteString(" Spec | Outcome | R/W | Message |\n|---|")
	if multiAPI {
		b.WriteString("---|")
	}
	if t.HasStrategy {
		b.WriteString("---|")
	}
	b.WriteString("---|---|---|---|\n")
	for _, r := range t.Rows {
		fmt.Fprintf(b, "| %s |", cellText(r.ModelLabel))
		if multiAPI {
			fmt.Fprintf(b, " %s |", cellText(r.api()))
		}
		if t.HasStrategy {
			fmt.Fprintf(b, " %s |", cellText(r.Strategy))
		}
		rw := ""
		if r.Outcome != NotApplicable && r.Outcome != Skipped {
			rw = tokens(r.CacheReadTokens, r.CacheWriteTokens)
		}
		fmt.Fprintf(b, " %s | %s %s | %s | %s |\n",
			cellText(r.Spec), r.Outcome.Symbol(), cellText(string(r.Outcome)), rw, cellText(firstLine(r.Message)))
	}
}

// cellText makes s safe inside a Markdown table cell: backslashes and pipes
// are escaped, "<" is written as &lt; so that text such as Gomega's
// "<int>" is not taken for an HTML tag, and line breaks become <br>.
func cellText(s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	return cellEscaper.Replace(s)
}

// inline puts s on one line, for headings and other single-line places
// outside tables, with "<" written as &lt;.
func inline(s string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "<", "&lt;")
}

// fenceFor returns a backtick fence longer than any backtick run in s, so
// that s cannot close the fence early.
func fenceFor(s string) string {
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// cellEscaper is cellText's replacer, built once: a Replacer is safe for
// concurrent use, and building one costs more than most replacements.
var cellEscaper = strings.NewReplacer(`\`, `\\`, "|", `\|`, "<", "&lt;", "\n", "<br>", "\r", "<br>")
