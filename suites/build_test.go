package suites_test

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	. "github.com/onsi/ginkgo/v2"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/suites/framework"
	"github.com/cachecascade/cachecascade/verdict"
)

// request is a built request with what the oracle needs to read it.
type request struct {
	In          *bedrockruntime.ConverseInput
	Checkpoints []prefix.Layer
	Rejections  []matrix.Rejection
}

// build turns a fixture into a request to model m with the strategy's
// checkpoints (each with ttl), plus any extra checkpoints place adds.
func build(m matrix.Model, sp fixtures.Spec, s matrix.Strategy, ttl matrix.TTL, place ...func(*bedrockruntime.ConverseInput)) request {
	in := fixtures.Build(sp).Input(m.ModelID())
	for _, p := range place {
		p(in)
	}
	_, err := s.Apply(in, ttl)
	framework.ExpectNoError(err, "placing "+string(s))
	return request{In: in, Checkpoints: m.Effective(matrix.Checkpoints(in)), Rejections: matrix.Validate(m, in)}
}

// expectation starts an expectation for model m from a request: the
// predicted rejection if Validate predicts one.
func expectation(m matrix.Model, r request) verdict.Expectation {
	e := verdict.Expectation{MinTokens: m.MinTokens, Implicit: m.ImplicitCaching}
	if len(r.Rejections) > 0 {
		e.Reject = &r.Rejections[0]
	}
	return e
}

// systemCheckpointAfter returns a placement adding a checkpoint after
// system block i.
func systemCheckpointAfter(i int, ttl matrix.TTL) func(*bedrockruntime.ConverseInput) {
	return func(in *bedrockruntime.ConverseInput) {
		cp := cachePoint(ttl)
		rest := append([]types.SystemContentBlock{&types.SystemContentBlockMemberCachePoint{Value: cp}}, in.System[i+1:]...)
		in.System = append(in.System[:i+1:i+1], rest...)
	}
}

// messageCheckpointAfter returns a placement adding a checkpoint at the end
// of message i.
func messageCheckpointAfter(i int, ttl matrix.TTL) func(*bedrockruntime.ConverseInput) {
	return func(in *bedrockruntime.ConverseInput) {
		in.Messages[i].Content = append(in.Messages[i].Content, &types.ContentBlockMemberCachePoint{Value: cachePoint(ttl)})
	}
}

// systemCheckpointFirst returns a placement putting a checkpoint before
// every system block: it has nothing before it.
func systemCheckpointFirst() func(*bedrockruntime.ConverseInput) {
	return func(in *bedrockruntime.ConverseInput) {
		in.System = append([]types.SystemContentBlock{&types.SystemContentBlockMemberCachePoint{Value: cachePoint("")}}, in.System...)
	}
}

// cachePoint makes a checkpoint block through a strategy on a scratch
// request, so that TTLs go through the one build-tagged place that knows
// the SDK field.
func cachePoint(ttl matrix.TTL) types.CachePointBlock {
	scratch := &bedrockruntime.ConverseInput{System: []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: "x"}}}
	_, err := matrix.SystemOnly.Apply(scratch, ttl)
	framework.ExpectNoError(err)
	return scratch.System[1].(*types.SystemContentBlockMemberCachePoint).Value
}

// estimate returns the fixture estimate of a model's family.
func estimate(m matrix.Model) fixtures.Estimate { return fixtures.EstimateFor(string(m.Family)) }

// labels joins Ginkgo labels for an area and a model.
func modelLabels(area string, m matrix.Model) []string {
	return []string{matrix.AreaLabel(area), apiConverseLabel, matrix.FamilyLabel(m.Family), matrix.GenerationLabel(m), matrix.ModelLabel(m.Key)}
}

// observed fills an observation with a call's result.
func observed(c framework.Call, o verdict.Observation) verdict.Observation {
	o.Usage, o.Err = c.Usage, c.Err
	return o
}

// systemFixture is the material of the single-checkpoint specs: one system
// block half again the model's minimum, so that a SYSTEM_ONLY checkpoint is
// clearly cacheable, and a short conversation.
func systemFixture(seed string, m matrix.Model, turns, turnTokens int) fixtures.Spec {
	return fixtures.Spec{Seed: seed + "/" + m.Key, Estimate: estimate(m), SystemBlocks: 1, SystemTokens: m.MinTokens * 3 / 2,
		Turns: turns, TurnTokens: turnTokens, Salt: run.Salt}
}

// primed sends the first call of a sequence and judges it as a prime. It
// returns the call, the expectation to reuse for later calls (Prime unset)
// and the observation they are read against: the request's checkpoints,
// with the prime's write as the baseline.
func primed(ctx context.Context, s *framework.Spec, m matrix.Model, r request, step string) (framework.Call, verdict.Expectation, verdict.Observation) {
	GinkgoHelper()
	e := expectation(m, r)
	e.Prime = true
	c := s.Converse(ctx, step, r.In)
	s.Judge(c, e, verdict.Observation{Checkpoints: r.Checkpoints})
	e.Prime = false
	return c, e, verdict.Observation{Checkpoints: r.Checkpoints, Baseline: c.Usage.Write}
}
