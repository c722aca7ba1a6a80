package emulator

import (
	"net/url"
	"slices"
	"strings"
)

// modelSpec is one row of the emulator's own model table: the service's
// truth as FACTS.md records it. It is deliberately independent of the matrix
// catalog so that each can catch the other.
type modelSpec struct {
	// id is the base model ID.
	id string
	// family is "claude", "nova" or "other"; it selects family-specific
	// behaviour (error texts, look-back, where toolChoice enters the prefix).
	family string
	// caching reports whether explicit cachePoint checkpoints are supported.
	caching bool
	// minTokens is the minimum cacheable prefix.
	minTokens int
	// maxCheckpoints is the largest number of cachePoint blocks accepted.
	maxCheckpoints int
	// toolCheckpoints reports whether a cachePoint in toolConfig.tools is accepted.
	toolCheckpoints bool
	// ttl1h reports whether cachePoint.ttl is accepted (and "1h" honoured).
	ttl1h bool
	// lookBack is how many block boundaries before a checkpoint are searched
	// for an existing entry on a miss (0: none).
	lookBack int
	// maxCachedTokens caps the prefix a checkpoint may cache (0: no cap).
	maxCachedTokens int
	// tailTokens is the per-request prompt overhead after the last block
	// (the assistant turn header) that is never cached: it is why inputTokens
	// stays at 2-3 on Claude even with the checkpoint at the very end.
	tailTokens int
	// contextTokens is the model's context window.
	contextTokens int
	// profiles are the inference-profile prefixes (without the dot) under
	// which the model is served; empty means in-Region only (base ID).
	profiles []string
	// profileOnly makes the bare base ID answer the on-demand-throughput
	// ValidationException; only inference profiles work.
	profileOnly bool
	// lifecycle is LifecycleActive, LifecycleLegacy, LifecycleGated or
	// LifecycleEndOfLife; end of life makes every call answer the
	// ResourceNotFoundException.
	lifecycle string
	// countTokens reports whether CountTokens answers for the bare base ID
	// (it never does for an inference profile).
	countTokens bool
	// legacyIntegration marks the Claude models of the legacy Bedrock
	// integration (up to and including Opus 4.6), on which a top-level
	// cache_control in the Anthropic InvokeModel body is a 400.
	legacyIntegration bool
	// rejectsExplicitTTL rejects a checkpoint with any explicit ttl, even
	// "5m", as two codebases report of Nova (unconfirmed; no built-in
	// model does it, a models file can).
	rejectsExplicitTTL bool
	// implicitCaching reports whether the service may reuse cached prefixes
	// without checkpoints (Claude and Nova caching models).
	implicitCaching bool
	// cacheDetails reports whether usage carries cacheDetails.
	cacheDetails bool
	// toolChoiceInMessages reports whether toolConfig.toolChoice (and the
	// additional model request fields) enter the prefix at the start of the
	// messages layer (Claude: a toolChoice change invalidates only the
	// messages cache) rather than before the tools (Nova: it invalidates
	// everything).
	toolChoiceInMessages bool
}

// claude is a Claude caching model of 2025 or earlier: served by base ID
// and under every inference-profile prefix, on the legacy integration.
func claude(id string, minTokens int, ttl1h bool) *modelSpec {
	return &modelSpec{
		id: id, family: FamilyClaude, caching: true, minTokens: minTokens, maxCheckpoints: 4,
		toolCheckpoints: true, ttl1h: ttl1h, lookBack: 20, tailTokens: 3,
		contextTokens: 200000, cacheDetails: true, toolChoiceInMessages: true,
		profiles: profilePrefixes, lifecycle: LifecycleActive, legacyIntegration: true, implicitCaching: true,
	}
}

// claudeProfiled is a Claude model of 2026 or later: no date and no ":0"
// in its ID, reachable only through inference profiles, off the legacy
// integration.
func claudeProfiled(id string, minTokens int, ttl1h bool) *modelSpec {
	s := claude(id, minTokens, ttl1h)
	s.profileOnly, s.legacyIntegration = true, false
	return s
}

func nova(id string, context int, profileOnly bool) *modelSpec {
	return &modelSpec{
		id: id, family: FamilyNova, caching: true, minTokens: 1000, maxCheckpoints: 4,
		toolCheckpoints: false, ttl1h: false, lookBack: 0, maxCachedTokens: 20000,
		tailTokens: 10, contextTokens: context, profileOnly: profileOnly,
		profiles: profilePrefixes, lifecycle: LifecycleActive, implicitCaching: true,
	}
}

// plain is a model that answers Converse without prompt caching.
func plain(id, family string) *modelSpec {
	return &modelSpec{id: id, family: family, maxCheckpoints: 4, tailTokens: 5, contextTokens: 128000, toolChoiceInMessages: true,
		profiles: profilePrefixes, lifecycle: LifecycleActive, legacyIntegration: family == FamilyClaude}
}

// Modifiers of a table row; each returns its argument.

func endOfLife(s *modelSpec) *modelSpec { s.lifecycle = LifecycleEndOfLife; return s }

func gated(s *modelSpec) *modelSpec { s.lifecycle = LifecycleGated; return s }

func legacyStatus(s *modelSpec) *modelSpec { s.lifecycle = LifecycleLegacy; return s }

// inRegion serves the model by base ID only, under no inference profile.
func inRegion(s *modelSpec) *modelSpec { s.profiles, s.profileOnly = nil, false; return s }

func countable(s *modelSpec) *modelSpec { s.countTokens = true; return s }

func onLegacyIntegration(s *modelSpec) *modelSpec { s.legacyIntegration = true; return s }

// builtinSpecs is the built-in model table, FACTS.md's 2025 table and its
// 2026 update. Rows are never modified: each Emulator copies them.
var builtinSpecs = []*modelSpec{
	claude("anthropic.claude-3-5-sonnet-20241022-v2:0", 1024, false),
	endOfLife(claude("anthropic.claude-3-7-sonnet-20250219-v1:0", 1024, false)),
	endOfLife(claude("anthropic.claude-3-5-haiku-20241022-v1:0", 2048, false)),
	claude("anthropic.claude-sonnet-4-20250514-v1:0", 1024, false),
	claude("anthropic.claude-opus-4-20250514-v1:0", 1024, false),
	claude("anthropic.claude-opus-4-1-20250805-v1:0", 1024, false),
	countable(claude("anthropic.claude-sonnet-4-5-20250929-v1:0", 1024, true)),
	countable(claude("anthropic.claude-haiku-4-5-20251001-v1:0", 4096, true)),
	claude("anthropic.claude-opus-4-5-20251101-v1:0", 4096, true),
	// 2026: inference profiles only, but for the in-Region Mythos models.
	countable(onLegacyIntegration(claudeProfiled("anthropic.claude-sonnet-4-6", 1024, true))),
	onLegacyIntegration(claudeProfiled("anthropic.claude-opus-4-6-v1", 4096, true)),
	claudeProfiled("anthropic.claude-opus-4-7", 4096, true), // the AWS page's minimum; Anthropic says 2,048
	claudeProfiled("anthropic.claude-opus-4-8", 1024, true),
	claudeProfiled("anthropic.claude-fable-5", 512, true),
	gated(inRegion(claudeProfiled("anthropic.claude-mythos-5", 512, false))),
	claudeProfiled("anthropic.claude-sonnet-5", 1024, true),
	legacyStatus(claudeProfiled("anthropic.claude-opus-5", 512, true)),
	claudeProfiled("anthropic.claude-fable-5-1", 512, true),
	gated(inRegion(claudeProfiled("anthropic.claude-mythos-5-1", 512, false))),
	claudeProfiled("anthropic.claude-opus-5-5", 512, true),
	claudeProfiled("anthropic.claude-sonnet-5-5", 512, true),
	gated(claudeProfiled("anthropic.claude-haiku-5-5", 512, true)),
	claudeProfiled("anthropic.claude-fable-5-2", 512, true),
	nova("amazon.nova-micro-v1:0", 128000, true),
	nova("amazon.nova-lite-v1:0", 300000, true),
	nova("amazon.nova-pro-v1:0", 300000, true),
	nova("amazon.nova-premier-v1:0", 1000000, true),
	nova("amazon.nova-2-lite-v1:0", 1000000, false),
	// Models that answer Converse but do not support prompt caching.
	plain("anthropic.claude-3-haiku-20240307-v1:0", FamilyClaude),
	plain("meta.llama3-3-70b-instruct-v1:0", FamilyOther),
	// End-of-life models.
	endOfLife(plain("anthropic.claude-v2:1", FamilyClaude)),
	endOfLife(plain("anthropic.claude-instant-v1", FamilyClaude)),
	endOfLife(plain("cohere.command-r-plus-v1:0", FamilyOther)),
}

// builtinTable returns a fresh copy of the built-in table keyed by base
// model ID.
func builtinTable() map[string]*modelSpec {
	m := make(map[string]*modelSpec, len(builtinSpecs))
	for _, s := range builtinSpecs {
		c := *s
		m[c.id] = &c
	}
	return m
}

// profilePrefixes are the geographic prefixes, without the dot, of
// system-defined cross-region inference profiles.
var profilePrefixes = []string{"global", "us", "eu", "jp", "au", "apac"}

// ProfilePrefixes returns the inference-profile prefixes the emulator
// recognises, without the dot: global, us, eu, jp, au and apac.
func ProfilePrefixes() []string { return slices.Clone(profilePrefixes) }

// Errors of model resolution.
const (
	msgInvalidModelID = "The provided model identifier is invalid."
	msgEndOfLife      = "This model version has reached the end of its life. Please refer to the AWS documentation for more details."
	msgOnDemand       = "Invocation of model ID %s with on-demand throughput isn't supported. Retry your request with the ID or ARN of an inference profile that contains this model."
)

// modelRef is a model identifier taken apart: the base model ID and, for
// an inference profile, its prefix without the dot ("" for a base ID).
type modelRef struct {
	base, profile string
}

// parseModelID takes apart a model identifier as it arrives in the
// (unescaped) URL path: a base ID, an inference profile ID, or an ARN of
// either. It reports false for a malformed identifier.
func parseModelID(id string) (modelRef, bool) {
	if id == "" || len(id) > 2048 {
		return modelRef{}, false
	}
	if strings.HasPrefix(id, "arn:") {
		return parseModelARN(id)
	}
	return splitProfile(id), true
}

// parseModelARN takes apart
// arn:aws:bedrock:REGION:ACCOUNT:inference-profile/PROFILE or
// arn:aws:bedrock:REGION::foundation-model/BASE.
func parseModelARN(id string) (modelRef, bool) {
	parts := strings.SplitN(id, ":", 6)
	if len(parts) != 6 || !strings.HasPrefix(parts[1], "aws") || parts[2] != "bedrock" || parts[3] == "" {
		return modelRef{}, false
	}
	kind, rest, ok := strings.Cut(parts[5], "/")
	if !ok || rest == "" {
		return modelRef{}, false
	}
	ref := splitProfile(rest)
	switch kind {
	case "inference-profile":
		return ref, parts[4] != "" && ref.profile != ""
	case "foundation-model":
		return ref, ref.profile == ""
	}
	return modelRef{}, false
}

// splitProfile separates a recognised inference-profile prefix from a
// model ID.
func splitProfile(id string) modelRef {
	for _, p := range profilePrefixes {
		if base, ok := strings.CutPrefix(id, p+"."); ok {
			return modelRef{base: base, profile: p}
		}
	}
	return modelRef{base: id}
}

// lookupModel finds the model an identifier names. It answers the service's
// error for an identifier it does not know, a prefix the model is not
// served under, or a model past its end of life; it does not refuse the
// base ID of a profile-only model (resolveModel does).
func (e *Emulator) lookupModel(id string) (*modelSpec, modelRef, *apiError) {
	ref, ok := parseModelID(id)
	spec := e.models[ref.base]
	if !ok || spec == nil {
		return nil, ref, errValidation(msgInvalidModelID)
	}
	if e.retired(spec) {
		return nil, ref, errResourceNotFound(msgEndOfLife)
	}
	if e.noAccess[ref.base] {
		return nil, ref, errAccessDenied(msgNoModelAccess)
	}
	if ref.profile != "" && !slices.Contains(spec.profiles, ref.profile) {
		return nil, ref, errValidation(msgInvalidModelID)
	}
	return spec, ref, nil
}

// retired reports whether spec is past its end of life and not served
// anyway (see Options.ServeEndOfLife).
func (e *Emulator) retired(spec *modelSpec) bool {
	return spec.lifecycle == LifecycleEndOfLife && !e.opts.ServeEndOfLife
}

// resolveModel maps a model identifier as it arrives in the (unescaped)
// URL path to a model that serves inference under it, or returns the
// service's error.
func (e *Emulator) resolveModel(id string) (*modelSpec, *apiError) {
	spec, ref, aerr := e.lookupModel(id)
	if aerr != nil {
		return nil, aerr
	}
	if spec.profileOnly && ref.profile == "" {
		return nil, errValidationf(msgOnDemand, ref.base)
	}
	return spec, nil
}

// splitModelPath parses an escaped request path of the form
// /model/{modelId}/{operation}. The model ID is unescaped here, segment by
// segment, so that an ARN's escaped "/" (%2F) stays inside the segment.
func splitModelPath(escapedPath string) (modelID, op string, ok bool) {
	segs := strings.Split(escapedPath, "/")
	if len(segs) != 4 || segs[0] != "" || segs[1] != "model" {
		return "", "", false
	}
	id, err := url.PathUnescape(segs[2])
	if err != nil {
		return "", "", false
	}
	return id, segs[3], true
}
