package recorder

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"sync"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"gopkg.in/dnaeon/go-vcr.v2/cassette"

	"github.com/cachecascade/cachecascade/internal/safebody"
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
	lastRead []byte // as read
	lastRaw  []byte // account IDs redacted
	lastBody []byte // canonical, computed on first need
	// lastSum is the SHA-256 of lastRaw when lastSummed.
	lastSum    [sha256.Size]byte
	lastSummed bool
}

// NewMatcher returns a Matcher.
func NewMatcher() *Matcher { return &Matcher{recorded: map[string][]byte{}} }

// Match reports whether r is the request recorded as i. It reads r's body
// and puts it back, so the body is still there for the next candidate.
// It has the signature of go-vcr's cassette.Matcher.
func (m *Matcher) Match(r *http.Request, i cassette.Request) bool {
	if !sameLine(r, i) {
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

// matchDigest is Match against a recorded request whose body is known by
// its digests alone (see bodyDigest): the same decision, made by comparing
// the SHA-256 of r's body, and then of its canonical form, with the
// recorded ones.
func (m *Matcher) matchDigest(r *http.Request, i cassette.Request, d bodyDigest) bool {
	if !sameLine(r, i) {
		return false
	}
	// The SDK signs a request with the SHA-256 of the body it sends, which
	// the service checks against the body. When that is the recorded
	// body's, r's body is the recorded one, which is redacted already (and
	// redaction leaves a redacted body as it is): r matches, and its body
	// need not be read.
	if sum, ok := signedSum(r); ok && sum == d.raw {
		return true
	}
	if _, err := m.requestRaw(r); err != nil {
		return false
	}
	if m.requestRawSum() == d.raw {
		return true
	}
	return sha256.Sum256(m.requestCanonical()) == d.canonical
}

// sameLine reports whether r has the method, escaped path and account
// (where recorded) of the recorded request i.
func sameLine(r *http.Request, i cassette.Request) bool {
	if r.Method != i.Method {
		return false
	}
	if want := i.Headers.Get(AccountHeader); want != "" && r.Header.Get(AccountHeader) != want {
		return false
	}
	u, err := url.Parse(i.URL)
	return err == nil && canonicalPath(r.URL) == canonicalPath(u)
}

// requestRawSum returns the SHA-256 of the body requestRaw last read.
func (m *Matcher) requestRawSum() [sha256.Size]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.lastSummed {
		m.lastSum, m.lastSummed = m.sdkSum(), true
	}
	return m.lastSum
}

// sdkSum returns the SHA-256 of lastRaw: the one the SDK computed to sign
// the request (v4.GetPayloadHash), when the redaction left the body as
// sent and the SDK's is a hash; otherwise its own. The SDK's hash is
// trusted as the body's, as the service checks it (see matchDigest).
func (m *Matcher) sdkSum() [sha256.Size]byte {
	if m.lastRead != nil && len(m.lastRaw) > 0 && &m.lastRaw[0] == &m.lastRead[0] {
		if sum, ok := signedSum(m.last); ok {
			return sum
		}
	}
	return sha256.Sum256(m.lastRaw)
}

// signedSum returns the SHA-256 of r's body that the SDK signed r with
// (v4.GetPayloadHash), if it put one in r's context.
func signedSum(r *http.Request) (sum [sha256.Size]byte, ok bool) {
	h := v4.GetPayloadHash(r.Context())
	if len(h) != 2*sha256.Size {
		return sum, false
	}
	n, err := hex.Decode(sum[:], []byte(h))
	return sum, err == nil && n == sha256.Size
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
	m.last, m.lastRead, m.lastRaw, m.lastBody, m.lastSummed = r, body, redactAccounts(body), nil, false
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
// A body it restored is not read again: its bytes are handed back, so the
// transport and the matcher read a request once between them. A body of
// known length is read into a buffer of that size (safebody.Read).
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if rb, ok := r.Body.(*readBack); ok {
		restore(r, rb.b)
		return rb.b, nil
	}
	b, err := safebody.Read(r)
	restore(r, b)
	return b, err
}

// closeBody closes a request's body, read or not, as a RoundTripper must.
func closeBody(r *http.Request) {
	if r.Body != nil {
		r.Body.Close()
	}
}

// readBack is a request body readBody restored: the bytes it read.
type readBack struct {
	*bytes.Reader
	b []byte
}

// Close does nothing: the bytes are in memory.
func (*readBack) Close() error { return nil }

// restore puts b back as r's body, and as what GetBody returns.
func restore(r *http.Request, b []byte) {
	r.Body = &readBack{bytes.NewReader(b), b}
	r.GetBody = func() (io.ReadCloser, error) { return &readBack{bytes.NewReader(b), b}, nil }
}
