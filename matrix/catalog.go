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

// Prices are on-demand prices in US dollars per million tokens, with the
// date they were read and where they came from. CacheWrite1h is zero for a
// model without one-hour caching.
type Prices struct {
	Input        float64 `json:"input"`
	CacheWrite   float64 `json:"cacheWrite"`
	CacheWrite1h float64 `json:"cacheWrite1h,omitempty"`
	CacheRead    float64 `json:"cacheRead"`
	Output       float64 `json:"output"`
	Date         string  `json:"date"`
	Source       string  `json:"source"`
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
	// ImplicitCaching is true when the model may also cache without
	// checkpoints, best effort (Nova).
	ImplicitCaching bool `json:"implicitCaching,omitempty"`
	// Cacheable lists the layers that may carry a checkpoint.
	Cacheable []prefix.Layer `json:"cacheable"`
	// TTLs lists the TTLs the model accepts, "5m" first.
	TTLs []TTL `json:"ttls"`
	// Notes record where the documentation and the service disagreed.
	Notes []string `json:"notes,omitempty"`
	// Prices are the on-demand prices.
	Prices Prices `json:"prices"`
}

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
		if err := claim(m.Key, m.Key); err != nil {
			return err
		}
		if err := claim(m.BaseID, m.Key); err != nil {
			return err
		}
		for _, id := range m.Profiles {
			if !strings.HasSuffix(id, "."+m.BaseID) {
				return fmt.Errorf("model %q: profile %q does not end in the base ID", m.Key, id)
			}
			if err := claim(id, m.Key); err != nil {
				return err
			}
		}
	}
	return nil
}

// Lookup finds a model by key, base ID, inference-profile ID, or an ARN
// (escaped or not) whose resource names one of those.
func (c *Catalog) Lookup(id string) (Model, bool) {
	if u, err := url.PathUnescape(id); err == nil {
		id = u
	}
	if strings.HasPrefix(id, "arn:") {
		id = id[strings.LastIndex(id, "/")+1:]
	}
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
