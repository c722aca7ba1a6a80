package emulator

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
)

// Defaults of the request-body bounds, applied by New to zero Options
// fields.
const (
	// DefaultMaxInflightBodyBytes bounds the body bytes of the requests
	// being served at once (see Options.MaxInflightBodyBytes).
	DefaultMaxInflightBodyBytes = 256 << 20
	// DefaultInflightWait is how long a request waits for room under
	// MaxInflightBodyBytes before it is throttled.
	DefaultInflightWait = 10 * time.Second
	// DefaultBodyReadTimeout is how long a client has to send a request
	// body once its headers are in.
	DefaultBodyReadTimeout = 60 * time.Second
)

// msgThrottled is the service's throttling text (ThrottlingException, 429).
const msgThrottled = "Too many requests, please wait before trying again."

// msgBodyTimeout is the emulator's own text for a body that did not arrive
// in time; the service's answer to a stalled upload is not recorded.
const msgBodyTimeout = "Timed out reading the request body."

// bodyLimits is the semaphore on body bytes in flight.
type bodyLimits struct {
	sem   *semaphore.Weighted // nil: no limit
	limit int64
	// held is the number of bytes reserved now, for /_emulator/stats.
	held atomic.Int64
}

// initLimits fills in the defaults of the body bounds and builds the
// semaphore; New calls it once e.opts is set.
func (e *Emulator) initLimits() {
	o := &e.opts
	if o.MaxInflightBodyBytes == 0 {
		o.MaxInflightBodyBytes = DefaultMaxInflightBodyBytes
	}
	if o.InflightWait == 0 {
		o.InflightWait = DefaultInflightWait
	}
	if o.BodyReadTimeout == 0 {
		o.BodyReadTimeout = DefaultBodyReadTimeout
	}
	if o.MaxInflightBodyBytes > 0 {
		e.limits.limit = o.MaxInflightBodyBytes
		e.limits.sem = semaphore.NewWeighted(o.MaxInflightBodyBytes)
	}
}

// reserveBody reserves room for r's body under MaxInflightBodyBytes: its
// declared length, or MaxBodyBytes when it declares none (a body over
// MaxBodyBytes is refused unread and reserves nothing; one larger than the
// whole limit reserves the whole limit, so that it is served alone). When
// there is no room it waits up to InflightWait, then answers 429
// ThrottlingException. The caller hands the bytes back with releaseReservation.
func (e *Emulator) reserveBody(r *http.Request) (int64, *apiError) {
	l := &e.limits
	if l.sem == nil {
		return 0, nil
	}
	n := r.ContentLength
	switch {
	case n > e.opts.MaxBodyBytes:
		return 0, nil
	case n < 0:
		n = e.opts.MaxBodyBytes
	}
	n = min(n, l.limit)
	if n == 0 {
		return 0, nil
	}
	if !l.sem.TryAcquire(n) {
		if e.opts.InflightWait < 0 {
			return 0, errThrottled()
		}
		ctx, cancel := context.WithTimeout(r.Context(), e.opts.InflightWait)
		err := l.sem.Acquire(ctx, n)
		cancel()
		if err != nil {
			return 0, errThrottled()
		}
	}
	l.held.Add(n)
	return n, nil
}

// releaseReservation hands back what reserveBody reserved.
func (e *Emulator) releaseReservation(n int64) {
	if n > 0 {
		e.limits.held.Add(-n)
		e.limits.sem.Release(n)
	}
}

// errThrottled is the service's throttling answer.
func errThrottled() *apiError {
	return &apiError{status: http.StatusTooManyRequests, code: "ThrottlingException", message: msgThrottled, ns: nsBedrock}
}

// bodyError is the answer to a body that could not be read: 408 when the
// read deadline passed, otherwise the malformed-input ValidationException.
func bodyError(err error) *apiError {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return &apiError{status: http.StatusRequestTimeout, code: "RequestTimeoutException", message: msgBodyTimeout, ns: nsCoral, upperKey: true}
	}
	return errValidation(msgMalformed)
}

// timeBody sets the body read deadline for r (BodyReadTimeout from now)
// and returns r with its body wrapped so that reading it to the end
// clears the deadline again. w must be the connection's own writer (or
// one that unwraps to it); where it cannot take a deadline, r is returned
// unchanged.
func (e *Emulator) timeBody(x *exchange, w http.ResponseWriter, r *http.Request) *http.Request {
	t := e.opts.BodyReadTimeout
	if t <= 0 || r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
		return r
	}
	if http.NewResponseController(w).SetReadDeadline(time.Now().Add(t)) != nil {
		return r
	}
	x.b = timedBody{ReadCloser: r.Body, rw: w, left: r.ContentLength}
	x.r = *r
	x.r.Body = &x.b
	return &x.r
}

// adminAllowed reports whether a request from remoteAddr may use the admin
// endpoints: any loopback client may; others only under AdminOpen.
func (e *Emulator) adminAllowed(remoteAddr string) bool {
	if e.opts.AdminOpen {
		return true
	}
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
