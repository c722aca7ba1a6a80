package suites_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/suites/framework"
	"github.com/cachecascade/cachecascade/verdict"
)

// cascadeFixture sizes a cell's material so that the tools layer alone and
// the system layer alone are each about 1.3 times the model's minimum: the
// first checkpoint is cacheable on its own and the second even if the
// service wanted twice the minimum for it.
func cascadeFixture(cell matrix.Cell) fixtures.Spec {
	min := cell.Model.MinTokens
	return fixtures.Spec{
		Seed: "cascade/" + cell.Name(), Estimate: estimate(cell.Model),
		Tools: 3, ToolTokens: min * 13 / 10,
		SystemBlocks: 2, SystemTokens: min * 13 / 10,
		Turns: 1, TurnTokens: 120,
		Salt: run.Salt,
	}
}

// cascadeEntries is one table entry per model × strategy cell.
func cascadeEntries() []TableEntry {
	var out []TableEntry
	for _, cell := range matrix.Default().Cells() {
		out = append(out, Entry(cell.Name(), Label(matrix.AreaLabel("cascade"), apiConverseLabel), Label(cell.Labels()...), cell))
	}
	return out
}

var _ = Describe("cascade", func() {
	DescribeTable("invalidates every checkpoint at or after a changed layer and keeps those before it",
		func(ctx context.Context, cell matrix.Cell) {
			s := run.Open(ctx, "cascade", cell.Model, cell.Strategy, cell.Strategy.Slug())
			runCascade(s, cascadeFixture(cell), func(st cascadeStep) (framework.Call, verdict.Expectation, []prefix.Layer) {
				r := build(cell.Model, st.spec, cell.Strategy, matrix.TTLDefault)
				return s.Converse(ctx, st.name, r.In), expectation(cell.Model, r), r.Checkpoints
			})
		}, cascadeEntries())
})

// cascadeStep is one call of a cascade sequence: its material and the layer
// it changed from the prime's.
type cascadeStep struct {
	name    string
	spec    fixtures.Spec
	changed prefix.Layer
	prime   bool
}

// runCascade runs prime → repeat → change messages → change system →
// change tools from base. send builds a step's request, sends it and
// returns the call, the expectation its model and Validate give it, and its
// checkpoints; runCascade adds the cascade rule (which checkpoints hit) and
// judges. A rejection predicted and met ends the sequence: later steps
// would repeat it.
func runCascade(s *framework.Spec, base fixtures.Spec, send func(cascadeStep) (framework.Call, verdict.Expectation, []prefix.Layer)) {
	GinkgoHelper()
	steps := []cascadeStep{
		{"prime", base, 0, true},
		{"repeat", base, prefix.Messages + 1, false},
		{"change messages", base.Variant(prefix.Messages), prefix.Messages, false},
		{"change system", base.Variant(prefix.System), prefix.System, false},
		{"change tools", base.Variant(prefix.Tools), prefix.Tools, false},
	}
	baseline := 0
	for _, st := range steps {
		c, e, cps := send(st)
		e.Prime = st.prime
		if !st.prime {
			e.Hits = matrix.CascadeHits(cps, st.changed)
		}
		if s.Judge(c, e, verdict.Observation{Checkpoints: cps, Baseline: baseline}).Outcome == verdict.ExpectedError {
			return
		}
		if st.prime {
			baseline = c.Usage.Write
		}
	}
}
