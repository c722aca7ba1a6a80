package emulator

import (
	"fmt"
	"sort"
)

// Profile is a named deviation from the healthy emulator. A fault profile
// breaks exactly one documented rule, so that a verifier that fails to notice
// it is shown to be blind to that rule; a benign profile changes something a
// correct verifier must not depend on.
type Profile struct {
	// Name is what Options.Profiles and the -fault flag take.
	Name string `json:"name"`
	// Description says in one line what the profile changes (for a fault:
	// the rule it breaks).
	Description string `json:"description"`
	// Benign is true for profiles a correct verifier must still pass under.
	Benign bool `json:"benign"`
	// Noise is true for profiles that model the real service's documented
	// unreliability: a correct verifier must not call it a change of the
	// service, but a single run may see a spec fail under it (the nightly
	// tells such failures apart by running them again).
	Noise bool `json:"noise,omitempty"`
}

// Fault profile names.
const (
	FaultNoCascade                  = "no-cascade"
	FaultThresholdIgnored           = "threshold-ignored"
	FaultThresholdOff               = "threshold-off"
	FaultNovaAcceptsToolCheckpoints = "nova-accepts-tool-checkpoints"
	FaultTTLNeverExpires            = "ttl-never-expires"
	FaultNoRefreshOnHit             = "no-refresh-on-hit"
	FaultStreamDropsCacheUsage      = "stream-drops-cache-usage"
	FaultTotalsDontAddUp            = "totals-dont-add-up"
	FaultNoLookback                 = "no-lookback"
	FaultSharedCacheAcrossAccounts  = "shared-cache-across-accounts"
	FaultCheckpointLimitNotEnforced = "checkpoint-limit-not-enforced"
	FaultTTLOrderNotEnforced        = "ttl-order-not-enforced"
	FaultNovaAcceptsOneHour         = "nova-accepts-one-hour"
	FaultNothingToCacheAccepted     = "nothing-to-cache-accepted"
)

// Benign profile names.
const (
	BenignTokenizerRatio      = "tokenizer-ratio"
	BenignOtherReplyText      = "other-reply-text"
	BenignLatency             = "latency"
	BenignExtraResponseFields = "extra-response-fields"
	BenignImplicitReads       = "implicit-reads"
)

// Noise profile names.
const (
	NoiseRandomEvictions  = "random-evictions"
	NoiseExtraInputTokens = "extra-input-tokens"
)

// extraInputTokens is how many more input tokens the extra-input-tokens
// profile bills on every call.
const extraInputTokens = 40

// randomEvictionOdds is the random-evictions profile's chance (one in
// randomEvictionOdds) that a lookup that would hit finds its entry gone.
const randomEvictionOdds = 8

// thresholdOffBy is how far below the model's minimum the threshold-off
// fault caches.
const thresholdOffBy = 300

// benignCharsPerToken is the tokenizer ratio of the tokenizer-ratio profile.
const benignCharsPerToken = 3.3

var profiles = []Profile{
	{Name: FaultNoCascade, Description: "cascade broken: an entry is keyed by its own layer only, so a later layer's entry survives a change in an earlier layer"},
	{Name: FaultThresholdIgnored, Description: "minimum ignored: a checkpoint below the model's minimum prefix size is cached anyway"},
	{Name: FaultThresholdOff, Description: fmt.Sprintf("minimum off: the model's minimum is applied %d tokens too low", thresholdOffBy)},
	{Name: FaultNovaAcceptsToolCheckpoints, Description: "Nova rule broken: a cachePoint in toolConfig.tools is accepted (and cached) instead of a ValidationException"},
	{Name: FaultTTLNeverExpires, Description: "TTL broken: entries never expire"},
	{Name: FaultNoRefreshOnHit, Description: "TTL refresh broken: a hit does not reset the entry's TTL, it expires TTL after its write"},
	{Name: FaultStreamDropsCacheUsage, Description: "stream accounting broken: ConverseStream's metadata usage omits cacheReadInputTokens/cacheWriteInputTokens"},
	{Name: FaultTotalsDontAddUp, Description: "accounting broken: totalTokens = inputTokens + outputTokens, leaving out cache reads and writes"},
	{Name: FaultNoLookback, Description: "look-back broken: a miss at a checkpoint does not find an entry at an earlier block boundary"},
	{Name: FaultSharedCacheAcrossAccounts, Description: "isolation broken: one cache is shared by every account (access key or bearer token)"},
	{Name: FaultCheckpointLimitNotEnforced, Description: "limit broken: more than 4 checkpoints are accepted instead of a ValidationException"},
	{Name: FaultTTLOrderNotEnforced, Description: "TTL order broken: a ttl='1h' checkpoint after a ttl='5m' one is accepted (each cached for its own TTL) instead of a ValidationException"},
	{Name: FaultNovaAcceptsOneHour, Description: "Nova TTL rule broken: a 1h TTL is accepted (and cached as a 5m checkpoint, Nova's only TTL) instead of a ValidationException"},
	{Name: FaultNothingToCacheAccepted, Description: "empty-prefix rule broken: a cachePoint with nothing before it in its block list is accepted (and ignored) instead of a ValidationException"},
	{Name: FaultToolChoiceInvalidatesAll, Description: "toolChoice rule broken: a toolChoice change invalidates every entry on Claude too (documented: only the messages cache)"},
	{Name: FaultImagesIgnored, Description: "image rule broken: image blocks are left out of the prefix's identity, so adding or removing one keeps the messages cache"},
	{Name: FaultDocumentsIgnored, Description: "document rule broken: document blocks are left out of the prefix's identity, so adding one keeps the messages cache"},
	{Name: FaultMetadataInvalidates, Description: "requestMetadata rule broken: requestMetadata (an Anthropic body's metadata) is part of the prefix, so changing it invalidates every entry"},
	{Name: FaultInferenceInvalidates, Description: "inference-parameter rule broken: temperature and maxTokens are part of the prefix, so changing them invalidates every entry"},
	{Name: FaultToolOrderIgnored, Description: "tool-definition rule broken: the tools are hashed as a sorted set, so reordering them keeps every entry"},
	{Name: BenignTokenizerRatio, Description: fmt.Sprintf("another tokenizer: %.1f characters per token instead of 4", benignCharsPerToken), Benign: true},
	{Name: BenignOtherReplyText, Description: "another deterministic reply text (and so other output token counts)", Benign: true},
	{Name: BenignLatency, Description: "a small added delay before each response", Benign: true},
	{Name: BenignExtraResponseFields, Description: "unknown keys in responses and stream events, as a newer service might add", Benign: true},
	{Name: NoiseExtraInputTokens, Description: fmt.Sprintf("%d more input tokens billed on every call, as a service-side prompt change would (cache reads and writes unchanged): the nightly reports it as drift; specs that size a prefix by its input tokens turn inconclusive rather than guess", extraInputTokens), Noise: true},
	{Name: NoiseRandomEvictions, Description: fmt.Sprintf("best-effort caching (FACTS.md: \"doesn't guarantee that an eligible request results in a cache hit\"): one lookup in %d that would hit finds its entry gone and writes it anew, from a seeded generator so that a run repeats", randomEvictionOdds), Noise: true},
	{Name: BenignImplicitReads, Description: "implicit caching, as documented since 2026: a request that reads and writes nothing explicitly reads the longest prefix an earlier request sent (never reported as a write)", Benign: true},
}

func init() { profiles = append(profiles, noiseProfiles...) }

// Faults lists the fault profiles, sorted by name.
func Faults() []Profile {
	return listProfiles(func(p Profile) bool { return !p.Benign && !p.Noise })
}

// BenignProfiles lists the benign profiles, sorted by name.
func BenignProfiles() []Profile { return listProfiles(func(p Profile) bool { return p.Benign }) }

// NoiseProfiles lists the noise profiles, sorted by name.
func NoiseProfiles() []Profile { return listProfiles(func(p Profile) bool { return p.Noise }) }

func listProfiles(keep func(Profile) bool) []Profile {
	var out []Profile
	for _, p := range profiles {
		if keep(p) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupProfile returns the fault or benign profile with the given name.
func LookupProfile(name string) (Profile, bool) {
	for _, p := range profiles {
		if p.Name == name {
			return p, true
		}
	}
	return Profile{}, false
}
