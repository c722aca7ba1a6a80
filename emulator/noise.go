package emulator

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/cachecascade/cachecascade/prefix"
)

// The noise profiles of the real service's documented unreliability. Each
// is benign (a correct verifier must not call it a change of the service),
// combinable with any other profile, and seeded (Options.NoiseSeed), so
// that a run repeats call for call.
const (
	// NoiseRouting models cross-region inference: "inference profiles
	// route a call to one of several Regions, each with its own cache"
	// (FACTS.md: "Most are called through inference profiles: `us.`,
	// `eu.`, `apac.`, `jp.`, `global.` + base ID"; "at times of high
	// demand cross-region routing may cause extra writes"). A call through
	// an inference profile ID lands in one of Options.Regions, drawn by
	// their weights; each Region has its own cache. An in-Region ID
	// always lands in the first (home) Region.
	NoiseRouting = "routing"
	// NoiseImplicit models implicit caching (FACTS.md: "Amazon Bedrock
	// and the model automatically attempt to reuse eligible prompt
	// prefixes. No cache controls or breakpoints are required." ... "so
	// `cacheReadInputTokens` can be > 0 on a request with **no**
	// checkpoint"): the implicit-reads behaviour, as noise.
	NoiseImplicit = "implicit"
	// NoiseExtraWrites models best-effort caching (FACTS.md: Explicit
	// caching "doesn't guarantee that an eligible request results in a
	// cache hit"; "at times of high demand cross-region routing may cause
	// extra writes"): now and then, on any ID, a call that would hit finds
	// its entry gone and writes it again. A hit never also bills a write:
	// that stays a fault.
	NoiseExtraWrites = "extra-writes"
	// NoiseDrift models token counts moving between days (FACTS.md / DESIGN.md:
	// "a boundary that moved by one token between days, write 1503 vs read
	// 1504"): the system prompt's count (and so every prefix through it)
	// moves by the same -1, 0 or +1 for the whole run, drawn from Options.NoiseSeed and the model, so
	// that two runs with different seeds differ by at most one token per
	// count and a run agrees with itself.
	NoiseDrift = "drift"
)

// DefaultRegionWeights are the Regions of the routing profile when
// Options.Regions is empty: the home Region takes most calls and two
// others the rest (FACTS.md: "at times of high demand"): a repeat lands
// away from its first call's Region about one time in five. Heavier
// routing is a flag away (-regions, Options.Regions); the suites survive
// four equal Regions too (suites/framework's replay test).
var DefaultRegionWeights = []float64{0.9, 0.05, 0.05}

// DefaultExtraWriteOdds is the extra-writes profile's chance, one in
// DefaultExtraWriteOdds, that a lookup that would hit finds its entry gone.
const DefaultExtraWriteOdds = 12

// noiseProfiles are the profiles of this file, appended to profiles.
var noiseProfiles = []Profile{
	{Name: NoiseRouting, Noise: true, Description: "cross-region inference (FACTS.md: calls \"are called through inference profiles: `us.`, `eu.`, `apac.`, `jp.`, `global.` + base ID\"; \"at times of high demand cross-region routing may cause extra writes\"): a call through an inference profile lands in one of N Regions (Options.Regions weights, default 0.9/0.05/0.05; seeded by Options.NoiseSeed), each with its own cache; an in-Region ID always lands in the home Region"},
	{Name: NoiseImplicit, Noise: true, Description: "implicit caching (FACTS.md: \"No cache controls or breakpoints are required.\" ... \"`cacheReadInputTokens` can be > 0 on a request with **no** checkpoint\"): a request that reads and writes nothing explicitly reads the longest prefix an earlier such request sent, never reported as a write"},
	{Name: NoiseExtraWrites, Noise: true, Description: fmt.Sprintf("best-effort caching (FACTS.md: explicit caching \"doesn't guarantee that an eligible request results in a cache hit\"; \"cross-region routing may cause extra writes\"): one lookup in %d (Options.ExtraWriteOdds) that would hit, on any ID, finds its entry gone and writes it again; never a hit that also writes (seeded by Options.NoiseSeed)", DefaultExtraWriteOdds)},
	{Name: NoiseDrift, Noise: true, Description: "token counts moving between days (FACTS.md: a boundary moved by one token between days, write 1503 vs read 1504): the system prompt's token count, and so every prefix through it, moves by the same -1, 0 or +1 for the whole run, drawn from Options.NoiseSeed and the model; within a run nothing moves"},
}

// initNoise validates and fills in the noise options.
func (e *Emulator) initNoise(opts *Options) error {
	if len(opts.Regions) == 0 {
		opts.Regions = append([]float64(nil), DefaultRegionWeights...)
	}
	sum := 0.0
	for _, w := range opts.Regions {
		if !(w >= 0) || w > 1e9 { // NaN is not >= 0
			return fmt.Errorf("emulator: Regions: every weight must be a non-negative number, got %v", opts.Regions)
		}
		sum += w
	}
	if !(sum > 0) {
		return fmt.Errorf("emulator: Regions: the weights must add up to more than 0, got %v", opts.Regions)
	}
	if opts.ExtraWriteOdds < 0 {
		return fmt.Errorf("emulator: ExtraWriteOdds must be at least 1 (one lookup in ExtraWriteOdds), got %d", opts.ExtraWriteOdds)
	}
	if opts.ExtraWriteOdds == 0 {
		opts.ExtraWriteOdds = DefaultExtraWriteOdds
	}
	return nil
}

// ParseRegionWeights reads Region weights as flags and environment
// variables give them: comma-separated non-negative numbers ("0.8,0.1,0.1").
func ParseRegionWeights(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		w, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || !(w >= 0) {
			return nil, fmt.Errorf("emulator: Region weights %q: want comma-separated non-negative numbers such as 0.8,0.1,0.1", s)
		}
		out = append(out, w)
	}
	return out, nil
}

// drawKey names one of a request's draws from the noise profiles: what
// is drawn and the request's identity (account, model and prefix).
type drawKey struct {
	kind string
	id   [32]byte
}

// draw returns a number in [0, 1) for the nth draw of kind by the request
// identified by id, from Options.NoiseSeed, kind, id and n: the noise a
// request meets depends on the seed and on how many times it was sent,
// not on the order the requests of a run arrive in (specs run in a random
// order, over several processes), so that a seed repeats a run. e.mu must
// be held.
func (e *Emulator) draw(kind string, id [32]byte) float64 {
	k := drawKey{kind, id}
	n := e.draws[k]
	e.draws[k] = n + 1
	var buf [8 + 8]byte
	binary.BigEndian.PutUint64(buf[:8], e.opts.NoiseSeed)
	binary.BigEndian.PutUint64(buf[8:], n)
	h := sha256.New()
	h.Write(buf[:])
	h.Write([]byte(kind))
	h.Write(id[:])
	var sum [32]byte
	h.Sum(sum[:0])
	return float64(binary.BigEndian.Uint64(sum[:8])>>11) / (1 << 53)
}

// requestID identifies a request for draw: its account, model and whole
// prefix.
func requestID(s cacheScope) [32]byte {
	h := sha256.New()
	h.Write([]byte(s.account))
	h.Write([]byte{0})
	h.Write([]byte(s.model))
	h.Write([]byte{0})
	last := s.hashes[len(s.hashes)-1]
	h.Write(last[:])
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// region returns the Region a call lands in: 0 (home) for an in-Region
// ID or without the routing profile, else one drawn by the weights; e.mu
// must be held.
func (e *Emulator) region(viaProfile bool, id [32]byte) int {
	if !viaProfile || !e.fault(NoiseRouting) {
		return 0
	}
	ws := e.opts.Regions
	sum := 0.0
	for _, w := range ws {
		sum += w
	}
	x := e.draw("region", id) * sum
	for i, w := range ws {
		if x < w {
			return i
		}
		x -= w
	}
	return len(ws) - 1
}

// regionAccount scopes an account's cache to a Region: the home Region
// keeps the account as it is, so that without routing nothing changes.
func regionAccount(account string, region int) string {
	if region == 0 {
		return account
	}
	return account + "@region-" + strconv.Itoa(region)
}

// extraWrite reports whether a lookup that would hit finds its entry gone
// (the random-evictions or the extra-writes profile); e.mu must be held.
func (e *Emulator) extraWrite(id [32]byte) bool {
	if e.fault(NoiseRandomEvictions) && e.draw("evict", id) < 1/float64(randomEvictionOdds) {
		return true
	}
	return e.fault(NoiseExtraWrites) && e.draw("extra-write", id) < 1/float64(e.opts.ExtraWriteOdds)
}

// implicitReads reports whether implicit caching is on (the benign
// implicit-reads or the noise implicit profile).
func (e *Emulator) implicitReads() bool {
	return e.fault(BenignImplicitReads) || e.fault(NoiseImplicit)
}

// driftOf returns the drift profile's move of model's token counts: -1, 0
// or +1, the same for the whole run.
func (e *Emulator) driftOf(model string) int {
	if !e.fault(NoiseDrift) {
		return 0
	}
	var seed [8]byte
	binary.BigEndian.PutUint64(seed[:], e.opts.NoiseSeed)
	h := sha256.Sum256(append(seed[:], model...))
	return int(h[0]%3) - 1
}

// applyDrift moves the counts of p by the model's drift: the first system
// block's size moves, so that every prefix through it (and the prompt)
// moves by the same amount, a prefix without it does not, and sizes stay
// additive (a tail measured without a system prompt stays the tail).
func (e *Emulator) applyDrift(spec *modelSpec, r *request, p *prefixInfo) {
	d := e.driftOf(spec.id)
	if d == 0 {
		return
	}
	for i, b := range r.blocks {
		if b.layer != prefix.System {
			continue
		}
		for j := i + 1; j < len(p.tokens); j++ {
			p.tokens[j] += d
		}
		p.prompt += d
		return
	}
}

// viaProfile reports whether a model identifier names an inference
// profile (a prefixed ID or an inference-profile ARN).
func viaProfile(modelID string) bool {
	ref, ok := parseModelID(modelID)
	return ok && ref.profile != ""
}
