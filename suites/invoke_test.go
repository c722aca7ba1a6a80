package suites_test

import (
	"context"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/invoke"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/report"
	"github.com/cachecascade/cachecascade/suites/framework"
	"github.com/cachecascade/cachecascade/verdict"
)

// The InvokeModel axis: the same rules as the Converse specs, with the
// model's own body (Claude: the Anthropic Messages body with cache_control;
// Nova: the native body with cachePoint entries) built by package invoke
// from the same fixtures, judged by the same oracle and verdicts. Rows carry
// API "invoke", cassettes are named invoke-*.

// The API labels. Converse specs carry api:converse (and the streaming
// spec api:converse-stream too); these carry api:invoke.
const (
	apiConverseLabel       = "api:" + report.APIConverse
	apiConverseStreamLabel = "api:" + report.APIConverseStream
	apiInvokeLabel         = "api:" + report.APIInvoke
)

// invokeRequest is a built InvokeModel body with what the oracle needs.
type invokeRequest struct {
	Body        invoke.Marker
	Checkpoints []prefix.Layer
	Rejections  []matrix.Rejection
}

// buildInvoke turns a fixture into model m's InvokeModel body with the
// strategy's checkpoints (each with ttl), after any placed by hand.
func buildInvoke(m matrix.Model, sp fixtures.Spec, s matrix.Strategy, ttl matrix.TTL, place ...func(invoke.Marker)) invokeRequest {
	b, err := invoke.Build(m, fixtures.Build(sp))
	framework.ExpectNoError(err)
	mk := b.(invoke.Marker)
	for _, p := range place {
		p(mk)
	}
	_, err = invoke.Apply(s, b, ttl)
	framework.ExpectNoError(err, "placing "+string(s))
	return invokeRequest{Body: mk, Checkpoints: m.Effective(b.Checkpoints()), Rejections: invoke.Validate(m, b)}
}

// expectation is the expectation of an InvokeModel body (see expectation).
func (r invokeRequest) expectation(m matrix.Model) verdict.Expectation {
	return expectation(m, request{Rejections: r.Rejections})
}

// invokeLabels are the labels of an InvokeModel spec on model m.
func invokeLabels(area string, m matrix.Model) []string {
	return []string{matrix.AreaLabel(area), apiInvokeLabel, matrix.FamilyLabel(m.Family), matrix.GenerationLabel(m), matrix.ModelLabel(m.Key)}
}

// openInvoke opens an InvokeModel spec: cassette invoke-<name>, row API
// "invoke".
func openInvoke(ctx context.Context, area string, m matrix.Model, s matrix.Strategy, name string) *framework.Spec {
	GinkgoHelper()
	sp := run.Open(ctx, area, m, s, "invoke-"+name)
	sp.SetAPI(report.APIInvoke)
	return sp
}

func invokeCascadeEntries() []TableEntry {
	var out []TableEntry
	for _, cell := range matrix.Default().Cells() {
		out = append(out, Entry(cell.Name(), Label(matrix.AreaLabel("cascade"), apiInvokeLabel), Label(cell.Labels()...), cell))
	}
	return out
}

var _ = Describe("invoke", func() {
	DescribeTable("cascade: invalidates every checkpoint at or after a changed layer and keeps those before it",
		func(ctx context.Context, cell matrix.Cell) {
			s := openInvoke(ctx, "cascade", cell.Model, cell.Strategy, cell.Strategy.Slug())
			// The Converse cell's material under another seed: Nova's native
			// body carries the very bytes of Converse's, and the two must not
			// read each other's entries within a run.
			base := cascadeFixture(cell)
			base.Seed = "invoke-" + base.Seed
			runCascade(s, base, func(st cascadeStep) (framework.Call, verdict.Expectation, []prefix.Layer) {
				r := buildInvoke(cell.Model, st.spec, cell.Strategy, matrix.TTLDefault)
				return s.Invoke(ctx, st.name, r.Body), r.expectation(cell.Model), r.Checkpoints
			})
		}, invokeCascadeEntries())

	for _, m := range matrix.Default().Models {
		// Small material, as in the Converse limits specs: the limits are
		// checked before anything is cached.
		fixture := func(name string, systemBlocks int) fixtures.Spec {
			return fixtures.Spec{Seed: "invoke-limits/" + name + "/" + m.Key, Estimate: estimate(m), SystemBlocks: systemBlocks, SystemTokens: 60 * systemBlocks,
				Turns: 2, TurnTokens: 60, Salt: run.Salt}
		}
		check := func(step string, r invokeRequest, wantRejected bool) invokeRequest {
			GinkgoHelper()
			Expect(r.Rejections != nil).To(Equal(wantRejected), "invoke.Validate's prediction for %q: %v", step, r.Rejections)
			return r
		}
		sys := func(i int, ttl matrix.TTL) func(invoke.Marker) { return func(b invoke.Marker) { b.MarkSystem(i, ttl) } }
		msg := func(i int, ttl matrix.TTL) func(invoke.Marker) {
			return func(b invoke.Marker) { b.MarkMessage(i, ttl) }
		}
		labels := Label(invokeLabels("limits", m)...)

		It(m.Key+": InvokeModel accepts four checkpoints", labels, func(ctx context.Context) {
			s := openInvoke(ctx, "limits", m, "", "four-checkpoints")
			r := check("four checkpoints", buildInvoke(m, fixture("four", 2), matrix.SystemOnly, matrix.TTLDefault, sys(0, ""), msg(0, ""), msg(2, "")), false)
			Expect(r.Body.Checkpoints()).To(HaveLen(4))
			c := s.Invoke(ctx, "four checkpoints", r.Body)
			Expect(c.Err).NotTo(HaveOccurred(), "limits %s (InvokeModel): four checkpoints must be accepted", m.Key)
			Expect(c.Usage.TotalsAddUp()).To(BeTrue(), "limits %s (InvokeModel): totals do not add up in %v", m.Key, c.Usage)
		})

		It(m.Key+": InvokeModel rejects five checkpoints", labels, func(ctx context.Context) {
			s := openInvoke(ctx, "limits", m, "", "five-checkpoints")
			r := check("five checkpoints", buildInvoke(m, fixture("five", 3), matrix.None, matrix.TTLDefault,
				sys(0, ""), sys(1, ""), sys(2, ""), msg(0, ""), msg(2, "")), true)
			Expect(r.Body.Checkpoints()).To(HaveLen(5))
			s.Judge(s.Invoke(ctx, "five checkpoints", r.Body), r.expectation(m), verdict.Observation{Checkpoints: r.Checkpoints})
		})

		It(m.Key+": InvokeModel answers a one-hour checkpoint after a five-minute one as invoke.Validate predicts", labels, Label("ttl:1h"), func(ctx context.Context) {
			s := openInvoke(ctx, "limits", m, "", "ttl-order")
			r := check("1h after 5m", buildInvoke(m, fixture("ttl", 1), matrix.SystemOnly, matrix.TTLFiveMinute, msg(2, matrix.TTLOneHour)), true)
			s.Judge(s.Invoke(ctx, "1h after 5m", r.Body), r.expectation(m), verdict.Observation{Checkpoints: r.Checkpoints})
		})

		It(fmt.Sprintf("%s: InvokeModel caches just above the minimum, not just below", m.Key),
			Label(invokeLabels("threshold", m)...), Label(matrix.StrategyLabel(matrix.SystemOnly)), func(ctx context.Context) {
				s := openInvoke(ctx, "threshold", m, "", "boundary")
				invokeThreshold(ctx, s, m)
			})

		It(m.Key+": InvokeModelWithResponseStream reports the same input-side usage as InvokeModel",
			Label(invokeLabels("streaming", m)...), Label(matrix.StrategyLabel(matrix.SystemOnly)), func(ctx context.Context) {
				s := openInvoke(ctx, "streaming", m, matrix.SystemOnly, "stream")
				r := buildInvoke(m, systemFixture("invoke-streaming", m, 1, 80), matrix.SystemOnly, matrix.TTLDefault)
				e := r.expectation(m)
				e.Prime = true
				prime := s.Invoke(ctx, "prime", r.Body)
				s.Judge(prime, e, verdict.Observation{Checkpoints: r.Checkpoints})
				e.Prime, e.Hits = false, r.Checkpoints
				obs := verdict.Observation{Checkpoints: r.Checkpoints, Baseline: prime.Usage.Write}
				repeat := s.Invoke(ctx, "repeat", r.Body)
				s.Judge(repeat, e, obs)
				stream := s.InvokeStream(ctx, "stream repeat", r.Body)
				framework.ExpectNoError(stream.Err, "stream repeat")
				ru, su := repeat.Usage, stream.Usage
				if ru.Read != su.Read || ru.Write != su.Write || ru.Input != su.Input {
					Fail(fmt.Sprintf("streaming %s (InvokeModel), step %q: the stream's usage (message_start / metadata) must report the same input-side usage as InvokeModel; InvokeModel %v, stream %v", m.Key, "stream repeat", ru, su))
				}
				s.Judge(stream, e, obs)
			})
	}
})

// invokeThreshold is the threshold spec through InvokeModel: it calibrates a
// size model on two measured prefixes well above the minimum (the sizer of
// threshold_test.go), then aims one SYSTEM_ONLY checkpoint just below the
// minimum (must not be cached, and the call succeeds) and one just above (the
// prefix is written whole). The two-checkpoint reading is left to the
// Converse spec: it is the service's rule, not the API's.
func invokeThreshold(ctx context.Context, s *framework.Spec, m matrix.Model) {
	GinkgoHelper()
	min := m.MinTokens
	base := fixtures.Spec{Seed: "invoke-threshold/" + m.Key, Estimate: estimate(m), SystemBlocks: 1, Turns: 1, TurnTokens: 40, Salt: run.Salt}
	variant := 0
	next := func(systemTokens int) fixtures.Spec {
		variant++
		sp := base.WithSystemTokens(systemTokens)
		sp.Variants[prefix.System] = variant
		return sp
	}
	call := func(step string, sp fixtures.Spec) (framework.Call, fixtures.Set) {
		r := buildInvoke(m, sp, matrix.SystemOnly, matrix.TTLDefault)
		c := s.Invoke(ctx, step, r.Body)
		framework.ExpectNoError(c.Err, step)
		if !c.Usage.TotalsAddUp() {
			Fail(fmt.Sprintf("threshold %s (InvokeModel), step %q: totals do not add up in %v", m.Key, step, c.Usage))
		}
		return c, fixtures.Build(sp)
	}

	z, pb, pa := straddle(s, "threshold "+m.Key+" (InvokeModel)", m, func(step string, systemTokens int) (framework.Call, fixtures.Set) {
		return call(step, next(systemTokens))
	})
	s.Note("boundary: %d tokens not cached, %d cached (minimum %d, tail %d tokens)", pb, pa, min, z.tail)
}
