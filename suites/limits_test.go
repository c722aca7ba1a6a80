package suites_test

import (
	"context"
	"errors"

	. "github.com/onsi/ginkgo/v2"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/invoke"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/request"
	"github.com/cachecascade/cachecascade/suites/framework"
	"github.com/cachecascade/cachecascade/verdict"
)

// limitsFixture is small material: the limits are checked before anything
// is cached, so the prompt need not reach the minimum.
func limitsFixture(cell matrix.Cell, name string, systemBlocks int) fixtures.Spec {
	return fixtures.Spec{Seed: seed(cell, "limits/"+name+"/"+cell.Model.Key), Estimate: estimate(cell.Model),
		SystemBlocks: systemBlocks, SystemTokens: 60 * systemBlocks, Turns: 2, TurnTokens: 60, Salt: run.Salt}
}

// openApplicable opens a limits spec whose request must be buildable on the
// cell: a checkpoint the API's body cannot carry, or a TTL this build's SDK
// cannot express, makes the spec not applicable (decided before any
// cassette is opened).
func openApplicable(ctx context.Context, area framework.Area, cell matrix.Cell, name string, r *request.Request, err error) *framework.Spec {
	GinkgoHelper()
	switch {
	case errors.Is(err, invoke.ErrNotExpressible):
		run.Offline(area, cell).NotApplicable("the " + cell.Via().Operation() + " body of " + cell.Model.Key + " cannot carry this checkpoint")
	case err != nil && !matrix.TTLSupported:
		run.Offline(area, cell).NotApplicable("this SDK has no CachePointBlock.Ttl (bedrockruntime before v1.48.0): " + err.Error())
	}
	framework.ExpectNoError(err, "building the request")
	return run.Open(ctx, area, cell, name)
}

// judgeRejected sends a request Validate must predict a rejection for and
// judges the answer against the prediction.
func judgeRejected(ctx context.Context, s *framework.Spec, step string, r *request.Request) {
	GinkgoHelper()
	framework.Require(r.Rejections() != nil, "Validate predicts no rejection for %q: %v", step, r.Checkpoints())
	s.Judge(s.Send(ctx, step, r), expectation(r), verdict.Observation{Checkpoints: r.Layers()})
}

var _ = Describe("limits", func() {
	area := framework.AreaLimits
	cells := area.Cells(models())

	DescribeTable("accepts four checkpoints", func(ctx context.Context, cell matrix.Cell) {
		s := run.Open(ctx, area, cell, "four-checkpoints")
		r := build(cell, limitsFixture(cell, "four", 2), matrix.SystemOnly, matrix.TTLDefault,
			systemAfter(0, ""), messageAfter(0, ""), messageAfter(2, ""))
		framework.Require(len(r.Checkpoints()) == 4 && r.Rejections() == nil, "four checkpoints, none predicted rejected: %v, %v", r.Checkpoints(), r.Rejections())
		c := s.Send(ctx, "four checkpoints", r)
		s.Conclude(c.Step, verdict.Check(matrix.RuleTooManyCheckpoints, c.Err == nil, "four checkpoints must be accepted; got %v", c.Err))
		s.Conclude(c.Step, verdict.JudgeUsage(c.Usage))
	}, framework.Entries(area, cells))

	DescribeTable("rejects five checkpoints", func(ctx context.Context, cell matrix.Cell) {
		s := run.Open(ctx, area, cell, "five-checkpoints")
		// Apply refuses a fifth checkpoint, so all five are placed by hand:
		// after each of the three system blocks and in two user messages.
		r := build(cell, limitsFixture(cell, "five", 3), matrix.None, matrix.TTLDefault,
			systemAfter(0, ""), systemAfter(1, ""), systemAfter(2, ""), messageAfter(0, ""), messageAfter(2, ""))
		framework.Require(len(r.Checkpoints()) == 5, "five checkpoints: %v", r.Checkpoints())
		judgeRejected(ctx, s, "five checkpoints", r)
	}, framework.Entries(area, cells))

	DescribeTable("rejects a checkpoint with nothing before it", func(ctx context.Context, cell matrix.Cell) {
		r, err := newRequest(cell, limitsFixture(cell, "first", 1), matrix.None, matrix.TTLDefault, systemFirst())
		s := openApplicable(ctx, area, cell, "nothing-before", r, err)
		judgeRejected(ctx, s, "checkpoint first", r)
	}, framework.Entries(area, cells))

	DescribeTable("answers a one-hour checkpoint after a five-minute one as Validate predicts", func(ctx context.Context, cell matrix.Cell) {
		r, err := newRequest(cell, limitsFixture(cell, "ttl", 1), matrix.SystemOnly, matrix.TTLFiveMinute, messageAfter(2, matrix.TTLOneHour))
		s := openApplicable(ctx, area, cell, "ttl-order", r, err)
		judgeRejected(ctx, s, "1h after 5m", r)
	}, framework.Entries(area, cells, Label(framework.LabelOneHour)))
})
