package suites_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/wire"
)

// determinismBuilds is how many times each request is built and serialized.
const determinismBuilds = 30

var _ = Describe("determinism", func() {
	// One model of each family; serialization does not depend on the model
	// beyond its ID.
	for _, family := range []matrix.Family{matrix.Claude, matrix.Nova} {
		m := matrix.Default().Family(family)[0]
		for _, strategy := range matrix.Strategies {
			cell := matrix.Cell{Model: m, Strategy: strategy}
			It(fmt.Sprintf("%s: the same logical request serializes to the same bytes %d times", cell.Name(), determinismBuilds),
				Label(matrix.AreaLabel("determinism"), apiConverseLabel), Label(cell.Labels()...), func(ctx context.Context) {
					s := run.Offline("determinism", m, strategy)
					sp := cascadeFixture(cell)
					res, err := wire.Determinism(ctx, determinismBuilds, func() *bedrockruntime.ConverseInput {
						return build(m, sp, strategy, matrix.TTLDefault).In
					})
					Expect(err).NotTo(HaveOccurred())
					if !res.Deterministic() {
						// Any variation is reported; a cache-affecting one
						// (a prompt-bearing field) fails the spec with its
						// JSON paths.
						s.Note("%s", res.Describe())
						if res.CacheAffecting() {
							Fail(fmt.Sprintf("determinism %s: %s", cell.Name(), res.Describe()))
						}
					}
				})
		}
	}

	It("tells a nondeterministic request field that does not affect the cache (requestMetadata) from one that does",
		Label(matrix.AreaLabel("determinism"), apiConverseLabel), func(ctx context.Context) {
			m := matrix.Default().Models[0]
			s := run.Offline("determinism", m, matrix.SystemOnly)
			// No tools: tool schemas are Go maps, which SDKs before
			// smithy-go v1.23.0 serialize in random order; this spec is
			// about requestMetadata alone.
			sp := systemFixture("determinism/metadata", m, 1, 60)
			res, err := wire.Determinism(ctx, determinismBuilds, func() *bedrockruntime.ConverseInput {
				in := build(m, sp, matrix.SystemOnly, matrix.TTLDefault).In
				// The SDK serializes this map in random order in every
				// version (FACTS.md).
				in.RequestMetadata = map[string]string{"team": "search", "feature": "answers", "tenant": "acme", "env": "ci", "run": "nightly"}
				return in
			})
			Expect(err).NotTo(HaveOccurred())
			if res.Deterministic() {
				Fail("determinism: a request with a five-key requestMetadata map serialized the same way 30 times; the check cannot see map-order nondeterminism")
			}
			if res.CacheAffecting() {
				Fail("determinism: requestMetadata was judged cache-affecting: " + res.Describe())
			}
			s.Note("%s", res.Describe())
		})
})
