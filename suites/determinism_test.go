package suites_test

import (
	"context"
	"fmt"

	. "github.com/onsi/ginkgo/v2"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/request"
	"github.com/cachecascade/cachecascade/suites/framework"
	"github.com/cachecascade/cachecascade/verdict"
	"github.com/cachecascade/cachecascade/wire"
)

// determinismBuilds is how many times each request is built and serialized.
const determinismBuilds = 30

// serializations builds a request determinismBuilds times and returns the
// bytes its API would carry each time.
func serializations(ctx context.Context, build func() *request.Request) wire.DeterminismResult {
	GinkgoHelper()
	bodies := repeat(determinismBuilds, func() []byte {
		b, err := build().Wire(ctx)
		framework.ExpectNoError(err, "serializing")
		return b
	})
	res, err := wire.DeterminismOf(bodies)
	framework.ExpectNoError(err)
	return res
}

// repeat calls f n times and returns the results.
func repeat(n int, f func() []byte) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = f()
	}
	return out
}

var _ = Describe("determinism", func() {
	// One model of each family; serialization does not depend on the model
	// beyond its ID.
	area := framework.AreaDeterminism
	DescribeTable(fmt.Sprintf("the same logical request serializes to the same bytes %d times", determinismBuilds), func(ctx context.Context, cell matrix.Cell) {
		s := run.Offline(area, cell)
		sp := cascadeFixture(cell)
		res := serializations(ctx, func() *request.Request { return build(cell, sp, cell.Strategy, matrix.TTLDefault) })
		if !res.Deterministic() {
			// Any variation is reported; a cache-affecting one (a
			// prompt-bearing field) fails the spec with its JSON paths.
			s.Note("%s", res.Describe())
		}
		s.Conclude("serialize", verdict.Check(matrix.RuleDeterminism, !res.CacheAffecting(), "%s", res.Describe()))
	}, framework.Entries(area, area.Cells(firstOfEachFamily(), matrix.Strategies...)))

	It("tells a nondeterministic request field that does not affect the cache (requestMetadata) from one that does",
		Label(area.Label(), framework.APILabel(matrix.Converse)), func(ctx context.Context) {
			cell := matrix.Cell{Model: models()[0], Strategy: matrix.SystemOnly}
			s := run.Offline(area, cell)
			// No tools: tool schemas are Go maps, which SDKs before
			// smithy-go v1.23.0 serialize in random order; this spec is
			// about requestMetadata alone.
			sp := systemFixture(cell, "determinism/metadata", 1, 60)
			res := serializations(ctx, func() *request.Request {
				r := build(cell, sp, matrix.SystemOnly, matrix.TTLDefault)
				// The SDK serializes this map in random order in every
				// version (FACTS.md).
				r.Converse.RequestMetadata = map[string]string{"team": "search", "feature": "answers", "tenant": "acme", "env": "ci", "run": "nightly"}
				return r
			})
			s.Conclude("serialize", verdict.Check(matrix.RuleDeterminism, !res.Deterministic(),
				"a request with a five-key requestMetadata map serialized the same way %d times; the check cannot see map-order nondeterminism", determinismBuilds))
			s.Conclude("serialize", verdict.Check(matrix.RuleDeterminism, !res.CacheAffecting(), "requestMetadata was judged cache-affecting: %s", res.Describe()))
			s.Note("%s", res.Describe())
		})
})
