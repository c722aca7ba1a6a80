// Command projection projects the wall time of a run against a target from
// a report of the same specs (reports/matrix.json, written by any run, a
// replay included): each spec's recorded calls at a latency per call, over
// 1, 4 and 8 Ginkgo processes, the TTL specs (Serial) alone after the
// others, at most a few specs of one model at a time. It calls nothing.
//
//	go run ./cmd/projection [-per-call 1.5s] [-per-model 2] [-slow] [reports/matrix.json]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/cachecascade/cachecascade/report"
	"github.com/cachecascade/cachecascade/schedule"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run is the program; it returns the exit status: 0, or 2 for bad
// arguments or an unreadable report.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("projection", flag.ContinueOnError)
	fs.SetOutput(stderr)
	perCall := fs.Duration("per-call", 1500*time.Millisecond, "latency of one call")
	perModel := fs.Int("per-model", 2, "most specs of one model running at once (0: no cap)")
	slow := fs.Bool("slow", false, "include the slow TTL specs (they wait out real TTLs: not projected here)")
	if fs.Parse(args) != nil || fs.NArg() > 1 {
		return 2
	}
	path := "reports/matrix.json"
	if fs.NArg() == 1 {
		path = fs.Arg(0)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "projection: %v\n", err)
		return 2
	}
	m, err := report.ParseJSON(data)
	if err != nil {
		fmt.Fprintf(stderr, "projection: %s: %v\n", path, err)
		return 2
	}
	jobs, calls := jobsOf(m.Rows, *slow)
	fmt.Fprintf(stdout, "%d specs, %d calls at %v a call, at most %d specs of a model at once:\n", len(jobs), calls, *perCall, *perModel)
	for _, procs := range []int{1, 4, 8} {
		wall, err := schedule.Makespan(jobs, schedule.Options{Procs: procs, PerCall: *perCall, PerModel: *perModel})
		if err != nil {
			fmt.Fprintf(stderr, "projection: %v\n", err)
			return 2
		}
		fmt.Fprintf(stdout, "  %d process(es): %s\n", procs, wall.Round(time.Second))
	}
	return 0
}

// jobsOf turns report rows into jobs: the specs that made calls, the TTL
// area's (Serial, slow) only when slow is set. It also returns their
// calls.
func jobsOf(rows []report.Row, slow bool) ([]schedule.Job, int) {
	var jobs []schedule.Job
	calls := 0
	for _, r := range rows {
		ttl := r.Area == "ttl"
		if r.Calls == 0 || ttl && !slow {
			continue
		}
		jobs = append(jobs, schedule.Job{Name: r.Spec, Model: r.Model, Calls: r.Calls, Serial: ttl})
		calls += r.Calls
	}
	return jobs, calls
}
