package recorder

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"sync"

	"gopkg.in/dnaeon/go-vcr.v2/cassette"
)

// Matcher matches a request against recorded ones by method, escaped path,
// the account that signed it (AccountHeader, where recorded) and canonical
// body (see CanonicalBody). The host is ignored, so one
// cassette set replays from any region or endpoint. It remembers the
// canonical form of each recorded body and of the request being matched,
// so a request is read and canonicalised once, not once per candidate.
type Matcher struct {
	mu       sync.Mutex
	recorded map[string][]byte
	last     *http.Request
	lastRaw  []byte // account IDs redacted
	lastBody []byte // canonical, computed on first need
}

// NewMatcher returns a Matcher.
func NewMatcher() *Matcher { return &Matcher{recorded: map[string][]byte{}} }

// Match reports whether r is the request recorded as i. It reads r's body
// and puts it back, so the body is still there for the next candidate.
// It has the signature of go-vcr's cassette.Matcher.
func (m *Matcher) Match(r *http.Request, i cassette.Request) bool {
	if r.Method != i.Method {
		return false
	}
	if want := i.Headers.Get(AccountHeader); want != "" && r.Header.Get(AccountHeader) != want {
		return false
	}
	u, err := url.Parse(i.URL)
	if err != nil || canonicalPath(r.URL) != canonicalPath(u) {
		return false
	}
	raw, err := m.requestRaw(r)
	if err != nil {
		return false
	}
	// Cassettes are saved as the SDK wrote the request, so the same request
	// usually has the same bytes: equal bytes need no JSON decoding.
	if bytes.Equal(raw, []byte(i.Body)) {
		return true
	}
	return bytes.Equal(m.requestCanonical(), m.recordedBody(i.Body))
}

// requestRaw returns the body of r with account IDs redacted, reading it
// once.
func (m *Matcher) requestRaw(r *http.Request) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.last == r {
		return m.lastRaw, nil
	}
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	m.last, m.lastRaw, m.lastBody = r, redactAccounts(body), nil
	return m.lastRaw, nil
}

// requestCanonical returns the canonical body of the request requestRaw
// last read.
func (m *Matcher) requestCanonical() []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lastBody == nil {
		m.lastBody = canonical(m.lastRaw)
	}
	return m.lastBody
}

// recordedBody returns the canonical form of a recorded body.
func (m *Matcher) recordedBody(body string) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.recorded[body]
	if !ok {
		c = canonical([]byte(body))
		m.recorded[body] = c
	}
	return c
}

// canonical returns CanonicalBody's result whether or not the body is JSON.
func canonical(b []byte) []byte {
	c, _ := CanonicalBody(b)
	return c
}

// readBody reads a request's body and restores it for whoever reads next.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(r.Body)
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return b, err
}
