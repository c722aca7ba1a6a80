package discovery

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/cachecascade/cachecascade/usage"
)

// sample is one measured head: its length in bytes and its size in tokens.
type sample struct{ chars, tokens int }

// sizer learns how long a head must be for a size in tokens from every
// head measured, since tokenizers are not public: between or beside the two
// samples nearest the target it interpolates linearly, so a fixed per-block
// overhead is learned too.
type sizer struct{ samples []sample }

// defaultCharsPerToken aims the first probe, before anything is measured.
const defaultCharsPerToken = 4

// add records a measured head.
func (z *sizer) add(chars, tokens int) {
	if chars > 0 && tokens > 0 {
		z.samples = append(z.samples, sample{chars, tokens})
	}
}

// chars returns the head length expected to measure target tokens.
func (z *sizer) chars(target int) int {
	if len(z.samples) == 0 {
		return target * defaultCharsPerToken
	}
	near := append([]sample(nil), z.samples...)
	sort.SliceStable(near, func(i, j int) bool { return abs(near[i].tokens-target) < abs(near[j].tokens-target) })
	a := near[0]
	for _, b := range near[1:] {
		if b.tokens != a.tokens && b.chars != a.chars {
			slope := float64(b.chars-a.chars) / float64(b.tokens-a.tokens)
			if slope > 0 {
				return a.chars + int(math.Round(slope*float64(target-a.tokens)))
			}
		}
	}
	return int(math.Round(float64(a.chars) * float64(target) / float64(a.tokens)))
}

// abs returns |n|.
func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// probe is one sized probe as sent and measured.
type probe struct {
	call  Call
	usage usage.Usage
	input *bedrockruntime.ConverseInput
	// text is the head text; chars its length.
	text  string
	chars int
	// cached reports a write.
	cached bool
}

// size returns the probe's prefix size in tokens: the write when it was
// cached (nothing is read on a fresh prefix), else the prompt less the
// tokens after the checkpoint (rest), known once a probe was cached.
func (p probe) size(rest int) int {
	if p.cached {
		return p.usage.Read + p.usage.Write
	}
	return p.usage.Prompt() - rest
}

// aim returns a fresh head text expected to measure target tokens, within
// tol where CountTokens works (it counts up to maxCountsPerProbe times,
// learning from each count), and the count of the text returned (-1 when
// it was not counted).
func (s *state) aim(target, tol int, layout func(string) *bedrockruntime.ConverseInput) (string, int, error) {
	start := s.fresh()
	text := func() string { return start + filler(max(s.sizes.chars(target), len(start)+8)-len(start)) }
	t := text()
	for i := 0; s.res.CountTokens && i < maxCountsPerProbe; i++ {
		n, c, err := s.countTokens(fmt.Sprintf("aim a prefix at %d tokens", target), layout(t))
		if err != nil {
			if errors.Is(err, errBound) || !rejected(err) {
				return "", -1, err
			}
			s.res.CountTokens = false
			s.note("countTokens (aiming)", "stopped", "CountTokens stopped counting the probes: "+c.Error, c.N)
			break
		}
		got := n + s.countOffset - s.rest
		s.sizes.add(len(t), got)
		if abs(got-target) <= tol {
			return t, n, nil
		}
		t = text()
	}
	return t, -1, nil
}

// sized sends a fresh head of about target tokens in the probe layer,
// followed by a checkpoint with ttl when cp is set, and measures it. The
// error is the call's, a rejection included.
func (s *state) sized(purpose string, target, tol int, cp bool, ttl types.CacheTTL) (probe, error) {
	layout := func(text string) *bedrockruntime.ConverseInput {
		return shape{layer: s.layer, head: []piece{{text: text, cp: cp, ttl: ttl}}}.input(s.model)
	}
	text, counted, err := s.aim(target, tol, layout)
	if err != nil {
		return probe{}, err
	}
	in := layout(text)
	c, err := s.send(fmt.Sprintf("%s: a prefix of about %d tokens", purpose, target), in)
	if err != nil {
		return probe{call: c}, fmt.Errorf("call %d (%s): %w", c.N, c.Purpose, err)
	}
	p := probe{call: c, usage: *c.Usage, input: in, text: text, chars: len(text), cached: c.Usage.Write > 0}
	if counted >= 0 {
		s.countOffset = p.usage.Prompt() - counted
	}
	if s.restKnown || p.cached {
		s.sizes.add(p.chars, p.size(s.rest))
	}
	return p, nil
}
