package discovery_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/google/go-cmp/cmp"

	"github.com/cachecascade/cachecascade/discovery"
	"github.com/cachecascade/cachecascade/emulator"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
)

func TestMain(m *testing.M) {
	// A bearer token in the environment would switch the client to bearer
	// auth, which the plain-HTTP emulator cannot carry.
	os.Unsetenv("AWS_BEARER_TOKEN_BEDROCK")
	os.Exit(m.Run())
}

// hidden is a model the emulator serves from a models file: the test knows
// its parameters, discovery does not. ask is the ID discovery is given.
type hidden struct {
	ask  string
	spec emulator.ModelSpec
}

// hiddenModels cover every measured field both ways: odd minimums, with and
// without CountTokens, with and without 1h, tool checkpoints and implicit
// caching, 3, 4 and 6 checkpoints, look-backs of 0, 7, 20 and 33 blocks,
// a base ID refused on demand, in-Region only, and the legacy integration
// (no automatic caching).
var hiddenModels = []hidden{
	{"anthropic.claude-hidden-1", emulator.ModelSpec{ID: "anthropic.claude-hidden-1", Family: "claude", Caching: true,
		MinTokens: 1536, MaxCheckpoints: 4, ToolCheckpoints: true, TTL1h: true, LookBack: 20, CountTokens: true,
		Profiles: []string{"us", "global"}, Lifecycle: "active", ContextTokens: 200000}},
	{"anthropic.claude-hidden-2", emulator.ModelSpec{ID: "anthropic.claude-hidden-2", Family: "claude", Caching: true,
		MinTokens: 3000, MaxCheckpoints: 3, ToolCheckpoints: true, LookBack: 7, ImplicitCaching: true, CountTokens: true,
		Profiles: []string{"eu", "apac", "global"}, ProfileOnly: true}},
	{"us.amazon.nova-hidden-1", emulator.ModelSpec{ID: "amazon.nova-hidden-1", Family: "nova", Caching: true,
		MinTokens: 1000, MaxCheckpoints: 4, LookBack: -1, ImplicitCaching: true,
		Profiles: []string{"us", "eu", "jp"}, ProfileOnly: true}},
	{"anthropic.claude-hidden-odd", emulator.ModelSpec{ID: "anthropic.claude-hidden-odd", Family: "claude", Caching: true,
		MinTokens: 2222, MaxCheckpoints: 6, ToolCheckpoints: true, TTL1h: true, LookBack: 33, LegacyIntegration: true}},
}

// plainModels do not cache: one answers without caching, one is past its
// end of life.
var plainModels = []hidden{
	{"us.meta.hidden-plain-1", emulator.ModelSpec{ID: "meta.hidden-plain-1", Family: "other", Profiles: []string{"us"}}},
	{"anthropic.claude-hidden-gone", emulator.ModelSpec{ID: "anthropic.claude-hidden-gone", Family: "claude", Caching: true,
		MinTokens: 1024, Lifecycle: "end-of-life"}},
}

// writeModels writes the models to a models file in a temporary directory
// and returns its path.
func writeModels(t testing.TB, models []hidden) string {
	t.Helper()
	var f struct {
		Models []emulator.ModelSpec `json:"models"`
	}
	for _, h := range models {
		f.Models = append(f.Models, h.spec)
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "models.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// startEmulator serves the hidden models, with implicit reads on (the
// emulator reads implicitly only under that profile).
func startEmulator(t testing.TB, models []hidden, profiles ...string) *bedrockruntime.Client {
	t.Helper()
	srv, err := emulator.Start(emulator.Options{ModelsFile: writeModels(t, models), Profiles: append(profiles, emulator.BenignImplicitReads)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return bedrockruntime.New(bedrockruntime.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		BaseEndpoint: aws.String(srv.URL()),
		HTTPClient:   srv.HTTPClient(),
		Retryer:      aws.NopRetryer{},
	})
}

// measured are the entry fields discovery measures.
type measured struct {
	Family          matrix.Family
	BaseID          string
	Profiles        []string
	RequiresProfile bool
	MaxCheckpoints  int
	LookBackBlocks  int
	ImplicitCaching bool
	Cacheable       []prefix.Layer
	TTLs            []matrix.TTL
	CountTokens     bool
	Lifecycle       matrix.Lifecycle
	// AutomaticCaching is true on Claude off the legacy integration.
	AutomaticCaching bool
}

// measuredOf picks the measured fields of an entry.
func measuredOf(m matrix.Model) measured {
	return measured{Family: m.Family, BaseID: m.BaseID, Profiles: m.Profiles, RequiresProfile: m.RequiresProfile,
		MaxCheckpoints: m.MaxCheckpoints, LookBackBlocks: m.LookBackBlocks, ImplicitCaching: m.ImplicitCaching,
		Cacheable: m.Cacheable, TTLs: m.TTLs, CountTokens: m.CountTokens, Lifecycle: m.Lifecycle,
		AutomaticCaching: m.AutomaticCaching}
}

// expected is what discovery must find for a hidden model, from its spec
// and the emulator's family defaults (a look-back of 20 on Claude, none on
// Nova; usage.cacheDetails, so a reported 1h write, only on Claude).
func expected(s emulator.ModelSpec) measured {
	m := measured{Family: matrix.Family(s.Family), BaseID: s.ID, RequiresProfile: s.ProfileOnly, MaxCheckpoints: s.MaxCheckpoints,
		LookBackBlocks: max(s.LookBack, 0), ImplicitCaching: s.ImplicitCaching, CountTokens: s.CountTokens,
		Cacheable: []prefix.Layer{prefix.System, prefix.Messages}, TTLs: []matrix.TTL{matrix.TTLFiveMinute}, Lifecycle: matrix.Active,
		AutomaticCaching: s.Family == "claude" && !s.LegacyIntegration}
	for _, p := range []string{"us", "eu", "apac", "jp", "au", "global"} {
		if slices.Contains(s.Profiles, p) {
			m.Profiles = append(m.Profiles, p+"."+s.ID)
		}
	}
	if s.ToolCheckpoints {
		m.Cacheable = append([]prefix.Layer{prefix.Tools}, m.Cacheable...)
	}
	if s.TTL1h && s.Family == "claude" {
		m.TTLs = append(m.TTLs, matrix.TTLOneHour)
	}
	return m
}

func TestDiscoverFindsHiddenModels(t *testing.T) {
	c := startEmulator(t, append(slices.Clone(hiddenModels), plainModels...))
	for _, h := range hiddenModels {
		t.Run(h.spec.ID, func(t *testing.T) {
			t.Parallel()
			r := discovery.Discover(context.Background(), c, h.ask, discovery.Options{Now: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)})
			if r.Status() != discovery.Cached || r.Entry == nil {
				t.Fatalf("status %v, failure %q, evidence %+v", r.Status(), r.Failure, r.Evidence)
			}
			if diff := cmp.Diff(expected(h.spec), measuredOf(*r.Entry)); diff != "" {
				t.Errorf("measured fields (-hidden +discovered):\n%s", diff)
			}
			if got, want := r.Entry.MinTokens, h.spec.MinTokens; math.Abs(float64(got-want)) > 0.02*float64(want) {
				t.Errorf("minTokens %d, hidden %d: more than 2%% off", got, want)
			}
			checkBounds(t, r, false)
			t.Logf("%s: minTokens %d (hidden %d); %d Converse + %d InvokeModel calls (bound %d), %d CountTokens calls (bound %d)",
				h.spec.ID, r.Entry.MinTokens, h.spec.MinTokens, r.Totals.Converse, r.Totals.InvokeModel, discovery.MaxConverseCalls,
				r.Totals.CountTokens, discovery.MaxCountCalls)
		})
	}
}

// checkBounds fails when the calls exceed the stated bounds or the totals
// do not count them.
func checkBounds(t *testing.T, r *discovery.Result, capProbe bool) {
	t.Helper()
	bound, countBound := discovery.MaxConverseCalls, discovery.MaxCountCalls
	if capProbe {
		bound, countBound = bound+discovery.MaxCapCalls, countBound+discovery.MaxCapCountCalls
	}
	tt := r.Totals
	if tt.Converse+tt.InvokeModel > bound || tt.CountTokens > countBound || tt.ConverseBound != bound || tt.CountBound != countBound {
		t.Errorf("%d Converse, %d InvokeModel and %d CountTokens calls: over the bounds %d and %d (or the result states %d and %d)",
			tt.Converse, tt.InvokeModel, tt.CountTokens, bound, countBound, tt.ConverseBound, tt.CountBound)
	}
	if n := tt.Converse + tt.InvokeModel + tt.CountTokens; n != len(r.Calls) {
		t.Errorf("totals count %d calls, the result lists %d", n, len(r.Calls))
	}
}

func TestDiscoverEntryIsReadyButForPrices(t *testing.T) {
	c := startEmulator(t, hiddenModels[:1])
	prices := &matrix.Prices{Input: 3, Output: 15, CacheWrite: 3.75, CacheWrite1h: 6, CacheRead: 0.3, Date: "2026-11-25", Source: "prices-list"}
	withPrices := discovery.Discover(context.Background(), c, hiddenModels[0].ask, discovery.Options{Prices: prices})
	if withPrices.CatalogCheck != "ok" {
		t.Errorf("with prices, catalog check = %q, want ok", withPrices.CatalogCheck)
	}
	if withPrices.Totals.CostUSD == nil || *withPrices.Totals.CostUSD <= 0 {
		t.Errorf("with prices, cost = %v (%s)", withPrices.Totals.CostUSD, withPrices.Totals.CostNote)
	}
	without := discovery.Discover(context.Background(), c, hiddenModels[0].ask, discovery.Options{})
	if !strings.Contains(without.CatalogCheck, "prices") || without.Entry.Prices.Source != discovery.Placeholder {
		t.Errorf("without prices, catalog check = %q, source %q: want a placeholder the check refuses",
			without.CatalogCheck, without.Entry.Prices.Source)
	}
	if without.Totals.CostUSD != nil || !strings.Contains(without.Totals.CostNote, "unknown") {
		t.Errorf("without prices, cost = %v (%s), want unknown", without.Totals.CostUSD, without.Totals.CostNote)
	}
	if without.Entry.Key != "claude-hidden-1" || without.Entry.Name != "Claude Hidden 1" || without.Entry.Generation != "1" {
		t.Errorf("key %q, name %q, generation %q", without.Entry.Key, without.Entry.Name, without.Entry.Generation)
	}
}

func TestDiscoverModelsThatDoNotCache(t *testing.T) {
	c := startEmulator(t, plainModels)
	for _, h := range plainModels {
		r := discovery.Discover(context.Background(), c, h.ask, discovery.Options{})
		if r.Status() != discovery.NotCached || r.Entry != nil || r.Failure != "" {
			t.Errorf("%s: status %v, entry %v, failure %q; want not cached, no entry", h.ask, r.Status(), r.Entry != nil, r.Failure)
		}
		checkBounds(t, r, false)
	}
}

// TestEveryFieldHasEvidence holds the output to its promise: each measured
// field says how it was decided, naming calls that exist.
func TestEveryFieldHasEvidence(t *testing.T) {
	c := startEmulator(t, hiddenModels[2:3])
	r := discovery.Discover(context.Background(), c, hiddenModels[2].ask, discovery.Options{})
	fields := map[string]bool{}
	for _, e := range r.Evidence {
		fields[e.Field] = true
		for _, n := range e.Calls {
			if n < 1 || n > len(r.Calls) {
				t.Errorf("evidence for %s names call %d of %d", e.Field, n, len(r.Calls))
			}
		}
	}
	for _, f := range []string{"profiles", "requiresProfile", "countTokens", "cacheable: tools", "cacheable: system",
		"cacheable: messages", "caches", "minTokens", "maxCheckpoints", "rejectsExplicitTTL", "ttls", "implicitCaching", "lookBackBlocks",
		"maxCachedTokens", "lifecycle"} {
		if !fields[f] {
			t.Errorf("no evidence for %s", f)
		}
	}
}

func TestCapProbe(t *testing.T) {
	capped := hidden{"anthropic.claude-hidden-capped", emulator.ModelSpec{ID: "anthropic.claude-hidden-capped", Family: "claude",
		Caching: true, MinTokens: 1024, MaxCachedTokens: 12000, CountTokens: true}}
	c := startEmulator(t, []hidden{hiddenModels[0], hiddenModels[2], capped})
	for _, x := range []struct {
		model hidden
		probe int
		want  int
	}{
		{hiddenModels[2], 32768, 20000}, // Nova's documented cap, the family's default
		{capped, 16384, 12000},
		{hiddenModels[0], 16384, 0}, // no cap up to 16,384 tokens
	} {
		r := discovery.Discover(context.Background(), c, x.model.ask, discovery.Options{CapProbe: x.probe})
		if r.Entry == nil {
			t.Fatalf("%s: no entry: %s", x.model.ask, r.Failure)
		}
		if got := r.Entry.MaxCachedTokens; math.Abs(float64(got-x.want)) > 0.02*float64(x.want) {
			t.Errorf("%s: maxCachedTokens %d, hidden %d", x.model.ask, got, x.want)
		}
		checkBounds(t, r, true)
		t.Logf("%s: maxCachedTokens %d (hidden %d), %d Converse calls", x.model.ask, r.Entry.MaxCachedTokens, x.want, r.Totals.Converse)
	}
}
