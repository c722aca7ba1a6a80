package recorder

import (
	"fmt"

	"github.com/cachecascade/cachecascade/jsondiff"
)

// maxDiffs bounds how many differences a diff lists.
const maxDiffs = 12

// BodyDiff describes how two request bodies differ, one entry per JSON path
// (as in `system[0].text`) with the recorded and the actual value; for long
// strings, a window around the first differing byte. Account IDs are
// redacted first; salts are not, so a request with a salt other than the
// recorded one shows where. Bodies that are not JSON are compared as text. It
// returns "" when the bodies are the same request.
func BodyDiff(recorded, actual []byte) string {
	r, a := redactAccounts(recorded), redactAccounts(actual)
	ds, err := jsondiff.Compare(r, a)
	if err != nil {
		if string(r) == string(a) {
			return ""
		}
		return fmt.Sprintf("body (not JSON):\n\t-recorded: %s\n\t+actual:   %s\n", jsondiff.Excerpt(string(r), string(a)), jsondiff.Excerpt(string(a), string(r)))
	}
	return jsondiff.Format(ds, "recorded", "actual", maxDiffs)
}
