package discovery

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/usage"
)

// Placeholder marks an entry field that discovery cannot measure and a
// person must fill in.
const Placeholder = "FILL IN"

var (
	// vendorPattern is the vendor part of a base ID ("anthropic.").
	vendorPattern = regexp.MustCompile(`^[a-z0-9-]+\.`)
	// versionPattern is the date and version tail of a base ID
	// ("-20250929-v1:0").
	versionPattern = regexp.MustCompile(`(-\d{8})?(-v\d+)?(:\d+)?$`)
	// nonKey is what a key may not hold.
	nonKey = regexp.MustCompile(`[^a-z0-9]+`)
	// digits finds a number in a key.
	digits = regexp.MustCompile(`\d+`)
)

// KeyOf guesses a catalog key from a base ID: the ID without its vendor,
// date and version ("anthropic.claude-sonnet-4-5-20250929-v1:0" →
// "claude-sonnet-4-5").
func KeyOf(base string) string {
	k := strings.ToLower(base)
	k = vendorPattern.ReplaceAllString(k, "")
	k = versionPattern.ReplaceAllString(k, "")
	return strings.Trim(nonKey.ReplaceAllString(k, "-"), "-")
}

// nameOf guesses a display name from a key: words capitalised, adjacent
// numbers joined by dots ("claude-sonnet-4-5" → "Claude Sonnet 4.5").
func nameOf(key, base string) string {
	var out []string
	for _, w := range strings.Split(key, "-") {
		n := len(out)
		if n > 0 && digits.FindString(w) == w && digits.FindString(out[n-1]) == out[n-1] {
			out[n-1] += "." + w
			continue
		}
		out = append(out, strings.ToUpper(w[:1])+w[1:])
	}
	name := strings.Join(out, " ")
	if strings.HasPrefix(base, "amazon.") {
		name = "Amazon " + name
	}
	return name
}

// familyOf names the family from the base ID.
func familyOf(base string) matrix.Family {
	switch {
	case strings.HasPrefix(base, "anthropic.claude"):
		return matrix.Claude
	case strings.HasPrefix(base, "amazon.nova"):
		return matrix.Nova
	}
	return matrix.Family(Placeholder + ": claude or nova")
}

// generationOf is the first number in the key, "1" when there is none.
func generationOf(key string) string {
	if d := digits.FindString(key); d != "" {
		return d
	}
	return "1"
}

// finishEntry fills the entry's names and prices, checks it as the catalog
// would, and compares it with the catalog's entry for the model, if any.
func (s *state) finishEntry(o Options) {
	e := s.entry
	e.Key = KeyOf(e.BaseID)
	e.Name, e.Family, e.Generation = nameOf(e.Key, e.BaseID), familyOf(e.BaseID), generationOf(e.Key)
	s.note("key, name, family, generation", fmt.Sprintf("%s, %s, %s, %s", e.Key, e.Name, e.Family, e.Generation),
		"guessed from the base ID, not measured: check them")
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	e.Notes = []string{fmt.Sprintf("Measured by scripts/discover on %s through %s, with %d calls to the model; see its evidence.",
		now.Format(time.DateOnly), orDefault(o.Endpoint, "the SDK's default endpoint"), s.converse)}
	e.Prices = matrix.Prices{Date: Placeholder, Source: Placeholder}
	if o.Prices != nil {
		e.Prices = *o.Prices
	}
	s.res.Entry = &e
	s.res.CatalogCheck = catalogCheck(e)
	if m, ok := matrix.Default().Lookup(e.BaseID); ok {
		s.res.Catalogued, s.res.Differences = m.Key, cmp.Diff(measured(m), measured(e))
	}
}

// orDefault returns s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// catalogCheck runs the catalog's own check on a catalog holding only e:
// "ok", or what the check says.
func catalogCheck(e matrix.Model) string {
	c := matrix.Catalog{Updated: e.Prices.Date, Sources: map[string]string{e.Prices.Source: "the prices' source"}, Models: []matrix.Model{e}}
	b, err := json.Marshal(c)
	if err != nil {
		return err.Error()
	}
	if _, err := matrix.ParseCatalog(b); err != nil {
		msg := err.Error()
		if e.Prices.Input == 0 {
			msg += " (the prices are a placeholder: fill them in)"
		}
		return msg
	}
	return "ok"
}

// measuredFields are the catalog fields discovery measures.
type measuredFields struct {
	RequiresProfile    bool
	MinTokens          int
	MaxCheckpoints     int
	LookBackBlocks     int
	ImplicitCaching    bool
	AutomaticCaching   bool
	CountTokens        bool
	RejectsExplicitTTL bool
	Cacheable          []prefix.Layer
	TTLs               []matrix.TTL
}

// measured returns the fields of m that discovery measures.
func measured(m matrix.Model) measuredFields {
	return measuredFields{RequiresProfile: m.RequiresProfile, MinTokens: m.MinTokens, MaxCheckpoints: m.MaxCheckpoints,
		LookBackBlocks: m.LookBackBlocks, ImplicitCaching: m.ImplicitCaching, AutomaticCaching: m.AutomaticCaching,
		CountTokens: m.CountTokens, RejectsExplicitTTL: m.RejectsExplicitTTL, Cacheable: m.Cacheable, TTLs: m.TTLs}
}

// totals sums the calls and prices them.
func totals(calls []Call, prices *matrix.Prices) Totals {
	var t Totals
	for _, c := range calls {
		switch {
		case c.API == APICountTokens:
			t.CountTokens++
		case c.API == APIInvokeModel:
			t.InvokeModel++
		default:
			t.Converse++
		}
		if c.Usage != nil {
			t.Usage = t.Usage.Add(*c.Usage)
		}
	}
	switch missing := missingPrices(prices, t.Usage); {
	case prices == nil:
		t.CostNote = "unknown: no prices given"
	case missing != "":
		t.CostNote = "unknown: no price for " + missing
	default:
		cost, _ := prices.Cost(t.Usage)
		t.CostUSD, t.CostNote = &cost, fmt.Sprintf("at the given prices (%s, %s), for calls through the ID measured", prices.Date, prices.Source)
	}
	return t
}

// missingPrices names the prices the usage needs that p does not give.
func missingPrices(p *matrix.Prices, u usage.Usage) string {
	if p == nil {
		return "any"
	}
	write1h := u.WrittenWith(string(matrix.TTLOneHour))
	var missing []string
	for _, need := range []struct {
		name  string
		used  bool
		price float64
	}{
		{"input", u.Input > 0, p.Input}, {"output", u.Output > 0, p.Output}, {"cache read", u.Read > 0, p.CacheRead},
		{"cache write", u.Write > write1h, p.CacheWrite}, {"one-hour cache write", write1h > 0, p.CacheWrite1h},
	} {
		if need.used && need.price <= 0 {
			missing = append(missing, need.name)
		}
	}
	return strings.Join(missing, ", ")
}
