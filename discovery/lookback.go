package discovery

import "fmt"

// maxLookBack is the largest look-back the look-back step tells apart.
const maxLookBack = 64

// lookBack writes a prefix at a checkpoint, then sends requests that extend
// it by k distinct small blocks with one checkpoint at the end: a read of
// the prefix means the service looked back at least k blocks. It tries
// k = maxLookBack, then 1, then bisects between a hit and a miss.
func (s *state) lookBack() error {
	target := s.aboveMinimum()
	base, err := s.sized("look-back: write a prefix", target, max(1, target/50), true, "")
	if err != nil {
		return err
	}
	if !base.cached {
		s.note("lookBackBlocks", "0", "not measured: the base prefix was not written: "+base.call.Outcome(), base.call.N)
		return nil
	}
	hit := func(k int) (Call, bool, error) {
		ext := smallPieces(s.tag(), k, false)
		ext[k-1].cp = true
		sh := shape{layer: s.layer, head: []piece{{text: base.text}}, tail: ext}
		u, c, err := s.sendOK(fmt.Sprintf("look-back: the prefix extended by %d block%s", k, plural(k)), sh.input(s.model))
		return c, err == nil && u.Read >= base.usage.Write, err
	}
	var hitCall, missCall Call
	lo, hi := 0, maxLookBack+1 // a hit at lo blocks, a miss at hi
	for _, k := range []int{maxLookBack, 1} {
		if lo > 0 || hi <= 1 {
			break
		}
		c, ok, err := hit(k)
		if err != nil {
			return err
		}
		if ok {
			lo, hitCall = k, c
		} else {
			hi, missCall = k, c
		}
	}
	for lo > 0 && hi <= maxLookBack && hi-lo > 1 {
		mid := (lo + hi) / 2
		c, ok, err := hit(mid)
		if err != nil {
			return err
		}
		if ok {
			lo, hitCall = mid, c
		} else {
			hi, missCall = mid, c
		}
	}
	s.concludeLookBack(base, lo, hi, hitCall, missCall)
	return nil
}

// concludeLookBack sets lookBackBlocks to lo, the most blocks a read
// reached back over (by hitCall), with hi the fewest that missed (by
// missCall).
func (s *state) concludeLookBack(base probe, lo, hi int, hitCall, missCall Call) {
	s.entry.LookBackBlocks = lo
	how := fmt.Sprintf("a %d-token prefix was written (call %d); ", base.usage.Write, base.call.N)
	switch {
	case lo == 0:
		how += fmt.Sprintf("extended by one block, it was not read (call %d: %s)", missCall.N, missCall.Outcome())
	case hi > maxLookBack:
		how += fmt.Sprintf("extended by %d blocks it was still read (call %d); the search stops there", lo, hitCall.N)
	default:
		how += fmt.Sprintf("extended by %d blocks it was read (call %d: %s), by %d not (call %d: %s)",
			lo, hitCall.N, hitCall.Outcome(), hi, missCall.N, missCall.Outcome())
	}
	if s.entry.ImplicitCaching {
		how += "; the model caches implicitly, so a read may be implicit"
	}
	s.note("lookBackBlocks", fmt.Sprint(lo), how, base.call.N, hitCall.N, missCall.N)
}

// implicit sends one large request without any checkpoint twice: a read on
// the second means the model caches implicitly.
func (s *state) implicit() error {
	target := s.large.size(s.rest)
	p, err := s.sized("implicit: no checkpoint", target, max(1, target/50), false, "")
	if err != nil {
		return err
	}
	u, c, err := s.sendOK("implicit: the same request again", p.input)
	if err != nil {
		return err
	}
	s.entry.ImplicitCaching = u.Read > 0
	how := fmt.Sprintf("the same %d-token prompt without a checkpoint, sent twice, read %d tokens the second time", u.Prompt(), u.Read)
	s.note("implicitCaching", fmt.Sprint(u.Read > 0), how, p.call.N, c.N)
	return nil
}

// plural is "s" unless n is 1.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
