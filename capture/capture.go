package capture

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/smithy-go/middleware"
)

// Config configures a Logger. The zero Config is ready to use.
type Config struct {
	// Account labels every logged request (the log's "account"): requests
	// of different accounts never share cache entries. Give each account
	// an application calls from its own label; empty is one account. It
	// is written as given: use a name, not an account ID.
	Account string
	// OnError, if set, is called with each error: a request left out of
	// the log, or a failed write. It runs on the goroutine that sent the
	// request and must not block for long. Err keeps the first error
	// either way.
	OnError func(error)
	// Now is the clock for the log's times; nil is time.Now.
	Now func() time.Time
}

// ErrClosed is reported for a request sent after the Logger was closed.
var ErrClosed = errors.New("capture: logger is closed")

// Logger appends the requests of the clients it is an option of to a
// log. It is safe for concurrent use: each request is one Write of one
// whole line. A failed Write may have written part of a line, so the
// first one stops the logging: a torn line can only be the log's last, and
// every request after it is reported as left out.
type Logger struct {
	cfg    Config
	id     string
	mu     sync.Mutex // guards w, closer, closed, broken and each Write
	w      io.Writer
	closer io.Closer
	closed bool
	broken error // the write error that stopped logging

	errMu   sync.Mutex
	first   error
	skipped atomic.Int64
}

// seq numbers Loggers, so that each one's middleware has its own ID.
var seq atomic.Int64

// New returns a Logger writing to w, which Close leaves open.
func New(w io.Writer, cfg Config) *Logger {
	return &Logger{cfg: cfg, w: w, id: fmt.Sprintf("cachecascade/capture#%d", seq.Add(1))}
}

// Open returns a Logger appending to the file at path, created (readable
// by its owner only: the log holds the prompts) if it does not exist.
// Close closes the file.
func Open(path string, cfg Config) (*Logger, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	l := New(f, cfg)
	l.closer = f
	return l, nil
}

// Option installs the Logger's middleware: pass it to
// bedrockruntime.NewFromConfig or bedrockruntime.New for a whole client, or
// to one call (its optFns). Installing one Logger twice logs once.
func (l *Logger) Option(o *bedrockruntime.Options) {
	o.APIOptions = append(o.APIOptions, l.install)
}

// install adds the middleware to an operation's stack, at the start of the
// Finalize step: after serialization and before the retry loop, so each
// call is logged once with the body the SDK sends on every attempt.
func (l *Logger) install(stack *middleware.Stack) error {
	if _, ok := stack.Finalize.Get(l.id); ok {
		return nil
	}
	return stack.Finalize.Add(&finalize{l}, middleware.Before)
}

// Close stops logging and closes the file Open opened. Requests sent
// afterwards are not logged (ErrClosed is reported).
func (l *Logger) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	if l.closer != nil {
		return l.closer.Close()
	}
	return nil
}

// Err returns the first error the Logger met (a request left out of the
// log, a failed write), or nil. Check it when the application is done, or
// give Config.OnError to hear of each.
func (l *Logger) Err() error {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	return l.first
}

// Skipped returns how many requests were left out of the log.
func (l *Logger) Skipped() int64 { return l.skipped.Load() }

// report records a request left out of the log.
func (l *Logger) report(err error) {
	l.skipped.Add(1)
	l.errMu.Lock()
	if l.first == nil {
		l.first = err
	}
	l.errMu.Unlock()
	if l.cfg.OnError != nil {
		l.cfg.OnError(err)
	}
}

// write appends one line with one Write. A failed write may have written
// part of the line, so it stops the logging: a torn line can only be the
// log's last.
func (l *Logger) write(line []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
		return ErrClosed
	case l.broken != nil:
		return fmt.Errorf("capture: not logged after an earlier write failed: %w", l.broken)
	}
	n, err := l.w.Write(line)
	if err == nil && n < len(line) {
		err = io.ErrShortWrite
	}
	if err != nil {
		l.broken = err
		return fmt.Errorf("capture: write: %w", err)
	}
	return nil
}

// now returns the time to log.
func (l *Logger) now() time.Time {
	if l.cfg.Now != nil {
		return l.cfg.Now()
	}
	return time.Now()
}
