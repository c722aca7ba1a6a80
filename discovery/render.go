package discovery

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// EntryJSON renders the entry as catalog.json holds it: indented by two
// spaces, ready to paste into "models".
func (r *Result) EntryJSON() string {
	if r.Entry == nil {
		return ""
	}
	b, err := json.MarshalIndent(r.Entry, "", "  ")
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// Markdown writes the result: a summary line, the entry with the catalog
// check, the evidence for each field and every call.
func (r *Result) Markdown(w io.Writer) {
	fmt.Fprintf(w, "## %s\n\n%s\n\n", r.ModelID, r.Summary())
	if r.Failure != "" {
		fmt.Fprintf(w, "**Stopped early:** %s\n\n", r.Failure)
	}
	if r.Entry != nil {
		fmt.Fprintf(w, "### catalog.json entry\n\n```json\n%s\n```\n\n", r.EntryJSON())
		fmt.Fprintf(w, "Catalog check: %s.\n\n", r.CatalogCheck)
	} else if r.Answers && r.Failure == "" {
		fmt.Fprintf(w, "No catalog entry: the catalog holds models that cache. To keep the nightly's catalog drift from naming it again, list it under `uncached` in matrix/catalog.json:\n\n```json\n{\"baseId\": %q, \"source\": \"scripts/discover: answers Converse, caches nothing\"}\n```\n\n", baseID(r.ModelID))
	} else {
		fmt.Fprintf(w, "No catalog entry: the catalog holds models that cache.\n\n")
	}
	if r.Catalogued != "" {
		fmt.Fprintf(w, "Already catalogued as `%s`; ", r.Catalogued)
		if r.Differences == "" {
			fmt.Fprintf(w, "the measured fields agree with it.\n\n")
		} else {
			fmt.Fprintf(w, "the measured fields differ (-catalog +measured):\n\n```\n%s```\n\n", r.Differences)
		}
	}
	r.evidenceTable(w)
	r.callTable(w)
}

// Summary is one line: whether the model caches, the calls, the tokens and
// the cost.
func (r *Result) Summary() string {
	verdict := "caches"
	switch {
	case !r.Answers:
		verdict = "does not answer Converse"
	case !r.Caches:
		verdict = "does not cache"
	}
	t := r.Totals
	cost := t.CostNote
	if t.CostUSD != nil {
		cost = fmt.Sprintf("$%.4f %s", *t.CostUSD, t.CostNote)
	}
	return fmt.Sprintf("**%s.** %d Converse and %d InvokeModel calls (bound %d together), %d CountTokens calls (bound %d); "+
		"%d prompt tokens (input %d, cache read %d, cache write %d), %d output tokens; cost %s.",
		verdict, t.Converse, t.InvokeModel, t.ConverseBound, t.CountTokens, t.CountBound, t.Usage.Prompt(),
		t.Usage.Input, t.Usage.Read, t.Usage.Write, t.Usage.Output, cost)
}

// evidenceTable writes the evidence, each field with the outcome of the
// calls that decided it.
func (r *Result) evidenceTable(w io.Writer) {
	fmt.Fprintf(w, "### evidence\n\n| field | value | how it was decided | deciding calls |\n|---|---|---|---|\n")
	for _, e := range r.Evidence {
		var calls []string
		for _, n := range e.Calls {
			if n >= 1 && n <= len(r.Calls) {
				calls = append(calls, fmt.Sprintf("%d: %s", n, r.Calls[n-1].Outcome()))
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", cell(e.Field), cell(e.Value), cell(e.How), cell(strings.Join(calls, "; ")))
	}
	fmt.Fprintln(w)
}

// callTable writes every call.
func (r *Result) callTable(w io.Writer) {
	fmt.Fprintf(w, "### calls\n\n| # | API | purpose | outcome |\n|---|---|---|---|\n")
	for _, c := range r.Calls {
		fmt.Fprintf(w, "| %d | %s | %s | %s |\n", c.N, c.API, cell(c.Purpose), cell(c.Outcome()))
	}
	fmt.Fprintln(w)
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	return cellEscaper.Replace(s)
}

// cellEscaper is cell's replacer, built once.
var cellEscaper = strings.NewReplacer("|", `\|`, "\n", " ")
