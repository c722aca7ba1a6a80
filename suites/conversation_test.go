package suites_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/verdict"
)

// conversationTurns is how many turns the conversation spec runs.
const conversationTurns = 4

var _ = Describe("conversation history", func() {
	for _, m := range matrix.Default().Models {
		It(fmt.Sprintf("%s: each of %d turns reads the previous turn's prefix and writes only the new part", m.Key, conversationTurns),
			Label(modelLabels("conversation", m)...), Label(matrix.StrategyLabel(matrix.ConversationHistory)), func(ctx context.Context) {
				s := run.Open(ctx, "conversation", m, matrix.ConversationHistory, "incremental")
				sp := fixtures.Spec{Seed: "conversation/" + m.Key, Estimate: estimate(m), SystemBlocks: 1, SystemTokens: m.MinTokens * 3 / 2,
					Turns: conversationTurns, TurnTokens: 250, Salt: run.Salt}
				full := fixtures.Build(sp)
				previous := 0
				for k := 1; k <= conversationTurns; k++ {
					turn := full.Turn(k)
					var keep []func(*bedrockruntime.ConverseInput)
					if k > 1 && m.LookBackBlocks == 0 {
						// Without look-back the previous turn's entry is found
						// only at a checkpoint: keep one where the last turn
						// put it, as an application must for such a model.
						keep = append(keep, messageCheckpointAfter(len(turn.Messages)-3, matrix.TTLDefault))
					}
					in := turn.Input(m.ModelID())
					for _, p := range keep {
						p(in)
					}
					_, err := matrix.ConversationHistory.Apply(in, matrix.TTLDefault)
					Expect(err).NotTo(HaveOccurred())
					cps := m.Effective(matrix.Checkpoints(in))
					step := fmt.Sprintf("turn %d", k)
					c := s.Converse(ctx, step, in)
					if k == 1 {
						e := verdict.Expectation{Prime: true, MinTokens: m.MinTokens, Implicit: m.ImplicitCaching}
						s.Judge(c, e, verdict.Observation{Checkpoints: cps})
					} else {
						f := verdict.JudgeTurn(previous, verdict.Observation{Usage: c.Usage, Err: c.Err, Checkpoints: cps})
						s.Conclude(step, f)
					}
					previous = c.Usage.Read + c.Usage.Write
				}
			})
	}
})
