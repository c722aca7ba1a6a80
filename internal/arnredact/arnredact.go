// Package arnredact replaces the account IDs of ARNs, plain or
// URL-escaped, in any case, keeping the length: the one redaction the
// recorder (cassettes) and package capture (a team's request logs) share,
// so that both name the same resources alike.
package arnredact

import (
	"bytes"
	"regexp"
)

// Account is what every ARN's account ID becomes.
const Account = "000000000000"

// accountInARN finds the account ID of an ARN, plain or URL-escaped, as in
// arn:aws:bedrock:us-east-1:123456789012:inference-profile/...
var accountInARN = regexp.MustCompile(`(?i)(arn(?::|%3a)aws[a-z-]*(?::|%3a)[a-z0-9-]+(?::|%3a)[a-z0-9-]*(?::|%3a))[0-9]{12}((?::|%3a))`)

// Accounts returns b with the account ID of every ARN replaced by Account;
// b itself when it holds no ARN.
func Accounts(b []byte) []byte {
	if !mayHoldARN(b) {
		return b
	}
	return accountInARN.ReplaceAll(b, []byte("${1}"+Account+"${2}"))
}

// mayHoldARN reports whether b holds "arn:" or "arn%" in any case, which
// every match of accountInARN starts with: it spares the expression the
// large prompt bodies that hold none, without a copy. It looks only where
// a ':' or '%' is (found with bytes.IndexByte, which scans many bytes at a
// time): a prompt body has few of them, and every match ends in one.
func mayHoldARN(b []byte) bool {
	for _, sep := range []byte{':', '%'} {
		for i := 0; ; {
			j := bytes.IndexByte(b[i:], sep)
			if j < 0 {
				break
			}
			i += j
			if i >= 3 && b[i-3]|0x20 == 'a' && b[i-2]|0x20 == 'r' && b[i-1]|0x20 == 'n' {
				return true
			}
			i++
		}
	}
	return false
}
