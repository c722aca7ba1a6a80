package suites_test

import (
	"context"
	"errors"
	"fmt"

	. "github.com/onsi/ginkgo/v2"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/invoke"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/report"
	"github.com/cachecascade/cachecascade/request"
	"github.com/cachecascade/cachecascade/suites/framework"
	"github.com/cachecascade/cachecascade/verdict"
)

// changesFixture is the material of the changes specs: two small tools
// (so that toolChoice can name one), one system block 1.3 times the
// model's minimum, so that the system checkpoint is cacheable on its own,
// and one user turn closed by the messages checkpoint.
func changesFixture(cell matrix.Cell, name string) fixtures.Spec {
	m := cell.Model
	return fixtures.Spec{Seed: seed(cell, "changes/"+name+"/"+m.Key), Estimate: estimate(m), Tools: 2, ToolTokens: 300,
		SystemBlocks: 1, SystemTokens: m.MinTokens * 13 / 10, Turns: 1, TurnTokens: 120, Salt: run.Salt}
}

// textDocument is the text of the plain-text document steps.
const textDocument = "cachecascade changes: a plain-text document."

// thinkingBudget is the thinking budget of the thinking step: the
// smallest Anthropic takes.
const thinkingBudget = 1024

// changeStep is one change of the changes specs: its kind (the dimension
// the expectations table is keyed by), the step's name, how it changes the
// material (nil: not at all) and how it changes the request beside its
// material (nil: not at all).
type changeStep struct {
	kind matrix.ChangeKind
	name string
	set  func(fixtures.Spec) fixtures.Set
	req  func(*request.Request) error
}

// editTools returns a material change that edits the built tools.
func editTools(edit func([]fixtures.Tool)) func(fixtures.Spec) fixtures.Set {
	return func(sp fixtures.Spec) fixtures.Set {
		s := fixtures.Build(sp)
		framework.Require(len(s.Tools) >= 2 && len(s.Tools[0].Params) > 0, "two tools with parameters: %d", len(s.Tools))
		s.Tools = append([]fixtures.Tool(nil), s.Tools...)
		s.Tools[0].Params = append([]fixtures.Param(nil), s.Tools[0].Params...)
		edit(s.Tools)
		return s
	}
}

// variant returns a material change that rewrites layer l's text.
func variant(l prefix.Layer) func(fixtures.Spec) fixtures.Set {
	return func(sp fixtures.Spec) fixtures.Set { return fixtures.Build(sp.Variant(l)) }
}

// addImage adds the fixture image to the last user turn.
func addImage(seed string) func(*request.Request) error {
	return func(r *request.Request) error { return r.AddImage(r.LastMessage(), fixtures.PNG(seed)) }
}

// changeSteps are the changes made to the primed request, each judged
// against the prime alone; the first tool's name is the named toolChoice.
func changeSteps(firstTool string) []changeStep {
	return []changeStep{
		{matrix.ChangeToolSchema, "change a tool's schema", editTools(func(t []fixtures.Tool) { t[0].Params[0].Description += " Revised." }), nil},
		{matrix.ChangeToolDescription, "change a tool's description", editTools(func(t []fixtures.Tool) { t[0].Description += " Revised." }), nil},
		{matrix.ChangeToolOrder, "swap the first two tools", editTools(func(t []fixtures.Tool) { t[0], t[1] = t[1], t[0] }), nil},
		{matrix.ChangeSystemText, "change the system text", variant(prefix.System), nil},
		{matrix.ChangeToolChoice, "toolChoice auto → any", nil, func(r *request.Request) error { return r.SetToolChoice("any", "") }},
		{matrix.ChangeToolChoice, "toolChoice auto → " + firstTool, nil, func(r *request.Request) error { return r.SetToolChoice("tool", firstTool) }},
		{matrix.ChangeImageAdded, "add an image to the user turn", nil, addImage("changes/image")},
		{matrix.ChangeDocumentPDF, "add a PDF document", nil, func(r *request.Request) error {
			return r.InsertDocument(r.LastMessage(), "pdf", string(fixtures.PDF("cachecascade changes: a one-page PDF")))
		}},
		{matrix.ChangeDocumentText, "add a text document", nil, func(r *request.Request) error {
			return r.InsertDocument(r.LastMessage(), "txt", textDocument)
		}},
		// The same document last in the turn, so that the messages
		// checkpoint sits right after it: a predicted 400 on Claude
		// (matrix.RuleDocumentCheckpoint).
		{matrix.ChangeDocumentText, "add a text document last, the checkpoint right after it", nil, func(r *request.Request) error {
			return r.AddDocument(r.LastMessage(), "txt", textDocument)
		}},
		{matrix.ChangeThinking, "turn on thinking", nil, func(r *request.Request) error { return r.SetThinking(thinkingBudget) }},
		{matrix.ChangeInference, "change temperature and maxTokens", nil, func(r *request.Request) error { r.SetInference(0.5, 2*fixtures.MaxTokens); return nil }},
		{matrix.ChangeMetadata, "set requestMetadata", nil, func(r *request.Request) error { return r.SetMetadata("changes") }},
		{matrix.ChangeMessageText, "change the message text", variant(prefix.Messages), nil},
	}
}

// changedRequest builds the cell's request from set with toolChoice auto,
// applies change (if any), and places a checkpoint after the system
// prompt and one at the end of the conversation. It returns
// invoke.ErrNotExpressible (wrapped) when the cell's API cannot carry the
// change.
func changedRequest(cell matrix.Cell, set fixtures.Set, change func(*request.Request) error) (*request.Request, error) {
	r, err := request.Build(cell.Model, cell.Via(), set)
	if err != nil {
		return nil, err
	}
	if err := r.SetToolChoice("auto", ""); err != nil {
		return nil, err
	}
	if change != nil {
		if err := change(r); err != nil {
			return nil, err
		}
	}
	for _, st := range []matrix.Strategy{matrix.SystemOnly, matrix.ConversationHistory} {
		if _, err := r.Apply(st, matrix.TTLDefault); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// applies reports whether the cell's model has the change kind at all
// (thinking only where the model thinks) and the table has a row for it.
func applies(cell matrix.Cell, k matrix.ChangeKind) (matrix.ChangeRule, bool) {
	if k == matrix.ChangeThinking && !cell.Model.Thinks() {
		return matrix.ChangeRule{}, false
	}
	return matrix.ChangeRuleFor(k, cell.Model.Family)
}

// pair is one attempt of a change step on its own material: the primed
// request and the changed one.
type pair struct{ prime, changed *request.Request }

// judgeChange sends a changed request as the named step and judges it
// under the expectations table's row for its kind: a predicted rejection
// must be met, anything else is read for which checkpoints kept their
// entries (verdict.JudgeChange). The step files what it observed in the
// row for the "what invalidates what" table.
//
// The service's noise (a call routed to another Region's cache, an entry
// evicted early) only ever loses entries, so a step that kept fewer
// checkpoints than the reading says may be noise: the step runs again on
// fresh material, a new prime (an extra call, framework.SendExtra) and the
// same change, through framework.RetrySequence (its caps, its noise
// counts), so that the row counts one call for the step whatever the
// noise. From the third attempt on the prime is touched once more, so that
// a second Region more likely holds it. A broken rule loses the entries on
// every attempt; the noise does not. A step that kept more than the
// reading says is never retried: noise cannot make a hit.
// retry builds the n-th attempt's pair (n from 2).
func judgeChange(ctx context.Context, s *framework.Spec, cr matrix.ChangeRule, step string, r *request.Request, obs verdict.Observation, retry func(n int) pair) {
	GinkgoHelper()
	c := s.Send(ctx, step, r)
	ch := report.Change{Kind: string(cr.Kind), Step: step, Documented: matrix.Invalidates(cr.From), Reading: string(cr.Reading)}
	if rs := r.Rejections(); len(rs) > 0 {
		f := verdict.JudgeRejection(rs[0], c.Err)
		ch.Rejected = true
		s.Changed(ch)
		if f.OK() {
			// The sequence goes on: the row stays a pass, the step a note.
			s.Note("step %q: rejected as predicted [%s]", step, f.Rule)
			f.Outcome = verdict.Pass
		}
		s.Conclude(step, f)
		return
	}
	o := obs
	o.Usage, o.Err = c.Usage, c.Err
	v := verdict.JudgeChange(cr, o)
	calls := []framework.Call{c}
	for n := 2; keptTooFew(cr, o, v) && retry != nil && s.RetrySequence(n-1, "the change kept fewer checkpoints than its reading says, with the noise's shape", calls...); n++ {
		p := retry(n)
		pc := s.SendExtra(ctx, fmt.Sprintf("%s: attempt %d, prime", step, n), p.prime)
		if n >= 3 {
			// A second miss in a row: the prime re-sent once, so that
			// the Region the change lands in more likely holds it.
			s.Touch(ctx, nil, fmt.Sprintf("%s: attempt %d, prime", step, n), p.prime, 1)
		}
		c = s.Send(ctx, fmt.Sprintf("%s: attempt %d", step, n), p.changed)
		calls = []framework.Call{c}
		o = verdict.Observation{Checkpoints: p.prime.Layers(), Baseline: pc.Usage.Write, Usage: c.Usage, Err: c.Err}
		v = verdict.JudgeChange(cr, o)
	}
	for _, l := range v.Kept {
		ch.Kept = append(ch.Kept, l.String())
	}
	for _, l := range v.Invalidated {
		ch.Invalidated = append(ch.Invalidated, l.String())
	}
	for _, l := range o.Checkpoints {
		if !l.Before(cr.From) {
			ch.Expected = append(ch.Expected, l.String())
		}
	}
	ch.Differs = v.Differs
	s.Changed(ch)
	if cr.Reading != matrix.Documented {
		s.Note("step %q: %s", step, v.Finding.Reason)
	}
	s.Conclude(step, v.Finding)
}

// keptTooFew reports whether a change step that succeeded, with usage that
// adds up and something written, kept fewer checkpoints than its reading
// (documented, or the likeliest where the sources are silent) says: the
// one outcome the service's noise can cause.
func keptTooFew(cr matrix.ChangeRule, o verdict.Observation, v verdict.ChangeVerdict) bool {
	return o.Err == nil && o.Usage.TotalsAddUp() && o.Usage.Write > 0 &&
		len(v.Kept) < len(matrix.CascadeHits(o.Checkpoints, cr.From))
}

// changeAttempts returns the retry of change step i of the changes
// sequence: the n-th attempt primes new material (a seed of its own, the
// step's and the attempt's, so that no other call wrote it) and makes the
// same change to it.
func changeAttempts(cell matrix.Cell, i int) func(n int) pair {
	return func(n int) pair {
		GinkgoHelper()
		base := changesFixture(cell, fmt.Sprintf("base/step %d/attempt %d", i, n))
		set := fixtures.Build(base)
		prime, err := changedRequest(cell, set, nil)
		framework.ExpectNoError(err, "building an attempt's primed request")
		st := changeSteps(set.Tools[0].Name)[i]
		material := set
		if st.set != nil {
			material = st.set(base)
		}
		r, err := changedRequest(cell, material, st.req)
		framework.ExpectNoError(err, fmt.Sprintf("building an attempt of step %q", st.name))
		return pair{prime, r}
	}
}

// imageRemovedAttempts returns the retry of the image-removal step: the
// n-th attempt primes new material with the image and sends it without.
func imageRemovedAttempts(cell matrix.Cell) func(n int) pair {
	return func(n int) pair {
		GinkgoHelper()
		set := fixtures.Build(changesFixture(cell, fmt.Sprintf("image/attempt %d", n)))
		prime, err := changedRequest(cell, set, addImage("changes/image"))
		framework.ExpectNoError(err, "building an attempt's primed request with an image")
		r, err := changedRequest(cell, set, nil)
		framework.ExpectNoError(err, "building an attempt's request without the image")
		return pair{prime, r}
	}
}

var _ = Describe("changes", func() {
	area := framework.AreaChanges
	DescribeTable("each kind of change to a primed request invalidates what the documentation says, measured where it is silent",
		func(ctx context.Context, cell matrix.Cell) {
			s := run.Open(ctx, area, cell, "changes")
			base := changesFixture(cell, "base")
			set := fixtures.Build(base)
			prime, err := changedRequest(cell, set, nil)
			framework.ExpectNoError(err, "building the primed request")
			framework.Require(len(prime.Layers()) == 2, "a system and a messages checkpoint: %v", prime.Layers())
			_, _, obs := primed(ctx, s, prime, "prime")

			for i, st := range changeSteps(set.Tools[0].Name) {
				cr, ok := applies(cell, st.kind)
				if !ok {
					s.Note("step %q: not applicable: %s has no %s", st.name, cell.Model.Key, st.kind)
					continue
				}
				material := set
				if st.set != nil {
					material = st.set(base)
				}
				r, err := changedRequest(cell, material, st.req)
				if errors.Is(err, invoke.ErrNotExpressible) {
					s.Note("step %q: not applicable: %v", st.name, err)
					continue
				}
				framework.ExpectNoError(err, fmt.Sprintf("building step %q", st.name))
				judgeChange(ctx, s, cr, st.name, r, obs, changeAttempts(cell, i))
			}

			// Removing an image needs a prime that holds one: other
			// material, so that nothing of the first sequence is read.
			cr, _ := applies(cell, matrix.ChangeImageRemoved)
			withImage := fixtures.Build(changesFixture(cell, "image"))
			r, err := changedRequest(cell, withImage, addImage("changes/image"))
			framework.ExpectNoError(err, "building the primed request with an image")
			_, _, obs = primed(ctx, s, r, "prime with an image")
			r, err = changedRequest(cell, withImage, nil)
			framework.ExpectNoError(err, "building the request without the image")
			judgeChange(ctx, s, cr, "remove the image", r, obs, imageRemovedAttempts(cell))
		}, framework.Entries(area, area.Cells(currentModels())))
})

// currentModels are the run's models still served (matrix.Model.Current):
// an area newer than an end-of-life model cannot record it, since the
// service answers it with a 404.
func currentModels() []matrix.Model {
	var out []matrix.Model
	for _, m := range models() {
		if m.Current() {
			out = append(out, m)
		}
	}
	return out
}
