package discovery

import "fmt"

// capBisectCalls is the most bisection probes of the cap step.
const capBisectCalls = 16

// MaxCapCalls is the most Converse calls the cap step adds when
// Options.CapProbe asks for it.
const MaxCapCalls = 1 + capBisectCalls

// capBracket is what the cap search knows: the largest size cached (lo, by
// loCall) and the smallest size above it not cached (hi, 0 when none, by
// hiCall).
type capBracket struct{ lo, hi, loCall, hiCall int }

// capBracketOf computes the bracket from the probes.
func (s *state) capBracketOf(ps []probe) capBracket {
	var b capBracket
	for _, p := range ps {
		if n := p.size(s.rest); p.cached && n > b.lo {
			b.lo, b.loCall = n, p.call.N
		}
	}
	for _, p := range ps {
		if n := p.size(s.rest); !p.cached && n > b.lo && (b.hi == 0 || n < b.hi) {
			b.hi, b.hiCall = n, p.call.N
		}
	}
	return b
}

// maxCached measures a cap on the cached prefix, when Options.CapProbe
// asks for it: a prefix of CapProbe tokens that is cached means no cap up
// to there; one that is not starts a bisection down to the largest size
// cached (Nova documents a cap of 20,000 tokens).
func (s *state) maxCached() error {
	if s.capProbe <= 0 {
		s.note("maxCachedTokens", "0", "not measured: a probe above the cap costs a large prompt; scripts/discover -cap-probe TOKENS measures it")
		return nil
	}
	top, err := s.sized("cap: a large prefix", s.capProbe, max(1, s.capProbe/50), true, "")
	if err != nil {
		return err
	}
	ps := []probe{s.large, top}
	for i := 0; i < capBisectCalls; i++ {
		b := s.capBracketOf(ps)
		if b.hi == 0 || b.hi-b.lo <= max(1, int(float64(b.lo)*MinPrecision)) {
			break
		}
		p, err := s.sized("cap: bisection", b.lo+(b.hi-b.lo)/2, max(1, (b.hi-b.lo)/8), true, "")
		if err != nil {
			return err
		}
		ps = append(ps, p)
	}
	b := s.capBracketOf(ps)
	if b.hi == 0 {
		s.note("maxCachedTokens", "0", fmt.Sprintf("a prefix of %d tokens was cached (call %d): no cap up to there", b.lo, b.loCall), b.loCall)
		return nil
	}
	s.entry.MaxCachedTokens = roundest(b.lo-1, b.hi-1)
	s.note("maxCachedTokens", fmt.Sprint(s.entry.MaxCachedTokens), fmt.Sprintf("a prefix of %d tokens was cached (call %d), one of %d tokens was not (call %d); the cap is in [%d, %d)",
		b.lo, b.loCall, b.hi, b.hiCall, b.lo, b.hi), b.loCall, b.hiCall)
	return nil
}
