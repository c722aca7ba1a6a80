package emulator

import (
	"net/url"
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
	// profileOnly makes the bare base ID answer the on-demand-throughput
	// ValidationException; only inference profiles work.
	profileOnly bool
	// legacy makes every call answer the end-of-life ResourceNotFoundException.
	legacy bool
	// cacheDetails reports whether usage carries cacheDetails.
	cacheDetails bool
	// toolChoiceInMessages reports whether toolConfig.toolChoice (and the
	// additional model request fields) enter the prefix at the start of the
	// messages layer (Claude: a toolChoice change invalidates only the
	// messages cache) rather than before the tools (Nova: it invalidates
	// everything).
	toolChoiceInMessages bool
}

func claude(id string, minTokens int, ttl1h bool) *modelSpec {
	return &modelSpec{
		id: id, family: "claude", caching: true, minTokens: minTokens, maxCheckpoints: 4,
		toolCheckpoints: true, ttl1h: ttl1h, lookBack: 20, tailTokens: 3,
		contextTokens: 200000, cacheDetails: true, toolChoiceInMessages: true,
	}
}

func nova(id string, context int, profileOnly bool) *modelSpec {
	return &modelSpec{
		id: id, family: "nova", caching: true, minTokens: 1000, maxCheckpoints: 4,
		toolCheckpoints: false, ttl1h: false, lookBack: 0, maxCachedTokens: 20000,
		tailTokens: 10, contextTokens: context, profileOnly: profileOnly,
	}
}

func plain(id, family string, legacy bool) *modelSpec {
	return &modelSpec{id: id, family: family, tailTokens: 5, contextTokens: 128000, legacy: legacy, toolChoiceInMessages: true}
}

// modelTable is keyed by base model ID.
var modelTable = func() map[string]*modelSpec {
	specs := []*modelSpec{
		claude("anthropic.claude-3-5-sonnet-20241022-v2:0", 1024, false),
		claude("anthropic.claude-3-7-sonnet-20250219-v1:0", 1024, false),
		claude("anthropic.claude-3-5-haiku-20241022-v1:0", 2048, false),
		claude("anthropic.claude-sonnet-4-20250514-v1:0", 1024, false),
		claude("anthropic.claude-opus-4-20250514-v1:0", 1024, false),
		claude("anthropic.claude-opus-4-1-20250805-v1:0", 1024, false),
		claude("anthropic.claude-sonnet-4-5-20250929-v1:0", 1024, true),
		claude("anthropic.claude-haiku-4-5-20251001-v1:0", 4096, true),
		claude("anthropic.claude-opus-4-5-20251101-v1:0", 4096, true),
		nova("amazon.nova-micro-v1:0", 128000, true),
		nova("amazon.nova-lite-v1:0", 300000, true),
		nova("amazon.nova-pro-v1:0", 300000, true),
		nova("amazon.nova-premier-v1:0", 1000000, true),
		nova("amazon.nova-2-lite-v1:0", 1000000, false),
		// Models that answer Converse but do not support prompt caching.
		plain("anthropic.claude-3-haiku-20240307-v1:0", "claude", false),
		plain("meta.llama3-3-70b-instruct-v1:0", "other", false),
		// End-of-life models.
		plain("anthropic.claude-v2:1", "claude", true),
		plain("anthropic.claude-instant-v1", "claude", true),
		plain("cohere.command-r-plus-v1:0", "other", true),
	}
	m := make(map[string]*modelSpec, len(specs))
	for _, s := range specs {
		m[s.id] = s
	}
	return m
}()

// profilePrefixes are the geographic prefixes of system-defined
// cross-region inference profiles.
var profilePrefixes = []string{"us.", "eu.", "apac.", "jp.", "global."}

// resolveModel maps a model identifier as it arrives in the (unescaped) URL
// path to a model: a base ID, an inference profile ID, or an ARN of either.
// It returns the service's error for an identifier it cannot serve.
func resolveModel(id string) (*modelSpec, *apiError) {
	invalid := errValidation("The provided model identifier is invalid.")
	if id == "" || len(id) > 2048 {
		return nil, invalid
	}
	viaProfile := false
	if strings.HasPrefix(id, "arn:") {
		// arn:aws:bedrock:REGION:ACCOUNT:inference-profile/PROFILE or
		// arn:aws:bedrock:REGION::foundation-model/BASE
		parts := strings.SplitN(id, ":", 6)
		if len(parts) != 6 || !strings.HasPrefix(parts[1], "aws") || parts[2] != "bedrock" || parts[3] == "" {
			return nil, invalid
		}
		kind, rest, ok := strings.Cut(parts[5], "/")
		if !ok || rest == "" {
			return nil, invalid
		}
		switch kind {
		case "inference-profile":
			if parts[4] == "" {
				return nil, invalid
			}
			id = rest
			if !hasProfilePrefix(id) {
				return nil, invalid
			}
		case "foundation-model":
			id = rest
			if hasProfilePrefix(id) {
				return nil, invalid
			}
		default:
			return nil, invalid
		}
	}
	base := id
	for _, p := range profilePrefixes {
		if strings.HasPrefix(id, p) {
			base = strings.TrimPrefix(id, p)
			viaProfile = true
			break
		}
	}
	spec, ok := modelTable[base]
	if !ok {
		return nil, invalid
	}
	if spec.legacy {
		return nil, errResourceNotFound("This model version has reached the end of its life. Please refer to the AWS documentation for more details.")
	}
	if spec.profileOnly && !viaProfile {
		return nil, errValidation("Invocation of model ID " + base + " with on-demand throughput isn't supported. Retry your request with the ID or ARN of an inference profile that contains this model.")
	}
	return spec, nil
}

func hasProfilePrefix(id string) bool {
	for _, p := range profilePrefixes {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
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
