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
// checkpoint in layer l. The hits of a call are always a leading run of its
// checkpoints (the cascade rule), so they are read off the usage: nothing
// read is no hit, a read equal to the baseline (the prime's write) hits
// every checkpoint, and a smaller read hits every checkpoint but the last.
// With three or more checkpoints a partial read cannot say which of the
// earlier ones it stopped at; the matcher then counts them all as hits.
func HaveCacheHitAt(l prefix.Layer) types.GomegaMatcher {
	return gcustom.MakeMatcher(func(o verdict.Observation) (bool, error) {
		return hitAt(o, l)
	}).WithTemplate("Expected\n{{.FormattedActual}}\n{{.To}} have a cache hit at\n{{format .Data 1}}", l)
}

// hitAt infers whether the checkpoint in layer l hit.
func hitAt(o verdict.Observation, l prefix.Layer) (bool, error) {
	i := slices.Index(o.Checkpoints, l)
	switch {
	case o.Err != nil:
		return false, fmt.Errorf("the call failed: %w", o.Err)
	case i < 0:
		return false, fmt.Errorf("the observation has no checkpoint in layer %s (checkpoints: %v)", l, o.Checkpoints)
	case o.Baseline <= 0:
		return false, fmt.Errorf("the observation has no baseline: set Baseline to the write of the call that primed the cache")
	}
	read := o.Usage.Read
	if i == len(o.Checkpoints)-1 {
		return read == o.Baseline, nil
	}
	return read > 0, nil
}
