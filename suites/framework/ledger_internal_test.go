package framework

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/recorder"
	"github.com/cachecascade/cachecascade/usage"
)

// TestLedgerSurvivesConcurrentCharging charges one tally from many
// goroutines at once, some sharing a ledger (the mutex orders them) and
// some with a ledger of their own (flock orders them, as it orders
// processes), and checks that no charge is lost. Run it with -race.
func TestLedgerSurvivesConcurrentCharging(t *testing.T) {
	path := filepath.Join(t.TempDir(), LedgerFile)
	shared, err := openLedger(path, "run-1")
	if err != nil {
		t.Fatal(err)
	}
	defer shared.Close()
	const goroutines, charges = 8, 50
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			l := shared
			if g%2 == 1 {
				own, err := openLedger(path, "run-1")
				if err != nil {
					t.Error(err)
					return
				}
				defer own.Close()
				l = own
			}
			for range charges {
				if _, err := l.Charge(0.25, 10); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	s, err := shared.Read()
	if want := (Spend{Run: "run-1", USD: 0.25 * goroutines * charges, Tokens: 10 * goroutines * charges, Calls: goroutines * charges}); err != nil || s != want {
		t.Errorf("after %d concurrent charges: %+v, %v; want %+v", goroutines*charges, s, err, want)
	}
}

// TestLedgerAcrossProcesses charges one tally from several processes (this
// test binary, started again as helperLedgerProcess) at once, and checks
// that the total is every charge of every process.
func TestLedgerAcrossProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), LedgerFile)
	const procs, charges = 4, 100
	var cmds []*exec.Cmd
	for range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperLedgerProcess$")
		cmd.Env = append(os.Environ(), "LEDGER_HELPER_PATH="+path, "LEDGER_HELPER_CHARGES="+strconv.Itoa(charges))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("a charging process: %v", err)
		}
	}
	l, err := openLedger(path, "run-x")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s, err := l.Read()
	if want := (Spend{Run: "run-x", USD: 0.5 * procs * charges, Tokens: 3 * procs * charges, Calls: procs * charges}); err != nil || s != want {
		t.Errorf("after %d processes charged %d times each: %+v, %v; want %+v", procs, charges, s, err, want)
	}
}

// TestHelperLedgerProcess is one charging process of
// TestLedgerAcrossProcesses; run alone, it does nothing.
func TestHelperLedgerProcess(t *testing.T) {
	path := os.Getenv("LEDGER_HELPER_PATH")
	if path == "" {
		t.Skip("a helper of TestLedgerAcrossProcesses")
	}
	n, _ := strconv.Atoi(os.Getenv("LEDGER_HELPER_CHARGES"))
	l, err := openLedger(path, "run-x")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for range n {
		if _, err := l.Charge(0.5, 3); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLedgerStartsOverForANewRun: a tally another run left is not this
// run's spending; a corrupt one stops the run's calls.
func TestLedgerStartsOverForANewRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), LedgerFile)
	if err := os.WriteFile(path, []byte(`{"run":"yesterday","usd":99,"tokens":99999,"calls":500}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := openLedger(path, "today")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if s, err := l.Charge(1, 2); err != nil || s != (Spend{Run: "today", USD: 1, Tokens: 2, Calls: 1}) {
		t.Errorf("first charge after another run's tally: %+v, %v", s, err)
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &Run{budget: budget{usd: 5}, ledger: l}
	if spent, why := r.exhausted(); !spent || !strings.Contains(why, "corrupt") {
		t.Errorf("a corrupt tally: exhausted = %v, %q; want spent, saying why", spent, why)
	}
}

// processesOfOneRun returns the Runs of two processes of one run: each
// made by newRun with a ledger of its own on one tally file.
func processesOfOneRun(t *testing.T, newRun func(*ledger) *Run) []*Run {
	t.Helper()
	path := filepath.Join(t.TempDir(), LedgerFile)
	var runs []*Run
	for range 2 {
		l, err := openLedger(path, "run")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		runs = append(runs, newRun(l))
	}
	return runs
}

// TestBudgetIsTheWholeRuns: two processes' Runs (two ledgers on one file)
// reach one budget together, each seeing the other's spending.
func TestBudgetIsTheWholeRuns(t *testing.T) {
	runs := processesOfOneRun(t, func(l *ledger) *Run { return &Run{budget: budget{usd: 1}, ledger: l} })
	if err := runs[0].charge(usage.Usage{Input: 100}, 0.6); err != nil {
		t.Fatal(err)
	}
	if spent, _ := runs[1].exhausted(); spent {
		t.Error("$0.60 of $1 is not the budget")
	}
	if err := runs[1].charge(usage.Usage{Input: 100}, 0.4); err != nil {
		t.Fatal(err)
	}
	for i, r := range runs {
		if spent, why := r.exhausted(); !spent || !strings.Contains(why, "2 calls") {
			t.Errorf("process %d after $1 of $1 over two processes: %v, %q", i+1, spent, why)
		}
	}
	if got := runs[0].progressTotal(); !strings.Contains(got, "run $1.0000, 2 calls") || !strings.Contains(got, "BUDGET_USD=$1") {
		t.Errorf("progress: %q", got)
	}
}

// TestSlotsCapCallsInFlight holds many callers of one model to its slots
// and checks that no more than the cap are ever in flight, that the cap is
// reached, and that a waiter gives up when its context ends.
func TestSlotsCapCallsInFlight(t *testing.T) {
	s, err := newSlots(filepath.Join(t.TempDir(), InflightDir), 2)
	if err != nil {
		t.Fatal(err)
	}
	var now, most atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 5 {
				release, _, err := s.acquire(context.Background(), "nova-lite")
				if err != nil {
					t.Error(err)
					return
				}
				n := now.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(2 * time.Millisecond)
				now.Add(-1)
				release()
			}
		})
	}
	wg.Wait()
	if most.Load() != 2 {
		t.Errorf("at most %d calls were in flight, want the cap, 2", most.Load())
	}
	a, _, _ := s.acquire(context.Background(), "nova-pro")
	b, _, _ := s.acquire(context.Background(), "nova-pro")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, waited, err := s.acquire(ctx, "nova-pro"); !errors.Is(err, context.DeadlineExceeded) || waited < 50*time.Millisecond {
		t.Errorf("a third call with both slots held: %v after %v; want to wait until the deadline", err, waited)
	}
	if _, _, err := s.acquire(context.Background(), "nova-lite"); err != nil {
		t.Errorf("another model's slots are its own: %v", err)
	}
	a()
	b()
}

// TestModelConcurrencyFromEnv reads the cap and its default.
func TestModelConcurrencyFromEnv(t *testing.T) {
	for v, want := range map[string]int{"": DefaultModelConcurrency, "1": 1, "5": 5, "0": 0, "x": 0} {
		t.Setenv(env.ModelConcurrency, v)
		n, err := modelConcurrencyFromEnv()
		if n != want || (want == 0) != (err != nil) {
			t.Errorf("%q: %d, %v", v, n, err)
		}
	}
}

// TestResendCapIsTheWholeRuns gives two processes of one run (two Runs on
// one tally) a cap of 5 extra calls and checks that they share it: what
// one takes the other cannot, a reservation is all or nothing, and replay
// takes nothing from it.
func TestResendCapIsTheWholeRuns(t *testing.T) {
	runs := processesOfOneRun(t, func(l *ledger) *Run {
		return &Run{Mode: recorder.Live, resends: &runResends{cap: 5}, ledger: l}
	})
	steps := []struct {
		run  int
		n    int
		want bool
	}{
		{0, 3, true},
		{1, 3, false}, // 3 + 3 > 5: none of the three
		{1, 2, true},
		{0, 1, false},
	}
	for i, st := range steps {
		if got := runs[st.run].takeResends(st.n); got != st.want {
			t.Errorf("step %d: process %d taking %d: %v, want %v", i+1, st.run+1, st.n, got, st.want)
		}
	}
	s, err := runs[0].ledger.Read()
	if err != nil || s.NoiseCalls != 5 {
		t.Errorf("the tally holds %d extra calls (%v), want 5", s.NoiseCalls, err)
	}
	replay := &Run{Mode: recorder.Replay, resends: &runResends{cap: 5}, ledger: runs[0].ledger}
	if !replay.takeResends(100) {
		t.Error("replay was refused extra calls: the cassette decides, not the cap")
	}
	alone := &Run{Mode: recorder.Live, resends: &runResends{cap: 2}}
	if !alone.takeResends(2) || alone.takeResends(1) {
		t.Error("a run without a tally does not keep its cap")
	}
}
