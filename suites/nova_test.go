package suites_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/request"
	"github.com/cachecascade/cachecascade/suites/framework"
	"github.com/cachecascade/cachecascade/verdict"
)

// novaFixture is material with every layer, the system layer alone half
// again the model's minimum.
func novaFixture(cell matrix.Cell, name string) fixtures.Spec {
	m := cell.Model
	return fixtures.Spec{Seed: seed(cell, "nova/"+name+"/"+m.Key), Estimate: estimate(m), Tools: 2, ToolTokens: 300,
		SystemBlocks: 1, SystemTokens: m.MinTokens * 3 / 2, Turns: 2, TurnTokens: 150, Salt: run.Salt}
}

var _ = Describe("nova", func() {
	area := framework.AreaNova
	nova := matrix.Default().Family(matrix.Nova)

	DescribeTable("rejects a checkpoint in toolConfig.tools with a ValidationException naming its index", func(ctx context.Context, cell matrix.Cell) {
		s := run.Open(ctx, area, cell, "tool-checkpoint")
		judgeRejected(ctx, s, "tools checkpoint", build(cell, novaFixture(cell, "tools"), matrix.ToolsOnly, matrix.TTLDefault))
	}, framework.Entries(area, area.Cells(nova, matrix.ToolsOnly)))

	DescribeTable("caches system and message checkpoints", func(ctx context.Context, cell matrix.Cell) {
		s := run.Open(ctx, area, cell, "system-and-messages")
		sp := novaFixture(cell, "cache")
		both := func() *request.Request {
			r := build(cell, sp, matrix.SystemOnly, matrix.TTLDefault)
			_, err := r.Apply(matrix.ConversationHistory, matrix.TTLDefault)
			framework.ExpectNoError(err, "placing CONVERSATION_HISTORY")
			return r
		}
		r := both()
		framework.Require(len(r.Layers()) == 2, "one system and one message checkpoint: %v", r.Layers())
		_, e, obs := primed(ctx, s, r, "prime")
		e.Hits = r.Layers()
		s.Judge(s.Send(ctx, "repeat", both()), e, obs)
	}, framework.Entries(area, area.Cells(nova, matrix.SystemOnly), Label(framework.StrategyLabel(matrix.ConversationHistory))))

	DescribeTable("takes an explicit five-minute TTL, or rejects any explicit TTL: measured, since sources disagree", func(ctx context.Context, cell matrix.Cell) {
		r, err := newRequest(cell, novaFixture(cell, "ttl-5m"), matrix.SystemOnly, matrix.TTLFiveMinute)
		s := openApplicable(ctx, area, cell, "ttl-5m-explicit", r, err)
		var e verdict.Expectation
		var obs verdict.Observation
		accepted := true
		if _, disputed := cell.Model.Disputed(matrix.FactExplicitFiveMinute); disputed {
			_, e, obs, accepted = settledPrime(ctx, s, r, matrix.FactExplicitFiveMinute)
		} else {
			_, e, obs = primed(ctx, s, r, "prime")
		}
		if accepted {
			e.Hits = r.Layers()
			s.Judge(s.Send(ctx, "repeat", build(cell, novaFixture(cell, "ttl-5m"), matrix.SystemOnly, matrix.TTLFiveMinute)), e, obs)
		}
	}, framework.Entries(area, area.Cells(nova, matrix.SystemOnly)))

	DescribeTable("rejects a one-hour TTL", func(ctx context.Context, cell matrix.Cell) {
		r, err := newRequest(cell, novaFixture(cell, "ttl"), matrix.SystemOnly, matrix.TTLOneHour)
		s := openApplicable(ctx, area, cell, "ttl-1h", r, err)
		judgeRejected(ctx, s, "one-hour checkpoint", r)
	}, framework.Entries(area, area.Cells(nova, matrix.SystemOnly), Label(framework.LabelOneHour)))
})
