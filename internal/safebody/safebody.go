// Package safebody provides an http.RoundTripper that hides a request
// body's WriteTo method, the workaround for a race between smithy-go and
// net/http that fast local servers trigger. The recorder's clients and the
// emulator's own client both use it.
package safebody

import (
	"io"
	"net/http"
)

// Transport wraps a RoundTripper so that request bodies are seen
// only as io.Reader and io.Closer.
//
// It works around a race between smithy-go and net/http: smithy-go closes
// the request body as soon as the response headers arrive, and its body
// wrapper's WriteTo then answers io.EOF; net/http's write loop, still
// draining the body, takes that for a write error and closes the connection
// under the response being read, so a ConverseStream fails with "use of
// closed network connection". A fast local server (the emulator) loses the
// race about once in a thousand streams. Hiding WriteTo makes the drain use
// Read, whose io.EOF ends the body cleanly.
type Transport struct {
	// Base is the wrapped transport; nil means http.DefaultTransport.
	Base http.RoundTripper
}

// RoundTrip sends r through Base with its body stripped of WriteTo.
func (t Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	if _, ok := r.Body.(io.WriterTo); ok && r.Body != http.NoBody {
		r2 := r.Clone(r.Context())
		r2.Body = readCloser{r.Body}
		r = r2
	}
	return base.RoundTrip(r)
}

// readCloser hides every method of a body but Read and Close.
type readCloser struct{ rc io.ReadCloser }

func (b readCloser) Read(p []byte) (int, error) { return b.rc.Read(p) }
func (b readCloser) Close() error               { return b.rc.Close() }
