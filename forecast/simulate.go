package forecast

import (
	"fmt"
	"strings"
	"time"

	"github.com/cachecascade/cachecascade/matrix"
)

// perToken turns a price per million tokens into dollars per token.
const perToken = 1e-6

// ttlDuration is how long an entry with TTL t lives (refreshed by each
// hit).
func ttlDuration(t matrix.TTL) time.Duration {
	if t == matrix.TTLOneHour {
		return time.Hour
	}
	return 5 * time.Minute
}

// writePrice is the price per million tokens of a write with TTL t.
func (s *scope) writePrice(t matrix.TTL) float64 {
	if t == matrix.TTLOneHour && s.prices.CacheWrite1h > 0 {
		return s.prices.CacheWrite1h
	}
	return s.prices.CacheWrite
}

// eligible reports whether a prefix of tokens may be cached, and whether
// that is uncertain under the estimate's error: the minimum is evaluated on
// the cumulative prefix (FACTS.md), and Nova caches at most
// MaxCachedTokens.
func (s *scope) eligible(tokens int) (ok, uncertain bool) {
	m := s.model
	lo, hi := float64(tokens)*(1-s.est.Error), float64(tokens)*(1+s.est.Error)
	ok = tokens >= m.MinTokens
	uncertain = lo < float64(m.MinTokens) && hi >= float64(m.MinTokens)
	if m.MaxCachedTokens > 0 {
		if tokens > m.MaxCachedTokens {
			ok = false
		}
		uncertain = uncertain || lo <= float64(m.MaxCachedTokens) && hi > float64(m.MaxCachedTokens)
	}
	return ok, uncertain
}

// simulate predicts one accepted request against its scope's cache:
// what it reads (the longest live entry at a checkpoint, or within the
// look-back window before one), what it writes, and why each checkpoint
// that could have been read was not. It returns the block boundary through
// which the request read or wrote.
func (c *checker) simulate(s *scope, idx int, p *prompt, hashes []digest, tokens []int, res *RequestResult) int {
	read, lookedFrom := 0, -1
	for i, pt := range p.points {
		b := pt.boundary
		if b <= read {
			continue
		}
		if _, ok := s.live(hashes[b]); ok {
			read, lookedFrom = b, -1
			continue
		}
		for j := b - 1; j >= 1 && j >= b-s.model.LookBackBlocks && j > read; j-- {
			if _, ok := s.live(hashes[j]); ok {
				read, lookedFrom = j, i
				break
			}
		}
	}
	for k := 1; k <= read; k++ {
		if e, ok := s.live(hashes[k]); ok {
			e.read = true
			e.expires, e.lastUse = s.now.Add(e.ttl), s.now
		}
	}
	res.Read = tokens[read]
	prev := read
	var misses []*missAt
	for i, pt := range p.points {
		cr := &res.Checkpoints[i]
		b := pt.boundary
		if b <= read {
			cr.Outcome = Hit
			continue
		}
		// Explained before the write, which replaces an expired entry.
		if m := c.explain(s, idx, p, hashes, read, b); m != nil {
			cr.Miss = &m.Miss
			misses = append(misses, m)
		}
		ok, uncertain := s.eligible(tokens[b])
		cr.Uncertain = uncertain
		if ok {
			cr.Outcome = Write
			if i == lookedFrom {
				cr.Outcome, cr.LookBackBlocks = LookBack, b-read
			}
			c.write(s, idx, pt, hashes[b], tokens[b]-tokens[prev])
			res.Written += tokens[b] - tokens[prev]
			prev = b
		} else {
			cr.Outcome = NeverCached
			c.neverCached(s, res, cr)
		}
	}
	c.missFindings(s, res, p, tokens, read, prev, misses)
	return prev
}

// write stores the entry a checkpoint writes.
func (c *checker) write(s *scope, idx int, pt point, h digest, segment int) {
	ttl := ttlDuration(pt.cp.TTL)
	e := &entry{boundary: pt.boundary, expires: s.now.Add(ttl), ttl: ttl, req: idx, path: pt.path,
		segment: max(segment, 0), usd: float64(max(segment, 0)) * s.writePrice(pt.cp.TTL) * perToken, lastUse: s.now}
	s.entries[h] = e
	s.all = append(s.all, e)
}

// neverCached reports a checkpoint below the minimum or above the cache
// cap: an error when that holds even at the edge of the estimate's error,
// a warning when the estimate cannot tell.
func (c *checker) neverCached(s *scope, res *RequestResult, cr *CheckpointResult) {
	m := s.model
	sev := Warning
	var msg string
	if m.MaxCachedTokens > 0 && cr.Tokens > m.MaxCachedTokens {
		if float64(cr.Tokens)*(1-s.est.Error) > float64(m.MaxCachedTokens) {
			sev = Error
		}
		msg = fmt.Sprintf("never cached: the prefix through it is about %d tokens (±%.0f%%), above %s's cache cap of %d", cr.Tokens, 100*s.est.Error, m.Name, m.MaxCachedTokens)
	} else {
		lowest := m.Minimums()[0]
		if s.est.surelyBelow(cr.Tokens, lowest) {
			sev = Error
		}
		msg = fmt.Sprintf("never cached: the prefix through it is about %d tokens (±%.0f%%), below %s's minimum of %d (%d tokens short)",
			cr.Tokens, 100*s.est.Error, m.Name, m.MinTokens, m.MinTokens-cr.Tokens)
		if sev == Warning {
			msg += "; within the estimate's error, so measure it (CountTokens or a call's usage)"
		}
		if len(m.Minimums()) > 1 {
			msg += fmt.Sprintf("; sources also give %v", m.Minimums())
		}
	}
	c.finding(Finding{Rule: matrix.RuleThreshold, Severity: sev, Source: res.Source, Path: cr.Path, Message: msg})
}

// missAt is a miss with the block boundary the ideal request would have
// read up to.
type missAt struct {
	Miss
	ideal int
}

// explain says why a checkpoint at boundary b that wrote (or could not be
// cached) did not read more than read: an entry of its own prefix that
// expired or sits beyond the look-back window, or an earlier request that
// cached past the point where this one's bytes first differ. It returns nil
// for a first write, which an earlier request could not have spared, and
// for a new conversation (the first message differs: another user, not a
// change, unless it is the same JSON in other bytes).
func (c *checker) explain(s *scope, idx int, p *prompt, hashes []digest, read, b int) *missAt {
	j := -1
	for k := b; k >= 0; k-- {
		if _, ok := s.known[hashes[k]]; ok {
			j = k
			break
		}
	}
	// An entry of this request's own prefix, past what it read.
	for k := min(j, b); k > read; k-- {
		e, ok := s.entries[hashes[k]]
		if !ok || e.req == idx {
			continue
		}
		src := c.rep.Requests[e.req].Source
		if _, live := s.live(hashes[k]); !live {
			return &missAt{ideal: k, Miss: Miss{Rule: matrix.RuleTTLExpiry, Path: e.path, Against: src,
				Detail: fmt.Sprintf("the entry %s wrote at %s was last used %s before this request and expired after %s", src, e.path, s.now.Sub(e.lastUse).Round(time.Second), e.ttl)}}
		}
		return &missAt{ideal: k, Miss: Miss{Rule: matrix.RuleLookBack, Path: e.path, Against: src,
			Detail: fmt.Sprintf("the entry %s wrote at %s ends %d blocks before this checkpoint, beyond %s's look-back of %d blocks: add a checkpoint nearer to it", src, e.path, b-k, s.model.Name, s.model.LookBackBlocks)}}
	}
	// An earlier request that cached past the first difference.
	var other int
	if j >= 0 {
		other = s.known[hashes[j]]
	} else if s.last >= 0 {
		other = s.last
	} else {
		return nil
	}
	if j == b {
		return nil
	}
	far := s.extent[other]
	if far <= max(j, read) {
		return nil
	}
	d := c.diff(other, idx, max(j, 0), s.model)
	if strings.HasPrefix(d.Path, "messages[0]") && !d.KeyOrder {
		// Another conversation, not a change: two users' first messages
		// differ, and nothing the earlier one cached after it could have
		// served this one.
		return nil
	}
	d.Rule, d.Against = matrix.RuleCascade, c.rep.Requests[other].Source
	d.Change, d.Invalidates = changeKind(d, s.model)
	d.Detail = fmt.Sprintf("%s cached %d blocks here; this request's bytes differ from it first at %s, so every checkpoint from there on misses", d.Against, far, d.Path)
	return &missAt{ideal: min(b, far), Miss: d}
}

// missFindings reports a request's misses, one finding per cause, with the
// tokens and dollars each loses against the ideal: the tokens between what
// was read and what the ideal would have read, priced at what they cost
// (written, or sent as plain input) minus the read price.
func (c *checker) missFindings(s *scope, res *RequestResult, p *prompt, tokens []int, read, lastWrite int, misses []*missAt) {
	type cause struct {
		m     *missAt
		ideal int
	}
	var causes []cause
	for _, m := range misses {
		found := false
		for i := range causes {
			if causes[i].m.Rule == m.Rule && causes[i].m.Path == m.Path {
				causes[i].ideal = max(causes[i].ideal, m.ideal)
				found = true
			}
		}
		if !found {
			causes = append(causes, cause{m, m.ideal})
		}
	}
	from := read
	ttl := matrix.TTLDefault
	for _, pt := range p.points {
		if pt.boundary > read {
			ttl = pt.cp.TTL
			break
		}
	}
	for _, cs := range causes {
		if cs.ideal <= from {
			continue
		}
		lost := tokens[cs.ideal] - tokens[from]
		written := max(0, tokens[min(cs.ideal, lastWrite)]-tokens[from])
		usd := perToken * (float64(written)*(s.writePrice(ttl)-s.prices.CacheRead) + float64(lost-written)*(s.prices.Input-s.prices.CacheRead))
		from = cs.ideal
		c.rep.Cost.MissTokens += lost
		c.rep.Cost.MissUSD += usd
		msg := fmt.Sprintf("miss: %s", cs.m.Detail)
		if cs.m.Rule == matrix.RuleCascade {
			kind := "differs"
			if cs.m.KeyOrder {
				kind = "is the same JSON in another key order"
			}
			msg = fmt.Sprintf("miss: %s %s: %s vs %s (%s); %d tokens written instead of read", cs.m.Path, kind, cs.m.Old, cs.m.New, cs.m.Against, lost)
			if cs.m.Change != "" {
				msg = fmt.Sprintf("miss: %s changed between %s and %s: invalidates %s on %s; %s", cs.m.Change, cs.m.Against, res.Source, cs.m.Invalidates, s.model.Family, msg[len("miss: "):])
			}
		}
		c.finding(Finding{Rule: cs.m.Rule, Severity: Warning, Source: res.Source, Path: cs.m.Path, Message: msg, Tokens: lost, USD: usd})
	}
}

// finish settles what is known only at the end: the writes never read,
// and the cost of the prompts.
func (c *checker) finish() {
	for _, s := range c.order {
		var tokens int
		var usd float64
		first := ""
		n := 0
		for _, e := range s.all {
			switch {
			case e.read:
			case e.req < s.last:
				tokens += e.segment
				usd += e.usd
				n++
				if first == "" {
					first = c.rep.Requests[e.req].Source
				}
			default:
				c.rep.Cost.PendingWriteTokens += e.segment
			}
		}
		if n > 0 {
			c.rep.Cost.UnreadWriteTokens += tokens
			c.rep.Cost.UnreadWriteUSD += usd
			c.finding(Finding{Rule: matrix.RuleRepeat, Severity: Warning, Source: first, Tokens: tokens, USD: usd,
				Message: fmt.Sprintf("%d writes on %s (%d tokens, $%.4f) were never read, although later requests came: each paid the write price for nothing", n, s.model.Name, tokens, usd)})
		}
	}
	for _, r := range c.rep.Requests {
		if r.Model == "" || len(r.Rejections) > 0 {
			continue
		}
		m, _ := c.cat.Lookup(r.ModelID)
		pr := m.Prices.For(matrix.ProfileKindOf(r.ModelID))
		input := r.PromptTokens - r.Read - r.Written
		c.rep.Cost.PromptUSD += perToken * (float64(input)*pr.Input + float64(r.Read)*pr.CacheRead + float64(r.Written)*pr.CacheWrite)
		c.rep.Cost.UncachedUSD += perToken * float64(r.PromptTokens) * pr.Input
	}
	if c.untimed && c.timed {
		c.rep.Notes = append(c.rep.Notes, "some requests carry no time: each is taken to come at the time of the request before it")
	} else if !c.timed {
		c.rep.Notes = append(c.rep.Notes, "the log carries no times: every request is taken to come within the TTL of the one before (no entry expires)")
	}
}
