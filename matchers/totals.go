package matchers

import (
	"github.com/onsi/gomega/gcustom"
	"github.com/onsi/gomega/types"

	"github.com/cachecascade/cachecascade/usage"
)

// HaveConsistentTotals succeeds when a usage's totalTokens is input +
// output + cache read + cache write, as every response of the real service
// has it.
func HaveConsistentTotals() types.GomegaMatcher {
	return gcustom.MakeMatcher(func(u usage.Usage) (bool, error) {
		return u.TotalsAddUp(), nil
	}).WithTemplate("Expected\n{{.FormattedActual}}\n{{.To}} have totalTokens = input + output + read + write")
}
