package suites_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/suites/framework"
	"github.com/cachecascade/cachecascade/verdict"
)

var _ = Describe("streaming", func() {
	area := framework.AreaStreaming
	DescribeTable("a repeat through the streaming API reads what its non-streaming twin wrote and reports the same input-side usage",
		func(ctx context.Context, cell matrix.Cell) {
			s := run.Open(ctx, area, cell, "parity")
			stream := build(cell, systemFixture(cell, "streaming", 1, 60), matrix.SystemOnly, matrix.TTLDefault)
			unary, err := stream.As(cell.Via().Unary())
			framework.ExpectNoError(err)
			_, e, obs := primed(ctx, s, unary, "prime")
			e.Hits = unary.Layers()
			repeat := s.Send(ctx, "repeat", unary)
			s.Judge(repeat, e, obs)
			repeat = s.Decided(repeat)
			// A miss of the noise's shape is settled first (framework.Settle),
			// so that parity compares the calls that decide.
			streamed := s.Settle(s.Send(ctx, "stream repeat", stream), e, obs)
			// The same request through both APIs: the input side must be
			// identical, checked before the usage itself so that a stream
			// that drops the cache usage names this rule.
			s.Conclude(streamed.Step, verdict.JudgeParity(cell.Via(), verdict.Observation{Usage: repeat.Usage}, verdict.Observation{Usage: streamed.Usage, Err: streamed.Err}))
			s.Judge(streamed, e, obs)
		}, framework.Entries(area, area.Cells(models(), matrix.SystemOnly)))
})
