package recorder

import (
	"crypto/sha256"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/dnaeon/go-vcr.v2/cassette"
)

// AccountHeader is a request header that cassettes keep in place of
// Authorization: which account signed the request, as the order in which
// the session first saw it ("1", "2", ...). It lets replay check that a
// spec sends each request from the same account as when it was recorded
// (an isolation spec calls from two) without any credential reaching disk.
const AccountHeader = "X-Cachecascade-Account"

// sigV4Key finds the access key ID in a SigV4 Authorization header.
var sigV4Key = regexp.MustCompile(`Credential=([^/,\s]+)/`)

// accounts numbers the accounts of one session in order of appearance.
type accounts struct {
	mu   sync.Mutex
	seen map[string]int
}

// of returns the number of the account that signed a request: its access
// key ID, or a hash of its bearer token; "" for an unsigned request.
func (a *accounts) of(h http.Header) string {
	auth := h.Get("Authorization")
	var id string
	if m := sigV4Key.FindStringSubmatch(auth); m != nil {
		id = "key:" + m[1]
	} else if tok, ok := strings.CutPrefix(auth, "Bearer "); ok {
		sum := sha256.Sum256([]byte(tok))
		id = "bearer:" + string(sum[:])
	} else {
		return ""
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.seen == nil {
		a.seen = map[string]int{}
	}
	n, ok := a.seen[id]
	if !ok {
		n = len(a.seen) + 1
		a.seen[id] = n
	}
	return strconv.Itoa(n)
}

// mark sets AccountHeader on a request about to be matched in replay.
func (a *accounts) mark(h http.Header) {
	if n := a.of(h); n != "" {
		h.Set(AccountHeader, n)
	}
}

// filter is a save filter setting AccountHeader on a recorded request; it
// must run before Redact, which drops Authorization.
func (a *accounts) filter(i *cassette.Interaction) error {
	if n := a.of(i.Request.Headers); n != "" {
		i.Request.Headers.Set(AccountHeader, n)
	}
	return nil
}
