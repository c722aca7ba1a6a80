package matchers

import (
	"fmt"
	"slices"

	"github.com/onsi/gomega/gcustom"
	"github.com/onsi/gomega/types"

	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/verdict"
)

// HaveCacheHitAt succeeds when an observed call read the cache entry of its
// checkpoint in layer l, as verdict.Hits reads hits off the usage: nothing
// read is no hit, a read of exactly the baseline (the prime's write) hits
// every checkpoint, and with two checkpoints a smaller read hits the first.
// Where the usage cannot say (a partial read over one or three and more
// checkpoints, no baseline, a failed call) the matcher errs rather than
// guess.
func HaveCacheHitAt(l prefix.Layer) types.GomegaMatcher {
	return gcustom.MakeMatcher(func(o verdict.Observation) (bool, error) {
		return hitAt(o, l)
	}).WithTemplate("Expected\n{{.FormattedActual}}\n{{.To}} have a cache hit at\n{{format .Data 1}}", l)
}

// hitAt reports whether the checkpoint in layer l hit, by verdict.Hits.
func hitAt(o verdict.Observation, l prefix.Layer) (bool, error) {
	if !slices.Contains(o.Checkpoints, l) {
		return false, fmt.Errorf("the observation has no checkpoint in layer %s (checkpoints: %v)", l, o.Checkpoints)
	}
	hits, err := verdict.Hits(o)
	if err != nil {
		return false, err
	}
	return slices.Contains(hits, l), nil
}
