package matrix_test

import (
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/usage"
)

func TestCatalogCoversFactsModels(t *testing.T) {
	c := matrix.Default()
	// Every model FACTS.md lists, by base ID, with its documented minimum,
	// cacheable layers and one-hour support.
	want := []struct {
		base    string
		min     int
		tools   bool
		oneHour bool
	}{
		{"anthropic.claude-3-5-sonnet-20241022-v2:0", 1024, true, false},
		{"anthropic.claude-3-7-sonnet-20250219-v1:0", 1024, true, false},
		{"anthropic.claude-3-5-haiku-20241022-v1:0", 2048, true, false},
		{"anthropic.claude-sonnet-4-20250514-v1:0", 1024, true, false},
		{"anthropic.claude-opus-4-20250514-v1:0", 1024, true, false},
		{"anthropic.claude-opus-4-1-20250805-v1:0", 1024, true, false},
		{"anthropic.claude-sonnet-4-5-20250929-v1:0", 1024, true, true},
		{"anthropic.claude-haiku-4-5-20251001-v1:0", 4096, true, true},
		{"anthropic.claude-opus-4-5-20251101-v1:0", 4096, true, true},
		{"amazon.nova-micro-v1:0", 1000, false, false},
		{"amazon.nova-lite-v1:0", 1000, false, false},
		{"amazon.nova-pro-v1:0", 1000, false, false},
		{"amazon.nova-premier-v1:0", 1000, false, false},
		{"amazon.nova-2-lite-v1:0", 1000, false, false},
		// The 2026 update: new IDs without a date or ":0".
		{"anthropic.claude-sonnet-4-6", 1024, true, true},
		{"anthropic.claude-opus-4-6-v1", 4096, true, true},
		{"anthropic.claude-opus-4-7", 4096, true, true},
		{"anthropic.claude-opus-4-8", 1024, true, true},
		{"anthropic.claude-fable-5", 512, true, true},
		{"anthropic.claude-mythos-5", 512, true, false},
		{"anthropic.claude-sonnet-5", 1024, true, true},
		{"anthropic.claude-opus-5", 512, true, true},
		{"anthropic.claude-fable-5-1", 512, true, true},
		{"anthropic.claude-mythos-5-1", 512, true, true},
		{"anthropic.claude-opus-5-5", 512, true, true},
		{"anthropic.claude-sonnet-5-5", 512, true, true},
		{"anthropic.claude-haiku-5-5", 512, true, true},
		{"anthropic.claude-fable-5-2", 512, true, true},
	}
	if len(c.Models) != len(want) {
		t.Errorf("catalog has %d models, want %d", len(c.Models), len(want))
	}
	for _, w := range want {
		m, ok := c.Lookup(w.base)
		if !ok {
			t.Errorf("Lookup(%q): not found", w.base)
			continue
		}
		if m.MinTokens != w.min || m.Caches(prefix.Tools) != w.tools || m.SupportsTTL(matrix.TTLOneHour) != w.oneHour {
			t.Errorf("%s: min %d, caches tools %v, 1h %v; want %d, %v, %v",
				m.Key, m.MinTokens, m.Caches(prefix.Tools), m.SupportsTTL(matrix.TTLOneHour), w.min, w.tools, w.oneHour)
		}
		if !m.Caches(prefix.System) || !m.Caches(prefix.Messages) || m.MaxCheckpoints != 4 {
			t.Errorf("%s: every model caches system and messages with 4 checkpoints", m.Key)
		}
		if m.Family == matrix.Nova && (m.MaxCachedTokens != 20000 || !m.RequiresProfile) {
			t.Errorf("%s: Nova caps caching at 20K tokens and needs an inference profile", m.Key)
		}
	}
}

func TestLookup(t *testing.T) {
	c := matrix.Default()
	for _, id := range []string{
		"claude-sonnet-4-5",
		"anthropic.claude-sonnet-4-5-20250929-v1:0",
		"global.anthropic.claude-sonnet-4-5-20250929-v1:0",
		"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
		"arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-sonnet-4-5-20250929-v1%3A0",
	} {
		m, ok := c.Lookup(id)
		if !ok || m.Key != "claude-sonnet-4-5" {
			t.Errorf("Lookup(%q) = %q, %v; want claude-sonnet-4-5", id, m.Key, ok)
		}
	}
	if _, ok := c.Lookup("anthropic.claude-v2"); ok {
		t.Error("Lookup found a model the catalog does not have")
	}
	if got := c.Must("nova-lite").ModelID(); got != "us.amazon.nova-lite-v1:0" {
		t.Errorf("nova-lite ModelID = %q, want its first inference profile", got)
	}
}

func TestParseCatalogRejectsBrokenEntries(t *testing.T) {
	const good = `{"key":"m","name":"M","family":"claude","generation":"4","baseId":"a.m-v1:0","profiles":["us.a.m-v1:0"],
		"minTokens":1024,"maxCheckpoints":4,"cacheable":["tools","system","messages"],"ttls":["5m"],
		"prices":{"input":1,"cacheWrite":1.25,"cacheRead":0.1,"output":5,"date":"2026-01-01","source":"s"},
		"lifecycle":"active","disputes":[{"fact":"minTokens","minTokens":[2048],"source":"x"}]}`
	wrap := func(models ...string) string {
		return `{"updated":"2026-01-01","sources":{"s":"somewhere"},"models":[` + strings.Join(models, ",") + `]}`
	}
	if _, err := matrix.ParseCatalog([]byte(wrap(good))); err != nil {
		t.Fatalf("the valid entry was rejected: %v", err)
	}
	for _, tc := range []struct {
		name, entry, wantErr string
	}{
		{"unknown field", strings.Replace(good, `"minTokens"`, `"minTokenz"`, 1), "unknown field"},
		{"unknown family", strings.Replace(good, `"claude"`, `"llama"`, 1), "unknown family"},
		{"unknown layer", strings.Replace(good, `"tools",`, `"tool",`, 1), "unknown layer"},
		{"1h without price", strings.Replace(good, `["5m"]`, `["5m","1h"]`, 1), "cacheWrite1h"},
		{"unknown ttl", strings.Replace(good, `["5m"]`, `["5m","24h"]`, 1), "unknown ttl"},
		{"profile of another model", strings.Replace(good, `"us.a.m-v1:0"`, `"us.a.x-v1:0"`, 1), "not a known prefix"},
		{"unknown profile prefix", strings.Replace(good, `"us.a.m-v1:0"`, `"mars.a.m-v1:0"`, 1), "not a known prefix"},
		{"no lifecycle", strings.Replace(good, `"lifecycle":"active",`, ``, 1), "lifecycle"},
		{"unknown lifecycle", strings.Replace(good, `"active"`, `"retired"`, 1), "lifecycle"},
		{"end of life without a date", strings.Replace(good, `"active"`, `"end-of-life"`, 1), "endOfLife"},
		{"a date without end of life", strings.Replace(good, `"active"`, `"active","endOfLife":"2026-01-01"`, 1), "endOfLife"},
		{"dispute of the catalog's own value", strings.Replace(good, `[2048]`, `[1024]`, 1), "other positive minimums"},
		{"dispute without a source", strings.Replace(good, `"source":"x"`, `"source":""`, 1), "needs a source"},
		{"unknown disputed fact", strings.Replace(good, `"fact":"minTokens","minTokens":[2048]`, `"fact":"colour"`, 1), "unknown disputed fact"},
		{"premium below one", strings.Replace(good, `"date":"2026-01-01"`, `"regionalPremium":0.9,"date":"2026-01-01"`, 1), "regionalPremium"},
		{"price source not listed", strings.Replace(good, `"source":"s"`, `"source":"t"`, 1), "source"},
		{"no minimum", strings.Replace(good, `1024`, `0`, 1), "minTokens"},
		{"bad key", strings.Replace(good, `"key":"m"`, `"key":"Sonnet 4"`, 1), "key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := matrix.ParseCatalog([]byte(wrap(tc.entry)))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseCatalog error = %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
	dup := strings.Replace(good, `"key":"m"`, `"key":"n"`, 1)
	if _, err := matrix.ParseCatalog([]byte(wrap(good, dup))); err == nil || !strings.Contains(err.Error(), "also claimed") {
		t.Errorf("two models with one base ID: error = %v, want one naming the clash", err)
	}
}

// TestKnownUncached: the models known not to cache are found by any ID
// form, and an entry may not be both a model and uncached.
func TestKnownUncached(t *testing.T) {
	c := matrix.Default()
	for _, id := range []string{"anthropic.claude-3-haiku-20240307-v1:0", "us.anthropic.claude-3-haiku-20240307-v1:0",
		"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"} {
		if !c.KnownUncached(id) {
			t.Errorf("KnownUncached(%q) = false", id)
		}
	}
	if c.KnownUncached("anthropic.claude-sonnet-4-6") || c.KnownUncached("xus.anthropic.claude-3-haiku-20240307-v1:0") {
		t.Error("KnownUncached found a model that caches, or an unknown prefix")
	}
	base := `{"updated":"2026-01-01","sources":{"s":"x"},"models":[{"key":"m","name":"M","family":"claude","generation":"4","baseId":"a.m-v1:0","profiles":[],
		"minTokens":1024,"maxCheckpoints":4,"cacheable":["system"],"ttls":["5m"],"lifecycle":"active",
		"prices":{"input":1,"cacheWrite":1.25,"cacheRead":0.1,"output":5,"date":"2026-01-01","source":"s"}}],"uncached":[%s]}`
	for entry, want := range map[string]string{`{"baseId":"a.m-v1:0","source":"x"}`: "also claimed", `{"baseId":"a.x-v1:0"}`: "source"} {
		if _, err := matrix.ParseCatalog([]byte(strings.Replace(base, "%s", entry, 1))); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("uncached %s: error %v, want one mentioning %q", entry, err, want)
		}
	}
}

func TestCost(t *testing.T) {
	p := matrix.Default().Must("claude-sonnet-4-5").Prices
	// Write 1322 then read 1322 (FACTS.md), input 2, output 5 each.
	prime := usage.Usage{Input: 2, Output: 5, Write: 1322, Total: 1329}
	repeat := usage.Usage{Input: 2, Output: 5, Read: 1322, Total: 1329}
	with, without := p.Cost(prime.Add(repeat))
	wantWith := (4*3 + 10*15 + 1322*0.30 + 1322*3.75) / 1e6
	wantWithout := (2*1324*3 + 10*15) / 1e6
	if !near(with, wantWith) || !near(without, wantWithout) {
		t.Errorf("Cost = %.6f, %.6f; want %.6f, %.6f", with, without, wantWith, wantWithout)
	}
	oneHour := usage.Usage{Write: 100, Writes: []usage.TTLWrite{{TTL: "1h", Tokens: 100}}}
	if with, _ := p.Cost(oneHour); !near(with, 100*6/1e6) {
		t.Errorf("a one-hour write costs %.6f, want the 1h price", with)
	}
}

// TestRegionalPrices: geographic and in-Region calls of Claude 4.5 and
// later cost 1.1 times the global price (FACTS.md 2026 update); Sonnet 4
// has no premium.
func TestRegionalPrices(t *testing.T) {
	c := matrix.Default()
	for _, tc := range []struct {
		id   string
		kind matrix.ProfileKind
		want float64 // the input price
	}{
		{"global.anthropic.claude-sonnet-4-6", matrix.GlobalProfile, 3},
		{"us.anthropic.claude-sonnet-4-6", matrix.GeographicProfile, 3.3},
		{"au.anthropic.claude-sonnet-4-6", matrix.GeographicProfile, 3.3},
		{"anthropic.claude-mythos-5", matrix.InRegion, 11},
		{"arn:aws:bedrock:us-east-1:1:inference-profile/global.anthropic.claude-opus-4-7", matrix.GlobalProfile, 5},
		{"us.anthropic.claude-sonnet-4-20250514-v1:0", matrix.GeographicProfile, 3},
	} {
		if k := matrix.ProfileKindOf(tc.id); k != tc.kind {
			t.Errorf("ProfileKindOf(%q) = %q, want %q", tc.id, k, tc.kind)
		}
		p := c.Must(tc.id).Prices.For(matrix.ProfileKindOf(tc.id))
		if !near(p.Input, tc.want) {
			t.Errorf("%s: input price %.4f, want %.4f", tc.id, p.Input, tc.want)
		}
	}
	if got := c.Must("claude-sonnet-4-6").InvokedPrices().Input; !near(got, 3) {
		t.Errorf("the matrix calls Sonnet 4.6 through its first profile, the global one: input %.2f, want 3", got)
	}
}

// TestLifecycles: every model has a lifecycle, the end-of-life ones of
// FACTS.md with their dates, and the gated ones are not in the current
// lineup.
func TestLifecycles(t *testing.T) {
	c := matrix.Default()
	for key, want := range map[string]matrix.Lifecycle{
		"claude-3-5-haiku": matrix.EndOfLife, "claude-3-7-sonnet": matrix.EndOfLife,
		"claude-mythos-5": matrix.Gated, "claude-haiku-5-5": matrix.Gated,
		"claude-opus-5": matrix.Legacy, "claude-sonnet-4-6": matrix.Active,
	} {
		m := c.Must(key)
		if m.Lifecycle != want || m.Current() != (want == matrix.Active || want == matrix.Legacy) {
			t.Errorf("%s: lifecycle %q (current %v), want %q", key, m.Lifecycle, m.Current(), want)
		}
	}
	if d := c.Must("claude-3-5-haiku").EndOfLife; d != "2026-06-19" {
		t.Errorf("Claude 3.5 Haiku end of life %q, want 2026-06-19 (AWS model card)", d)
	}
	if got := c.Must("claude-opus-4-7").Minimums(); len(got) != 2 || got[0] != 2048 || got[1] != 4096 {
		t.Errorf("Opus 4.7 minimums %v, want [2048 4096]: the AWS value and Anthropic's", got)
	}
	if _, ok := c.Must("nova-lite").Disputed(matrix.FactExplicitFiveMinute); !ok {
		t.Error("Nova's explicit 5m TTL is disputed (FACTS.md 2026 update)")
	}
}

func near(a, b float64) bool { return a-b < 1e-12 && b-a < 1e-12 }

// TestOtherwise: the other value of a disputed boolean fact, with what it
// implies (the one-hour price), and the catalog's model left untouched.
func TestOtherwise(t *testing.T) {
	c := matrix.Default()
	sonnet46 := c.Must("claude-sonnet-4-6")
	no1h := sonnet46.Otherwise(matrix.FactOneHour)
	if no1h.SupportsTTL(matrix.TTLOneHour) || no1h.Prices.CacheWrite1h != 0 || !sonnet46.SupportsTTL(matrix.TTLOneHour) {
		t.Errorf("Sonnet 4.6 without 1h: ttls %v, 1h price %v; the catalog's still %v", no1h.TTLs, no1h.Prices.CacheWrite1h, sonnet46.TTLs)
	}
	mythos := c.Must("claude-mythos-5")
	if with := mythos.Otherwise(matrix.FactOneHour); !with.SupportsTTL(matrix.TTLOneHour) || with.Prices.CacheWrite1h != 2*mythos.Prices.Input {
		t.Errorf("Mythos 5 with 1h: ttls %v, 1h price %v", with.TTLs, with.Prices.CacheWrite1h)
	}
	if n := c.Must("nova-lite").Otherwise(matrix.FactExplicitFiveMinute); !n.RejectsExplicitTTL {
		t.Error("Nova Lite as the other sources describe it rejects an explicit ttl")
	}
	if got := sonnet46.Otherwise(matrix.FactMinTokens); got.MinTokens != sonnet46.MinTokens {
		t.Error("Otherwise changes nothing for a fact it does not flip")
	}
}
