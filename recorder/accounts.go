package recorder

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
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
	if m := sigV4Key.FindStringSubmatch(auth); m != nil {
		return a.number("key:" + m[1])
	}
	if tok, ok := strings.CutPrefix(auth, "Bearer "); ok {
		sum := sha256.Sum256([]byte(tok))
		return a.number("bearer:" + string(sum[:]))
	}
	return ""
}

// number returns the number of the account id names, numbering it if it
// is new.
func (a *accounts) number(id string) string {
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

// replayAccount takes the place (and the ID) of the SDK's signing step in
// a replaying client. Nothing checks a signature offline, and signing was a
// quarter of what a replayed call costs the SDK; what replay needs of it is
// the account that would have signed, which it marks from the client's
// credentials as the recorder marks a recorded request from its signature
// (AccountHeader, numbered in the same order).
type replayAccount struct {
	accounts *accounts
	creds    aws.CredentialsProvider
}

// ID is the ID of the step it replaces.
func (replayAccount) ID() string { return signingStep }

// signingStep is the ID of the SDK's signing step in the finalize phase.
const signingStep = "Signing"

// HandleFinalize marks the request with its credentials' account.
func (m replayAccount) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	req, ok := in.Request.(*smithyhttp.Request)
	if !ok {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, fmt.Errorf("recorder: unexpected transport type %T", in.Request)
	}
	c, err := m.creds.Retrieve(ctx)
	if err != nil {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, fmt.Errorf("recorder: replay credentials: %w", err)
	}
	req.Header.Set(AccountHeader, m.accounts.number("key:"+c.AccessKeyID))
	return next.HandleFinalize(ctx, in)
}

// replayUnsigned returns the API option that puts a replayAccount for
// creds in place of the signing step (the SDK's, or the replayAccount of
// the client the options were copied from). A stack without that step (an
// SDK that names it otherwise) is left to sign: the transport then reads
// the account from the signature (accounts.mark).
func replayUnsigned(a *accounts, creds aws.CredentialsProvider) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		if _, ok := st.Finalize.Get(signingStep); !ok {
			return nil
		}
		_, err := st.Finalize.Swap(signingStep, replayAccount{accounts: a, creds: creds})
		return err
	}
}
