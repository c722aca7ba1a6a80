package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// render prints the check × client table, the failures in full, and the
// client × operation summary; it reports whether any check failed.
// results[i] are client i's results, in the order of checks().
func render(w io.Writer, clients []string, results [][]result) (failed bool) {
	if len(results) == 0 {
		return false
	}
	var notes []string
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\noperation\tcheck\t%s\n", strings.Join(clients, "\t"))
	fmt.Fprintf(tw, "---------\t-----\t%s\n", strings.Repeat("-----\t", len(clients)))
	for row := range results[0] {
		ck := results[0][row].check
		cells := make([]string, len(clients))
		for i := range clients {
			r := results[i][row]
			switch r.verdict {
			case "FAIL":
				failed = true
				notes = append(notes, fmt.Sprintf("[%d] %s, %s %s: %s", len(notes)+1, clients[i], ck.Op, ck.Name, r.reason))
				cells[i] = fmt.Sprintf("FAIL [%d]: %s", len(notes), short(r.reason, 40))
			case "n/a":
				cells[i] = "n/a (" + r.reason + ")"
			default:
				cells[i] = r.verdict
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", ck.Op, ck.Name, strings.Join(cells, "\t"))
	}
	tw.Flush()
	if len(notes) > 0 {
		fmt.Fprintln(w, "\nfailures:")
		for _, n := range notes {
			fmt.Fprintln(w, n)
		}
	}

	fmt.Fprintln(w, "\nsummary (client × operation):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "client\t%s\n", strings.Join(operations, "\t"))
	for i, name := range clients {
		cells := make([]string, len(operations))
		for j, op := range operations {
			cells[j] = summarize(results[i], op)
		}
		fmt.Fprintf(tw, "%s\t%s\n", name, strings.Join(cells, "\t"))
	}
	tw.Flush()
	return failed
}

// summarize is one cell of the summary: pass when every check of the
// operation passed, "FAIL n/m" when n of its m checks failed, n/a when
// the client has no such operation.
func summarize(rs []result, op string) string {
	var total, fails, nas int
	for _, r := range rs {
		if r.check.Op != op {
			continue
		}
		total++
		switch r.verdict {
		case "FAIL":
			fails++
		case "n/a":
			nas++
		}
	}
	switch {
	case total == 0:
		return "-"
	case fails > 0:
		return fmt.Sprintf("FAIL %d/%d", fails, total)
	case nas == total:
		return "n/a"
	case nas > 0:
		return fmt.Sprintf("pass (%d n/a)", nas)
	}
	return "pass"
}

// short cuts s to n runes, marking the cut.
func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
