package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
)

// Model families, the values of ModelSpec.Family.
const (
	FamilyClaude = "claude"
	FamilyNova   = "nova"
	FamilyOther  = "other"
)

// Model lifecycle states, the values of ModelSpec.Lifecycle. Only
// LifecycleEndOfLife changes behaviour: every call answers 404
// ResourceNotFoundException. Legacy and gated models answer like active ones
// (the emulator assumes access was granted).
const (
	LifecycleActive    = "active"
	LifecycleLegacy    = "legacy"
	LifecycleGated     = "gated"
	LifecycleEndOfLife = "end-of-life"
)

// ModelSpec describes one model, in the JSON form of a models file (see
// LoadModels) and of Options.Models. A zero numeric field takes the
// family's default:
//
//	family  maxCheckpoints  lookBack  maxCachedTokens  contextTokens
//	claude  4               20        0 (no cap)       200000
//	nova    4               0         20000            300000
//	other   4               0         0                128000
//
// A negative lookBack or maxCachedTokens means none (no look-back, no cap).
// minTokens has no default: a caching model must set it. Booleans are false
// when omitted; an empty lifecycle is "active". Beside these fields the
// family fixes what the file cannot set: the uncached tail of every prompt
// (3 tokens on claude, 10 on nova, 5 on other), usage.cacheDetails (claude
// only), Nova's checkpoint and TTL errors, and where toolChoice enters the
// prefix.
type ModelSpec struct {
	// ID is the base model ID, without an inference-profile prefix.
	ID string `json:"id"`
	// Family is "claude", "nova" or "other".
	Family string `json:"family"`
	// Caching reports whether explicit checkpoints are accepted.
	Caching bool `json:"caching"`
	// MinTokens is the minimum cacheable prefix; positive on a caching model.
	MinTokens int `json:"minTokens"`
	// MaxCheckpoints is the largest number of checkpoints accepted.
	MaxCheckpoints int `json:"maxCheckpoints"`
	// ToolCheckpoints reports whether a checkpoint among the tools is accepted.
	ToolCheckpoints bool `json:"toolCheckpoints"`
	// TTL1h reports whether a checkpoint's ttl is accepted and "1h" honoured.
	TTL1h bool `json:"ttl1h"`
	// LookBack is how many block boundaries before a checkpoint a miss
	// searches for an existing entry.
	LookBack int `json:"lookBack"`
	// MaxCachedTokens caps the prefix a checkpoint may cache.
	MaxCachedTokens int `json:"maxCachedTokens"`
	// ImplicitCaching reports whether prefixes may be reused without
	// checkpoints.
	ImplicitCaching bool `json:"implicitCaching"`
	// CountTokens reports whether CountTokens answers for the bare base ID.
	CountTokens bool `json:"countTokens"`
	// Profiles are the inference-profile prefixes (see ProfilePrefixes),
	// without the dot, that serve the model; empty means in-Region only.
	Profiles []string `json:"profiles"`
	// ProfileOnly refuses the bare base ID with the on-demand-throughput
	// ValidationException.
	ProfileOnly bool `json:"profileOnly"`
	// Lifecycle is "active", "legacy", "gated" or "end-of-life".
	Lifecycle string `json:"lifecycle"`
	// LegacyIntegration marks a Claude model of the legacy integration, on
	// which a top-level cache_control in the Anthropic body is a 400.
	LegacyIntegration bool `json:"legacyIntegration"`
	// RejectsExplicitTTL rejects a checkpoint with any explicit ttl, even
	// "5m" (what two codebases report of Nova, unconfirmed).
	RejectsExplicitTTL bool `json:"rejectsExplicitTTL"`
	// ContextTokens is the context window.
	ContextTokens int `json:"contextTokens"`
}

// familyDefaults holds, per family, what a ModelSpec leaves to the family.
var familyDefaults = map[string]modelSpec{
	FamilyClaude: {maxCheckpoints: 4, lookBack: 20, contextTokens: 200000, tailTokens: 3, cacheDetails: true, toolChoiceInMessages: true},
	FamilyNova:   {maxCheckpoints: 4, maxCachedTokens: 20000, contextTokens: 300000, tailTokens: 10},
	FamilyOther:  {maxCheckpoints: 4, contextTokens: 128000, tailTokens: 5, toolChoiceInMessages: true},
}

var lifecycles = []string{LifecycleActive, LifecycleLegacy, LifecycleGated, LifecycleEndOfLife}

// check reports the first problem of a model's description, nil if none.
func (m ModelSpec) check() error {
	switch {
	case m.ID == "":
		return errors.New("id is missing")
	case splitProfile(m.ID).profile != "" || strings.HasPrefix(m.ID, "arn:"):
		return errors.New("id must be a base model ID, without an inference-profile prefix or ARN")
	case familyDefaults[m.Family].maxCheckpoints == 0:
		return fmt.Errorf("family %q: want claude, nova or other", m.Family)
	case m.Caching && m.MinTokens <= 0:
		return fmt.Errorf("minTokens must be positive on a caching model, got %d", m.MinTokens)
	case m.MaxCheckpoints < 0:
		return fmt.Errorf("maxCheckpoints must not be negative, got %d", m.MaxCheckpoints)
	case m.ContextTokens < 0:
		return fmt.Errorf("contextTokens must not be negative, got %d", m.ContextTokens)
	case m.Lifecycle != "" && !slices.Contains(lifecycles, m.Lifecycle):
		return fmt.Errorf("lifecycle %q: want active, legacy, gated or end-of-life", m.Lifecycle)
	case m.ProfileOnly && len(m.Profiles) == 0:
		return errors.New("profileOnly needs at least one profile")
	}
	for i, p := range m.Profiles {
		if !slices.Contains(profilePrefixes, p) {
			return fmt.Errorf("profiles[%d] %q: want one of %s (without the dot)", i, p, strings.Join(profilePrefixes, ", "))
		}
		if slices.Contains(m.Profiles[:i], p) {
			return fmt.Errorf("profiles[%d] %q is listed twice", i, p)
		}
	}
	return nil
}

// spec turns a checked description into a table row, filling in the
// family's defaults.
func (m ModelSpec) spec() *modelSpec {
	s := familyDefaults[m.Family]
	s.id, s.family, s.caching, s.minTokens = m.ID, m.Family, m.Caching, m.MinTokens
	s.toolCheckpoints, s.ttl1h = m.ToolCheckpoints, m.TTL1h
	s.implicitCaching, s.countTokens, s.legacyIntegration = m.ImplicitCaching, m.CountTokens, m.LegacyIntegration
	s.rejectsExplicitTTL = m.RejectsExplicitTTL
	s.profiles, s.profileOnly = slices.Clone(m.Profiles), m.ProfileOnly
	s.lifecycle = cmpOr(m.Lifecycle, LifecycleActive)
	s.maxCheckpoints = cmpOr(m.MaxCheckpoints, s.maxCheckpoints)
	s.contextTokens = cmpOr(m.ContextTokens, s.contextTokens)
	s.lookBack = orNone(m.LookBack, s.lookBack)
	s.maxCachedTokens = orNone(m.MaxCachedTokens, s.maxCachedTokens)
	return &s
}

// cmpOr returns v, or def when v is the zero value.
func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// orNone returns v when positive, def when zero, and 0 (none) when negative.
func orNone(v, def int) int {
	if v < 0 {
		return 0
	}
	return cmpOr(v, def)
}

// export is the row's description; exported rows pass check.
func (s *modelSpec) export() ModelSpec {
	return ModelSpec{
		ID: s.id, Family: s.family, Caching: s.caching, MinTokens: s.minTokens,
		MaxCheckpoints: s.maxCheckpoints, ToolCheckpoints: s.toolCheckpoints, TTL1h: s.ttl1h,
		LookBack: orNegative(s.lookBack), MaxCachedTokens: orNegative(s.maxCachedTokens),
		ImplicitCaching: s.implicitCaching, CountTokens: s.countTokens,
		Profiles: slices.Clone(s.profiles), ProfileOnly: s.profileOnly, Lifecycle: s.lifecycle,
		LegacyIntegration: s.legacyIntegration, RejectsExplicitTTL: s.rejectsExplicitTTL, ContextTokens: s.contextTokens,
	}
}

// orNegative spells "none" (0 in a row) as -1, which a ModelSpec reads as
// none rather than as the family's default.
func orNegative(v int) int {
	if v == 0 {
		return -1
	}
	return v
}

// BuiltinModels returns the built-in model table, sorted by ID, in the form
// a models file takes.
func BuiltinModels() []ModelSpec {
	out := make([]ModelSpec, 0, len(builtinSpecs))
	for _, s := range builtinSpecs {
		out = append(out, s.export())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// checkModels checks every description and that no ID is listed twice.
func checkModels(models []ModelSpec) error {
	seen := map[string]bool{}
	for i, m := range models {
		if err := m.check(); err != nil {
			return fmt.Errorf("models[%d] %q: %w", i, m.ID, err)
		}
		if seen[m.ID] {
			return fmt.Errorf("models[%d] %q: the model is listed twice", i, m.ID)
		}
		seen[m.ID] = true
	}
	return nil
}

// modelsFile is the JSON document LoadModels reads.
type modelsFile struct {
	Models []ModelSpec `json:"models"`
}

// LoadModels reads a models file: a JSON object whose "models" list holds
// ModelSpec objects, for Options.Models. It refuses unknown keys, trailing
// data, an empty list and any description Options.Models would refuse;
// every error names the file and, for a model, its index and ID.
func LoadModels(path string) ([]ModelSpec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("emulator: reading models file: %w", err)
	}
	var f modelsFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("emulator: models file %s: %w", path, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("emulator: models file %s: data after the JSON object", path)
	}
	if len(f.Models) == 0 {
		return nil, fmt.Errorf("emulator: models file %s: no models (want {\"models\": [{\"id\": ..., \"family\": ...}, ...]})", path)
	}
	if err := checkModels(f.Models); err != nil {
		return nil, fmt.Errorf("emulator: models file %s: %w", path, err)
	}
	return f.Models, nil
}

// modelTable builds an emulator's table: the built-in one, with extra
// added and overriding rows of the same base ID.
func modelTable(extra []ModelSpec) (map[string]*modelSpec, error) {
	if err := checkModels(extra); err != nil {
		return nil, err
	}
	m := builtinTable()
	for _, x := range extra {
		m[x.ID] = x.spec()
	}
	return m, nil
}
