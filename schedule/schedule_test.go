package schedule_test

import (
	"testing"
	"time"

	"github.com/cachecascade/cachecascade/schedule"
)

func TestMakespan(t *testing.T) {
	s := time.Second
	jobs := []schedule.Job{
		{Name: "a1", Model: "a", Calls: 4}, {Name: "a2", Model: "a", Calls: 4},
		{Name: "b1", Model: "b", Calls: 2}, {Name: "b2", Model: "b", Calls: 2},
		{Name: "ttl", Model: "a", Calls: 3, Serial: true},
	}
	for _, tc := range []struct {
		name string
		o    schedule.Options
		want time.Duration
	}{
		{"one process: every call in a row", schedule.Options{Procs: 1, PerCall: s}, 15 * s},
		{"two processes", schedule.Options{Procs: 2, PerCall: s}, 6*s + 3*s},
		{"four processes: the longest job, then the serial one", schedule.Options{Procs: 4, PerCall: s}, 4*s + 3*s},
		{"a cap of one per model keeps a2 behind a1", schedule.Options{Procs: 4, PerCall: s, PerModel: 1}, 8*s + 3*s},
	} {
		got, err := schedule.Makespan(jobs, tc.o)
		if err != nil || got != tc.want {
			t.Errorf("%s: %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	if _, err := schedule.Makespan(jobs, schedule.Options{Procs: 0, PerCall: s}); err == nil {
		t.Error("no processes: no error")
	}
	if got, _ := schedule.Makespan(nil, schedule.Options{Procs: 8, PerCall: s}); got != 0 {
		t.Errorf("no jobs: %v", got)
	}
}
