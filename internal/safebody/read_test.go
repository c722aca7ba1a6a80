package safebody_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/internal/safebody"
)

// closeCounter is a body that counts its Close calls.
type closeCounter struct {
	io.Reader
	closed int
}

func (c *closeCounter) Close() error { c.closed++; return nil }

// TestRead reads bodies whose Content-Length is right, short, long or
// unknown: every byte is kept, and the body is closed.
func TestRead(t *testing.T) {
	const body = "0123456789abcdefghij"
	for _, tc := range []struct {
		name   string
		length int64
	}{{"exact", 20}, {"said longer", 25}, {"said shorter", 7}, {"unknown", -1}, {"zero said", 0}} {
		b := &closeCounter{Reader: strings.NewReader(body)}
		r := &http.Request{Body: b, ContentLength: tc.length}
		got, err := safebody.Read(r)
		if err != nil || string(got) != body || b.closed != 1 {
			t.Errorf("%s: Expected\n%q, %v, closed %d times\nto be the whole body, no error, closed once\n%q", tc.name, got, err, b.closed, body)
		}
	}
	if got, err := safebody.Read(&http.Request{Body: http.NoBody}); got != nil || err != nil {
		t.Errorf("Expected\n%q, %v\nto be nothing for no body", got, err)
	}
}

// TestReadKnownLengthOnce checks that a body of known length costs one
// buffer of its size.
func TestReadKnownLengthOnce(t *testing.T) {
	body := strings.Repeat("x", 40<<10)
	allocs := testing.AllocsPerRun(20, func() {
		r := &http.Request{Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body))}
		safebody.Read(r)
	})
	// The buffer, the one-byte probe for more, and the request and body
	// wrappers built here.
	if allocs > 5 {
		t.Errorf("Expected\n%.0f allocations\nto be at most\n5", allocs)
	}
}
