package framework

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/cachecascade/cachecascade/internal/env"
)

// DefaultModelConcurrency is how many calls may be in flight to one model
// at a time, over all the processes of a run, unless env.ModelConcurrency
// says otherwise: enough for eight processes to keep busy over the
// catalog's models, few enough not to trip an account's throttling of one
// model (beyond it, the SDK's adaptive retryer backs off).
const DefaultModelConcurrency = 2

// InflightDir is the directory, in the run's report directory, of the lock
// files that cap the calls in flight per model.
const InflightDir = ".inflight"

// slots caps the calls in flight to each model over every process of a
// run: a model has per lock files (slots) in dir, and a call holds one of
// them, under an exclusive non-blocking flock, from before it is sent until
// its answer (retries included) is read. A process that dies drops the
// slots it held with its descriptors. A caller that finds every slot taken
// waits a few milliseconds and tries again, so it can give up when its
// context ends; against calls that take a second or more, the wait costs
// nothing that shows.
type slots struct {
	dir string
	per int
}

// modelConcurrencyFromEnv reads env.ModelConcurrency: a positive number, or
// DefaultModelConcurrency when it is unset.
func modelConcurrencyFromEnv() (int, error) {
	v := os.Getenv(env.ModelConcurrency)
	if v == "" {
		return DefaultModelConcurrency, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("framework: %s=%q: want a positive number of calls in flight per model", env.ModelConcurrency, v)
	}
	return n, nil
}

// newSlots returns per slots per model, their lock files in dir.
func newSlots(dir string, per int) (*slots, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("framework: the per-model call slots: %w", err)
	}
	return &slots{dir: dir, per: per}, nil
}

// acquire takes a slot of the model, waiting while all are taken, and
// returns the function that gives it back and how long it waited. It fails
// only when ctx ends first or a lock file cannot be opened.
func (s *slots) acquire(ctx context.Context, model string) (release func(), waited time.Duration, err error) {
	start := time.Now()
	for {
		for i := range s.per {
			f, err := s.try(model, i)
			if err != nil {
				return nil, time.Since(start), err
			}
			if f != nil {
				return func() { _ = flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, time.Since(start), nil
			}
		}
		select {
		case <-ctx.Done():
			return nil, time.Since(start), fmt.Errorf("framework: waiting for one of the %d call slots of %s: %w", s.per, model, ctx.Err())
		case <-time.After(5*time.Millisecond + rand.N(10*time.Millisecond)):
		}
	}
}

// try takes slot i of the model if it is free: it returns the open lock
// file holding the lock, or nil when another holder has it.
func (s *slots) try(model string, i int) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(s.dir, fmt.Sprintf("%s.%d", model, i)), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("framework: a call slot of %s: %w", model, err)
	}
	err = flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if err == nil {
		return f, nil
	}
	f.Close()
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return nil, nil
	}
	return nil, fmt.Errorf("framework: locking a call slot of %s: %w", model, err)
}
