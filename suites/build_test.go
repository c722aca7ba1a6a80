package suites_test

import (
	"context"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/request"
	"github.com/cachecascade/cachecascade/suites/framework"
	"github.com/cachecascade/cachecascade/verdict"
)

// placement places a checkpoint by hand, beyond a strategy.
type placement func(*request.Request) error

// systemAfter places a checkpoint with ttl after system block i.
func systemAfter(i int, ttl matrix.TTL) placement {
	return func(r *request.Request) error { return r.MarkSystem(i, ttl) }
}

// messageAfter places a checkpoint with ttl at the end of message i.
func messageAfter(i int, ttl matrix.TTL) placement {
	return func(r *request.Request) error { return r.MarkMessage(i, ttl) }
}

// systemFirst places a checkpoint before every system block: it has
// nothing before it.
func systemFirst() placement {
	return func(r *request.Request) error { return r.MarkSystemFirst(matrix.TTLDefault) }
}

// newRequest turns a fixture into the cell's request (its model, its API)
// with the hand-placed checkpoints, then strategy st's, each with ttl.
func newRequest(cell matrix.Cell, sp fixtures.Spec, st matrix.Strategy, ttl matrix.TTL, place ...placement) (*request.Request, error) {
	r, err := request.Build(cell.Model, cell.Via(), fixtures.Build(sp))
	if err != nil {
		return nil, err
	}
	for _, p := range place {
		if err := p(r); err != nil {
			return nil, err
		}
	}
	if _, err := r.Apply(st, ttl); err != nil {
		return nil, err
	}
	return r, nil
}

// build is newRequest for requests the harness must be able to build.
func build(cell matrix.Cell, sp fixtures.Spec, st matrix.Strategy, ttl matrix.TTL, place ...placement) *request.Request {
	r, err := newRequest(cell, sp, st, ttl, place...)
	framework.ExpectNoError(err, "building the request")
	return r
}

// seed names fixture material for a cell: path, and invoke-<path> through
// the InvokeModel APIs, so that Nova's native body, which carries the very
// bytes of Converse's, never reads a Converse entry of the same run.
func seed(cell matrix.Cell, path string) string {
	if cell.Via().InvokesModel() {
		return "invoke-" + path
	}
	return path
}

// expectation starts an expectation for a request: the model's minimum and
// implicit caching, and the rejection Validate predicts, if any.
func expectation(r *request.Request) verdict.Expectation {
	e := verdict.Expectation{MinTokens: r.Model.MinTokens, Implicit: r.Model.ImplicitCaching}
	if rs := r.Rejections(); len(rs) > 0 {
		e.Reject = &rs[0]
	}
	return e
}

// estimate returns the fixture estimate of a model's family.
func estimate(m matrix.Model) fixtures.Estimate { return fixtures.EstimateFor(string(m.Family)) }

// systemFixture is the material of the single-checkpoint specs: one system
// block half again the model's minimum, so that a SYSTEM_ONLY checkpoint is
// clearly cacheable, and a short conversation.
func systemFixture(cell matrix.Cell, path string, turns, turnTokens int) fixtures.Spec {
	m := cell.Model
	return fixtures.Spec{Seed: seed(cell, path+"/"+m.Key), Estimate: estimate(m), SystemBlocks: 1, SystemTokens: m.MinTokens * 3 / 2,
		Turns: turns, TurnTokens: turnTokens, Salt: run.Salt}
}

// primed sends the first call of a sequence and judges it as a prime. It
// returns the call, the expectation to reuse for later calls (Prime unset)
// and the observation they are read against: the request's checkpoints,
// with the prime's write as the baseline.
func primed(ctx context.Context, s *framework.Spec, r *request.Request, step string) (framework.Call, verdict.Expectation, verdict.Observation) {
	e := expectation(r)
	e.Prime = true
	c := s.Send(ctx, step, r)
	s.Judge(c, e, verdict.Observation{Checkpoints: r.Layers()})
	e.Prime = false
	return c, e, verdict.Observation{Checkpoints: r.Layers(), Baseline: c.Usage.Write}
}

// settledPrime sends the first call of a sequence on a fact sources
// disagree on (matrix.Dispute) and judges it under both values
// (verdict.Settle): the catalog's and the other sources'. When the target
// accepted the request, it returns the expectation and observation for the
// later calls under the value the target showed, and true.
func settledPrime(ctx context.Context, s *framework.Spec, r *request.Request, fact matrix.Fact) (framework.Call, verdict.Expectation, verdict.Observation, bool) {
	other := *r
	other.Model = r.Model.Otherwise(fact)
	c := s.Send(ctx, "prime", r)
	judge := func(r *request.Request) verdict.Finding {
		e := expectation(r)
		e.Prime = true
		return verdict.Judge(e, verdict.Observation{Usage: c.Usage, Err: c.Err, Checkpoints: r.Layers()})
	}
	f, showedOther := verdict.Settle(fact, judge(r), judge(&other))
	s.Conclude("prime", f)
	s.Note("%s", f.Reason)
	shown := r
	if showedOther {
		shown = &other
	}
	e := expectation(shown)
	return c, e, verdict.Observation{Checkpoints: shown.Layers(), Baseline: c.Usage.Write}, c.Err == nil
}

// models is the catalog's models the run covers (framework.Lineup: gated
// models only when the label filter asks for them).
func models() []matrix.Model { return framework.Lineup(matrix.Default()) }

// firstOfEachFamily is one model of each family, for properties of the
// account or the SDK rather than of a model.
func firstOfEachFamily() []matrix.Model {
	return []matrix.Model{matrix.Default().Family(matrix.Claude)[0], matrix.Default().Family(matrix.Nova)[0]}
}
