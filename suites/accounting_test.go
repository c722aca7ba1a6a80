package suites_test

import (
	"context"
	"fmt"

	. "github.com/onsi/ginkgo/v2"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/report"
)

var _ = Describe("accounting and streaming", func() {
	for _, m := range matrix.Default().Models {
		It(m.Key+": totals add up, a repeat reads what the prime wrote, and ConverseStream reports the same usage as Converse",
			Label(modelLabels("streaming", m)...), Label(matrix.AreaLabel("accounting"), apiConverseStreamLabel, matrix.StrategyLabel(matrix.SystemOnly)), func(ctx context.Context) {
				s := run.Open(ctx, "streaming", m, matrix.SystemOnly, "parity")
				s.SetAPI(report.APIConverseStream)
				sp := systemFixture("streaming", m, 1, 60)
				r := build(m, sp, matrix.SystemOnly, matrix.TTLDefault)
				_, e, obs := primed(ctx, s, m, r, "prime")
				e.Hits = r.Checkpoints
				repeat := s.Converse(ctx, "repeat", build(m, sp, matrix.SystemOnly, matrix.TTLDefault).In)
				s.Judge(repeat, e, obs)
				stream := s.ConverseStream(ctx, "stream repeat", build(m, sp, matrix.SystemOnly, matrix.TTLDefault).In)
				// The same request through both APIs: the input side must be
				// identical. Output may differ in length between two
				// generations, so it is held only to the totals identity
				// that Judge checks next.
				ru, su := repeat.Usage, stream.Usage
				if stream.Err == nil && (ru.Read != su.Read || ru.Write != su.Write || ru.Input != su.Input) {
					Fail(fmt.Sprintf("streaming %s, step %q: the ConverseStream metadata event must report the same input-side usage as Converse; Converse %v, ConverseStream %v", m.Key, "stream repeat", ru, su))
				}
				s.Judge(stream, e, obs)
			})
	}
})
