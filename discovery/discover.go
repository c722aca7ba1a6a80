// Package discovery measures the prompt caching of a Bedrock model that is
// not yet in the catalog, through the real Go SDK (Converse, and
// CountTokens where the model supports it), and writes the catalog entry the
// measurements support, with the evidence for every field.
//
// Discover runs these steps against whatever endpoint the client resolves
// (AWS, AWS_ENDPOINT_URL_BEDROCK_RUNTIME, or the emulator), each probe with a
// fresh start of text (a random run nonce and a counter) so that no probe
// reads an entry another probe or an earlier run left:
//
//  1. answer: a plain Converse call; the base ID and every inference-profile
//     prefix (us., eu., apac., jp., au., global.) with the same call, for
//     the profiles the account reaches and whether the base ID needs one;
//     one CountTokens call to learn whether counting works.
//  2. layers: a small checkpoint in tools, in system and in messages; a
//     ValidationException means the layer does not accept one.
//  3. caches: a checkpoint over a prefix well above every known minimum
//     (4,608 tokens, then 16,384): the first call must write, the repeat
//     read. A model that rejects every checkpoint, or never writes, or
//     never reads what it wrote, does not cache.
//  4. minimum: bisection on the size of a prefix with a checkpoint between
//     a size that was not cached (512 first, halved down to 32 while it is
//     cached) and one that was, until the two are within MinPrecision of
//     each other; sizes are measured (a write is the prefix size; without
//     one, the prompt input+read+write less the tokens after the
//     checkpoint) and aimed with CountTokens where it works.
//  5. checkpoints: 4 small checkpoints, then 5 (up to 8 while accepted,
//     down to 1 while rejected).
//  6. ttl: a small checkpoint with an explicit ttl "5m" (some report that
//     Nova rejects any explicit ttl), then one with ttl "1h" over a
//     cacheable prefix: accepted and reported under usage.cacheDetails with
//     ttl 1h.
//  7. automatic (Claude only): an InvokeModel Anthropic body with a
//     top-level cache_control (automatic caching), which the legacy
//     integration rejects.
//  8. implicit: one large request without any checkpoint, twice: a read on
//     the second means implicit caching.
//  9. look-back: a prefix written at a checkpoint, then requests that
//     extend it by k distinct small blocks with one checkpoint at the end:
//     a read means a look-back of at least k; k = 64, then 1, then
//     bisection between.
//  10. cap (only with Options.CapProbe): a checkpoint over CapProbe tokens;
//     not cached, bisection down to the largest size cached.
//
// Every call counts against MaxConverseCalls and MaxCountCalls (plus
// MaxCapCalls and MaxCapCountCalls with CapProbe).
package discovery

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/usage"
)

// The most calls of each step, and so of one model. A step that would send
// more stops the model with an error; the tests hold every model under them.
const (
	answerCalls     = 2 + 6     // the ID, its base ID and each of the six profile prefixes
	layerCalls      = 4         // three layers and a control without the tool checkpoint
	cacheCalls      = 3         // two sizes and a repeat
	minLadderCalls  = 5         // 512 down to 32
	minBisectCalls  = 16        // halving the interval
	checkpointCalls = 5         // 4, 5 and up to 8, or down to 1
	ttlCalls        = 2         // an explicit 5m, then 1h
	lookBackCalls   = 1 + 2 + 6 // the base, k = 64 and k = 1, then log2(64) halvings
	implicitCalls   = 2
	automaticCalls  = 1 // InvokeModel, counted with the Converse calls
	// MaxConverseCalls is the most Converse calls (and the one InvokeModel
	// call) Discover sends for one model.
	MaxConverseCalls = answerCalls + layerCalls + cacheCalls + minLadderCalls + minBisectCalls +
		checkpointCalls + ttlCalls + automaticCalls + lookBackCalls + implicitCalls
	// maxCountsPerProbe is the most CountTokens calls that aim one probe.
	maxCountsPerProbe = 3
	// sizedProbes is the most probes aimed at a size: the cache check, the
	// minimum, ttl 1h, implicit and look-back.
	sizedProbes = 2 + minLadderCalls + minBisectCalls + 1 + 1 + 1
	// MaxCountCalls is the most CountTokens calls Discover sends for one
	// model (they are free of charge); a cap probe adds
	// MaxCapCountCalls.
	MaxCountCalls = 1 + maxCountsPerProbe*sizedProbes
	// MaxCapCountCalls is the most CountTokens calls a cap probe adds.
	MaxCapCountCalls = maxCountsPerProbe * MaxCapCalls
)

// MinPrecision is how close the sizes bracketing the minimum must come,
// relative to the larger: the minimum is reported within it (the issue asks
// for 2%).
const MinPrecision = 0.005

// Options configures Discover.
type Options struct {
	// Prices prices the calls; nil leaves the cost unknown and the entry's
	// prices a placeholder.
	Prices *matrix.Prices
	// Progress receives a line per call; nil is quiet.
	Progress io.Writer
	// Endpoint names where the calls went, for the entry's note.
	Endpoint string
	// Now dates the entry's note; zero means time.Now.
	Now time.Time
	// Nonce starts every probe's text; "" draws a random one.
	Nonce string
	// CapProbe, when positive, measures a cap on the cached prefix with a
	// probe of that many tokens (and up to MaxCapCalls calls); 0 leaves
	// maxCachedTokens unmeasured.
	CapProbe int
}

// Evidence says how one field of the entry was decided.
type Evidence struct {
	// Field is the catalog field ("minTokens") or another finding
	// ("countTokens").
	Field string `json:"field"`
	// Value is the value found, as it appears in the entry.
	Value string `json:"value"`
	// How says what decided it, in a sentence.
	How string `json:"how"`
	// Calls are the numbers of the calls that decided it.
	Calls []int `json:"calls,omitempty"`
}

// Totals sums a model's calls.
type Totals struct {
	// Converse counts the Converse calls.
	Converse int `json:"converse"`
	// CountTokens counts the CountTokens calls.
	CountTokens int `json:"countTokens"`
	// InvokeModel counts the InvokeModel calls (at most one).
	InvokeModel int `json:"invokeModel"`
	// ConverseBound is the most Converse and InvokeModel calls the model
	// could have taken (MaxConverseCalls, plus MaxCapCalls with a cap
	// probe).
	ConverseBound int `json:"converseBound"`
	// CountBound is the most CountTokens calls it could have taken.
	CountBound int `json:"countBound"`
	// Usage sums the usage of every Converse and InvokeModel call.
	Usage usage.Usage `json:"usage"`
	// CostUSD is what the calls cost at Options.Prices; nil when unknown.
	CostUSD *float64 `json:"costUsd,omitempty"`
	// CostNote says why the cost is unknown, or which prices it used.
	CostNote string `json:"costNote"`
}

// Result is what Discover found about one model.
type Result struct {
	// ModelID is the ID asked about.
	ModelID string `json:"modelId"`
	// Invoked is the ID the measurements used: ModelID, or the first
	// inference profile that answered when ModelID did not.
	Invoked string `json:"invoked,omitempty"`
	// Answers reports whether the model answered a plain Converse call.
	Answers bool `json:"answers"`
	// Caches reports whether a checkpoint was written and then read.
	Caches bool `json:"caches"`
	// CountTokens reports whether CountTokens counted the model's requests.
	CountTokens bool `json:"countTokens"`
	// Entry is the catalog entry the measurements support; nil when the
	// model does not cache.
	Entry *matrix.Model `json:"entry,omitempty"`
	// CatalogCheck is "ok" when the entry passes the catalog's own check,
	// else what it says (placeholder prices fail it).
	CatalogCheck string `json:"catalogCheck,omitempty"`
	// Catalogued names the catalog entry the model already has, if any.
	Catalogued string `json:"catalogued,omitempty"`
	// Differences says how the measured fields differ from that entry
	// (a go-cmp diff, -catalog +measured); "" when they agree.
	Differences string `json:"differences,omitempty"`
	// Evidence says how each field was decided.
	Evidence []Evidence `json:"evidence"`
	// Calls lists every call, in order.
	Calls []Call `json:"calls"`
	// Totals sums the calls, their tokens and their cost.
	Totals Totals `json:"totals"`
	// Failure says why the measurement stopped early (throttling, missing
	// access, an unreachable endpoint), with what to do; "" when it ran
	// to the end.
	Failure string `json:"failure,omitempty"`
}

// Status classes a Result.
type Status int

// The statuses, in increasing gravity.
const (
	// Cached: the model caches and every step ran.
	Cached Status = iota
	// NotCached: the model does not answer, or does not cache.
	NotCached
	// Failed: the measurement stopped on an error.
	Failed
)

// Status classes the result.
func (r *Result) Status() Status {
	switch {
	case r.Failure != "":
		return Failed
	case !r.Caches:
		return NotCached
	}
	return Cached
}

// state is what the steps learn and pass on beside the Result.
type state struct {
	*prober
	res *Result
	// entry is the catalog entry being filled.
	entry matrix.Model
	// layer is where sized probes put their prefix: system, or messages
	// when system takes no checkpoint.
	layer prefix.Layer
	// sizes aims probes; see sizer.
	sizes sizer
	// rest is the tokens after a probe's checkpoint (the instruction and
	// the model's fixed tail), known (restKnown) once a probe was cached;
	// countOffset is what usage adds to CountTokens' count.
	rest, countOffset int
	restKnown         bool
	// large is the cache check's cached probe; misses are the probes of
	// the check that were not cached.
	large  probe
	misses []probe
	// minHi is the smallest prefix measured to be cached.
	minHi int
	// capProbe is Options.CapProbe.
	capProbe int
	// stop ends the steps without an error (the model does not cache).
	stop bool
}

// step is one measurement.
type step struct {
	name string
	run  func(*state) error
}

// steps are the measurements, in order.
var steps = []step{
	{"answer", (*state).answer},
	{"layers", (*state).layers},
	{"caches", (*state).caches},
	{"minimum", (*state).minimum},
	{"checkpoints", (*state).checkpoints},
	{"ttl", (*state).ttl},
	{"automatic", (*state).automatic},
	{"implicit", (*state).implicit},
	{"look-back", (*state).lookBack},
	{"cap", (*state).maxCached},
}

// Discover measures the model's prompt caching through c. It never panics
// and always returns a Result; a measurement that stopped on an error says
// why in Failure.
func Discover(ctx context.Context, c Client, modelID string, o Options) (res *Result) {
	res = &Result{ModelID: modelID}
	if o.Nonce == "" {
		o.Nonce = newNonce()
	}
	p := &prober{ctx: ctx, client: c, model: modelID, nonce: o.Nonce, progress: o.Progress,
		converseBound: MaxConverseCalls, countBound: MaxCountCalls}
	if o.CapProbe > 0 {
		p.converseBound, p.countBound = p.converseBound+MaxCapCalls, p.countBound+MaxCapCountCalls
	}
	s := &state{prober: p, res: res, capProbe: o.CapProbe}
	defer func() {
		if v := recover(); v != nil {
			res.Failure = fmt.Sprintf("discover: internal error: %v", v)
		}
		res.Calls = s.calls
		res.Totals = totals(s.calls, invokedPrices(o.Prices, res.Invoked))
		res.Totals.ConverseBound, res.Totals.CountBound = p.converseBound, p.countBound
	}()
	for _, st := range steps {
		if err := st.run(s); err != nil {
			res.Failure = fmt.Sprintf("%s: %v", st.name, err)
			if h := hint(err); h != "" {
				res.Failure += " (" + h + ")"
			}
			break
		}
		if s.stop {
			break
		}
	}
	if res.Caches {
		s.finishEntry(o)
	}
	return res
}

// invokedPrices returns the prices of calls through the invoked ID (with
// the regional premium of a geographic or in-Region profile), nil for
// none.
func invokedPrices(p *matrix.Prices, invoked string) *matrix.Prices {
	if p == nil {
		return nil
	}
	q := p.For(matrix.ProfileKindOf(invoked))
	return &q
}

// note adds evidence for a field.
func (s *state) note(field, value, how string, calls ...int) {
	var ns []int
	for _, n := range calls {
		if n > 0 {
			ns = append(ns, n)
		}
	}
	s.res.Evidence = append(s.res.Evidence, Evidence{Field: field, Value: value, How: how, Calls: ns})
}
