package suites_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/request"
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
		Seed: seed(cell, "cascade/"+cell.Model.Key+"/"+cell.Strategy.Slug()), Estimate: estimate(cell.Model),
		Tools: 3, ToolTokens: min * 13 / 10,
		SystemBlocks: 2, SystemTokens: min * 13 / 10,
		Turns: 1, TurnTokens: 120,
		Salt: run.Salt,
	}
}

// cascadeStep is one call of a cascade sequence: its name, its material
// and the layer it changed from the prime's (past Messages: none).
type cascadeStep struct {
	name    string
	spec    fixtures.Spec
	changed prefix.Layer
}

var _ = Describe("cascade", func() {
	area := framework.AreaCascade
	DescribeTable("invalidates every checkpoint at or after a changed layer and keeps those before it",
		func(ctx context.Context, cell matrix.Cell) {
			s := run.Open(ctx, area, cell, cell.Strategy.Slug())
			base := cascadeFixture(cell)
			steps := []cascadeStep{
				{"repeat", base, prefix.Messages + 1},
				{"change messages", base.Variant(prefix.Messages), prefix.Messages},
				{"change system", base.Variant(prefix.System), prefix.System},
				{"change tools", base.Variant(prefix.Tools), prefix.Tools},
			}
			// A rejection predicted and met ends the sequence: later steps
			// would repeat it.
			r := build(cell, base, cell.Strategy, matrix.TTLDefault)
			if r.Rejections() != nil {
				s.Judge(s.Send(ctx, "prime", r), expectation(r), verdict.Observation{Checkpoints: r.Layers()})
				return
			}
			_, _, obs := primed(ctx, s, r, "prime")
			for _, st := range steps {
				r := build(cell, st.spec, cell.Strategy, matrix.TTLDefault)
				e := expectation(r)
				e.Hits = matrix.CascadeHits(r.Layers(), st.changed)
				s.Judge(s.Send(ctx, st.name, r).WithTwin(cascadeTwin(cell, st)), e, obs)
			}
		}, framework.Entries(area, area.Cells(models(), matrix.Strategies...)))
})

// cascadeTwin returns the twins of a cascade step (see
// framework.Evidence.Twin): the changed layer changed again, n more times,
// so that a twin keeps the layers before it and can never read what the
// step itself wrote. A step that changes nothing has none.
func cascadeTwin(cell matrix.Cell, st cascadeStep) func(n int) *request.Request {
	if st.changed > prefix.Messages {
		return nil
	}
	return func(n int) *request.Request {
		sp := st.spec
		for range n {
			sp = sp.Variant(st.changed)
		}
		return build(cell, sp, cell.Strategy, matrix.TTLDefault)
	}
}
