package framework

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// LedgerFile is the name of the run's tally in its report directory.
const LedgerFile = "spend.json"

// Spend is what a run has spent so far, over all of its processes.
type Spend struct {
	// Run is the ID of the run the figures belong to (see Started).
	Run string `json:"run"`
	// USD is the cost of the calls, at the catalog's prices.
	USD float64 `json:"usd"`
	// Tokens counts prompt and output tokens, as a token budget does.
	Tokens int `json:"tokens"`
	// Calls counts the calls sent, the free CountTokens calls included, as
	// the report rows count them.
	Calls int `json:"calls"`
	// NoiseCalls counts the extra calls taken to tell the service's noise
	// from a broken rule (see Run.takeResends), against the run's cap.
	NoiseCalls int `json:"noiseCalls,omitempty"`
}

// ledger is the tally every process of a run charges: a small JSON file in
// the run's report directory, read and rewritten under an exclusive
// advisory lock (flock) of the file itself. A process that dies drops its
// lock with its descriptor, so no process can leave the others waiting,
// and the file stays behind as the run's record of what it spent. A file
// that holds another run's ID is a previous run's: the first charge of the
// new run starts it over.
//
// flock excludes open file descriptions, not goroutines sharing one, so a
// mutex orders the goroutines of a process that share a ledger.
type ledger struct {
	run string
	mu  sync.Mutex
	f   *os.File
}

// openLedger opens (creating it and its directory if need be) the tally at
// path for the run with the given ID.
func openLedger(path, run string) (*ledger, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("framework: the run's tally: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("framework: the run's tally: %w", err)
	}
	return &ledger{run: run, f: f}, nil
}

// Close closes the ledger's file; the tally stays on disk.
func (l *ledger) Close() error { return l.f.Close() }

// Read returns the run's spending so far.
func (l *ledger) Read() (Spend, error) {
	return l.update(nil)
}

// Charge adds a call's cost and tokens to the run's spending and returns
// the new total.
func (l *ledger) Charge(usd float64, tokens int) (Spend, error) {
	return l.update(func(s *Spend) {
		s.USD += usd
		s.Tokens += tokens
		s.Calls++
	})
}

// Reserve takes n extra calls of the run's cap on them (limit) and reports
// whether it could: all n or none.
func (l *ledger) Reserve(n, limit int) (bool, error) {
	ok := false
	_, err := l.update(func(s *Spend) {
		if s.NoiseCalls+n <= limit {
			s.NoiseCalls += n
			ok = true
		}
	})
	return ok && err == nil, err
}

// update reads the tally under the lock and, when change is not nil,
// applies it and writes the result back before unlocking.
func (l *ledger) update(change func(*Spend)) (s Spend, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fd := int(l.f.Fd())
	if err := flock(fd, syscall.LOCK_EX); err != nil {
		return s, fmt.Errorf("framework: locking the run's tally %s: %w", l.f.Name(), err)
	}
	defer func() {
		if uerr := flock(fd, syscall.LOCK_UN); uerr != nil && err == nil {
			err = fmt.Errorf("framework: unlocking the run's tally %s: %w", l.f.Name(), uerr)
		}
	}()
	if s, err = l.read(); err != nil || change == nil {
		return s, err
	}
	change(&s)
	return s, l.write(s)
}

// read decodes the tally; an empty file or another run's tally is this
// run's at zero.
func (l *ledger) read() (Spend, error) {
	b, err := io.ReadAll(io.NewSectionReader(l.f, 0, 1<<20))
	if err != nil {
		return Spend{}, fmt.Errorf("framework: reading the run's tally %s: %w", l.f.Name(), err)
	}
	var s Spend
	if len(b) > 0 {
		if err := json.Unmarshal(b, &s); err != nil {
			return Spend{}, fmt.Errorf("framework: the run's tally %s is corrupt, so the budget cannot be kept: %w", l.f.Name(), err)
		}
	}
	if s.Run != l.run {
		s = Spend{Run: l.run}
	}
	return s, nil
}

// write replaces the tally's content with s.
func (l *ledger) write(s Spend) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if _, err := l.f.WriteAt(b, 0); err != nil {
		return fmt.Errorf("framework: writing the run's tally %s: %w", l.f.Name(), err)
	}
	return l.f.Truncate(int64(len(b)))
}

// flock applies an flock operation, retrying when a signal interrupts it.
func flock(fd, how int) error {
	for {
		err := syscall.Flock(fd, how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
