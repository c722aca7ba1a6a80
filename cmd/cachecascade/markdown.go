package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cachecascade/cachecascade/forecast"
	"github.com/cachecascade/cachecascade/matrix"
)

// maxRows caps the request table; the JSON report has every request.
const maxRows = 200

// markdown renders the report for a terminal or a CI step summary.
func markdown(rep *forecast.Report, files []string, allow []matrix.Rule, failing []forecast.Finding, cmp *comparison) string {
	var b strings.Builder
	errs, warns := 0, 0
	for _, f := range rep.Findings {
		if f.Severity == forecast.Error {
			errs++
		} else {
			warns++
		}
	}
	models := map[string]bool{}
	for _, r := range rep.Requests {
		models[r.ModelID] = true
	}
	status := "pass"
	if len(failing) > 0 {
		status = fmt.Sprintf("**fail** (%d failing)", len(failing))
	}
	fmt.Fprintf(&b, "## cachecascade check: %s\n\n", status)
	fmt.Fprintf(&b, "%d requests in %d file(s) to %d model ID(s): %d errors, %d warnings.\n\n", len(rep.Requests), len(files), len(models), errs, warns)
	c := rep.Cost
	fmt.Fprintf(&b, "Predicted prompt cost **$%.4f** (uncached $%.4f). Lost to misses against the ideal: **$%.4f** (%s tokens). Writes never read: **$%.4f** (%s tokens).",
		c.PromptUSD, c.UncachedUSD, c.MissUSD, thousands(c.MissTokens), c.UnreadWriteUSD, thousands(c.UnreadWriteTokens))
	if c.PendingWriteTokens > 0 {
		fmt.Fprintf(&b, " Writes of the last requests, not yet read: %s tokens.", thousands(c.PendingWriteTokens))
	}
	b.WriteString("\n\n")
	findingsTable(&b, rep.Findings, allow)
	requestsTable(&b, rep.Requests)
	if cmp != nil {
		targetTable(&b, cmp)
	}
	var est []string
	for _, e := range rep.Estimates {
		est = append(est, fmt.Sprintf("%s %.1f chars/token ±%.0f%%", e.Family, e.CharsPerToken, 100*e.Error))
	}
	if len(est) > 0 {
		fmt.Fprintf(&b, "Token sizes are estimates (%s): a size within that error of a minimum is marked `~`.\n\n", strings.Join(est, "; "))
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	if len(allow) > 0 {
		var s []string
		for _, r := range sortedRules(allow) {
			s = append(s, "`"+string(r)+"`")
		}
		fmt.Fprintf(&b, "- allowed: %s\n", strings.Join(s, ", "))
	}
	return b.String()
}

// group is findings of one rule, severity and path, shown as one row.
type group struct {
	f      forecast.Finding
	n      int
	tokens int
	usd    float64
}

// findingsTable writes the findings, grouped by rule, severity and path,
// failing ones first.
func findingsTable(b *strings.Builder, fs []forecast.Finding, allow []matrix.Rule) {
	if len(fs) == 0 {
		b.WriteString("No findings.\n\n")
		return
	}
	var groups []*group
	index := map[string]*group{}
	for _, f := range fs {
		k := string(f.Rule) + "\x00" + string(f.Severity) + "\x00" + f.Path
		g, ok := index[k]
		if !ok {
			g = &group{f: f}
			index[k] = g
			groups = append(groups, g)
		}
		g.n++
		g.tokens += f.Tokens
		g.usd += f.USD
	}
	weight := func(g *group) int {
		switch {
		case g.f.Severity == forecast.Error && !slices.Contains(allow, g.f.Rule):
			return 0
		case g.f.Severity == forecast.Error:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(groups, func(x, y *group) int { return weight(x) - weight(y) })
	b.WriteString("| | rule | where | what | tokens | $ |\n|---|---|---|---|---:|---:|\n")
	for _, g := range groups {
		sev := string(g.f.Severity)
		if g.f.Severity == forecast.Error && slices.Contains(allow, g.f.Rule) {
			sev = "allowed"
		}
		where := cell(g.f.Source)
		if g.f.Path != "" {
			where += " `" + cell(g.f.Path) + "`"
		}
		what := cell(g.f.Message)
		if g.n > 1 {
			what = fmt.Sprintf("%d requests, first: %s", g.n, what)
		}
		tok, usd := "", ""
		if g.tokens > 0 {
			tok = thousands(g.tokens)
		}
		if g.usd > 0 {
			usd = fmt.Sprintf("%.4f", g.usd)
		}
		fmt.Fprintf(b, "| %s | `%s` | %s | %s | %s | %s |\n", sev, g.f.Rule, where, what, tok, usd)
	}
	b.WriteString("\n")
}

// requestsTable writes one row per request (at most maxRows).
func requestsTable(b *strings.Builder, reqs []forecast.RequestResult) {
	if len(reqs) == 0 {
		return
	}
	b.WriteString("| request | model | checkpoints: prefix tokens → outcome | budget | read / written |\n|---|---|---|---|---|\n")
	for i, r := range reqs {
		if i == maxRows {
			fmt.Fprintf(b, "\n… %d more requests (`--json` lists every one).\n", len(reqs)-maxRows)
			break
		}
		model := r.Model
		if model == "" {
			model = r.ModelID + " (not in the catalog)"
		}
		var cps []string
		for _, c := range r.Checkpoints {
			s := fmt.Sprintf("`%s` ", cell(c.Path))
			if c.Uncertain {
				s += "~"
			}
			s += thousands(c.Tokens) + " → " + string(c.Outcome)
			if c.Outcome == forecast.LookBack {
				s += fmt.Sprintf(" (%d blocks back)", c.LookBackBlocks)
			}
			if c.Miss != nil {
				s += fmt.Sprintf(" (miss: %s `%s`)", c.Miss.Rule, cell(c.Miss.Path))
			}
			cps = append(cps, s)
		}
		if len(cps) == 0 {
			cps = []string{"none"}
		}
		budget := strconv.Itoa(r.Budget.Used)
		if r.Budget.Max > 0 {
			budget += "/" + strconv.Itoa(r.Budget.Max)
		}
		rw := thousands(r.Read) + " / " + thousands(r.Written)
		if len(r.Rejections) > 0 {
			rw = "rejected: `" + string(r.Rejections[0].Rule) + "`"
		}
		fmt.Fprintf(b, "| %s | %s via %s | %s | %s | %s |\n", cell(r.Source), model, r.Operation, strings.Join(cps, "<br>"), budget, rw)
	}
	b.WriteString("\n")
}

// targetTable writes each request's predicted and observed usage side by
// side, then every disagreement under its rule.
func targetTable(b *strings.Builder, c *comparison) {
	fmt.Fprintf(b, "### Predicted vs observed: %s\n\n%s\n\n", c.Target, c.Note)
	b.WriteString("| request | predicted read / written of prompt | observed read / written / input | status | |\n|---|---|---|---|---|\n")
	for i, r := range c.Requests {
		if i == maxRows {
			fmt.Fprintf(b, "\n… %d more requests (`--json` lists every one).\n", len(c.Requests)-maxRows)
			break
		}
		pred := fmt.Sprintf("%s / %s of %s", thousands(r.Predicted.Read), thousands(r.Predicted.Written), thousands(r.Predicted.PromptTokens))
		if r.Predicted.Rejection != "" {
			pred = "rejected: `" + string(r.Predicted.Rejection) + "`"
		}
		o := r.Observed
		obs := fmt.Sprintf("%s / %s / %s", thousands(o.Read), thousands(o.Written), thousands(o.Input))
		status := strconv.Itoa(o.Status)
		if o.ErrorType != "" {
			status += " " + o.ErrorType
			obs = ""
		}
		if o.Attempts > 1 {
			status += fmt.Sprintf(" (%d attempts)", o.Attempts)
		}
		verdict := "agrees"
		if r.Disagreement != "" {
			verdict = "**disagrees**"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", cell(r.Source), pred, obs, cell(status), verdict)
	}
	b.WriteString("\n")
	if len(c.Disagreements) == 0 {
		b.WriteString("The target agreed with every prediction.\n\n")
		return
	}
	fmt.Fprintf(b, "%d disagreement(s), each failing under the rule of the predicted behaviour:\n\n", len(c.Disagreements))
	for _, d := range c.Disagreements {
		fmt.Fprintf(b, "- `%s`: %s\n", d.Rule, cell(d.Message))
	}
	b.WriteString("\n")
}

// cell makes text safe in a Markdown table cell.
func cell(s string) string {
	return cellEscaper.Replace(s)
}

// thousands writes n with thousands separators.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// cellEscaper is cell's replacer, built once.
var cellEscaper = strings.NewReplacer("|", `\|`, "\n", " ", "`", "'")
