package suites_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	. "github.com/onsi/ginkgo/v2"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/request"
	"github.com/cachecascade/cachecascade/suites/framework"
	"github.com/cachecascade/cachecascade/verdict"
)

// sizer turns a wanted prefix size in tokens into a system-prompt length,
// from two measured points: the prefix size the service reported (as a
// cache write) for two system prompts of known length. Tokenizers are not
// public; this is the only way to aim at a boundary.
type sizer struct {
	est            fixtures.Estimate
	perChar, fixed float64
	tail           int // tokens after the checkpoint (the user message and framing)
}

// systemTokensFor returns the fixture SystemTokens whose text makes a prefix
// of about want tokens.
func (z sizer) systemTokensFor(want int) int {
	chars := (float64(want) - z.fixed) / z.perChar
	return int(math.Round(chars / z.est.CharsPerToken))
}

// prefixOf returns the measured size of the prefix through the last
// checkpoint of a call: the prompt less the tail measured at calibration.
func (z sizer) prefixOf(c framework.Call) int { return c.Usage.Prompt() - z.tail }

// boundary is one threshold spec's state: its cell, the material it varies
// and how many fresh system prompts it has made.
type boundary struct {
	s       *framework.Spec
	cell    matrix.Cell
	base    fixtures.Spec
	variant int
}

// send sends a fresh system prompt of about systemTokens estimated tokens
// over blocks system blocks (so that no call can read another's entry), with
// a SYSTEM_ONLY checkpoint and any placed by hand, and returns the call and
// its material.
func (b *boundary) send(ctx context.Context, step string, systemTokens, blocks int, place ...placement) (framework.Call, fixtures.Set) {
	b.variant++
	sp := b.base.WithSystemTokens(systemTokens)
	sp.SystemBlocks = blocks
	sp.Variants[prefix.System] = b.variant
	c := b.s.Send(ctx, step, build(b.cell, sp, matrix.SystemOnly, matrix.TTLDefault, place...))
	return c, fixtures.Build(sp)
}

// calibrate measures two prefixes well above the minimum and fits the size
// model. Both must be cached (the threshold rule) and the two must give a
// usable model, or the spec cannot aim and is inconclusive.
func (b *boundary) calibrate(ctx context.Context) sizer {
	if z, ok := b.counted(ctx); ok {
		return z
	}
	min := slices.Max(b.cell.Model.Minimums())
	big, bigSet := b.send(ctx, "calibrate at 2.5x the minimum", min*5/2, 1)
	mid, midSet := b.send(ctx, "calibrate at 1.8x the minimum", min*9/5, 1)
	for _, c := range []framework.Call{big, mid} {
		b.s.Conclude(c.Step, verdict.Check(matrix.RuleThreshold, c.Err == nil, "a prefix well above the minimum must be accepted; got %v", c.Err))
		b.s.Conclude(c.Step, verdict.JudgeUsage(c.Usage))
		b.s.Conclude(c.Step, verdict.Check(matrix.RuleThreshold, c.Usage.Write > 0,
			"a prefix well above the %d-token minimum must be cached; observed %v", min, c.Usage))
	}
	ca, cb := bigSet.Chars(prefix.System), midSet.Chars(prefix.System)
	z := sizer{est: estimate(b.cell.Model), tail: big.Usage.Prompt() - big.Usage.Write}
	z.perChar = float64(big.Usage.Write-mid.Usage.Write) / float64(ca-cb)
	z.fixed = float64(big.Usage.Write) - z.perChar*float64(ca)
	if z.perChar <= 0 || mid.Usage.Prompt()-mid.Usage.Write != z.tail {
		b.s.Conclude("calibrate", verdict.Undecided(matrix.RuleThreshold, "the two calibration calls do not give a usable size model (tokens per character %.3f, tails %d and %d); the target counts tokens in a way this suite cannot aim with", z.perChar, z.tail, mid.Usage.Prompt()-mid.Usage.Write))
	}
	return z
}

// counted fits the size model from CountTokens instead of calibration
// calls, where the catalog says the model counts (free, and, AWS says,
// exactly what the request would be charged): the prompts of two system
// prompts of known length, and of the same request without a system
// prompt, whose count is the tail. It notes how far the fixture estimate
// was off. It reports false where the model or this SDK cannot count, or
// the target refused, and the paid calibration then runs.
func (b *boundary) counted(ctx context.Context) (sizer, bool) {
	m := b.cell.Model
	if !m.CountTokens || !request.CountSupported {
		return sizer{}, false
	}
	min := slices.Max(m.Minimums())
	count := func(step string, systemTokens, blocks int) (int, int, error) {
		sp := b.base.WithSystemTokens(systemTokens)
		sp.SystemBlocks = blocks
		n, err := b.s.Count(ctx, step, build(b.cell, sp, matrix.None, matrix.TTLDefault))
		return n, fixtures.Build(sp).Chars(prefix.System), err
	}
	big, ca, err1 := count("count at 2.5x the minimum", min*5/2, 1)
	mid, cb, err2 := count("count at 1.8x the minimum", min*9/5, 1)
	tail, _, err3 := count("count without a system prompt", 0, 0)
	if err := errors.Join(err1, err2, err3); err != nil {
		b.s.Note("CountTokens refused (%v): sizing by calibration calls", err)
		return sizer{}, false
	}
	z := sizer{est: estimate(m), tail: tail, perChar: float64(big-mid) / float64(ca-cb)}
	z.fixed = float64(big-tail) - z.perChar*float64(ca)
	if z.perChar <= 0 {
		b.s.Note("CountTokens gave no usable size model (%d and %d tokens): sizing by calibration calls", big, mid)
		return sizer{}, false
	}
	want := min * 5 / 2
	b.s.Note("sized by CountTokens: a system prompt estimated at %d tokens counts %d (the fixture estimate is off by %+.1f%%); tail %d tokens",
		want, big-tail, 100*float64(want-(big-tail))/float64(big-tail), tail)
	return z, true
}

// straddle aims one SYSTEM_ONLY checkpoint just below a candidate minimum
// and one just above it, and returns the probes.
func (b *boundary) straddle(ctx context.Context, z sizer, min int) verdict.Straddle {
	margin := max(12, min/50)
	st := verdict.Straddle{Min: min}
	below, _ := b.send(ctx, fmt.Sprintf("one checkpoint below %d", min), z.systemTokensFor(min-margin), 1)
	above, _ := b.send(ctx, fmt.Sprintf("one checkpoint above %d", min), z.systemTokensFor(min+margin), 1)
	st.BelowPrefix, st.Below = z.prefixOf(below), verdict.Observation{Usage: below.Usage, Err: below.Err}
	st.AbovePrefix, st.Above = z.prefixOf(above), verdict.Observation{Usage: above.Usage, Err: above.Err}
	return st
}

// minimum straddles the model's minimum and judges both sides: not cached
// just below (the call succeeds), written whole just above. Where sources
// disagree on the minimum (matrix.FactMinTokens), it straddles each one
// and reports which the target applies, failing only when it applies none
// (verdict.ResolveMinimum). It returns the minimum the target applies.
func (b *boundary) minimum(ctx context.Context, z sizer) int {
	m := b.cell.Model
	mins := m.Minimums()
	ss := make([]verdict.Straddle, 0, len(mins))
	for _, min := range mins {
		ss = append(ss, b.straddle(ctx, z, min))
	}
	if len(ss) == 1 {
		st := ss[0]
		b.s.Conclude(fmt.Sprintf("one checkpoint below %d", st.Min), verdict.JudgeThreshold(verdict.Boundary{Prefix: st.BelowPrefix, Min: st.Min, Below: true, Implicit: m.ImplicitCaching}, st.Below))
		b.s.Conclude(fmt.Sprintf("one checkpoint above %d", st.Min), verdict.JudgeThreshold(verdict.Boundary{Prefix: st.AbovePrefix, Min: st.Min, Implicit: m.ImplicitCaching}, st.Above))
		b.s.Note("boundary: %d tokens not cached, %d cached (minimum %d, tail %d tokens)", st.BelowPrefix, st.AbovePrefix, st.Min, z.tail)
		return st.Min
	}
	min, f := verdict.ResolveMinimum(m.MinTokens, m.ImplicitCaching, ss)
	b.s.Conclude("disputed minimum", f)
	b.s.Note("%s", f.Reason)
	return min
}

var _ = Describe("threshold", func() {
	area := framework.AreaThreshold
	DescribeTable("caches just above the minimum, not just below; reports how the minimum applies to two checkpoints",
		func(ctx context.Context, cell matrix.Cell) {
			m := cell.Model
			b := &boundary{s: run.Open(ctx, area, cell, "boundary"), cell: cell,
				base: fixtures.Spec{Seed: seed(cell, "threshold/"+m.Key), Estimate: estimate(m), SystemBlocks: 1, Turns: 1, TurnTokens: 40, Salt: run.Salt}}
			z := b.calibrate(ctx)
			min := b.minimum(ctx, z)

			By("two checkpoints: the first below the minimum, the prefix through the second above it but below twice it")
			half := z.systemTokensFor(min*13/10) / 2
			two, _ := b.send(ctx, "two checkpoints", half*2, 2, systemAfter(0, matrix.TTLDefault))
			f := b.s.Conclude(two.Step, verdict.JudgeMinimumReading(verdict.Boundary{Prefix: z.prefixOf(two), Min: min, Implicit: m.ImplicitCaching}, verdict.Observation{Usage: two.Usage, Err: two.Err}))
			b.s.Note("%s", f.Reason)
		}, framework.Entries(area, area.Cells(models(), matrix.SystemOnly)))
})
