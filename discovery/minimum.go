package discovery

import (
	"fmt"
	"strings"
)

// cacheCheckSizes are the prefix sizes the cache check tries, in order:
// above every known minimum (4,096 is the largest), then far above it.
var cacheCheckSizes = []int{4608, 16384}

// minLadderStart and minLadderEnd bound the sizes tried below the minimum
// before bisection: 512 (the smallest known minimum), halved while cached.
const (
	minLadderStart = 512
	minLadderEnd   = 32
)

// caches checks that a checkpoint over a large prefix is written and then
// read. A model that writes nothing at any size, or never reads what it
// wrote, does not cache, and the steps stop.
func (s *state) caches() error {
	var calls []int
	for _, target := range cacheCheckSizes {
		p, err := s.sized("caches: a "+s.layer.String()+" checkpoint", target, max(1, target/50), true, "")
		calls = append(calls, p.call.N)
		if err != nil && !rejected(err) {
			return err
		}
		if err != nil || p.cached {
			s.large = p
			break
		}
		s.misses = append(s.misses, p)
	}
	if !s.large.cached {
		how := fmt.Sprintf("a %s checkpoint over up to %d tokens was never written", s.layer, cacheCheckSizes[len(cacheCheckSizes)-1])
		if s.large.call.Error != "" {
			how = fmt.Sprintf("a %s checkpoint over a large prefix was rejected: %s", s.layer, s.large.call.Error)
		}
		s.note("caches", "false", how, calls...)
		s.stop = true
		return nil
	}
	u := s.large.usage
	s.rest, s.restKnown = u.Prompt()-u.Write-u.Read, true
	repeat, c, err := s.sendOK("caches: the same request again", s.large.input)
	if err != nil {
		return err
	}
	calls = append(calls, c.N)
	if repeat.Read < u.Write {
		s.note("caches", "false", fmt.Sprintf("a %d-token prefix was written but the repeat read only %d", u.Write, repeat.Read), calls...)
		s.stop = true
		return nil
	}
	s.res.Caches = true
	s.note("caches", "true", fmt.Sprintf("a %s checkpoint over a %d-token prefix was written, and the same request sent again read %d tokens",
		s.layer, u.Write, repeat.Read), calls...)
	return nil
}

// bracket is what the minimum search knows: the smallest size cached (hi,
// by call hiCall) and the largest size below it not cached (lo, 0 when
// none, by call loCall); odd lists the sizes that contradict a single
// threshold (not cached at or above hi).
type bracket struct {
	lo, hi, loCall, hiCall int
	odd                    []string
}

// bracketOf computes the bracket from every probe measured.
func (s *state) bracketOf(ps []probe) bracket {
	var b bracket
	for _, p := range ps {
		if n := p.size(s.rest); p.cached && (b.hi == 0 || n < b.hi) {
			b.hi, b.hiCall = n, p.call.N
		}
	}
	for _, p := range ps {
		n := p.size(s.rest)
		switch {
		case p.cached:
		case n >= b.hi:
			b.odd = append(b.odd, fmt.Sprintf("%d tokens not cached (call %d)", n, p.call.N))
		case n > b.lo:
			b.lo, b.loCall = n, p.call.N
		}
	}
	return b
}

// precise reports whether the bracket is as narrow as MinPrecision asks.
func (b bracket) precise() bool {
	return b.lo > 0 && b.hi-b.lo <= max(1, int(float64(b.hi)*MinPrecision))
}

// minimum finds the smallest cached prefix by bisection between a size not
// cached and one cached, each probe a fresh prefix aimed at the middle.
func (s *state) minimum() error {
	ps := append(append([]probe(nil), s.misses...), s.large)
	var calls []int
	for target := minLadderStart; target >= minLadderEnd && s.bracketOf(ps).lo == 0; target /= 2 {
		p, err := s.sized("minimum: below the known minimums", target, max(1, target/50), true, "")
		if err != nil {
			return err
		}
		ps, calls = append(ps, p), append(calls, p.call.N)
	}
	for i := 0; i < minBisectCalls; i++ {
		b := s.bracketOf(ps)
		if b.lo == 0 || b.precise() {
			break
		}
		p, err := s.sized("minimum: bisection", b.lo+(b.hi-b.lo)/2, max(1, (b.hi-b.lo)/8), true, "")
		if err != nil {
			return err
		}
		ps, calls = append(ps, p), append(calls, p.call.N)
	}
	s.concludeMinimum(s.bracketOf(ps), calls)
	return nil
}

// concludeMinimum sets minTokens from the bracket and says how it was found.
func (s *state) concludeMinimum(b bracket, calls []int) {
	s.minHi = b.hi
	s.entry.MinTokens = roundest(b.lo, b.hi)
	how := fmt.Sprintf("a prefix of %d tokens was not cached (call %d), one of %d tokens was (call %d); %s",
		b.lo, b.loCall, b.hi, b.hiCall, roundNote(s.entry.MinTokens, b))
	if b.lo == 0 {
		how = fmt.Sprintf("every prefix was cached, down to %d tokens (call %d): the minimum is at most that", b.hi, b.hiCall)
	} else if !b.precise() {
		how += fmt.Sprintf("; the bracket is wider than %.1f%% after %d probes", 100*MinPrecision, len(calls))
	}
	if len(b.odd) > 0 {
		how += "; not a single threshold: " + strings.Join(b.odd, ", ")
	}
	s.note("minTokens", fmt.Sprint(s.entry.MinTokens), how+fmt.Sprintf(" (probes: calls %s)", joinInts(calls)), b.loCall, b.hiCall)
}

// roundNote says how the reported minimum was chosen in the bracket.
func roundNote(n int, b bracket) string {
	if n == b.hi {
		return fmt.Sprintf("the minimum is in (%d, %d]: reported as %d, the smallest size cached", b.lo, b.hi, n)
	}
	return fmt.Sprintf("the minimum is in (%d, %d]: reported as %d, the roundest size there", b.lo, b.hi, n)
}

// roundSteps are the steps roundest tries, roundest first: documented
// minimums are multiples of 1,024, 1,000 or 512.
var roundSteps = []int{1024, 1000, 512, 500, 256, 250, 128, 100, 64}

// roundest returns the smallest multiple of the first step in roundSteps
// that has one in (lo, hi], so that a measured bracket names a documented
// minimum such as 1,536 or 3,000 rather than the probe size that happened
// to land in it; with none, hi, the smallest size seen to be cached.
func roundest(lo, hi int) int {
	for _, step := range roundSteps {
		if m := (lo/step + 1) * step; m <= hi {
			return m
		}
	}
	return hi
}

// joinInts renders numbers as "1, 2, 3".
func joinInts(ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = fmt.Sprint(n)
	}
	return strings.Join(parts, ", ")
}
