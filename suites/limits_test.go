package suites_test

import (
	"context"
	"errors"
	"slices"

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
// judges the answer against the prediction. Where the request carries a
// one-hour checkpoint and sources disagree on the model's one-hour TTL
// (matrix.FactOneHour), the answer is judged under both values and the
// report says which the target shows (verdict.Settle).
func judgeRejected(ctx context.Context, s *framework.Spec, step string, r *request.Request) {
	GinkgoHelper()
	framework.Require(r.Rejections() != nil, "Validate predicts no rejection for %q: %v", step, r.Checkpoints())
	c := s.Send(ctx, step, r)
	obs := verdict.Observation{Checkpoints: r.Layers(), Usage: c.Usage, Err: c.Err}
	if _, disputed := r.Model.Disputed(matrix.FactOneHour); disputed && slices.ContainsFunc(r.Checkpoints(), func(cp matrix.Checkpoint) bool { return cp.TTL == matrix.TTLOneHour }) {
		other := *r
		other.Model = r.Model.Otherwise(matrix.FactOneHour)
		f, _ := verdict.Settle(matrix.FactOneHour, verdict.Judge(expectation(r), obs), verdict.Judge(expectation(&other), obs))
		s.Conclude(step, f)
		s.Note("%s", f.Reason)
		return
	}
	s.Conclude(step, verdict.Judge(expectation(r), obs))
}

// judgePredicted sends a request whose answer depends on the model (a rule
// with an accepted and a rejected side) and judges it against Validate's
// prediction: the predicted rejection, or acceptance under rule.
func judgePredicted(ctx context.Context, s *framework.Spec, step string, r *request.Request, rule matrix.Rule) {
	GinkgoHelper()
	if r.Rejections() != nil {
		judgeRejected(ctx, s, step, r)
		return
	}
	c := s.Send(ctx, step, r)
	s.Conclude(c.Step, verdict.Check(rule, c.Err == nil, "Validate predicts %s accepted on %s; got %v", step, r.Model.Key, c.Err))
	s.Conclude(c.Step, verdict.JudgeUsage(c.Usage))
}

// The 2026 request rules' placements, beyond checkpoints.

// automaticCaching turns on automatic caching (a top-level cache_control
// in the Anthropic body) with ttl.
func automaticCaching(ttl matrix.TTL) placement {
	return func(r *request.Request) error { return r.Automatic(ttl) }
}

// anthropicVersion sets the Anthropic body's anthropic_version.
func anthropicVersion(v string) placement {
	return func(r *request.Request) error { return r.SetAnthropicVersion(v) }
}

// documentIn appends a document of format f to message i; a checkpoint
// placed on message i after it sits right after the document.
func documentIn(i int, f string) placement {
	return func(r *request.Request) error { return r.AddDocument(i, f, "Notes kept as a plain text document.") }
}

// reasoningIn puts a reasoning block first in assistant message i.
func reasoningIn(i int) placement {
	return func(r *request.Request) error {
		return r.AddReasoning(i, "Thinking about the question.", "c2lnbmF0dXJl")
	}
}

// where returns the cells that keep selects, leaving out end-of-life
// models: the 2026 rules came after them, so they have no recorded history
// to replay, and a run against a target leaves them out.
func where(cells []matrix.Cell, keep func(matrix.Cell) bool) []matrix.Cell {
	var out []matrix.Cell
	for _, c := range cells {
		if c.Model.Lifecycle != matrix.EndOfLife && keep(c) {
			out = append(out, c)
		}
	}
	return out
}

// anthropicBody selects the cells that send the Anthropic Messages body:
// InvokeModel on Claude.
func anthropicBody(c matrix.Cell) bool {
	return c.Model.Family == matrix.Claude && c.Via().InvokesModel()
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

	// The 2026 request rules. Automatic caching and anthropic_version are
	// fields of the Anthropic body, so they run through InvokeModel on
	// Claude: accepted on the current integration, a 400 on the legacy one.
	DescribeTable("answers automatic caching as Validate predicts", func(ctx context.Context, cell matrix.Cell) {
		r, err := newRequest(cell, limitsFixture(cell, "automatic", 1), matrix.None, matrix.TTLDefault, automaticCaching(matrix.TTLDefault))
		s := openApplicable(ctx, area, cell, "automatic-caching", r, err)
		judgePredicted(ctx, s, "automatic caching", r, matrix.RuleAutomaticCaching)
	}, framework.Entries(area, where(cells, anthropicBody)))

	DescribeTable("answers anthropic_version 2026-10-21 as Validate predicts", func(ctx context.Context, cell matrix.Cell) {
		r, err := newRequest(cell, limitsFixture(cell, "version", 1), matrix.None, matrix.TTLDefault, anthropicVersion(matrix.AnthropicVersionSDK))
		s := openApplicable(ctx, area, cell, "anthropic-version", r, err)
		judgePredicted(ctx, s, "anthropic_version "+matrix.AnthropicVersionSDK, r, matrix.RuleAnthropicVersion)
	}, framework.Entries(area, where(cells, anthropicBody)))

	// The field report's message is Anthropic's validation, so the document
	// rule runs on Claude, through Converse (a document block of format
	// txt) and InvokeModel (a text/plain document carrying cache_control).
	DescribeTable("rejects a checkpoint right after a non-PDF document", func(ctx context.Context, cell matrix.Cell) {
		r, err := newRequest(cell, limitsFixture(cell, "document", 1), matrix.None, matrix.TTLDefault, documentIn(0, "txt"), messageAfter(0, ""))
		s := openApplicable(ctx, area, cell, "document-checkpoint", r, err)
		judgeRejected(ctx, s, "checkpoint after a text document", r)
	}, framework.Entries(area, where(cells, func(c matrix.Cell) bool { return c.Model.Family == matrix.Claude })))

	// Reasoning blocks are Converse's: the InvokeModel bodies built here
	// carry none.
	DescribeTable("rejects a checkpoint after an earlier turn's reasoning block", func(ctx context.Context, cell matrix.Cell) {
		r, err := newRequest(cell, limitsFixture(cell, "reasoning", 1), matrix.None, matrix.TTLDefault, reasoningIn(1), messageAfter(2, ""))
		s := openApplicable(ctx, area, cell, "reasoning-earlier-turn", r, err)
		judgeRejected(ctx, s, "checkpoint after an earlier turn's reasoning", r)
	}, framework.Entries(area, where(cells, func(c matrix.Cell) bool { return !c.Via().InvokesModel() })))
})
