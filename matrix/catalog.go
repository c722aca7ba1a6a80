// Package matrix holds what cachecascade knows about Bedrock prompt caching
// as data and rules: the model catalog, the five checkpoint-placement
// strategies, Validate's prediction of what the service rejects, and the
// model × strategy cells the suites run.
//
// The catalog is an embedded JSON file (catalog.json): adding a model is
// adding an entry there, not code. Everything here comes from the documented
// rules in shared/FACTS.md, never from a recording, so that the package can
// serve as the oracle a recording or the emulator is checked against. It
// must never import the emulator.
package matrix

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/usage"
)

//go:embed catalog.json
var catalogJSON []byte

// Family is a model family. Families differ in which layers they cache and
// in how the service answers a checkpoint it does not support.
type Family string

// The families in the catalog.
const (
	Claude Family = "claude"
	Nova   Family = "nova"
)

// TTL is a checkpoint's time to live as Bedrock spells it. The zero value
// means the checkpoint carries no ttl field and the service's default (five
// minutes) applies.
type TTL string

// The TTLs Bedrock documents.
const (
	TTLDefault    TTL = ""
	TTLFiveMinute TTL = "5m"
	TTLOneHour    TTL = "1h"
)

// effective returns the TTL the service applies: the default is five minutes.
func (t TTL) effective() TTL {
	if t == TTLDefault {
		return TTLFiveMinute
	}
	return t
}

// rank orders TTLs so that longer ones rank higher.
func (t TTL) rank() int {
	if t.effective() == TTLOneHour {
		return 1
	}
	return 0
}

// Prices are on-demand prices in US dollars per million tokens at the
// global endpoint (or the model's only one), with the date they were read
// and where they came from. CacheWrite1h is zero for a model without
// one-hour caching. RegionalPremium, when set, multiplies every price for
// calls through a geographic or in-Region profile (1.1 for Claude 4.5 and
// later: "a 10% pricing premium over global endpoints").
type Prices struct {
	Input           float64 `json:"input"`
	CacheWrite      float64 `json:"cacheWrite"`
	CacheWrite1h    float64 `json:"cacheWrite1h,omitempty"`
	CacheRead       float64 `json:"cacheRead"`
	Output          float64 `json:"output"`
	RegionalPremium float64 `json:"regionalPremium,omitempty"`
	Date            string  `json:"date"`
	Source          string  `json:"source"`
}

// For returns the prices of a call through a profile of kind k: the global
// prices, times RegionalPremium for a geographic or in-Region call.
func (p Prices) For(k ProfileKind) Prices {
	if k == GlobalProfile || p.RegionalPremium == 0 {
		return p
	}
	f := p.RegionalPremium
	q := p
	q.Input, q.CacheWrite, q.CacheWrite1h, q.CacheRead, q.Output = f*p.Input, f*p.CacheWrite, f*p.CacheWrite1h, f*p.CacheRead, f*p.Output
	return q
}

// ProfileKind is how a model ID reaches a model: through the global
// cross-region profile, a geographic one, or in-Region (the base ID).
type ProfileKind string

// The profile kinds, which Bedrock prices differently.
const (
	GlobalProfile     ProfileKind = "global"
	GeographicProfile ProfileKind = "geographic"
	InRegion          ProfileKind = "in-region"
)

// ProfilePrefixes are the geographic prefixes of Bedrock's system-defined
// inference profiles, "global." first.
var ProfilePrefixes = []string{"global.", "us.", "eu.", "jp.", "au.", "apac."}

// ProfileKindOf returns the kind of a model ID (a profile ID, a base ID or
// an ARN of either, escaped or not).
func ProfileKindOf(id string) ProfileKind {
	id = resourceID(id)
	switch {
	case strings.HasPrefix(id, "global."):
		return GlobalProfile
	case slices.ContainsFunc(ProfilePrefixes, func(p string) bool { return strings.HasPrefix(id, p) }):
		return GeographicProfile
	}
	return InRegion
}

// Lifecycle is where a model stands on Bedrock.
type Lifecycle string

// The lifecycles, in the order reports list them: the current lineup
// (active and legacy models) first.
const (
	// Active models are offered to every account.
	Active Lifecycle = "active"
	// Legacy models are still callable but superseded; they stay in every
	// run.
	Legacy Lifecycle = "legacy"
	// Gated models are open only to accounts given access (previews,
	// limited releases); the suites run them only when asked for.
	Gated Lifecycle = "gated"
	// EndOfLife models answer every call with a 404
	// ResourceNotFoundException; their cassettes keep their history, and
	// record and live runs leave them out with the reason.
	EndOfLife Lifecycle = "end-of-life"
)

// Lifecycles lists the lifecycles in report order.
var Lifecycles = []Lifecycle{Active, Legacy, Gated, EndOfLife}

// Rank is the lifecycle's place in Lifecycles (len(Lifecycles) when it is
// not one of them).
func (l Lifecycle) Rank() int {
	if i := slices.Index(Lifecycles, l); i >= 0 {
		return i
	}
	return len(Lifecycles)
}

// Fact names a catalog value that sources disagree on (see Dispute).
type Fact string

// The disputed facts the suites can measure.
const (
	// FactMinTokens is the minimum prefix size.
	FactMinTokens Fact = "minTokens"
	// FactOneHour is whether ttl "1h" is accepted.
	FactOneHour Fact = "ttl:1h"
	// FactExplicitFiveMinute is whether a checkpoint with an explicit ttl
	// of "5m" is accepted (two codebases report that Nova rejects any
	// explicit ttl).
	FactExplicitFiveMinute Fact = "ttl:5m-explicit"
)

// Dispute records that sources give another value than the catalog's for a
// fact. The catalog holds the AWS documentation's value; the suites
// measure which one the target shows and report it, failing only when the
// target shows neither.
type Dispute struct {
	// Fact is the disputed fact.
	Fact Fact `json:"fact"`
	// MinTokens are the other minimums sources give (FactMinTokens only;
	// the boolean facts' other value is the negation of the catalog's).
	MinTokens []int `json:"minTokens,omitempty"`
	// Source says who gives the other value.
	Source string `json:"source"`
}

// Model is one catalog entry: how to call the model and what its prompt
// cache does according to the documentation.
type Model struct {
	// Key is the short, stable name used in labels, cassette paths and
	// reports, such as "claude-sonnet-4-5".
	Key string `json:"key"`
	// Name is the model's display name.
	Name string `json:"name"`
	// Family is the model family.
	Family Family `json:"family"`
	// Generation is the family's generation ("3", "4" for Claude; "1", "2"
	// for Nova), for labels.
	Generation string `json:"generation"`
	// BaseID is the foundation-model ID.
	BaseID string `json:"baseId"`
	// Profiles are the cross-region inference-profile IDs; the first is
	// the one the matrix invokes.
	Profiles []string `json:"profiles"`
	// RequiresProfile is true when on-demand calls by base ID are refused
	// and an inference profile must be used.
	RequiresProfile bool `json:"requiresProfile,omitempty"`
	// MinTokens is the documented minimum prefix size, in tokens, for a
	// checkpoint to be cached.
	MinTokens int `json:"minTokens"`
	// MaxCheckpoints is the most cache checkpoints one request may carry.
	MaxCheckpoints int `json:"maxCheckpoints"`
	// LookBackBlocks is how many block boundaries before a checkpoint the
	// service checks for an earlier entry on a miss ("approximately 20"
	// for Claude); zero for models with no documented look-back.
	LookBackBlocks int `json:"lookBackBlocks,omitempty"`
	// MaxCachedTokens caps how many tokens the model caches; zero means no
	// documented cap.
	MaxCachedTokens int `json:"maxCachedTokens,omitempty"`
	// ImplicitCaching is true when the model may also read from cache
	// without checkpoints, best effort (every caching Claude and Nova model
	// since 2026: such a read is reported apart, never as a broken cascade).
	ImplicitCaching bool `json:"implicitCaching,omitempty"`
	// Cacheable lists the layers that may carry a checkpoint.
	Cacheable []prefix.Layer `json:"cacheable"`
	// TTLs lists the TTLs the model accepts, "5m" first.
	TTLs []TTL `json:"ttls"`
	// Notes record where the documentation and the service disagreed.
	Notes []string `json:"notes,omitempty"`
	// Prices are the on-demand prices.
	Prices Prices `json:"prices"`
	// Lifecycle is where the model stands on Bedrock.
	Lifecycle Lifecycle `json:"lifecycle"`
	// Since is when the model came to Bedrock (a date or a month), when
	// known.
	Since string `json:"since,omitempty"`
	// EndOfLife is the date an end-of-life model stopped answering.
	EndOfLife string `json:"endOfLife,omitempty"`
	// AutomaticCaching is true when the Anthropic InvokeModel body may
	// carry a top-level cache_control (one moving breakpoint); the legacy
	// integration (Claude Opus 4.6 and earlier) answers it with a 400.
	AutomaticCaching bool `json:"automaticCaching,omitempty"`
	// CountTokens is true when the CountTokens operation counts the
	// model's prompts (by bare base ID only; profile IDs are refused).
	CountTokens bool `json:"countTokens,omitempty"`
	// Disputes lists the values sources disagree on (see Dispute).
	Disputes []Dispute `json:"disputes,omitempty"`
	// RejectsExplicitTTL is true when a checkpoint with any explicit ttl,
	// even "5m", is rejected. No catalog entry sets it (AWS documents
	// none); it is the other value of FactExplicitFiveMinute, which
	// Otherwise gives.
	RejectsExplicitTTL bool `json:"rejectsExplicitTTL,omitempty"`
}

// Otherwise returns the model as the other sources of a disputed boolean
// fact describe it: one-hour TTLs (and their price, twice the input price)
// added or removed for FactOneHour, RejectsExplicitTTL flipped for
// FactExplicitFiveMinute. Any other fact returns the model unchanged.
func (m Model) Otherwise(f Fact) Model {
	o := m
	switch f {
	case FactOneHour:
		if m.SupportsTTL(TTLOneHour) {
			o.TTLs = slices.DeleteFunc(slices.Clone(m.TTLs), func(t TTL) bool { return t == TTLOneHour })
			o.Prices.CacheWrite1h = 0
		} else {
			o.TTLs = append(slices.Clone(m.TTLs), TTLOneHour)
			o.Prices.CacheWrite1h = 2 * m.Prices.Input
		}
	case FactExplicitFiveMinute:
		o.RejectsExplicitTTL = !m.RejectsExplicitTTL
	}
	return o
}

// Disputed returns the dispute on fact f, if sources disagree on it.
func (m Model) Disputed(f Fact) (Dispute, bool) {
	for _, d := range m.Disputes {
		if d.Fact == f {
			return d, true
		}
	}
	return Dispute{}, false
}

// Minimums returns every minimum prefix size sources give for the model,
// the catalog's included, in increasing order.
func (m Model) Minimums() []int {
	out := []int{m.MinTokens}
	if d, ok := m.Disputed(FactMinTokens); ok {
		out = append(out, d.MinTokens...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// InvokedPrices returns the prices of calls through ModelID, the ID the
// matrix invokes (see Prices.For).
func (m Model) InvokedPrices() Prices { return m.Prices.For(ProfileKindOf(m.ModelID())) }

// Current reports whether the model is in the current lineup: active or
// legacy.
func (m Model) Current() bool { return m.Lifecycle == Active || m.Lifecycle == Legacy }

// ModelID returns the ID the matrix invokes: the first inference profile, or
// the base ID when the model has none.
func (m Model) ModelID() string {
	if len(m.Profiles) > 0 {
		return m.Profiles[0]
	}
	return m.BaseID
}

// Caches reports whether the model accepts a checkpoint in layer l.
func (m Model) Caches(l prefix.Layer) bool { return slices.Contains(m.Cacheable, l) }

// SupportsTTL reports whether the model accepts checkpoints with TTL t. The
// default TTL is supported by every model in the catalog.
func (m Model) SupportsTTL(t TTL) bool {
	return t == TTLDefault || slices.Contains(m.TTLs, t)
}

// Catalog is the set of models cachecascade knows.
type Catalog struct {
	// Updated is the date the catalog was last reviewed.
	Updated string `json:"updated"`
	// Sources names where limits and prices come from; a model's
	// Prices.Source is a key of this map.
	Sources map[string]string `json:"sources"`
	// Models are the models, in the order reports list them.
	Models []Model `json:"models"`
	// Uncached lists models of the catalog's families known not to
	// support prompt caching: the nightly's catalog drift does not report
	// them (scripts/discover would only confirm it), and nothing runs them.
	Uncached []Uncached `json:"uncached,omitempty"`
}

// Uncached is a model known not to support prompt caching, and how that is
// known.
type Uncached struct {
	// BaseID is the foundation-model ID.
	BaseID string `json:"baseId"`
	// Source says how it is known (a page, or a discover run).
	Source string `json:"source"`
}

// KnownUncached reports whether a model ID (a base ID, an inference-profile
// ID or an ARN of either) names a model listed in Uncached.
func (c *Catalog) KnownUncached(id string) bool {
	id = resourceID(id)
	for _, u := range c.Uncached {
		if id == u.BaseID || ProfileKindOf(id) != InRegion && strings.HasSuffix(id, "."+u.BaseID) {
			return true
		}
	}
	return false
}

var (
	defaultOnce    sync.Once
	defaultCatalog *Catalog
	defaultErr     error
)

// Default returns the embedded catalog. It panics if the embedded file is
// invalid, which the package's tests rule out.
func Default() *Catalog {
	defaultOnce.Do(func() { defaultCatalog, defaultErr = ParseCatalog(catalogJSON) })
	if defaultErr != nil {
		panic(defaultErr)
	}
	return defaultCatalog
}

// ParseCatalog decodes and checks a catalog file. Unknown fields are errors
// so that a misspelt key in a new entry is caught.
func ParseCatalog(data []byte) (*Catalog, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Catalog
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("matrix: catalog: %w", err)
	}
	if err := c.check(); err != nil {
		return nil, fmt.Errorf("matrix: catalog: %w", err)
	}
	return &c, nil
}

var keyPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// check reports the first entry that breaks the catalog's invariants.
func (c *Catalog) check() error {
	if len(c.Models) == 0 {
		return fmt.Errorf("no models")
	}
	seen := map[string]string{}
	claim := func(id, key string) error {
		if other, ok := seen[id]; ok {
			return fmt.Errorf("model %q: ID %q is also claimed by %q", key, id, other)
		}
		seen[id] = key
		return nil
	}
	for _, u := range c.Uncached {
		if u.BaseID == "" || u.Source == "" {
			return fmt.Errorf("uncached %q: baseId and source are required", u.BaseID)
		}
		if err := claim(u.BaseID, "uncached"); err != nil {
			return err
		}
	}
	for _, m := range c.Models {
		switch {
		case !keyPattern.MatchString(m.Key):
			return fmt.Errorf("model %q: key must be lower-case words joined by '-'", m.Key)
		case m.Name == "" || m.BaseID == "" || m.Generation == "":
			return fmt.Errorf("model %q: name, baseId and generation are required", m.Key)
		case m.Family != Claude && m.Family != Nova:
			return fmt.Errorf("model %q: unknown family %q", m.Key, m.Family)
		case m.MinTokens <= 0:
			return fmt.Errorf("model %q: minTokens must be positive", m.Key)
		case m.MaxCheckpoints <= 0:
			return fmt.Errorf("model %q: maxCheckpoints must be positive", m.Key)
		case len(m.Cacheable) == 0:
			return fmt.Errorf("model %q: cacheable must name at least one layer", m.Key)
		case len(m.TTLs) == 0 || m.TTLs[0] != TTLFiveMinute:
			return fmt.Errorf("model %q: ttls must start with \"5m\"", m.Key)
		}
		for _, t := range m.TTLs {
			if t != TTLFiveMinute && t != TTLOneHour {
				return fmt.Errorf("model %q: unknown ttl %q", m.Key, t)
			}
		}
		p := m.Prices
		if p.Input <= 0 || p.Output <= 0 || p.CacheRead <= 0 || p.CacheWrite <= 0 || p.CacheWrite1h < 0 {
			return fmt.Errorf("model %q: prices must be positive", m.Key)
		}
		if (p.CacheWrite1h > 0) != m.SupportsTTL(TTLOneHour) {
			return fmt.Errorf("model %q: cacheWrite1h must be set exactly when ttls include \"1h\"", m.Key)
		}
		if p.Date == "" || c.Sources[p.Source] == "" {
			return fmt.Errorf("model %q: prices need a date and a source named in sources", m.Key)
		}
		if p.RegionalPremium != 0 && p.RegionalPremium < 1 {
			return fmt.Errorf("model %q: regionalPremium must be 1 or more when set", m.Key)
		}
		if err := m.checkStanding(); err != nil {
			return fmt.Errorf("model %q: %w", m.Key, err)
		}
		if err := claim(m.Key, m.Key); err != nil {
			return err
		}
		if err := claim(m.BaseID, m.Key); err != nil {
			return err
		}
		for _, id := range m.Profiles {
			if !strings.HasSuffix(id, "."+m.BaseID) || ProfileKindOf(id) == InRegion {
				return fmt.Errorf("model %q: profile %q is not a known prefix (%s) and the base ID", m.Key, id, strings.Join(ProfilePrefixes, " "))
			}
			if err := claim(id, m.Key); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkStanding checks the lifecycle and the disputes of an entry.
func (m Model) checkStanding() error {
	switch {
	case m.Lifecycle.Rank() == len(Lifecycles):
		return fmt.Errorf("lifecycle must be one of %q, got %q", Lifecycles, m.Lifecycle)
	case (m.Lifecycle == EndOfLife) != (m.EndOfLife != ""):
		return fmt.Errorf("endOfLife must be set exactly for an end-of-life model")
	case m.RequiresProfile && len(m.Profiles) == 0:
		return fmt.Errorf("requiresProfile needs at least one profile")
	}
	for _, d := range m.Disputes {
		switch {
		case d.Source == "":
			return fmt.Errorf("dispute on %q needs a source", d.Fact)
		case d.Fact == FactMinTokens && (len(d.MinTokens) == 0 || slices.Contains(d.MinTokens, m.MinTokens) || slices.Min(d.MinTokens) <= 0):
			return fmt.Errorf("dispute on minTokens needs other positive minimums than %d", m.MinTokens)
		case d.Fact != FactMinTokens && len(d.MinTokens) > 0:
			return fmt.Errorf("dispute on %q takes no minTokens", d.Fact)
		case d.Fact != FactMinTokens && d.Fact != FactOneHour && d.Fact != FactExplicitFiveMinute:
			return fmt.Errorf("unknown disputed fact %q", d.Fact)
		}
	}
	return nil
}

// resourceID returns the model or profile ID an ID names: the ID itself,
// unescaped, or the resource of an ARN (escaped or not).
func resourceID(id string) string {
	if u, err := url.PathUnescape(id); err == nil {
		id = u
	}
	if strings.HasPrefix(id, "arn:") {
		id = id[strings.LastIndex(id, "/")+1:]
	}
	return id
}

// Lookup finds a model by key, base ID, inference-profile ID, or an ARN
// (escaped or not) whose resource names one of those.
func (c *Catalog) Lookup(id string) (Model, bool) {
	id = resourceID(id)
	for _, m := range c.Models {
		if id == m.Key || id == m.BaseID || slices.Contains(m.Profiles, id) {
			return m, true
		}
	}
	return Model{}, false
}

// Must returns the model with the given key or ID and panics when there is
// none. It is meant for tests and table definitions.
func (c *Catalog) Must(id string) Model {
	m, ok := c.Lookup(id)
	if !ok {
		panic(fmt.Sprintf("matrix: no model %q in the catalog", id))
	}
	return m
}

// Family returns the catalog's models of family f, in catalog order.
func (c *Catalog) Family(f Family) []Model {
	var out []Model
	for _, m := range c.Models {
		if m.Family == f {
			out = append(out, m)
		}
	}
	return out
}

// Cost returns what calls with usage u cost at these prices, in US dollars,
// with the prompt cache as used and as if nothing had been cached (every
// prompt token at the input price). Writes reported with a one-hour TTL are
// priced at CacheWrite1h, the rest at CacheWrite.
func (p Prices) Cost(u usage.Usage) (withCache, withoutCache float64) {
	const perToken = 1e-6
	write1h := u.WrittenWith(string(TTLOneHour))
	write5m := u.Write - write1h
	withCache = perToken * (float64(u.Input)*p.Input + float64(u.Output)*p.Output + float64(u.Read)*p.CacheRead +
		float64(write5m)*p.CacheWrite + float64(write1h)*p.CacheWrite1h)
	withoutCache = perToken * (float64(u.Prompt())*p.Input + float64(u.Output)*p.Output)
	return withCache, withoutCache
}
