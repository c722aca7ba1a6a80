package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/cachecascade/cachecascade/report"
)

// Rollup is the differences of one rule, or of one model, counted.
type Rollup struct {
	// Key is the rule ID (or the area, for a difference no check
	// decided), or the model.
	Key string
	// Class is the classification the differences share (by rule only).
	Class string
	// Cells counts the differing specs.
	Cells int
	// Others are, by rule, the models; by model, the rules with their
	// counts.
	Others map[string]int
	// Example is the first of them and Message its failure message (the
	// first line of the live run's), if it failed.
	Example, Message string
}

// ruleOf names the rule a difference is about: the rule whose check
// decided the live row (or the second live run's, or the cassette's), else
// the spec's area.
func ruleOf(r Result) string {
	for _, row := range []string{r.Live.Rule, ruleOrEmpty(r.Confirm), r.Replay.Rule} {
		if row != "" {
			return row
		}
	}
	if r.Live.Area != "" {
		return "area " + r.Live.Area
	}
	return "no rule"
}

// ruleOrEmpty returns a row's rule, or "" for no row.
func ruleOrEmpty(r *report.Row) string {
	if r == nil {
		return ""
	}
	return r.Rule
}

// messageOf returns a row's message, or "" for no row.
func messageOf(r *report.Row) string {
	if r == nil {
		return ""
	}
	return r.Message
}

// classLabel names a result's class as the roll-up shows it.
func classLabel(r Result) string {
	s := string(r.Class)
	if r.RuleBroken {
		s += ", now fails"
	}
	return s
}

// modelOf names a difference's model.
func modelOf(r Result) string {
	for _, m := range []string{r.Live.Model, r.Replay.Model, r.Live.ModelName} {
		if m != "" {
			return m
		}
	}
	return "(no model)"
}

// Rollups groups the results by rule and class, and by model, each sorted
// by count, largest first, then by key.
func Rollups(results []Result) (byRule, byModel []Rollup) {
	rules, models := map[string]*Rollup{}, map[string]*Rollup{}
	var ruleKeys, modelKeys []string
	for _, r := range results {
		rule, class, model := ruleOf(r), classLabel(r), modelOf(r)
		k := rule + "\x00" + class
		g, ok := rules[k]
		if !ok {
			g = &Rollup{Key: rule, Class: class, Others: map[string]int{}, Example: r.Spec, Message: firstMessage(r)}
			rules[k], ruleKeys = g, append(ruleKeys, k)
		}
		g.Cells++
		g.Others[model]++
		m, ok := models[model]
		if !ok {
			m = &Rollup{Key: model, Others: map[string]int{}}
			models[model], modelKeys = m, append(modelKeys, model)
		}
		m.Cells++
		m.Others[rule]++
	}
	collect := func(set map[string]*Rollup, keys []string) []Rollup {
		out := make([]Rollup, 0, len(keys))
		for _, k := range keys {
			out = append(out, *set[k])
		}
		sort.SliceStable(out, func(i, j int) bool {
			if out[i].Cells != out[j].Cells {
				return out[i].Cells > out[j].Cells
			}
			return out[i].Key < out[j].Key
		})
		return out
	}
	return collect(rules, ruleKeys), collect(models, modelKeys)
}

// firstMessage is the first line of the failure message of a difference:
// the live run's, else the second live run's; "" when neither failed
// with one.
func firstMessage(r Result) string {
	for _, m := range []string{r.Live.Message, messageOf(r.Confirm)} {
		if m = strings.TrimSpace(m); m != "" {
			line, _, _ := strings.Cut(m, "\n")
			return oneLine(line)
		}
	}
	return ""
}

// writeRollups writes the differences by rule (class, cells, models, an
// example with its message) and by model (cells, rules).
func writeRollups(b *strings.Builder, results []Result) {
	byRule, byModel := Rollups(results)
	b.WriteString("### By rule\n\n| rule | class | cells | models | example |\n|---|---|--:|---|---|\n")
	for _, g := range byRule {
		ex := "e.g. `" + cell(g.Example) + "`"
		if g.Message != "" {
			ex += ": " + cell(g.Message)
		}
		fmt.Fprintf(b, "| `%s` | %s | %d | %s | %s |\n", cell(g.Key), g.Class, g.Cells, cell(strings.Join(sortedCounts(g.Others, false), ", ")), ex)
	}
	b.WriteString("\n### By model\n\n| model | differing | rules |\n|---|--:|---|\n")
	for _, g := range byModel {
		fmt.Fprintf(b, "| %s | %d | %s |\n", cell(g.Key), g.Cells, cell(strings.Join(sortedCounts(g.Others, true), ", ")))
	}
	b.WriteString("\n")
}

// sortedCounts renders a count map's keys in order, as "`key` (n)" when
// withCounts, else as bare keys.
func sortedCounts(m map[string]int, withCounts bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if !withCounts {
		return keys
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = fmt.Sprintf("`%s` (%d)", k, m[k])
	}
	return out
}
