package suites_test

import (
	"context"

	"fmt"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
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
	est              fixtures.Estimate
	perChar, fixed   float64
	tail             int // tokens after the checkpoint (the user message and framing)
	measuredA, charA int
}

// systemTokensFor returns the fixture SystemTokens whose text makes a prefix
// of about want tokens.
func (z sizer) systemTokensFor(want int) int {
	chars := (float64(want) - z.fixed) / z.perChar
	return int(math.Round(chars / z.est.CharsPerToken))
}

// straddle calibrates a size model on two prefixes well above the model's
// minimum, then aims one SYSTEM_ONLY checkpoint just below it (it must not be
// cached, and the call succeeds) and one just above (the prefix is written
// whole). call sends a system prompt of about the given estimated tokens
// as the named step, with a fresh variant each time, and returns the call
// (already checked for success and consistent totals) and the material.
// cell names the spec in failure messages. It returns the size model and
// the measured prefixes below and above.
func straddle(s *framework.Spec, cell string, m matrix.Model, call func(step string, systemTokens int) (framework.Call, fixtures.Set)) (z sizer, below, above int) {
	GinkgoHelper()
	min := m.MinTokens
	By("calibrating: two prefixes well above the minimum")
	big, bigSet := call("calibrate at 2.5x the minimum", min*5/2)
	mid, midSet := call("calibrate at 1.8x the minimum", min*9/5)
	if big.Usage.Write == 0 || mid.Usage.Write == 0 {
		Fail(fmt.Sprintf("%s: prefixes of about 1.8 and 2.5 times the %d-token minimum were not cached: %v, %v", cell, min, mid.Usage, big.Usage))
	}
	ca, cb := bigSet.Chars(prefix.System), midSet.Chars(prefix.System)
	z = sizer{est: estimate(m), tail: big.Usage.Prompt() - big.Usage.Write}
	z.perChar = float64(big.Usage.Write-mid.Usage.Write) / float64(ca-cb)
	z.fixed = float64(big.Usage.Write) - z.perChar*float64(ca)
	if z.perChar <= 0 || mid.Usage.Prompt()-mid.Usage.Write != z.tail {
		s.Inconclusive("calibrate", fmt.Sprintf("the two calibration calls do not give a usable size model (tokens per character %.3f, tails %d and %d); the target counts tokens in a way this suite cannot aim with", z.perChar, z.tail, mid.Usage.Prompt()-mid.Usage.Write))
	}
	margin := max(12, min/50)

	By("one checkpoint just below the minimum")
	b, _ := call("one checkpoint below", z.systemTokensFor(min-margin))
	below = z.prefixOf(b)
	if below >= min {
		s.Inconclusive("one checkpoint below", fmt.Sprintf("the 'below' prefix measured %d tokens, not below the %d-token minimum; lower the margin's target (now %d below) or recalibrate", below, min, margin))
	}
	if b.Usage.Write != 0 || b.Usage.Read != 0 {
		Fail(fmt.Sprintf("%s, step %q: a %d-token prefix, below the %d-token minimum, must not be cached (read 0, write 0), and the request must succeed; observed %v", cell, "one checkpoint below", below, min, b.Usage))
	}

	By("one checkpoint just above the minimum")
	a, _ := call("one checkpoint above", z.systemTokensFor(min+margin))
	above = z.prefixOf(a)
	if above < min {
		s.Inconclusive("one checkpoint above", fmt.Sprintf("the 'above' prefix measured %d tokens, below the %d-token minimum; raise the margin (now %d above)", above, min, margin))
	}
	if !verdict.WithinRun.Same(a.Usage.Write, above) {
		Fail(fmt.Sprintf("%s, step %q: a %d-token prefix, above the %d-token minimum, must be written whole (write ≈ %d); observed %v", cell, "one checkpoint above", above, min, above, a.Usage))
	}
	return z, below, above
}

// prefixOf returns the measured size of the prefix through the last
// checkpoint of a call: the prompt less the tail measured at calibration.
func (z sizer) prefixOf(c framework.Call) int { return c.Usage.Prompt() - z.tail }

var _ = Describe("threshold", func() {
	for _, m := range matrix.Default().Models {
		It(fmt.Sprintf("%s: caches just above the minimum, not just below; reports how it applies to two checkpoints", m.Key),
			Label(modelLabels("threshold", m)...), Label(matrix.StrategyLabel(matrix.SystemOnly)), func(ctx context.Context) {
				s := run.Open(ctx, "threshold", m, "", "boundary")
				min := m.MinTokens
				base := fixtures.Spec{Seed: "threshold/" + m.Key, Estimate: estimate(m), SystemBlocks: 1, Turns: 1, TurnTokens: 40, Salt: run.Salt}
				variant := 0
				// next returns a fresh system prompt of the given size, so
				// that no call can read another's entry.
				next := func(systemTokens, blocks int) fixtures.Spec {
					variant++
					sp := base.WithSystemTokens(systemTokens)
					sp.SystemBlocks = blocks
					sp.Variants[prefix.System] = variant
					return sp
				}
				call := func(step string, sp fixtures.Spec, place ...func(*bedrockruntime.ConverseInput)) (framework.Call, fixtures.Set) {
					r := build(m, sp, matrix.SystemOnly, matrix.TTLDefault, place...)
					c := s.Converse(ctx, step, r.In)
					framework.ExpectNoError(c.Err, step)
					if !c.Usage.TotalsAddUp() {
						Fail(fmt.Sprintf("threshold %s, step %q: totals do not add up in %v", m.Key, step, c.Usage))
					}
					return c, fixtures.Build(sp)
				}

				z, pb, pa := straddle(s, "threshold "+m.Key, m, func(step string, systemTokens int) (framework.Call, fixtures.Set) {
					return call(step, next(systemTokens, 1))
				})

				By("two checkpoints: the first below the minimum, the prefix through the second above it but below twice it")
				half := z.systemTokensFor(min*13/10) / 2
				two, _ := call("two checkpoints", next(half*2, 2), systemCheckpointAfter(0, matrix.TTLDefault))
				p2 := z.prefixOf(two)
				if p2 < min || p2 >= 2*min {
					s.Inconclusive("two checkpoints", fmt.Sprintf("the prefix through the second checkpoint measured %d tokens; it must lie between the minimum %d and twice it to tell the readings apart", p2, min))
				}
				switch {
				case verdict.WithinRun.Same(two.Usage.Write, p2):
					s.Note("the minimum applies to the cumulative prefix (a %d-token prefix over two checkpoints was written)", p2)
				case two.Usage.Write == 0:
					s.Note("the minimum applies per checkpoint: a %d-token prefix over two checkpoints, each part below %d, was not cached", p2, min)
				default:
					Fail(fmt.Sprintf("threshold %s, step %q: expected either the whole %d-token prefix written (cumulative minimum) or nothing (per-checkpoint minimum); observed %v", m.Key, "two checkpoints", p2, two.Usage))
				}
				s.Note("boundary: %d tokens not cached, %d cached (minimum %d, tail %d tokens)", pb, pa, min, z.tail)
			})
	}
})
