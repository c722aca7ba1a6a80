package matrix

// Rule identifies one documented rule of Bedrock prompt caching. Every check
// the suites make is judged against exactly one rule, and every finding,
// report row and mutation verdict names it by this ID, never by the wording
// of a message.
type Rule string

// The rules the service enforces by rejecting a request; Validate predicts
// them.
const (
	// RuleNovaToolCheckpoint: Nova rejects a checkpoint in toolConfig.tools.
	RuleNovaToolCheckpoint Rule = "nova-tool-checkpoint"
	// RuleLayerNotCacheable: a checkpoint in a layer the model does not
	// cache (other than Nova's tools, which has its own rule).
	RuleLayerNotCacheable Rule = "layer-not-cacheable"
	// RuleExtendedTTLNotAnthropic: a one-hour TTL on a non-Anthropic model.
	RuleExtendedTTLNotAnthropic Rule = "extended-ttl-not-anthropic"
	// RuleTTLNotSupported: a TTL on a Claude model without one-hour caching.
	RuleTTLNotSupported Rule = "ttl-not-supported"
	// RuleUnknownTTL: a TTL other than "5m" and "1h". The service's
	// message is not documented, so the prediction carries none.
	RuleUnknownTTL Rule = "unknown-ttl"
	// RuleTooManyCheckpoints: more checkpoints than the model allows (and
	// as many as it allows are accepted).
	RuleTooManyCheckpoints Rule = "too-many-checkpoints"
	// RuleNothingToCache: a checkpoint with no block before it in its list.
	RuleNothingToCache Rule = "nothing-to-cache"
	// RuleAfterReasoning: a checkpoint straight after a reasoning block.
	RuleAfterReasoning Rule = "after-reasoning"
	// RuleTTLOrder: a one-hour checkpoint after a five-minute one.
	RuleTTLOrder Rule = "ttl-order"
)

// The request rules of 2026 (shared/FACTS.md, "2026 update"), which the
// service also enforces by rejecting a request; Validate predicts them.
const (
	// RuleAutomaticCaching: a top-level cache_control in the Anthropic
	// InvokeModel body (automatic caching) is accepted on current Claude
	// models and rejected on the legacy integration (Opus 4.6 and
	// earlier).
	RuleAutomaticCaching Rule = "automatic-caching"
	// RuleAnthropicVersion: an Anthropic body's anthropic_version must be
	// "bedrock-2023-05-31", or the SDKs' "2026-10-21" on current models.
	RuleAnthropicVersion Rule = "anthropic-version"
	// RuleDocumentCheckpoint: on Claude, a checkpoint right after a
	// document that is not a PDF is rejected.
	RuleDocumentCheckpoint Rule = "document-checkpoint"
	// RuleReasoningEarlierTurn: a checkpoint in a message after an
	// assistant turn that holds a reasoning block is rejected, as one
	// right after the reasoning block is.
	RuleReasoningEarlierTurn Rule = "reasoning-earlier-turn"
	// RuleExplicitTTL: a model reported to reject any explicit ttl (Nova,
	// by two codebases, unconfirmed: see Model.RejectsExplicitTTL) rejects
	// even "5m". The service's message is not known, so the prediction
	// carries none.
	RuleExplicitTTL Rule = "explicit-ttl"
)

// The rules of what an accepted request does with the cache, which the
// verdict package judges from usage.
const (
	// RuleUsageReported: a response reports its usage, and totalTokens =
	// inputTokens + outputTokens + cacheReadInputTokens +
	// cacheWriteInputTokens.
	RuleUsageReported Rule = "usage-reported"
	// RuleNoCheckpoint: a request without a checkpoint writes nothing (an
	// implicit read is allowed where the model caches implicitly).
	RuleNoCheckpoint Rule = "no-checkpoint-no-write"
	// RulePrime: the first call of a sequence writes the prefix through its
	// last checkpoint and reads nothing.
	RulePrime Rule = "prime-writes"
	// RuleRepeat: a repeat inside the TTL reads exactly what the first call
	// wrote, and writes nothing.
	RuleRepeat Rule = "repeat-reads"
	// RuleCascade: a change in a layer misses every checkpoint at or after
	// it and still hits every checkpoint before it (tools → system →
	// messages).
	RuleCascade Rule = "cascade"
	// RuleThreshold: a prefix below the model's minimum is not cached (and
	// the request succeeds); one at or above it is written whole.
	RuleThreshold Rule = "threshold"
	// RuleTTLExpiry: an entry is gone once its TTL has passed since it was
	// last written or read.
	RuleTTLExpiry Rule = "ttl-expiry"
	// RuleTTLRefresh: each hit refreshes an entry's TTL.
	RuleTTLRefresh Rule = "ttl-refresh"
	// RuleTTLDetails: usage lists a write under the TTL it was made with
	// (cacheDetails, Anthropic's cache_creation).
	RuleTTLDetails Rule = "ttl-details"
	// RuleStreamParity: a streaming API reports the same input-side usage
	// as its non-streaming twin for the same request.
	RuleStreamParity Rule = "stream-parity"
	// RuleLookBack: a checkpoint finds an entry written at an earlier block
	// boundary (about 20 blocks back on Claude), so each conversation turn
	// reads what the previous turn cached and writes only the new part.
	RuleLookBack Rule = "look-back"
	// RuleIsolation: one account never reads another account's entries.
	RuleIsolation Rule = "isolation"
	// RuleDeterminism: the same logical request serializes to the same
	// prompt-bearing bytes every time.
	RuleDeterminism Rule = "determinism"
	// RuleHygiene: no cassette holds a credential, and every cassette says
	// where it came from.
	RuleHygiene Rule = "hygiene"
	// RuleImplicitRead: a read with no explicit entry to read (no
	// checkpoint, or none cacheable) on a model that caches implicitly is
	// the service's best-effort implicit caching: reported apart with its
	// tokens and cost, never taken for a hit or a broken cascade; a write
	// where none may happen still fails its rule.
	RuleImplicitRead Rule = "implicit-read"
	// RuleLifecycle: an end-of-life model answers every call with a 404
	// ResourceNotFoundException, so runs against a target leave it out;
	// a gated model runs only when asked for.
	RuleLifecycle Rule = "lifecycle"
)

// RuleInfo documents a rule.
type RuleInfo struct {
	// Rule is the rule's ID.
	Rule Rule
	// Rejects is true for the rules the service enforces with an error.
	Rejects bool
	// Summary states the rule in one sentence.
	Summary string
}

// Rules lists every rule, each once, in the order reports show them. A rule
// constant missing here fails this package's tests.
var Rules = []RuleInfo{
	{RuleUsageReported, false, "A response reports its usage, and totalTokens is input + output + cache read + cache write."},
	{RuleNoCheckpoint, false, "Without a checkpoint nothing is written (an implicit read is allowed where the model caches implicitly)."},
	{RulePrime, false, "The first call writes the prefix through its last checkpoint and reads nothing."},
	{RuleRepeat, false, "A repeat inside the TTL reads exactly what the first call wrote."},
	{RuleCascade, false, "A change misses every checkpoint at or after its layer and hits every one before it (tools → system → messages)."},
	{RuleThreshold, false, "A prefix below the model's minimum is not cached and the call succeeds; one above it is written whole."},
	{RuleTTLExpiry, false, "An entry expires once its TTL has passed since its last write or read."},
	{RuleTTLRefresh, false, "Each hit refreshes an entry's TTL."},
	{RuleTTLDetails, false, "Usage lists each write under the TTL it was made with."},
	{RuleStreamParity, false, "A streaming API reports the same input-side usage as its non-streaming twin."},
	{RuleLookBack, false, "A checkpoint finds entries at earlier block boundaries, so each turn reads the previous turn's prefix."},
	{RuleIsolation, false, "One account never reads another account's entries."},
	{RuleDeterminism, false, "The same logical request serializes to the same prompt-bearing bytes."},
	{RuleHygiene, false, "No cassette holds a credential, and the manifest names every cassette's source."},
	{RuleImplicitRead, false, "A read without an explicit entry on a model that caches implicitly is reported apart, never as a hit or a broken cascade."},
	{RuleLifecycle, false, "An end-of-life model answers 404 and leaves runs against a target; a gated model runs only when asked for."},
	{RuleNovaToolCheckpoint, true, "Nova rejects a checkpoint in toolConfig.tools."},
	{RuleLayerNotCacheable, true, "A checkpoint in a layer the model does not cache is rejected."},
	{RuleExtendedTTLNotAnthropic, true, "A one-hour TTL on a non-Anthropic model is rejected."},
	{RuleTTLNotSupported, true, "A TTL on a Claude model without one-hour caching is rejected."},
	{RuleUnknownTTL, true, "A TTL other than 5m and 1h is rejected."},
	{RuleTooManyCheckpoints, true, "More checkpoints than the model allows are rejected; as many as it allows are accepted."},
	{RuleNothingToCache, true, "A checkpoint with nothing before it is rejected."},
	{RuleAfterReasoning, true, "A checkpoint right after a reasoning block is rejected."},
	{RuleTTLOrder, true, "A one-hour checkpoint after a five-minute one is rejected."},
	// The request rules of 2026.
	{RuleAutomaticCaching, true, "A top-level cache_control (automatic caching) is accepted on current Claude models and rejected on the legacy integration."},
	{RuleAnthropicVersion, true, "An Anthropic body takes anthropic_version bedrock-2023-05-31, and 2026-10-21 only on current Claude models."},
	{RuleDocumentCheckpoint, true, "On Claude, a checkpoint right after a non-PDF document is rejected."},
	{RuleReasoningEarlierTurn, true, "A checkpoint after an earlier assistant turn's reasoning block is rejected."},
	{RuleExplicitTTL, true, "Where a model rejects any explicit ttl (disputed for Nova), even 5m is rejected."},
	// What each kind of change invalidates (ChangeRules).
	{RuleChangeToolDefinition, false, "A change to a tool definition (schema, description, order) invalidates the whole cache."},
	{RuleChangeToolChoice, false, "On Claude a toolChoice change invalidates only the messages cache (Nova: measured)."},
	{RuleChangeImage, false, "Adding or removing an image invalidates only the messages cache (Nova: measured)."},
	{RuleChangeDocument, false, "A document added to a user turn invalidates only the messages cache."},
	{RuleChangeThinking, false, "A change of the thinking parameters invalidates only the messages cache (Bedrock: measured)."},
	{RuleChangeNotPrompt, false, "Inference parameters and requestMetadata invalidate nothing."},
}

// Info returns the documentation of rule r, and false for an unknown rule.
func (r Rule) Info() (RuleInfo, bool) {
	for _, i := range Rules {
		if i.Rule == r {
			return i, true
		}
	}
	return RuleInfo{}, false
}
