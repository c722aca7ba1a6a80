package suites_test

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/matchers"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/suites/framework"
	"github.com/cachecascade/cachecascade/verdict"
)

var _ = Describe("limits", func() {
	for _, m := range matrix.Default().Models {
		// Small material: the limits are checked before anything is
		// cached, so the prompt need not reach the minimum.
		fixture := func(name string, systemBlocks int) fixtures.Spec {
			return fixtures.Spec{Seed: "limits/" + name + "/" + m.Key, Estimate: estimate(m), SystemBlocks: systemBlocks, SystemTokens: 60 * systemBlocks,
				Turns: 2, TurnTokens: 60, Salt: run.Salt}
		}
		// check sends a request and holds the target to Validate's
		// prediction, whichever it is: acceptance or the rejection.
		check := func(ctx context.Context, s interface {
			Converse(context.Context, string, *bedrockruntime.ConverseInput) framework.Call
		}, step string, r request, wantRejected bool) (request, framework.Call) {
			Expect(r.Rejections != nil).To(Equal(wantRejected), "Validate's prediction for %q: %v", step, r.Rejections)
			return r, s.Converse(ctx, step, r.In)
		}
		labels := Label(modelLabels("limits", m)...)

		It(m.Key+": accepts four checkpoints", labels, func(ctx context.Context) {
			s := run.Open(ctx, "limits", m, "", "four-checkpoints")
			r, c := check(ctx, s, "four checkpoints", build(m, fixture("four", 2), matrix.SystemOnly, matrix.TTLDefault,
				systemCheckpointAfter(0, ""), messageCheckpointAfter(0, ""), messageCheckpointAfter(2, "")), false)
			Expect(matrix.Checkpoints(r.In)).To(HaveLen(4))
			Expect(c.Err).NotTo(HaveOccurred(), "limits %s: four checkpoints must be accepted", m.Key)
			Expect(c.Usage).To(matchers.HaveConsistentTotals())
		})

		It(m.Key+": rejects five checkpoints", labels, func(ctx context.Context) {
			s := run.Open(ctx, "limits", m, "", "five-checkpoints")
			r, c := check(ctx, s, "five checkpoints", build(m, fixture("five", 3), matrix.None, matrix.TTLDefault,
				// Apply refuses a fifth checkpoint, so all five are placed by hand:
				// after each of the three system blocks and in two user messages.
				systemCheckpointAfter(0, ""), systemCheckpointAfter(2, ""), systemCheckpointAfter(4, ""),
				messageCheckpointAfter(0, ""), messageCheckpointAfter(2, "")), true)
			Expect(matrix.Checkpoints(r.In)).To(HaveLen(5))
			s.Judge(c, expectation(m, r), verdict.Observation{Checkpoints: r.Checkpoints})
		})

		It(m.Key+": rejects a checkpoint with nothing before it", labels, func(ctx context.Context) {
			s := run.Open(ctx, "limits", m, "", "nothing-before")
			r, c := check(ctx, s, "checkpoint first", build(m, fixture("first", 1), matrix.None, matrix.TTLDefault, systemCheckpointFirst()), true)
			s.Judge(c, expectation(m, r), verdict.Observation{Checkpoints: r.Checkpoints})
		})

		It(m.Key+": answers a one-hour checkpoint after a five-minute one as Validate predicts", labels, Label("ttl:1h"), func(ctx context.Context) {
			if !matrix.TTLSupported {
				Skip("this SDK has no CachePointBlock.Ttl (bedrockruntime before v1.48.0): not applicable")
			}
			s := run.Open(ctx, "limits", m, "", "ttl-order")
			r, c := check(ctx, s, "1h after 5m", build(m, fixture("ttl", 1), matrix.SystemOnly, matrix.TTLFiveMinute, messageCheckpointAfter(2, matrix.TTLOneHour)), true)
			s.Judge(c, expectation(m, r), verdict.Observation{Checkpoints: r.Checkpoints})
		})
	}
})
