package suites_test

import (
	"context"
	"math"

	. "github.com/onsi/ginkgo/v2"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
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
	min := b.cell.Model.MinTokens
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

// straddle aims one SYSTEM_ONLY checkpoint just below the minimum (it must
// not be cached, and the call succeeds) and one just above (the prefix is
// written whole), and returns the measured prefixes.
func (b *boundary) straddle(ctx context.Context, z sizer) (below, above int) {
	min := b.cell.Model.MinTokens
	margin := max(12, min/50)
	for _, side := range []struct {
		step  string
		want  int
		below bool
	}{{"one checkpoint below", min - margin, true}, {"one checkpoint above", min + margin, false}} {
		c, _ := b.send(ctx, side.step, z.systemTokensFor(side.want), 1)
		p := z.prefixOf(c)
		b.s.Conclude(side.step, verdict.JudgeThreshold(verdict.Boundary{Prefix: p, Min: min, Below: side.below}, verdict.Observation{Usage: c.Usage, Err: c.Err}))
		if side.below {
			below = p
		} else {
			above = p
		}
	}
	return below, above
}

var _ = Describe("threshold", func() {
	area := framework.AreaThreshold
	DescribeTable("caches just above the minimum, not just below; reports how the minimum applies to two checkpoints",
		func(ctx context.Context, cell matrix.Cell) {
			m := cell.Model
			b := &boundary{s: run.Open(ctx, area, cell, "boundary"), cell: cell,
				base: fixtures.Spec{Seed: seed(cell, "threshold/"+m.Key), Estimate: estimate(m), SystemBlocks: 1, Turns: 1, TurnTokens: 40, Salt: run.Salt}}
			z := b.calibrate(ctx)
			below, above := b.straddle(ctx, z)

			By("two checkpoints: the first below the minimum, the prefix through the second above it but below twice it")
			half := z.systemTokensFor(m.MinTokens*13/10) / 2
			two, _ := b.send(ctx, "two checkpoints", half*2, 2, systemAfter(0, matrix.TTLDefault))
			f := b.s.Conclude(two.Step, verdict.JudgeMinimumReading(verdict.Boundary{Prefix: z.prefixOf(two), Min: m.MinTokens}, verdict.Observation{Usage: two.Usage, Err: two.Err}))
			b.s.Note("%s", f.Reason)
			b.s.Note("boundary: %d tokens not cached, %d cached (minimum %d, tail %d tokens)", below, above, m.MinTokens, z.tail)
		}, framework.Entries(area, area.Cells(models(), matrix.SystemOnly)))
})
