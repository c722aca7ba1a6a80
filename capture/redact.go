package capture

import "github.com/cachecascade/cachecascade/internal/arnredact"

// RedactedAccount replaces the account ID of every ARN in the log; it is
// the recorder's (recorder.RedactedAccount: both use package
// internal/arnredact), so that a captured log and a cassette name the same
// resources alike. The recorder itself is not imported: it would bring
// go-vcr into the application, and its redaction also rewrites
// cachecascade's own run salts, which in a team's body would be a change
// to the bytes sent.
const RedactedAccount = arnredact.Account

// redactAccounts replaces the account IDs of ARNs with RedactedAccount,
// keeping the length; b is returned as it is when it holds no ARN.
func redactAccounts(b []byte) []byte { return arnredact.Accounts(b) }
