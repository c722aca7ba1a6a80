// Package builder runs cachecascade's cascade, threshold and determinism
// checks on a team's own request builder, from the team's own Ginkgo suite,
// through the same single path as the project's suites: send → verdict → a
// verdict.Finding under a typed rule → framework.Spec.Conclude, recorded and
// replayed with the same cassette modes (CACHECASCADE_MODE) and filed as
// report rows of the same matrix report.
//
// A team describes its builder as a Func: given a model and a Variant (the
// layer to change from the base request, and the run's salt), it returns
// the Converse request its application would send. A Check names it, says
// which strategies place checkpoints on top of what the builder places
// (matrix.StrategySet: the five built in and the team's own, registered by
// name), and hands out DescribeTable entries per model and strategy:
//
//	set := matrix.NewStrategySet()
//	_ = set.Register("STATIC_SYSTEM", placeAfterFirstSystemBlock)
//	check := builder.Check{Name: "answers", Build: app.BuildRequest, Strategies: set}
//	DescribeTable("answers caches", func(ctx context.Context, cell matrix.Cell) {
//		check.Cascade(ctx, run, cell)
//	}, check.Entries(framework.AreaCascade, models))
//
// Expectations come from the documented rules (matrix.CascadeHits, the
// model's minimum, wire.DeterminismOf), never from a recording. Ginkgo is
// used here because this package is suite-side; the library packages it
// builds on import no test framework.
package builder

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/onsi/ginkgo/v2"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/request"
	"github.com/cachecascade/cachecascade/suites/framework"
	"github.com/cachecascade/cachecascade/verdict"
	"github.com/cachecascade/cachecascade/wire"
)

// Change names the layer a build changes from the base request.
type Change int

// The changes, one per layer, and none.
const (
	// NoChange asks for the base request.
	NoChange Change = iota
	// ChangeTools asks for the base request with its first tool changed.
	ChangeTools
	// ChangeSystem asks for the base request with its first system block
	// changed.
	ChangeSystem
	// ChangeMessages asks for the base request with its first message
	// changed.
	ChangeMessages
)

// Layer returns the layer c changes, and false for NoChange.
func (c Change) Layer() (prefix.Layer, bool) {
	switch c {
	case ChangeTools:
		return prefix.Tools, true
	case ChangeSystem:
		return prefix.System, true
	case ChangeMessages:
		return prefix.Messages, true
	}
	return 0, false
}

// String names the change as the cascade's steps do ("change system").
func (c Change) String() string {
	if l, ok := c.Layer(); ok {
		return "change " + l.String()
	}
	return "base"
}

// Variant is what one build must produce.
type Variant struct {
	// Change is the layer whose content must differ from the base
	// request's, at its start (the first tool, system block or message),
	// and about the same size, so that every checkpoint in or after it
	// covers new bytes; NoChange asks for the base request.
	Change Change
	// Salt must start the request's prefix (the first tool's description,
	// or else the first system block's text) so that no spec reads
	// another's or an earlier run's entries. It is the same for every
	// build of a spec; against a target each spec has its own, replay and
	// unit tests get fixtures.ZeroSalt, and the recorder maps any salt to
	// it.
	Salt fixtures.Salt
}

// Func is a team's request builder: the Converse request its application
// sends to model m, changed as v says. A nil ModelId is set to the model's
// ID. Every call must return fresh values.
type Func func(m matrix.Model, v Variant) (*bedrockruntime.ConverseInput, error)

// DefaultBuilds is how many times Determinism builds a request when
// Check.Builds is zero.
const DefaultBuilds = 30

// Check is a team's builder and how to check it.
type Check struct {
	// Name names the builder: it starts every cassette,
	// <area>/<model>/<Name>-<strategy>.yaml, so that two builders of one
	// suite never share one.
	Name string
	// Build is the builder.
	Build Func
	// Strategies places checkpoints on top of the builder's own (a
	// strategy counts them and stays within matrix.MaxCheckpoints); nil
	// means the five built in. NONE checks the builder's checkpoints as
	// built.
	Strategies *matrix.StrategySet
	// TTL is the strategies' TTL; empty is the default (five minutes).
	TTL matrix.TTL
	// Builds is how many builds Determinism compares; 0 is DefaultBuilds.
	Builds int
}

// APIs are the APIs a builder's cells go through: a Func returns a
// Converse request.
var APIs = []matrix.API{matrix.Converse}

// strategies returns the check's strategy set.
func (c Check) strategies() *matrix.StrategySet {
	if c.Strategies == nil {
		return matrix.NewStrategySet()
	}
	return c.Strategies
}

// Cells returns the check's cells: each model with each strategy (every
// strategy of the set when none is given), through Converse.
func (c Check) Cells(models []matrix.Model, strategies ...matrix.Strategy) []matrix.Cell {
	if len(strategies) == 0 {
		strategies = c.strategies().Strategies()
	}
	return matrix.Cells(models, strategies, APIs)
}

// Entries returns one Ginkgo table entry per cell of area (see Cells),
// named and labelled like the project's own (framework.Entries), for a
// DescribeTable whose body takes the cell; decorators go on every entry.
func (c Check) Entries(area framework.Area, models []matrix.Model, strategies []matrix.Strategy, decorators ...any) []ginkgo.TableEntry {
	return framework.Entries(area, c.Cells(models, strategies...), decorators...)
}

// Open starts a spec of area on cell against its cassette,
// <area>/<model>/<Name>-<strategy>.yaml (see framework.Run.Open).
func (c Check) Open(ctx context.Context, run *framework.Run, area framework.Area, cell matrix.Cell) *framework.Spec {
	ginkgo.GinkgoHelper()
	return run.Open(ctx, area, cell, c.Name+"-"+cell.Strategy.Slug())
}

// NewRequest builds the cell's request for variant v and places the cell's
// strategy on it. Errors are the builder's or the placement's.
func (c Check) NewRequest(cell matrix.Cell, v Variant) (*request.Request, error) {
	if c.Build == nil {
		return nil, errors.New("builder: Check.Build is nil")
	}
	in, err := c.Build(cell.Model, v)
	if err != nil {
		return nil, fmt.Errorf("builder %s, %s: %w", c.Name, v.Change, err)
	}
	if in == nil {
		return nil, fmt.Errorf("builder %s, %s: nil ConverseInput", c.Name, v.Change)
	}
	if in.ModelId == nil {
		in.ModelId = aws.String(cell.Model.ModelID())
	}
	st := cell.Strategy
	if st == "" {
		st = matrix.None
	}
	if _, err := c.strategies().Place(st, matrix.ConverseBody{In: in}, c.TTL); err != nil {
		return nil, err
	}
	return &request.Request{Model: cell.Model, API: matrix.Converse, Converse: in}, nil
}

// build is NewRequest for requests the harness must be able to build.
func (c Check) build(cell matrix.Cell, v Variant) *request.Request {
	ginkgo.GinkgoHelper()
	r, err := c.NewRequest(cell, v)
	framework.ExpectNoError(err, "building the request")
	return r
}

// expectation is what the rules say of r: the model's minimum and implicit
// caching, and the rejection matrix.Validate predicts, if any.
func expectation(r *request.Request) verdict.Expectation {
	e := verdict.Expectation{MinTokens: r.Model.MinTokens, Implicit: r.Model.ImplicitCaching}
	if rs := r.Rejections(); len(rs) > 0 {
		e.Reject = &rs[0]
	}
	return e
}

// Cascade runs the cascade check on cell in a spec of its own and
// concludes every finding (see CascadeFindings).
func (c Check) Cascade(ctx context.Context, run *framework.Run, cell matrix.Cell) {
	ginkgo.GinkgoHelper()
	s := c.Open(ctx, run, framework.AreaCascade, cell)
	for _, f := range c.CascadeFindings(ctx, s) {
		s.Conclude(f.Step, f)
	}
}

// CascadeFindings sends the cascade sequence of the project's cascade area
// through s and returns each step's finding, concluding none: prime (the
// prefix through the last checkpoint is written, or the threshold finding
// when nothing could be), repeat (every checkpoint hits), then change
// messages, system and tools (every checkpoint at or after the changed
// layer misses and those before it hit, matrix.CascadeHits). A rejection
// matrix.Validate predicts ends the sequence with its judgement. Use it to
// assert how a builder fails; Cascade is the usual form.
func (c Check) CascadeFindings(ctx context.Context, s *framework.Spec) []verdict.Finding {
	ginkgo.GinkgoHelper()
	salt := specSalt(s.Run)
	base := c.build(s.Cell, Variant{Salt: salt})
	if base.Rejections() != nil {
		call := s.Send(ctx, "prime", base)
		return []verdict.Finding{step(call.Step, verdict.Judge(expectation(base), verdict.Observation{Usage: call.Usage, Err: call.Err, Checkpoints: base.Layers()}))}
	}
	prime := s.Send(ctx, "prime", base)
	e := expectation(base)
	e.Prime = true
	f := verdict.Judge(e, verdict.Observation{Usage: prime.Usage, Err: prime.Err, Checkpoints: base.Layers()})
	if len(base.Layers()) > 0 && prime.Err == nil && prime.Usage.Write == 0 && (prime.Usage.Read == 0 || base.Model.ImplicitCaching) {
		// Nothing was cached: the sequence cannot tell a cascade, and the
		// reason is the prefix's size.
		return []verdict.Finding{step("prime", thresholdFinding(base, prime, 0))}
	}
	out := []verdict.Finding{step("prime", f)}
	obs := verdict.Observation{Checkpoints: base.Layers(), Baseline: prime.Usage.Write}
	for _, ch := range []Change{NoChange, ChangeMessages, ChangeSystem, ChangeTools} {
		name, changed := "repeat", prefix.Messages+1
		if l, ok := ch.Layer(); ok {
			name, changed = ch.String(), l
		}
		r := c.build(s.Cell, Variant{Change: ch, Salt: salt})
		e := expectation(r)
		e.Hits = matrix.CascadeHits(r.Layers(), changed)
		call := s.Send(ctx, name, r)
		o := obs
		o.Usage, o.Err = call.Usage, call.Err
		out = append(out, step(name, verdict.Judge(e, o)))
	}
	return out
}

// specSalt is the salt of one spec's requests: against a target a fresh one,
// so that no spec reads another's entries (a team's specs all send the same
// builder's material); the run's (fixtures.ZeroSalt) in replay, which is
// what every recording holds.
func specSalt(run *framework.Run) fixtures.Salt {
	if run.Mode.CallsTarget() {
		return fixtures.NewSalt()
	}
	return run.Salt
}

// step sets a finding's step.
func step(name string, f verdict.Finding) verdict.Finding {
	f.Step = name
	return f
}

// Threshold runs the threshold check on cell in a spec of its own: the base
// request is sent once and the prefix through its last checkpoint must be
// cached, that is at or above the model's minimum (rule threshold). The
// size is measured: by CountTokens where the model counts (free; the
// tools and system through the last checkpoint, when it is in those
// layers), else from the call's usage (the write, or, when nothing was
// written, the prompt as an upper bound). A prefix within 5% of the
// minimum, or under a minimum other sources give (matrix.FactMinTokens),
// passes with a note in the report row.
func (c Check) Threshold(ctx context.Context, run *framework.Run, cell matrix.Cell) {
	ginkgo.GinkgoHelper()
	s := c.Open(ctx, run, framework.AreaThreshold, cell)
	f := c.ThresholdFinding(ctx, s)
	s.Conclude(f.Step, f)
}

// ThresholdFinding is Threshold's finding on s's cell, concluding only
// what is not the threshold rule (the response's usage) and noting the
// measured size: use it to assert how a builder fails. A request without a
// checkpoint the model caches ends the spec as not applicable; a rejection
// matrix.Validate predicts is judged as in the cascade.
func (c Check) ThresholdFinding(ctx context.Context, s *framework.Spec) verdict.Finding {
	ginkgo.GinkgoHelper()
	cell := s.Cell
	r := c.build(cell, Variant{Salt: specSalt(s.Run)})
	if len(r.Layers()) == 0 {
		s.NotApplicable(fmt.Sprintf("the %s request carries no checkpoint the model caches", cell.Name()))
	}
	if r.Rejections() != nil {
		call := s.Send(ctx, "base request", r)
		return step(call.Step, verdict.Judge(expectation(r), verdict.Observation{Usage: call.Usage, Err: call.Err, Checkpoints: r.Layers()}))
	}
	counted, ok := c.count(ctx, s, r)
	call := s.Send(ctx, "base request", r)
	if call.Err == nil {
		s.Conclude(call.Step, verdict.JudgeUsage(call.Usage))
	}
	f := step(call.Step, thresholdFinding(r, call, counted))
	size := call.Usage.Write
	if ok {
		size = counted
		s.Note("prefix through the last checkpoint counted at %d tokens by CountTokens; the call wrote %d", counted, call.Usage.Write)
	}
	if f.OK() && size > 0 {
		if hi := slices.Max(cell.Model.Minimums()); size < hi {
			s.Note("the prefix (%d tokens) is under %d, the minimum other sources give for %s: it may not be cached there [%s]", size, hi, cell.Model.Key, matrix.RuleThreshold)
		} else if size < cell.Model.MinTokens*105/100 {
			s.Note("the prefix (%d tokens) is within 5%% of the %d-token minimum: a small change may stop it being cached [%s]", size, cell.Model.MinTokens, matrix.RuleThreshold)
		}
	}
	return f
}

// thresholdFinding judges the threshold rule on a call of r: the prefix
// through the last checkpoint was cached. counted is its size by
// CountTokens, or 0.
func thresholdFinding(r *request.Request, call framework.Call, counted int) verdict.Finding {
	m, u := r.Model, call.Usage
	layers := r.Layers()
	last := layers[len(layers)-1]
	switch {
	case call.Err != nil:
		return verdict.Check(matrix.RuleThreshold, false, "the request was refused, so nothing was cached: %v", call.Err)
	case u.Write > 0 || u.Read > 0 && !m.ImplicitCaching:
		return verdict.Check(matrix.RuleThreshold, true, "the prefix through the %s checkpoint is cached (%d tokens written, %d read; minimum %d)", last, u.Write, u.Read, m.MinTokens)
	case counted > 0:
		return verdict.Check(matrix.RuleThreshold, false, "the checkpoint at %s is never cached: the prefix through it counts %d tokens (CountTokens), under %s's %d-token minimum; observed %v", last, counted, m.Key, m.MinTokens, u)
	case u.Prompt() < m.MinTokens:
		return verdict.Check(matrix.RuleThreshold, false, "the checkpoint at %s is never cached: the whole prompt is %d tokens, so the prefix through it is at most that, under %s's %d-token minimum; observed %v", last, u.Prompt(), m.Key, m.MinTokens, u)
	}
	return verdict.Check(matrix.RuleThreshold, false, "the checkpoint at %s is never cached: nothing was written though the prompt is %d tokens, so the prefix through it is under %s's %d-token minimum and at least %d tokens follow it; observed %v", last, u.Prompt(), m.Key, m.MinTokens, u.Prompt()-m.MinTokens, u)
}

// count measures the prefix through r's last checkpoint with CountTokens
// where the model and this SDK count and that checkpoint closes tools or
// system: the count of the tools and system through it with one short user
// message, less the count of that message alone. It reports false where it
// cannot (the model, the SDK, the layer, or the target refused: noted).
func (c Check) count(ctx context.Context, s *framework.Spec, r *request.Request) (int, bool) {
	ginkgo.GinkgoHelper()
	cps := r.Checkpoints()
	if !r.Model.CountTokens || !request.CountSupported || len(cps) == 0 || cps[len(cps)-1].Layer == prefix.Messages {
		return 0, false
	}
	short := []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "."}}}}
	cut := *r.Converse
	cut.Messages = short
	last := cps[len(cps)-1]
	if last.Layer == prefix.Tools {
		cut.System = nil
	}
	bare := bedrockruntime.ConverseInput{ModelId: r.Converse.ModelId, Messages: short}
	n, err1 := s.Count(ctx, "count through the last checkpoint", &request.Request{Model: r.Model, API: matrix.Converse, Converse: &cut})
	tail, err2 := s.Count(ctx, "count without tools and system", &request.Request{Model: r.Model, API: matrix.Converse, Converse: &bare})
	if err := errors.Join(err1, err2); err != nil || n <= tail {
		s.Note("CountTokens gave no size (%v; %d and %d tokens): sized by the call's usage", err, n, tail)
		return 0, false
	}
	return n - tail, true
}

// Determinism runs the determinism check on cell, offline: the cell's base
// request is built Builds times, its strategy placed each time, and
// serialized as the SDK would send it; a field that varies and carries
// prompt bytes fails the spec under rule determinism, named by its JSON
// path; a harmless variation (requestMetadata) is noted.
func (c Check) Determinism(ctx context.Context, run *framework.Run, cell matrix.Cell) {
	ginkgo.GinkgoHelper()
	s := run.Offline(framework.AreaDeterminism, cell)
	f := c.DeterminismFinding(ctx, cell, run.Salt)
	if f.OK() {
		s.Note("%s", f.Reason)
	}
	s.Conclude("serialize", f)
}

// DeterminismFinding is Determinism's finding, concluding nothing: use it to
// assert how a builder fails.
func (c Check) DeterminismFinding(ctx context.Context, cell matrix.Cell, salt fixtures.Salt) verdict.Finding {
	ginkgo.GinkgoHelper()
	n := c.Builds
	if n == 0 {
		n = DefaultBuilds
	}
	bodies := make([][]byte, n)
	for i := range bodies {
		b, err := c.build(cell, Variant{Salt: salt}).Wire(ctx)
		framework.ExpectNoError(err, "serializing")
		bodies[i] = b
	}
	res, err := wire.DeterminismOf(bodies)
	framework.ExpectNoError(err)
	return verdict.Check(matrix.RuleDeterminism, !res.CacheAffecting(), "%s", res.Describe())
}
