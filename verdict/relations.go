package verdict

import (
	"fmt"
	"strings"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/usage"
)

// Hits infers which checkpoints of an observed call hit, from its usage.
// The hits of a call are always a leading run of its checkpoints (the
// cascade rule), so nothing read is no hit, a read of exactly the baseline
// (what the prime wrote) hits every checkpoint, and with two checkpoints a
// smaller read hits the first. It returns an error when the usage cannot
// say: a failed call, no baseline, a partial read with one checkpoint or
// three and more (the read does not tell where it stopped), or a read
// larger than the baseline.
func Hits(o Observation) ([]prefix.Layer, error) {
	cps, read, b := o.Checkpoints, o.Usage.Read, o.Baseline
	switch {
	case o.Err != nil:
		return nil, fmt.Errorf("the call failed: %w", o.Err)
	case len(cps) == 0:
		return nil, fmt.Errorf("the observation has no checkpoints")
	case b <= 0:
		return nil, fmt.Errorf("the observation has no baseline: set Baseline to the write of the call that primed the cache")
	case read == 0:
		return nil, nil
	case read == b:
		return cps, nil
	case read > b:
		return nil, fmt.Errorf("read %d is more than the %d-token prefix the prime wrote", read, b)
	case len(cps) == 2:
		return cps[:1], nil
	}
	return nil, fmt.Errorf("read %d of a %d-token prefix over %d checkpoints: a partial read does not say at which checkpoint it stopped", read, b, len(cps))
}

// Boundary is one step of a threshold check: a prefix measured at Prefix
// tokens through a single checkpoint, the model's minimum, and the side of
// the minimum the fixture aimed at.
type Boundary struct {
	Prefix, Min int
	// Below is true for the step aimed below the minimum.
	Below bool
	// Implicit is true for a model that may read from cache without an
	// explicit entry: a step that caches nothing may then still read.
	Implicit bool
}

// JudgeThreshold checks RuleThreshold on one boundary step: below the
// minimum nothing is read or written and the call succeeds; at or above it
// the prefix is written whole (within a run, exactly). A prefix that landed
// on the other side of the minimum than aimed makes the step inconclusive.
func JudgeThreshold(b Boundary, o Observation) Finding {
	r := matrix.RuleThreshold
	if o.Err != nil {
		return fail(r, "a %d-token prefix against a %d-token minimum must be accepted whatever its size; got error: %v", b.Prefix, b.Min, o.Err)
	}
	if f := JudgeUsage(o.Usage); !f.OK() {
		return f
	}
	u := o.Usage
	if b.Below {
		if b.Prefix >= b.Min {
			return Undecided(r, "the 'below' prefix measured %d tokens, not below the %d-token minimum; aim lower or recalibrate", b.Prefix, b.Min)
		}
		if u.Write != 0 || u.Read != 0 && !b.Implicit {
			return fail(r, "a %d-token prefix, below the %d-token minimum, must not be cached (read 0%s, write 0), and the request must succeed; observed %v", b.Prefix, b.Min, implicitNote(Expectation{Implicit: b.Implicit}), u)
		}
		return implicitly(pass(r, fmt.Sprintf("%d tokens, below the %d minimum, not cached", b.Prefix, b.Min)), u.Read)
	}
	if b.Prefix < b.Min {
		return Undecided(r, "the 'above' prefix measured %d tokens, below the %d-token minimum; aim higher", b.Prefix, b.Min)
	}
	if !WithinRun.Same(u.Write, b.Prefix) {
		return fail(r, "a %d-token prefix, above the %d-token minimum, must be written whole (write = %d); observed %v", b.Prefix, b.Min, b.Prefix, u)
	}
	return pass(r, fmt.Sprintf("%d tokens, above the %d minimum, written whole", b.Prefix, b.Min))
}

// JudgeMinimumReading tells which reading of the minimum the target applies
// to a request with two checkpoints, the first below the minimum and the
// whole prefix (Prefix tokens) above it: written whole (the minimum applies
// to the cumulative prefix, as current documentation says) or not cached
// (per checkpoint, as older documentation read). Either passes and the
// Reason says which; anything else fails RuleThreshold. A prefix outside
// [min, 2·min) cannot tell the readings apart: inconclusive.
func JudgeMinimumReading(b Boundary, o Observation) Finding {
	r := matrix.RuleThreshold
	if o.Err != nil {
		return fail(r, "two checkpoints over a %d-token prefix must be accepted; got error: %v", b.Prefix, o.Err)
	}
	if f := JudgeUsage(o.Usage); !f.OK() {
		return f
	}
	u := o.Usage
	switch {
	case b.Prefix < b.Min || b.Prefix >= 2*b.Min:
		return Undecided(r, "the prefix through the second checkpoint measured %d tokens; it must lie between the minimum %d and twice it to tell the readings apart", b.Prefix, b.Min)
	case WithinRun.Same(u.Write, b.Prefix):
		return pass(r, fmt.Sprintf("the minimum applies to the cumulative prefix (a %d-token prefix over two checkpoints was written)", b.Prefix))
	case u.Write == 0 && (u.Read == 0 || b.Implicit):
		return implicitly(pass(r, fmt.Sprintf("the minimum applies per checkpoint: a %d-token prefix over two checkpoints, each part below %d, was not cached", b.Prefix, b.Min)), u.Read)
	}
	return fail(r, "expected either the whole %d-token prefix written (cumulative minimum) or nothing (per-checkpoint minimum); observed %v", b.Prefix, u)
}

// JudgeParity checks RuleStreamParity: a streaming API (stream) reports the
// same input-side usage (read, write, input) as its non-streaming twin
// (unary) for the same request. Output may differ between two generations;
// it is held only to the totals, which Judge checks.
func JudgeParity(api matrix.API, unary, stream Observation) Finding {
	r := matrix.RuleStreamParity
	if stream.Err != nil {
		return fail(r, "the %s call failed: %v", api.Operation(), stream.Err)
	}
	ru, su := unary.Usage, stream.Usage
	if ru.Read != su.Read || ru.Write != su.Write || ru.Input != su.Input {
		return fail(r, "%s must report the same input-side usage as %s; %s %v, %s %v",
			api.Operation(), api.Unary().Operation(), api.Unary().Operation(), ru, api.Operation(), su)
	}
	return pass(r, fmt.Sprintf("%s reported the input-side usage of %s", api.Operation(), api.Unary().Operation()))
}

// JudgeTTLDetails checks RuleTTLDetails: the usage lists the whole write
// under ttl.
func JudgeTTLDetails(u usage.Usage, ttl matrix.TTL) Finding {
	got := u.WrittenWith(string(ttl))
	if got != u.Write || u.Write == 0 {
		return fail(matrix.RuleTTLDetails, "usage must list the whole write (%d) under ttl %s; observed %v", u.Write, ttl, u)
	}
	return pass(matrix.RuleTTLDetails, fmt.Sprintf("the %d-token write is listed under %s", u.Write, ttl))
}

// Straddle is a pair of threshold probes around one candidate minimum:
// the measured prefix and the observation of a call aimed just below it
// and of one aimed just above it.
type Straddle struct {
	// Min is the candidate minimum.
	Min int
	// BelowPrefix and AbovePrefix are the probes' measured prefixes.
	BelowPrefix, AbovePrefix int
	// Below and Above are the probes' observations.
	Below, Above Observation
}

// ResolveMinimum tells which of the minimums sources give for a model
// (matrix.Model.Minimums, the catalog's among them) the target applies,
// from a straddle of each: the one whose two probes both pass
// JudgeThreshold. The finding passes and names it (saying whether it is
// the catalog's value) when exactly one fits; a probe that landed on the
// wrong side makes it inconclusive; none or several fitting fail
// RuleThreshold, since the target then shows no documented minimum. It
// returns the minimum that fits, or zero.
func ResolveMinimum(catalog int, implicit bool, ss []Straddle) (int, Finding) {
	var fits []int
	var seen []string
	for _, s := range ss {
		below := JudgeThreshold(Boundary{Prefix: s.BelowPrefix, Min: s.Min, Below: true, Implicit: implicit}, s.Below)
		above := JudgeThreshold(Boundary{Prefix: s.AbovePrefix, Min: s.Min, Implicit: implicit}, s.Above)
		for _, f := range []Finding{below, above} {
			if f.Outcome == Inconclusive {
				return 0, f
			}
		}
		if below.OK() && above.OK() {
			fits = append(fits, s.Min)
		}
		seen = append(seen, fmt.Sprintf("around %d: %d tokens %s, %d tokens %s", s.Min,
			s.BelowPrefix, cachedWord(s.Below.Usage.Write), s.AbovePrefix, cachedWord(s.Above.Usage.Write)))
	}
	r := matrix.RuleThreshold
	if len(fits) != 1 {
		return 0, fail(r, "the target applies none of the documented minimums (exactly one must separate an uncached probe from a cached one): %s", strings.Join(seen, "; "))
	}
	which := "the catalog's (AWS) value"
	if fits[0] != catalog {
		which = fmt.Sprintf("another source's value, not the catalog's %d", catalog)
	}
	return fits[0], pass(r, fmt.Sprintf("disputed minimum measured: the target applies %d tokens, %s (%s)", fits[0], which, strings.Join(seen, "; ")))
}

// cachedWord says whether a probe was cached, from its write.
func cachedWord(write int) string {
	if write > 0 {
		return "cached"
	}
	return "not cached"
}

// Settle judges a call that tests a fact sources disagree on
// (matrix.Dispute) twice: catalog is its finding under the catalog's value,
// other under the other sources' value (matrix.Model.Otherwise). Either
// passing passes, and the Reason says which value the target shows; both
// failing fails under the catalog finding's rule with both reasons. It
// also reports whether the target showed the other value.
func Settle(fact matrix.Fact, catalog, other Finding) (Finding, bool) {
	switch {
	case catalog.OK():
		catalog.Reason = fmt.Sprintf("disputed %s measured: the target shows the catalog's (AWS) value; %s", fact, catalog.Reason)
		return catalog, false
	case other.OK():
		other.Reason = fmt.Sprintf("disputed %s measured: the target shows the other sources' value, not the catalog's; %s", fact, other.Reason)
		return other, true
	}
	return fail(catalog.Rule, "disputed %s: the target shows neither value. Under the catalog's: %s. Under the other sources': %s", fact, catalog.Reason, other.Reason), false
}
