package suites_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
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
			base := cascadeFixture(cell)
			steps := []struct {
				name    string
				spec    fixtures.Spec
				changed prefix.Layer
				prime   bool
			}{
				{"prime", base, 0, true},
				{"repeat", base, prefix.Messages + 1, false},
				{"change messages", base.Variant(prefix.Messages), prefix.Messages, false},
				{"change system", base.Variant(prefix.System), prefix.System, false},
				{"change tools", base.Variant(prefix.Tools), prefix.Tools, false},
			}
			baseline := 0
			for _, st := range steps {
				r := build(cell.Model, st.spec, cell.Strategy, matrix.TTLDefault)
				e := expectation(cell.Model, r)
				e.Prime = st.prime
				if !st.prime {
					e.Hits = matrix.CascadeHits(r.Checkpoints, st.changed)
				}
				c := s.Converse(ctx, st.name, r.In)
				f := s.Judge(c, e, verdict.Observation{Checkpoints: r.Checkpoints, Baseline: baseline})
				if f.Outcome == verdict.ExpectedError {
					return // the service refused the placement as predicted; later steps would repeat it
				}
				if st.prime {
					baseline = c.Usage.Write
				}
			}
		}, cascadeEntries())
})
