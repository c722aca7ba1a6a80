package emulator

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"math"
	"time"

	"github.com/cachecascade/cachecascade/prefix"
)

// Tokenizer estimate. The service's tokenizers are not public; the emulator
// uses a documented, additive estimate so that a prefix's size is the sum of
// its blocks' sizes:
//
//	tokens(block) = ceil(chars / CharsPerToken) + BlockOverheadTokens
//
// where chars is the byte length of the decoded text for a text block and of
// the raw JSON for any other block (tool specs, images, tool results, ...).
// cachePoint blocks count zero. Each request adds the model's fixed tail
// (the assistant-turn header: 3 on Claude, 10 on Nova) which is never cached.
type tokenizer struct {
	charsPerToken float64
	blockOverhead int
}

func (t tokenizer) count(chars int) int {
	return int(math.Ceil(float64(chars)/t.charsPerToken)) + t.blockOverhead
}

// prefixInfo holds, for every block boundary b (after b blocks, b = 0..n),
// the identity and the cumulative size of the prefix ending there.
type prefixInfo struct {
	hashes [][32]byte
	tokens []int
	// prompt is the request's whole prompt size: all blocks plus the tail.
	prompt int
}

// computePrefix hashes the prefix at every block boundary. The hash chains
// the exact bytes of each block with its layer and, for the first block of a
// message, the role: the same content in another place is another prefix.
// The parts of a request that are not blocks enter where the emulator's
// table puts them (partScopes: before the tools, or at the start of the
// messages layer, or nowhere). With the no-cascade fault the chain restarts
// at each layer; the table's faults move a part, or leave blocks out (see
// prefixFaults).
func computePrefix(r *request, spec *modelSpec, tok tokenizer, f prefixFaults) prefixInfo {
	n := len(r.blocks)
	p := prefixInfo{hashes: make([][32]byte, n+1), tokens: make([]int, n+1)}
	c := newChainHasher()
	seed := func() [32]byte {
		c.h.Reset()
		c.h.Write(append(c.buf[:0], "cachecascade/emulator/v1"...))
		for _, v := range f.fields(r, spec, scopeEverything) {
			c.field(v)
		}
		return c.sum()
	}
	cur := seed()
	p.hashes[0] = cur
	msgStarted := false
	pendingRole := ""
	for i, b := range f.toolOrder(r) {
		p.tokens[i+1] = p.tokens[i] + tok.count(b.chars)
		if !f.hashed(b, spec) {
			// Left out of the identity; a message's start moves on to its
			// next block.
			if b.firstInMsg {
				pendingRole = b.role
			}
			p.hashes[i+1] = cur
			continue
		}
		if f.noCascade && (i == 0 || r.blocks[i-1].layer != b.layer) {
			cur = seed()
		}
		c.h.Reset()
		c.buf = append(append(c.buf[:0], cur[:]...), byte(b.layer))
		c.h.Write(c.buf)
		if b.layer == prefix.Messages && !msgStarted {
			msgStarted = true
			// Tool choice and model request fields (thinking, ...) sit
			// between system and messages on Claude: they affect only the
			// messages cache.
			for _, v := range f.fields(r, spec, scopeMessages) {
				c.field(v)
			}
		}
		switch {
		case b.firstInMsg:
			c.role(b.role)
		case pendingRole != "":
			c.role(pendingRole)
		}
		pendingRole = ""
		c.field(b.raw)
		cur = c.sum()
		p.hashes[i+1] = cur
	}
	p.prompt = p.tokens[n] + spec.tailTokens
	return p
}

// chainHasher is the sha256 state computePrefix chains with, and scratch
// space so that small writes allocate nothing per block.
type chainHasher struct {
	h   hash.Hash
	buf []byte
}

func newChainHasher() *chainHasher {
	return &chainHasher{h: sha256.New(), buf: make([]byte, 0, 128)}
}

// field hashes a length-prefixed field: the big-endian 64-bit length of b,
// then b.
func (c *chainHasher) field(b []byte) {
	c.buf = binary.BigEndian.AppendUint64(c.buf[:0], uint64(len(b)))
	c.h.Write(c.buf)
	c.h.Write(b)
}

// role hashes the field "message:" + role, a message's start.
func (c *chainHasher) role(role string) {
	c.buf = binary.BigEndian.AppendUint64(c.buf[:0], uint64(len("message:")+len(role)))
	c.buf = append(append(c.buf, "message:"...), role...)
	c.h.Write(c.buf)
}

// sum returns the digest so far.
func (c *chainHasher) sum() [32]byte {
	var out [32]byte
	copy(out[:], c.h.Sum(c.buf[:0]))
	return out
}

// entryKey identifies a cache entry: an account, a model and a prefix.
type entryKey struct {
	account string
	model   string
	hash    [32]byte
}

// cacheResult is what a request did to the cache.
type cacheResult struct {
	read, write int
	write1h     int
	write5m     int
}

func ttlDuration(ttl string) time.Duration {
	if ttl == "1h" {
		return time.Hour
	}
	return 5 * time.Minute
}

// eligible reports whether checkpoint number ordinal (1-based), whose
// cumulative prefix is tokens long, may be cached on spec.
func (e *Emulator) eligible(spec *modelSpec, ordinal, tokens int) bool {
	if tokens <= 0 {
		return false
	}
	if spec.maxCachedTokens > 0 && tokens > spec.maxCachedTokens {
		return false
	}
	if e.fault(FaultThresholdIgnored) {
		return true
	}
	min := spec.minTokens
	if e.opts.Threshold == ThresholdPerCheckpoint {
		min *= ordinal
	}
	if e.fault(FaultThresholdOff) {
		min -= thresholdOffBy
	}
	return tokens >= min
}

// applyCache reads and writes the cache for one request; e.mu must be held.
func (e *Emulator) applyCache(account string, spec *modelSpec, r *request, p prefixInfo, now time.Time) cacheResult {
	if e.fault(FaultSharedCacheAcrossAccounts) {
		account = ""
	}
	s := cacheScope{e: e, account: account, model: spec.id, hashes: p.hashes, now: now}
	id := requestID(s)
	s.account = regionAccount(account, e.region(r.viaProfile, id))
	var res cacheResult
	if len(r.checkpoints) > 0 {
		read := e.longestLiveRead(s, spec, r)
		if read > 0 && e.extraWrite(id) {
			read = 0 // evicted early: written anew, never a hit that also writes
		}
		res = e.writeCheckpoints(s, spec, r, p, read)
	}
	if res.read == 0 && res.write == 0 && spec.implicitCaching && e.implicitReads() {
		res.read = e.implicitRead(s, spec, p)
	}
	return res
}

// implicitPrefix marks the model of an implicit entry, so that implicit
// and explicit entries never meet: an explicit checkpoint cannot read what
// implicit caching kept, nor the other way round.
const implicitPrefix = "implicit:"

// implicitRead is the implicit-reads profile's best-effort caching of a
// request that used no explicit entry: it reads the longest prefix at a
// block boundary that an earlier such request sent, and keeps this
// request's prefixes (those reaching the model's minimum) for five
// minutes. Nothing is reported as written. It returns the tokens read.
func (e *Emulator) implicitRead(s cacheScope, spec *modelSpec, p prefixInfo) int {
	s.model = implicitPrefix + spec.id
	read := 0
	for b := len(p.hashes) - 1; b >= 1; b-- {
		if _, ok := s.live(b); ok {
			read = p.tokens[b]
			break
		}
	}
	for b := 1; b < len(p.hashes); b++ {
		if p.tokens[b] >= spec.minTokens {
			e.store(s.key(b), &entry{expires: s.now.Add(5 * time.Minute), ttl: 5 * time.Minute}, s.now)
		}
	}
	return read
}

// cacheScope is where one request looks in the cache: its account and
// model, its prefixes' hashes by block boundary, and the time it arrived.
type cacheScope struct {
	e       *Emulator
	account string
	model   string
	hashes  [][32]byte
	now     time.Time
}

// key returns the cache key of the prefix ending at block boundary b.
func (s cacheScope) key(b int) entryKey {
	return entryKey{account: s.account, model: s.model, hash: s.hashes[b]}
}

// live returns the entry for the prefix ending at block boundary b if it
// has not expired; an expired entry is deleted on the way.
func (s cacheScope) live(b int) (*entry, bool) {
	en, ok := s.e.cache.get(s.key(b))
	if !ok {
		return nil, false
	}
	if !s.e.fault(FaultTTLNeverExpires) && !s.now.Before(en.expires) {
		s.e.cache.remove(en)
		return nil, false
	}
	return en, true
}

// longestLiveRead returns the block boundary the request reads up to: the
// longest live prefix at a checkpoint or, on a miss there, at an earlier
// block boundary within the model's look-back window (0 when nothing is
// read).
func (e *Emulator) longestLiveRead(s cacheScope, spec *modelSpec, r *request) int {
	read := 0
	lookBack := spec.lookBack
	if e.fault(FaultNoLookback) {
		lookBack = 0
	}
	for _, cp := range r.checkpoints {
		b := cp.boundary
		if b <= read {
			continue
		}
		if _, ok := s.live(b); ok {
			read = b
			continue
		}
		for j := b - 1; j >= 1 && j >= b-lookBack && j > read; j-- {
			if _, ok := s.live(j); ok {
				read = j
				break
			}
		}
	}
	return read
}

// writeCheckpoints refreshes the entries the request read up to boundary
// read and writes an entry at every later eligible checkpoint, returning
// the tokens read and written.
func (e *Emulator) writeCheckpoints(s cacheScope, spec *modelSpec, r *request, p prefixInfo, read int) cacheResult {
	res := cacheResult{read: p.tokens[read]}
	refresh := !e.fault(FaultNoRefreshOnHit)
	if read > 0 && refresh {
		if en, ok := s.live(read); ok {
			e.cache.refresh(en, s.now.Add(en.ttl))
		}
	}
	prev := read
	for i, cp := range r.checkpoints {
		b := cp.boundary
		ttl := ttlDuration(cp.ttl)
		if b <= read {
			// A prefix of what was read: it was used, so it is refreshed
			// for its own TTL (a 5m checkpoint reading a 1h entry does not
			// shorten it, nor a 1h checkpoint lengthen a 5m one unpaid).
			if en, ok := s.live(b); ok && refresh {
				e.cache.refresh(en, s.now.Add(en.ttl))
			}
			continue
		}
		if !e.eligible(spec, i+1, p.tokens[b]) {
			continue
		}
		seg := p.tokens[b] - p.tokens[prev]
		if seg > 0 {
			res.write += seg
			if cp.ttl == "1h" {
				res.write1h += seg
			} else {
				res.write5m += seg
			}
			prev = b
		}
		e.store(s.key(b), &entry{expires: s.now.Add(ttl), ttl: ttl}, s.now)
	}
	return res
}

// sweepPerStore is the most expired entries a store removes on the way.
const sweepPerStore = 4

// store inserts an entry, or gives the one held under k en's expiry and
// TTL, keeping the cache within MaxEntries: when it is full, the entry
// closest to expiry (expired or not; the earliest stored or refreshed
// among equals) makes room. Each store also removes up to sweepPerStore
// expired entries, so that expired entries do not wait for the cap. The
// work is O(log n): nothing scans or sorts the entries.
func (e *Emulator) store(k entryKey, en *entry, now time.Time) {
	e.sweep(now, sweepPerStore)
	if held, ok := e.cache.get(k); ok {
		e.cache.set(held, en.expires, en.ttl)
		return
	}
	for e.cache.len() >= e.opts.MaxEntries {
		e.cache.remove(e.cache.first())
	}
	e.cache.add(k, en)
}

// sweep removes up to n entries that have expired by now, closest to
// expiry first (none under the ttl-never-expires fault).
func (e *Emulator) sweep(now time.Time, n int) {
	if e.fault(FaultTTLNeverExpires) {
		return
	}
	for ; n > 0; n-- {
		first := e.cache.first()
		if first == nil || now.Before(first.expires) {
			return
		}
		e.cache.remove(first)
	}
}
