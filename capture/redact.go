package capture

import "regexp"

// RedactedAccount replaces the account ID of every ARN in the log; it is
// the recorder's (recorder.RedactedAccount), so that a captured log and a
// cassette name the same resources alike. The recorder is not imported:
// it would bring go-vcr and its cassette machinery into the application,
// and its redaction also rewrites cachecascade's own run salts, which in a
// team's body would be a change to the bytes sent.
const RedactedAccount = "000000000000"

// accountInARN finds the account ID of an ARN, plain or URL-escaped, as in
// arn:aws:bedrock:us-east-1:123456789012:inference-profile/... (the
// recorder's expression; a test checks that the two agree).
var accountInARN = regexp.MustCompile(`(?i)(arn(?::|%3a)aws[a-z-]*(?::|%3a)[a-z0-9-]+(?::|%3a)[a-z0-9-]*(?::|%3a))[0-9]{12}((?::|%3a))`)

// redactAccounts replaces the account IDs of ARNs with RedactedAccount,
// keeping the length; b is returned as it is when it holds no ARN.
func redactAccounts(b []byte) []byte {
	if !mayHoldARN(b) {
		return b
	}
	return accountInARN.ReplaceAll(b, []byte("${1}"+RedactedAccount+"${2}"))
}

// mayHoldARN reports whether b holds "arn:" or "arn%" in any case, which
// every match of accountInARN starts with; it spares the expression the
// large prompt bodies that hold none, without a copy.
func mayHoldARN(b []byte) bool {
	for i := 0; i+4 <= len(b); i++ {
		if b[i]|0x20 == 'a' && b[i+1]|0x20 == 'r' && b[i+2]|0x20 == 'n' && (b[i+3] == ':' || b[i+3] == '%') {
			return true
		}
	}
	return false
}
