package matchers

import (
	"github.com/onsi/gomega/gcustom"
	"github.com/onsi/gomega/types"

	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/verdict"
)

// HaveCacheMissAt succeeds when an observed call did not read the cache
// entry of its checkpoint in layer l and wrote something, as a miss does
// (see HaveCacheHitAt for how hits are read off the usage).
func HaveCacheMissAt(l prefix.Layer) types.GomegaMatcher {
	return gcustom.MakeMatcher(func(o verdict.Observation) (bool, error) {
		hit, err := hitAt(o, l)
		return err == nil && !hit && o.Usage.Write > 0, err
	}).WithTemplate("Expected\n{{.FormattedActual}}\n{{.To}} have a cache miss (a write, no read of its entry) at\n{{format .Data 1}}", l)
}
