package main

import (
	"fmt"
	"strings"
	"time"
)

// Summary is the whole mutation run.
type Summary struct {
	Outcomes []Outcome
	// Build and Wall are the build's and the whole run's wall time.
	Build, Wall time.Duration
	// Parallel is how many runs went at once.
	Parallel int
}

// Counts are the headline numbers of a summary.
type Counts struct {
	Faults, Caught, Survived int
	Benign, Alarms           int
	// Noise counts the runs under noise alone; NoiseAlarms those that
	// failed a spec.
	Noise, NoiseAlarms int
	// Baseline is the baseline's verdict, empty when it did not run.
	Baseline Verdict
	Crashed  int
}

// Counts counts the summary's outcomes.
func (s Summary) Counts() Counts {
	var c Counts
	for _, o := range s.Outcomes {
		if o.Verdict == Crashed {
			c.Crashed++
		}
		switch o.Kind {
		case KindFault:
			c.Faults++
			switch o.Verdict {
			case Caught:
				c.Caught++
			case Survived:
				c.Survived++
			}
		case KindBenign:
			c.Benign++
			if o.Verdict == FalseAlarm {
				c.Alarms++
			}
		case KindNoise:
			c.Noise++
			if o.Verdict == FalseAlarm {
				c.NoiseAlarms++
			}
		case KindBaseline:
			c.Baseline = o.Verdict
		}
	}
	return c
}

// OK reports whether every fault was caught, nothing alarmed and nothing
// crashed.
func (s Summary) OK() bool {
	for _, o := range s.Outcomes {
		if !o.OK() {
			return false
		}
	}
	return true
}

// maxSpecsInTable is how many catching specs a table row names.
const maxSpecsInTable = 3

// maxDetails is how many failures of one kind the details list per run.
const maxDetails = 5

// Markdown renders the summary: the table, the headline numbers, and the
// details of every survivor, false alarm, crash and failure for another
// reason.
func (s Summary) Markdown() string {
	var b strings.Builder
	b.WriteString("# Mutation run: the suites against each emulator profile\n\n")
	b.WriteString("A fault is caught when a spec fails with a finding under the rule the fault breaks (by rule ID, not wording); benign profiles and the healthy baseline must pass.\n\n")
	b.WriteString("| profile | kind | rule | specs that caught it | verdict | seconds |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, o := range s.Outcomes {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %.1f |\n",
			cell(o.Name), o.Kind, cell(o.Description), cell(caughtCell(o)), verdictCell(o.Verdict), o.Seconds)
	}
	c := s.Counts()
	b.WriteString("\n")
	fmt.Fprintf(&b, "**Kill ratio: %d/%d faults caught", c.Caught, c.Faults)
	if c.Faults > 0 {
		fmt.Fprintf(&b, " (%.0f%%)", 100*float64(c.Caught)/float64(c.Faults))
	}
	b.WriteString(".**")
	if c.Survived > 0 {
		fmt.Fprintf(&b, " %d survived.", c.Survived)
	}
	b.WriteString("\n\n")
	fmt.Fprintf(&b, "**Benign alarms: %d/%d benign profiles", c.Alarms, c.Benign)
	switch c.Baseline {
	case "":
		b.WriteString("; no baseline run")
	case FalseAlarm:
		b.WriteString("; the baseline: FALSE ALARM")
	default:
		b.WriteString("; the baseline: " + string(c.Baseline))
	}
	b.WriteString(".**\n\n")
	if c.Noise > 0 {
		fmt.Fprintf(&b, "**Noise alarms: %d/%d runs under the service's noise alone (each noise profile and all together, over seeds).**\n\n", c.NoiseAlarms, c.Noise)
	}
	if c.Crashed > 0 {
		fmt.Fprintf(&b, "**Crashed runs: %d.**\n\n", c.Crashed)
	}
	fmt.Fprintf(&b, "Total wall time: %.1f s (build %.1f s, %d runs, up to %d at once).\n",
		s.Wall.Seconds(), s.Build.Seconds(), len(s.Outcomes), s.Parallel)

	var details strings.Builder
	for _, o := range s.Outcomes {
		if o.Verdict == Crashed {
			fmt.Fprintf(&details, "\n### %s: CRASHED\n\n%s\n", o.Name, o.Crash)
		}
		if len(o.Others) == 0 {
			continue
		}
		switch {
		case o.Verdict == Crashed:
			fmt.Fprintf(&details, "\n### %s: failed specs of the crashed run (%d", o.Name, len(o.Others))
			if len(o.Catches) > 0 {
				fmt.Fprintf(&details, ", besides %d naming the rule", len(o.Catches))
			}
			details.WriteString(")\n\n")
		case o.Kind == KindFault:
			fmt.Fprintf(&details, "\n### %s: failed for another reason (%d of %d failed specs)\n\n", o.Name, len(o.Others), o.Failed)
			if o.Verdict == Survived {
				fmt.Fprintf(&details, "None of these names the rule (%s), so they do not count as a catch.\n\n", rules[o.fault()])
			}
		default:
			fmt.Fprintf(&details, "\n### %s: FALSE ALARM (%d failed specs)\n\n", o.Name, len(o.Others))
		}
		for i, f := range o.Others {
			if i == maxDetails {
				fmt.Fprintf(&details, "- … and %d more\n", len(o.Others)-maxDetails)
				break
			}
			fmt.Fprintf(&details, "- %s  \n  %s\n", code(f.Spec), code(firstLine(f.Message, 400)))
		}
	}
	if details.Len() > 0 {
		b.WriteString("\n## Details\n")
		b.WriteString(details.String())
	}
	return b.String()
}

func caughtCell(o Outcome) string {
	if len(o.Catches) == 0 {
		return "—"
	}
	var names []string
	for i, f := range o.Catches {
		if i == maxSpecsInTable {
			names = append(names, "…")
			break
		}
		name := f.Short
		if name == "" {
			name = shorten(f.Spec, 70)
		}
		names = append(names, name)
	}
	return fmt.Sprintf("%d: %s", len(o.Catches), strings.Join(names, "; "))
}

func verdictCell(v Verdict) string {
	switch v {
	case Caught, Clean:
		return string(v)
	}
	return "**" + string(v) + "**"
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "|", `\|`)
}

// code renders text as inline code on one line.
func code(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ReplaceAll(s, "`", "'")
	if s == "" {
		return "(empty)"
	}
	return "`" + s + "`"
}

func firstLine(s string, max int) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return shorten(s, max)
}

func shorten(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return string(r[:max-1]) + "…"
}
