package forecast

import (
	"math"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/matrix"
)

// Estimate is the token estimate the check sizes prefixes with: the
// project's per-family figure (fixtures.EstimateFor) and the error stated
// for it on a team's text.
type Estimate struct {
	fixtures.Estimate
	// Error is the stated relative error of a prefix size (0.2: the true
	// count may be 20% above or below the estimate).
	Error float64 `json:"error"`
}

// EstimateError is the relative error stated for every family's estimate.
// The figures were derived on this project's prose (fixtures.Estimate: Claude
// 3+ counts 1.16 to 1.30 times cl100k's tokens, so -8% to +4% around the
// figure); a team's text is not that prose: ordinary English runs about 12%
// finer under the same tokenizers, and JSON, code or other languages vary
// more. 20% covers the first two with room; a size nearer the minimum than
// that is reported as uncertain, and CountTokens (or the usage of a real
// call) settles it.
const EstimateError = 0.2

// EstimateFor returns the estimate for a model family.
func EstimateFor(f matrix.Family) Estimate {
	return Estimate{Estimate: fixtures.EstimateFor(string(f)), Error: EstimateError}
}

// tokens estimates the tokens of a block of chars characters, rounded up
// so that a short block counts.
func (e Estimate) tokens(chars int) int {
	cpt := e.CharsPerToken
	if cpt <= 0 {
		cpt = fixtures.EstimateFor("").CharsPerToken
	}
	return int(math.Ceil(float64(chars) / cpt))
}

// surelyBelow reports whether a prefix estimated at tokens is below min
// even at the top of the stated error.
func (e Estimate) surelyBelow(tokens, min int) bool {
	return float64(tokens)*(1+e.Error) < float64(min)
}
