// Package schedule projects how long a run against a target takes: the
// specs' recorded calls, a latency per call, and the Ginkgo processes that
// share them. Ginkgo hands each process the next spec as it frees up, and
// runs the Serial specs alone after the others; a cap on the calls in
// flight per model (so that parallel runs do not trip the account's
// throttling) holds a spec back until a slot of its model is free. The
// projection replays that schedule; it calls nothing.
package schedule

import (
	"fmt"
	"slices"
	"time"
)

// Job is one spec as the schedule sees it.
type Job struct {
	// Name names the spec, for messages.
	Name string
	// Model is the model its calls go to ("" for none).
	Model string
	// Calls is how many calls it makes, one after the other.
	Calls int
	// Serial marks a spec that runs alone, after the parallel ones.
	Serial bool
}

// Options are a projection's settings.
type Options struct {
	// Procs is the number of processes; at least 1.
	Procs int
	// PerCall is the latency of one call.
	PerCall time.Duration
	// PerModel caps the specs of one model running at once (each spec
	// has one call in flight at a time); zero means no cap.
	PerModel int
}

// Makespan returns the wall time of running jobs, in order, under o: the
// parallel jobs over o.Procs processes, each taking the next job whose
// model has a free slot, then the serial jobs one after the other.
func Makespan(jobs []Job, o Options) (time.Duration, error) {
	if o.Procs < 1 || o.PerCall <= 0 || o.PerModel < 0 {
		return 0, fmt.Errorf("schedule: procs %d, per-call %v and per-model cap %d must be positive (the cap may be 0: none)", o.Procs, o.PerCall, o.PerModel)
	}
	var parallel, serial []Job
	for _, j := range jobs {
		if j.Serial {
			serial = append(serial, j)
		} else {
			parallel = append(parallel, j)
		}
	}
	wall := simulate(parallel, o)
	for _, j := range serial {
		wall += time.Duration(j.Calls) * o.PerCall
	}
	return wall, nil
}

// running is a job in progress: its model and when it ends.
type running struct {
	model string
	end   time.Duration
}

// simulate runs the parallel jobs as Ginkgo would and returns when the last
// one ends.
func simulate(queue []Job, o Options) time.Duration {
	var now time.Duration
	var busy []running
	for len(queue) > 0 || len(busy) > 0 {
		for len(busy) < o.Procs {
			i := slices.IndexFunc(queue, func(j Job) bool { return o.PerModel == 0 || j.Model == "" || inFlight(busy, j.Model) < o.PerModel })
			if i < 0 {
				break
			}
			j := queue[i]
			queue = slices.Delete(queue, i, i+1)
			busy = append(busy, running{model: j.Model, end: now + time.Duration(j.Calls)*o.PerCall})
		}
		// Move time to the next end and free that process.
		k := 0
		for i := range busy {
			if busy[i].end < busy[k].end {
				k = i
			}
		}
		now = busy[k].end
		busy = slices.Delete(busy, k, k+1)
	}
	return now
}

// inFlight counts the running jobs of a model.
func inFlight(busy []running, model string) int {
	n := 0
	for _, r := range busy {
		if r.model == model {
			n++
		}
	}
	return n
}
