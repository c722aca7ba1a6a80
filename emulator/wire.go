package emulator

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Response header names as the service spells them on an HTTP/1.1 wire.
// net/http's Header.Set would write x-amzn-RequestId as X-Amzn-Requestid;
// wireWriter moves every canonical spelling to the service's before the
// header goes out. (HTTP/2 lower-cases every name anyway.)
const (
	wireRequestID = "x-amzn-RequestId"
	wireErrorType = "x-amzn-ErrorType"
)

// wireNames maps the canonical form of a header name to the service's
// spelling of it. The InvokeModel headers (X-Amzn-Bedrock-Input-Token-Count
// and the like) are already spelled canonically and need no entry.
var wireNames = [...]struct{ canonical, wire string }{
	{http.CanonicalHeaderKey(wireRequestID), wireRequestID},
	{http.CanonicalHeaderKey(wireErrorType), wireErrorType},
}

// exchange is one request's wrapped ResponseWriter, request and body,
// allocated together.
type exchange struct {
	w wireWriter
	r http.Request
	b timedBody
}

// wireWriter is an http.ResponseWriter that respells header names as the
// service does (see wireNames) when the header is written.
type wireWriter struct {
	http.ResponseWriter
	wrote bool
}

// WriteHeader respells the header names, then writes the header.
func (w *wireWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		h := w.ResponseWriter.Header()
		for _, n := range wireNames {
			if v, ok := h[n.canonical]; ok {
				delete(h, n.canonical)
				h[n.wire] = v
			}
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write writes the header first, as net/http would, then b.
func (w *wireWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *wireWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// timedBody is a request body read under the read deadline ServeHTTP sets
// (see Options.BodyReadTimeout): reading the declared length, or the end of
// the body, clears the deadline, so that nothing after the body (a slow
// handler, HTTP/1.1's wait for the next request) is cut off by it.
type timedBody struct {
	io.ReadCloser
	// rw is the connection's writer, whose read deadline Read clears.
	rw      http.ResponseWriter
	left    int64 // bytes declared and not yet read; -1 when unknown
	cleared bool
}

// Read reads from the body and clears the deadline once the body is done.
func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if b.left > 0 {
		b.left -= int64(n)
	}
	if !b.cleared && (b.left == 0 || err == io.EOF) {
		b.cleared = true
		_ = http.NewResponseController(b.rw).SetReadDeadline(time.Time{})
	}
	return n, err
}

// requestID returns a fresh request ID: a random UUID (version 4), or with
// Options.DeterministicRequestIDs one shaped the same way but derived from
// the number of requests served, so that every run repeats the sequence.
func (e *Emulator) requestID() string {
	var u [16]byte
	if e.opts.DeterministicRequestIDs {
		var in [32]byte
		s := sha256.Sum256(strconv.AppendUint(append(in[:0], "request-"...), e.seq.Add(1), 10))
		copy(u[:], s[:16])
	} else {
		_, _ = rand.Read(u[:]) // never fails (crypto/rand)
	}
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // variant 10xx (RFC 9562)
	var id [36]byte
	hex.Encode(id[0:8], u[0:4])
	hex.Encode(id[9:13], u[4:6])
	hex.Encode(id[14:18], u[6:8])
	hex.Encode(id[19:23], u[8:10])
	hex.Encode(id[24:36], u[10:16])
	id[8], id[13], id[18], id[23] = '-', '-', '-', '-'
	return string(id[:])
}
