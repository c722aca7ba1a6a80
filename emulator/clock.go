package emulator

import (
	"sync"
	"time"
)

// Clock tells the emulator what time it is; cache entries expire by it.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
}

// ManualClock is a Clock that moves only when told to, so that TTL tests
// never sleep. It is safe for concurrent use.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a ManualClock reading start.
func NewManualClock(start time.Time) *ManualClock {
	return &ManualClock{now: start}
}

// Now returns the clock's current reading.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (backward if d is negative).
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// WallClock returns a Clock reading the system time.
func WallClock() Clock { return wallClock{} }

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// DefaultStart is where the in-process emulator's clock starts when
// Options.Clock is nil: a fixed instant, so runs are reproducible.
var DefaultStart = time.Date(2026, 1, 26, 12, 0, 0, 0, time.UTC)

// emulatorClock is the emulator's view of time: the base clock plus the
// offset accumulated by Advance.
type emulatorClock struct{ e *Emulator }

func (c emulatorClock) Now() time.Time { return c.e.now() }
