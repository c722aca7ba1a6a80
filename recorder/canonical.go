package recorder

import (
	"net/url"
	"unicode/utf8"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/internal/arnredact"
	"github.com/cachecascade/cachecascade/jsondiff"
)

// RedactedAccount replaces every AWS account ID found in an ARN, on disk
// and in matching.
const RedactedAccount = arnredact.Account

// normalize replaces what legitimately differs between runs and accounts,
// for what is saved: run salts and account IDs in ARNs. Both keep their
// length.
func normalize(b []byte) []byte { return redactAccounts(fixtures.NormalizeSalt(b)) }

// redactAccounts replaces account IDs in ARNs with RedactedAccount. It is
// the only normalisation matching applies: cassettes are saved with the
// zero salt, which replay sends too, so a request with another salt (a run
// whose specs would not share their cache entries) does not match.
func redactAccounts(b []byte) []byte { return arnredact.Accounts(b) }

// CanonicalBody returns a request body in canonical form: account IDs in
// ARNs redacted, then, for JSON, the jsondiff canonical form (keys sorted,
// numbers exact, no HTML escaping). Two bodies are the same request exactly
// when their canonical forms are equal. A body that is not JSON or not
// valid UTF-8 (which decoding would alter) is returned as it is, with ok
// false, to be compared byte for byte.
func CanonicalBody(body []byte) (canonical []byte, ok bool) {
	body = redactAccounts(body)
	if !utf8.Valid(body) {
		return body, false
	}
	c, err := jsondiff.Canonical(body)
	if err != nil {
		return body, false
	}
	return c, true
}

// canonicalPath returns a URL's escaped path with account IDs normalised,
// plus its query in sorted form. Model IDs are escaped in the path (':' as
// %3A), so the escaped form is what is compared.
func canonicalPath(u *url.URL) string {
	p := string(redactAccounts([]byte(u.EscapedPath())))
	if q := u.Query(); len(q) > 0 {
		p += "?" + q.Encode()
	}
	return p
}
