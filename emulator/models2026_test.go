package emulator

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/google/go-cmp/cmp"
)

// The 2026 model IDs the tests call through inference profiles.
const (
	sonnet46Global = "global.anthropic.claude-sonnet-4-6"
	opus47US       = "us.anthropic.claude-opus-4-7"
	opus55Global   = "global.anthropic.claude-opus-5-5"
)

// TestProfileModelsConverseAndCache sends each 2026 profile ID a prefix
// over its minimum with a 1h checkpoint: the first call writes it, a call
// 30 minutes later reads it.
func TestProfileModelsConverseAndCache(t *testing.T) {
	for _, tc := range []struct {
		model  string
		tokens int // over the model's minimum
	}{
		{sonnet46Global, 1100},
		{opus47US, 4200},
		{opus55Global, 600},
	} {
		t.Run(tc.model, func(t *testing.T) {
			h := startHarness(t, Options{})
			in := &bedrockruntime.ConverseInput{ModelId: aws.String(tc.model),
				Messages: msgs(user(text(txt("profile", tc.tokens)), cpTTL("1h")))}
			wantUsage(t, "first", mustCall(t, h.c, in), 0, tc.tokens)
			h.srv.Advance(30 * time.Minute)
			u := mustCall(t, h.c, in)
			wantUsage(t, "after 30m", u, tc.tokens, 0)
			if u.CacheDetails != nil {
				t.Errorf("cacheDetails on a read-only call: %s", usageString(u))
			}
		})
	}
}

// TestModelIdentifiers2026 covers which identifiers of the 2026 table are
// served: profile-only models refuse their base ID, in-Region Mythos models
// refuse every profile, older models keep every prefix (au. included).
func TestModelIdentifiers2026(t *testing.T) {
	onDemand := "Invocation of model ID %s with on-demand throughput isn't supported."
	for _, tc := range []struct {
		id, code, message string
	}{
		{"anthropic.claude-sonnet-4-6", "ValidationException", strings.Replace(onDemand, "%s", "anthropic.claude-sonnet-4-6", 1)},
		{"anthropic.claude-opus-4-7", "ValidationException", strings.Replace(onDemand, "%s", "anthropic.claude-opus-4-7", 1)},
		{"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-fable-5", "ValidationException", "on-demand throughput"},
		{"anthropic.claude-mythos-5", "", ""},
		{"anthropic.claude-mythos-5-1", "", ""},
		{"us.anthropic.claude-mythos-5", "ValidationException", msgInvalidModelID},
		{"global.anthropic.claude-mythos-5-1", "ValidationException", msgInvalidModelID},
		{"au.anthropic.claude-opus-4-7", "", ""},
		{"apac.anthropic.claude-sonnet-5", "", ""},
		{"jp.anthropic.claude-opus-4-6-v1", "", ""},
		{"eu.anthropic.claude-haiku-5-5", "", ""},
		{"us.anthropic.claude-fable-5-2", "", ""},
		{"au.anthropic.claude-sonnet-4-5-20250929-v1:0", "", ""},
		{"anthropic.claude-sonnet-4-5-20250929-v1:0", "", ""},
		{"arn:aws:bedrock:us-east-1:123456789012:inference-profile/jp.anthropic.claude-fable-5", "", ""},
		{"xx.anthropic.claude-opus-4-7", "ValidationException", msgInvalidModelID},
	} {
		t.Run(tc.id, func(t *testing.T) {
			h := startHarness(t, Options{})
			_, err := call(t, h.c, &bedrockruntime.ConverseInput{ModelId: aws.String(tc.id),
				Messages: msgs(user(text("hello")))})
			if got := apiCode(err); got != tc.code {
				t.Fatalf("code %q, want %q (%v)", got, tc.code, err)
			}
			if err != nil && !strings.Contains(err.Error(), tc.message) {
				t.Fatalf("error %v, want it to contain %q", err, tc.message)
			}
		})
	}
}

// TestEndOfLifeModels: every call to an end-of-life model, by base ID or
// profile, through Converse or InvokeModel, is a 404 the SDK decodes as
// *types.ResourceNotFoundException.
func TestEndOfLifeModels(t *testing.T) {
	h := startHarness(t, Options{})
	body := map[string]any{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 8,
		"messages": []any{map[string]any{"role": "user", "content": "hello"}}}
	for _, id := range []string{
		"anthropic.claude-3-5-haiku-20241022-v1:0", "us.anthropic.claude-3-5-haiku-20241022-v1:0",
		"anthropic.claude-3-7-sonnet-20250219-v1:0", "au.anthropic.claude-3-7-sonnet-20250219-v1:0",
		"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-7-sonnet-20250219-v1:0",
	} {
		t.Run(id, func(t *testing.T) {
			_, cerr := call(t, h.c, &bedrockruntime.ConverseInput{ModelId: aws.String(id), Messages: msgs(user(text("hello")))})
			_, ierr := invoke(t, h.c, id, body)
			for api, err := range map[string]error{"Converse": cerr, "InvokeModel": ierr} {
				var nf *types.ResourceNotFoundException
				if !errors.As(err, &nf) || !strings.Contains(nf.ErrorMessage(), "end of its life") {
					t.Errorf("%s: %v, want a ResourceNotFoundException (end of life)", api, err)
				}
			}
		})
	}
}

// afterOpus46 are the Claude models newer than Opus 4.6: off the legacy
// integration.
var afterOpus46 = []string{"anthropic.claude-opus-4-7", "anthropic.claude-opus-4-8", "anthropic.claude-fable-5",
	"anthropic.claude-mythos-5", "anthropic.claude-sonnet-5", "anthropic.claude-opus-5", "anthropic.claude-fable-5-1",
	"anthropic.claude-mythos-5-1", "anthropic.claude-opus-5-5", "anthropic.claude-sonnet-5-5",
	"anthropic.claude-haiku-5-5", "anthropic.claude-fable-5-2"}

// TestBuiltinTable2026 checks the rows of FACTS.md's 2026 table and the
// per-model flags other parts of the emulator read.
func TestBuiltinTable2026(t *testing.T) {
	all := map[string]ModelSpec{}
	for _, m := range BuiltinModels() {
		all[m.ID] = m
	}
	for _, tc := range []struct {
		id        string
		min       int
		ttl1h     bool
		inRegion  bool
		lifecycle string
	}{
		{"anthropic.claude-sonnet-4-6", 1024, true, false, LifecycleActive},
		{"anthropic.claude-opus-4-6-v1", 4096, true, false, LifecycleActive},
		{"anthropic.claude-opus-4-7", 4096, true, false, LifecycleActive},
		{"anthropic.claude-opus-4-8", 1024, true, false, LifecycleActive},
		{"anthropic.claude-fable-5", 512, true, false, LifecycleActive},
		{"anthropic.claude-mythos-5", 512, false, true, LifecycleGated},
		{"anthropic.claude-sonnet-5", 1024, true, false, LifecycleActive},
		{"anthropic.claude-opus-5", 512, true, false, LifecycleLegacy},
		{"anthropic.claude-fable-5-1", 512, true, false, LifecycleActive},
		{"anthropic.claude-mythos-5-1", 512, false, true, LifecycleGated},
		{"anthropic.claude-opus-5-5", 512, true, false, LifecycleActive},
		{"anthropic.claude-sonnet-5-5", 512, true, false, LifecycleActive},
		{"anthropic.claude-haiku-5-5", 512, true, false, LifecycleGated},
		{"anthropic.claude-fable-5-2", 512, true, false, LifecycleActive},
	} {
		m, ok := all[tc.id]
		want := ModelSpec{ID: tc.id, Family: FamilyClaude, Caching: true, MinTokens: tc.min, MaxCheckpoints: 4,
			ToolCheckpoints: true, TTL1h: tc.ttl1h, LookBack: 20, MaxCachedTokens: -1, ImplicitCaching: true,
			CountTokens: tc.id == "anthropic.claude-sonnet-4-6", Profiles: profilePrefixes, ProfileOnly: !tc.inRegion,
			Lifecycle: tc.lifecycle, LegacyIntegration: strings.Contains(tc.id, "-4-6"), ContextTokens: 200000}
		if tc.inRegion {
			want.Profiles = nil
		}
		if diff := cmp.Diff(want, m); !ok || diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.id, diff)
		}
	}
	var counting, eol []string
	for _, m := range BuiltinModels() {
		if m.CountTokens {
			counting = append(counting, m.ID)
		}
		if m.Lifecycle == LifecycleEndOfLife {
			eol = append(eol, m.ID)
		}
		if want := m.Family == FamilyClaude && !slices.Contains(afterOpus46, m.ID); m.LegacyIntegration != want {
			t.Errorf("%s: legacyIntegration %v, want %v (only Claude up to Opus 4.6)", m.ID, m.LegacyIntegration, want)
		}
	}
	wantCounting := []string{"anthropic.claude-haiku-4-5-20251001-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-6"}
	if !slices.Equal(counting, wantCounting) {
		t.Errorf("countTokens models %q, want %q", counting, wantCounting)
	}
	for _, id := range []string{"anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic.claude-3-7-sonnet-20250219-v1:0"} {
		if !slices.Contains(eol, id) {
			t.Errorf("%s is not end-of-life", id)
		}
	}
}

// TestBuiltinModelsRoundTrip: every built-in row, described as a ModelSpec,
// passes the models file's checks and describes the same row again.
func TestBuiltinModelsRoundTrip(t *testing.T) {
	for _, m := range BuiltinModels() {
		if err := m.check(); err != nil {
			t.Errorf("%s: %v", m.ID, err)
			continue
		}
		if diff := cmp.Diff(m, m.spec().export()); diff != "" {
			t.Errorf("%s (-exported +round trip):\n%s", m.ID, diff)
		}
	}
}

// TestNoAccess: a model in Options.NoAccess answers every call, by base ID
// or profile, through Converse or InvokeModel, with a 403 the SDK decodes
// as *types.AccessDeniedException; other models answer as before, and New
// refuses an ID the table does not hold.
func TestNoAccess(t *testing.T) {
	h := startHarness(t, Options{NoAccess: []string{"amazon.nova-lite-v1:0"}})
	body := map[string]any{"messages": []any{map[string]any{"role": "user", "content": []any{map[string]any{"text": "hello"}}}}}
	for _, id := range []string{"amazon.nova-lite-v1:0", "us.amazon.nova-lite-v1:0"} {
		_, cerr := call(t, h.c, &bedrockruntime.ConverseInput{ModelId: aws.String(id), Messages: msgs(user(text("hello")))})
		_, ierr := invoke(t, h.c, id, body)
		for api, err := range map[string]error{"Converse": cerr, "InvokeModel": ierr} {
			var ad *types.AccessDeniedException
			if !errors.As(err, &ad) {
				t.Errorf("%s %s: %v, want an AccessDeniedException", api, id, err)
			}
		}
	}
	if _, err := call(t, h.c, &bedrockruntime.ConverseInput{ModelId: aws.String("us.amazon.nova-micro-v1:0"), Messages: msgs(user(text("hello")))}); err != nil {
		t.Errorf("a model with access: %v", err)
	}
	if _, err := New(Options{NoAccess: []string{"amazon.nova-nope"}}); err == nil || !strings.Contains(err.Error(), "amazon.nova-nope") {
		t.Errorf("New with an unknown NoAccess ID = %v, want an error naming it", err)
	}
}
