package suites_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/matchers"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/verdict"
)

var _ = Describe("nova", func() {
	for _, m := range matrix.Default().Family(matrix.Nova) {
		fixture := func(name string) fixtures.Spec {
			return fixtures.Spec{Seed: "nova/" + name + "/" + m.Key, Estimate: estimate(m), Tools: 2, ToolTokens: 300,
				SystemBlocks: 1, SystemTokens: m.MinTokens * 3 / 2, Turns: 2, TurnTokens: 150, Salt: run.Salt}
		}

		It(m.Key+": rejects a checkpoint in toolConfig.tools with a ValidationException naming its index",
			Label(modelLabels("nova", m)...), Label(matrix.StrategyLabel(matrix.ToolsOnly)), func(ctx context.Context) {
				s := run.Open(ctx, "nova", m, matrix.ToolsOnly, "tool-checkpoint")
				r := build(m, fixture("tools"), matrix.ToolsOnly, matrix.TTLDefault)
				c := s.Converse(ctx, "tools checkpoint", r.In)
				var ve *types.ValidationException
				if !errors.As(c.Err, &ve) {
					Fail(fmt.Sprintf("nova %s: a tools checkpoint must fail with *types.ValidationException; got %v", m.Key, c.Err))
				}
				Expect(r.Rejections).NotTo(BeEmpty(), "Validate must predict the rejection")
				Expect(c.Err).To(matchers.BeRejectedAs(r.Rejections[0]))
				s.Judge(c, expectation(m, r), verdict.Observation{Checkpoints: r.Checkpoints})
			})

		It(m.Key+": caches system and message checkpoints",
			Label(modelLabels("nova", m)...), Label(matrix.StrategyLabel(matrix.SystemOnly), matrix.StrategyLabel(matrix.ConversationHistory)), func(ctx context.Context) {
				s := run.Open(ctx, "nova", m, "", "system-and-messages")
				sp := fixture("cache")
				mk := func() request {
					r := build(m, sp, matrix.SystemOnly, matrix.TTLDefault)
					_, err := matrix.ConversationHistory.Apply(r.In, matrix.TTLDefault)
					Expect(err).NotTo(HaveOccurred())
					r.Checkpoints = m.Effective(matrix.Checkpoints(r.In))
					return r
				}
				r := mk()
				Expect(r.Checkpoints).To(HaveLen(2), "one system and one message checkpoint")
				_, e, obs := primed(ctx, s, m, r, "prime")
				e.Hits = r.Checkpoints
				s.Judge(s.Converse(ctx, "repeat", mk().In), e, obs)
			})

		It(m.Key+": rejects a one-hour TTL",
			Label(modelLabels("nova", m)...), Label(matrix.StrategyLabel(matrix.SystemOnly), "ttl:1h"), func(ctx context.Context) {
				if !matrix.TTLSupported {
					Skip("this SDK has no CachePointBlock.Ttl (bedrockruntime before v1.48.0): not applicable")
				}
				s := run.Open(ctx, "nova", m, matrix.SystemOnly, "ttl-1h")
				r := build(m, fixture("ttl"), matrix.SystemOnly, matrix.TTLOneHour)
				Expect(r.Rejections).NotTo(BeEmpty(), "Validate must predict the rejection")
				s.Judge(s.Converse(ctx, "one-hour checkpoint", r.In), expectation(m, r), verdict.Observation{Checkpoints: r.Checkpoints})
			})
	}
})
