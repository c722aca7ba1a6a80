package emulator

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

// verdict reduces a usage to what a verifier concludes, independent of the
// tokenizer: miss, hit or partial (read and write).
func verdict(u *types.TokenUsage, err error) string {
	if err != nil {
		return "error:" + apiCode(err)
	}
	read, write := i32(u.CacheReadInputTokens), i32(u.CacheWriteInputTokens)
	switch {
	case read == 0 && write == 0:
		return "none"
	case read == 0:
		return "miss"
	case write == 0:
		return "hit"
	}
	return "partial"
}

// invokeVerdict is verdict for an InvokeModel call.
func invokeVerdict(u invokeUsage, err error) string {
	if err != nil {
		return "error:" + apiCode(err)
	}
	return verdict(&types.TokenUsage{CacheReadInputTokens: aws.Int32(int32(u.read)), CacheWriteInputTokens: aws.Int32(int32(u.write))}, nil)
}

// scenario is one observation a verifier makes; affectedBy lists the
// faults that must change its verdict (every other profile must not).
type scenario struct {
	name       string
	affectedBy []string
	run        func(t *testing.T, h *harness) string
}

func scenarios() []scenario {
	conv := func(t *testing.T, h *harness, in *bedrockruntime.ConverseInput) string {
		return verdict(call(t, h.c, in))
	}
	small := func(tokens int) *bedrockruntime.ConverseInput {
		return &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45), Messages: msgs(user(text(txt("small", tokens)), cp()))}
	}
	return []scenario{
		{"repeat hits", nil, func(t *testing.T, h *harness) string {
			in := defaultLayered().input()
			return conv(t, h, in) + " " + conv(t, h, in)
		}},
		{"cascade", []string{FaultNoCascade}, func(t *testing.T, h *harness) string {
			var out []string
			for _, change := range []func(*layered){
				func(l *layered) { l.toolSeed = "traffic" },
				func(l *layered) { l.sysSeed = "persona" },
				func(l *layered) { l.msgSeed = "other" },
			} {
				h.srv.Reset()
				base := defaultLayered()
				conv(t, h, base.input())
				change(&base)
				// Read only the layers the change left alone: reads of
				// what the variant itself wrote are not the point.
				u, err := call(t, h.c, base.input())
				if err != nil {
					return "error:" + apiCode(err)
				}
				out = append(out, itoa(i32(u.CacheReadInputTokens)))
			}
			return strings.Join(out, ",")
		}},
		{"threshold far below minimum", []string{FaultThresholdIgnored}, func(t *testing.T, h *harness) string {
			return conv(t, h, small(500))
		}},
		{"threshold just below minimum", []string{FaultThresholdIgnored, FaultThresholdOff}, func(t *testing.T, h *harness) string {
			return conv(t, h, small(824))
		}},
		{"nova tool checkpoint", []string{FaultNovaAcceptsToolCheckpoints}, func(t *testing.T, h *harness) string {
			return conv(t, h, &bedrockruntime.ConverseInput{ModelId: aws.String(novaLite),
				ToolConfig: &types.ToolConfiguration{Tools: []types.Tool{tool("t", txt("t", 1500)), toolCP()}}, Messages: msgs(user(text("q")))})
		}},
		// The checkpoint rules below are checked through Converse and through
		// InvokeModel (the Anthropic body on Claude, the native body on Nova),
		// which share the validation: the verdict is both, in that order.
		{"nova 1h", []string{FaultNovaAcceptsOneHour}, func(t *testing.T, h *harness) string {
			s := txt("s", 1500)
			return conv(t, h, &bedrockruntime.ConverseInput{ModelId: aws.String(novaLite),
				System: []types.SystemContentBlock{sysText(s), sysCPTTL("1h")}, Messages: msgs(user(text("q")))}) + " " +
				invokeVerdict(invoke(t, h.c, novaLite, novaNative(
					[]any{map[string]any{"text": s + " (invoke)"}, map[string]any{"cachePoint": map[string]any{"type": "default", "ttl": "1h"}}})))
		}},
		{"ttl order", []string{FaultTTLOrderNotEnforced}, func(t *testing.T, h *harness) string {
			s := txt("s", 1500)
			return conv(t, h, &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45),
				System: []types.SystemContentBlock{sysText(s), sysCPTTL("5m")}, Messages: msgs(user(text("q"), cpTTL("1h")))}) + " " +
				invokeVerdict(invoke(t, h.c, sonnet45, map[string]any{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 16,
					"system":   []any{anthropicText(s+" (invoke)", cc("5m"))},
					"messages": []any{map[string]any{"role": "user", "content": []any{anthropicText("q", cc("1h"))}}}}))
		}},
		{"nothing to cache", []string{FaultNothingToCacheAccepted}, func(t *testing.T, h *harness) string {
			// An Anthropic body cannot put a checkpoint before every
			// block (cache_control sits on the block it closes), so the
			// InvokeModel half is Nova's native body.
			s := txt("s", 1500)
			return conv(t, h, &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45),
				System: []types.SystemContentBlock{sysCP(), sysText(s)}, Messages: msgs(user(text("q")))}) + " " +
				invokeVerdict(invoke(t, h.c, novaLite, novaNative(
					[]any{map[string]any{"cachePoint": map[string]any{"type": "default"}}, map[string]any{"text": s}})))
		}},
		{"ttl expiry", []string{FaultTTLNeverExpires}, func(t *testing.T, h *harness) string {
			in := defaultLayered().input()
			conv(t, h, in)
			h.srv.Advance(5*time.Minute + time.Second)
			return conv(t, h, in)
		}},
		{"ttl refresh", []string{FaultNoRefreshOnHit}, func(t *testing.T, h *harness) string {
			in := defaultLayered().input()
			conv(t, h, in)
			h.srv.Advance(4 * time.Minute)
			first := conv(t, h, in)
			h.srv.Advance(4 * time.Minute)
			return first + " " + conv(t, h, in)
		}},
		{"stream cache usage", []string{FaultStreamDropsCacheUsage}, func(t *testing.T, h *harness) string {
			s, err := callStream(t, h.c, defaultLayered().input())
			if err != nil {
				return "error:" + apiCode(err)
			}
			return verdict(s.usage, nil)
		}},
		{"totals add up", []string{FaultTotalsDontAddUp}, func(t *testing.T, h *harness) string {
			in := defaultLayered().input()
			var out []string
			for i := 0; i < 2; i++ {
				u, err := call(t, h.c, in)
				if err != nil {
					return "error:" + apiCode(err)
				}
				ok := i32(u.TotalTokens) == i32(u.InputTokens)+i32(u.OutputTokens)+i32(u.CacheReadInputTokens)+i32(u.CacheWriteInputTokens)
				out = append(out, map[bool]string{true: "adds-up", false: "off"}[ok])
			}
			return strings.Join(out, " ")
		}},
		{"look-back", []string{FaultNoLookback}, func(t *testing.T, h *harness) string {
			q1 := txt("q1", 1500)
			conv(t, h, &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45), Messages: msgs(user(text(q1), cp()))})
			return conv(t, h, &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45),
				Messages: msgs(user(text(q1)), assistant(text("a1")), user(text(txt("q2", 200)), cp()))})
		}},
		{"account isolation", []string{FaultSharedCacheAcrossAccounts}, func(t *testing.T, h *harness) string {
			in := defaultLayered().input()
			conv(t, h, in)
			other := sigv4Client(h.srv.URL(), "AKIDOTHER", nil)
			return verdict(call(t, other, in))
		}},
		{"checkpoint limit", []string{FaultCheckpointLimitNotEnforced}, func(t *testing.T, h *harness) string {
			big := txt("big", 1100)
			return conv(t, h, &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45),
				System:   []types.SystemContentBlock{sysText(big), sysCP()},
				Messages: msgs(user(text(big), cp(), text(big), cp(), text(big), cp(), text(big), cp()))})
		}},
	}
}

// novaNative is a Nova InvokeModel body with the given system list and one
// user message.
func novaNative(system []any) map[string]any {
	return map[string]any{"schemaVersion": "messages-v1", "system": system,
		"messages": []any{map[string]any{"role": "user", "content": []any{map[string]any{"text": "q"}}}}}
}

func runScenario(t *testing.T, profile string, s scenario) string {
	t.Helper()
	var opts Options
	if profile != "" {
		opts.Profiles = []string{profile}
	}
	return s.run(t, startHarness(t, opts))
}

// TestFaultProfiles shows that every fault profile changes the verdict of
// the rule it names and of no other rule.
func TestFaultProfiles(t *testing.T) {
	scs := append(scenarios(), changeScenarios()...)
	healthy := map[string]string{}
	for _, s := range scs {
		healthy[s.name] = runScenario(t, "", s)
	}
	for _, f := range Faults() {
		t.Run(f.Name, func(t *testing.T) {
			owned := 0
			for _, s := range scs {
				got := runScenario(t, f.Name, s)
				want := slices.Contains(s.affectedBy, f.Name)
				if want {
					owned++
				}
				switch {
				case want && got == healthy[s.name]:
					t.Errorf("%s: scenario %q unchanged (%s); the fault does not break its rule", f.Name, s.name, got)
				case !want && got != healthy[s.name]:
					t.Errorf("%s: scenario %q changed from %s to %s; the fault breaks more than one rule", f.Name, s.name, healthy[s.name], got)
				case want:
					t.Logf("%s: %q healthy %s, faulty %s", f.Name, s.name, healthy[s.name], got)
				}
			}
			if owned == 0 {
				t.Errorf("fault %s has no scenario", f.Name)
			}
		})
	}
}

// TestNovaAcceptsOneHourCachesFiveMinutes pins the documented choice of the
// nova-accepts-one-hour fault: the accepted 1h checkpoint is a 5m one.
func TestNovaAcceptsOneHourCachesFiveMinutes(t *testing.T) {
	h := startHarness(t, Options{Profiles: []string{FaultNovaAcceptsOneHour}})
	in := &bedrockruntime.ConverseInput{ModelId: aws.String(novaLite),
		System: []types.SystemContentBlock{sysText(txt("s", 1500)), sysCPTTL("1h")}, Messages: msgs(user(text("q")))}
	var got []string
	for _, wait := range []time.Duration{0, 4 * time.Minute, 5*time.Minute + time.Second} {
		h.srv.Advance(wait)
		got = append(got, verdict(call(t, h.c, in)))
	}
	if s := strings.Join(got, " "); s != "miss hit miss" {
		t.Errorf("Nova 1h under %s: %s, want miss hit miss (a 5m entry, refreshed by the hit)", FaultNovaAcceptsOneHour, s)
	}
}

// TestBenignProfiles shows that benign profiles change no verdict.
func TestBenignProfiles(t *testing.T) {
	scs := append(scenarios(), changeScenarios()...)
	healthy := map[string]string{}
	for _, s := range scs {
		healthy[s.name] = runScenario(t, "", s)
	}
	for _, p := range BenignProfiles() {
		t.Run(p.Name, func(t *testing.T) {
			for _, s := range scs {
				if s.name == "cascade" && p.Name == BenignTokenizerRatio {
					// Its verdict is in tokens, which this profile changes
					// by design; compare the shape instead.
					got := runScenario(t, p.Name, s)
					if strings.Count(got, ",") != 2 || strings.HasPrefix(got, "error") || !strings.HasPrefix(got, "0,") {
						t.Errorf("cascade under %s: %s", p.Name, got)
					}
					continue
				}
				if got := runScenario(t, p.Name, s); got != healthy[s.name] {
					t.Errorf("%s changed scenario %q: %s, healthy %s", p.Name, s.name, got, healthy[s.name])
				}
			}
		})
	}
}

// TestBenignProfilesChangeSomething checks that each benign profile is
// observable (so it is not a no-op that proves nothing).
func TestBenignProfilesChangeSomething(t *testing.T) {
	in := &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45), Messages: msgs(user(text(txt("q", 1500)), cp()))}
	observe := func(profile string) (string, int, int64) {
		var opts Options
		if profile != "" {
			opts.Profiles = []string{profile}
		}
		h := startHarness(t, opts)
		out, err := h.c.Converse(t.Context(), in)
		if err != nil {
			t.Fatal(err)
		}
		text := out.Output.(*types.ConverseOutputMemberMessage).Value.Content[0].(*types.ContentBlockMemberText).Value
		return text, i32(out.Usage.CacheWriteInputTokens), *out.Metrics.LatencyMs
	}
	baseText, baseWrite, baseLatency := observe("")
	if text, _, _ := observe(BenignOtherReplyText); text == baseText {
		t.Errorf("other-reply-text: same text")
	}
	if _, write, _ := observe(BenignTokenizerRatio); write == baseWrite {
		t.Errorf("tokenizer-ratio: same size %d", write)
	}
	if _, _, lat := observe(BenignLatency); lat <= baseLatency {
		t.Errorf("latency: latencyMs %d not above %d", lat, baseLatency)
	}
	// extra-response-fields: the raw body carries unknown keys the SDK
	// ignores (decoding above already succeeded through the SDK).
	h := startHarness(t, Options{Profiles: []string{BenignExtraResponseFields}})
	_, body := rawPost(t, h.srv.URL(), "/model/"+strings.ReplaceAll(sonnet45, ":", "%3A")+"/converse", fakeSigV4,
		[]byte(`{"messages":[{"role":"user","content":[{"text":"hi"}]}]}`))
	if !strings.Contains(string(body), `"zExtension"`) || !strings.Contains(string(body), `"futureTokenBucket"`) {
		t.Errorf("extra-response-fields: %s", body)
	}
	if _, err := callStream(t, h.c, in); err != nil {
		t.Errorf("extra-response-fields stream: %v", err)
	}
}

// TestProfileListing checks the exported listings a mutation script
// iterates.
func TestProfileListing(t *testing.T) {
	wantFaults := []string{"checkpoint-limit-not-enforced", "no-cascade", "no-lookback", "no-refresh-on-hit",
		"nothing-to-cache-accepted", "nova-accepts-one-hour", "nova-accepts-tool-checkpoints",
		"shared-cache-across-accounts", "stream-drops-cache-usage", "threshold-ignored", "threshold-off",
		"totals-dont-add-up", "ttl-never-expires", "ttl-order-not-enforced", "documents-ignored", "images-ignored", "inference-invalidates",
		"metadata-invalidates", "tool-order-ignored", "toolchoice-invalidates-all"}
	slices.Sort(wantFaults)
	var got []string
	for _, p := range Faults() {
		got = append(got, p.Name)
		if p.Description == "" || p.Benign {
			t.Errorf("fault %+v", p)
		}
	}
	if !slices.Equal(got, wantFaults) {
		t.Errorf("Faults() = %v", got)
	}
	got = nil
	for _, p := range BenignProfiles() {
		got = append(got, p.Name)
		if p.Description == "" || !p.Benign {
			t.Errorf("benign %+v", p)
		}
	}
	if !slices.Equal(got, []string{"extra-response-fields", "implicit-reads", "latency", "other-reply-text", "tokenizer-ratio"}) {
		t.Errorf("BenignProfiles() = %v", got)
	}
}

// TestNoiseAndInputProfiles checks the two profiles the nightly's classes
// are proven with: random-evictions turns some hits into fresh writes
// (never a hit that also writes), the same ones on every run; and
// extra-input-tokens bills 40 more input tokens, cache usage unchanged.
func TestNoiseAndInputProfiles(t *testing.T) {
	repeats := func(profiles ...string) []cacheResult {
		e, err := New(Options{Profiles: profiles})
		if err != nil {
			t.Fatal(err)
		}
		body := []byte(`{"system":[{"text":"` + strings.Repeat("steady words ", 700) + `"},{"cachePoint":{"type":"default"}}],"messages":[{"role":"user","content":[{"text":"hi"}]}]}`)
		var out []cacheResult
		for range 64 {
			res, aerr := e.converse("acct", sonnet45, body)
			if aerr != nil {
				t.Fatal(aerr)
			}
			out = append(out, res.cache)
		}
		return out
	}
	if n := misses(t, repeats()); n != 0 {
		t.Fatalf("Expected\n%d misses\nto be 0 without the profile", n)
	}
	first, second := repeats(NoiseRandomEvictions), repeats(NoiseRandomEvictions)
	if n := misses(t, first); n == 0 || n > 63/2 {
		t.Errorf("Expected\n%d misses of 63 repeats\nto be some, about one in %d", n, randomEvictionOdds)
	}
	if !slices.Equal(first, second) {
		t.Errorf("Expected\nthe same evictions on every run\nto repeat")
	}

	e, err := New(Options{Profiles: []string{NoiseExtraInputTokens}})
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := New(Options{})
	body := []byte(`{"messages":[{"role":"user","content":[{"text":"hello there"}]}]}`)
	a, _ := plain.converse("acct", sonnet45, body)
	b, _ := e.converse("acct", sonnet45, body)
	if b.input != a.input+extraInputTokens || b.cache != a.cache {
		t.Errorf("Expected\ninput %d, cache %+v\nto be input %d, cache %+v", b.input, b.cache, a.input+extraInputTokens, a.cache)
	}
	if got := NoiseProfiles(); !slices.ContainsFunc(got, func(p Profile) bool { return p.Name == NoiseExtraInputTokens }) || !slices.ContainsFunc(got, func(p Profile) bool { return p.Name == NoiseRandomEvictions }) {
		t.Errorf("NoiseProfiles() = %v", got)
	}
	for _, p := range Faults() {
		if p.Name == NoiseRandomEvictions {
			t.Errorf("Expected\nFaults()\nnot to hold the noise profile %s", p.Name)
		}
	}
}
