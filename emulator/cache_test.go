package emulator

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

// TestCascade checks rule 1: a change in a layer misses at every checkpoint
// at or after it and hits every checkpoint before it.
func TestCascade(t *testing.T) {
	base := defaultLayered()
	for _, tc := range []struct {
		name    string
		variant func(l *layered)
		// readLayers is how many layers (tools, system, messages) still hit.
		readLayers int
	}{
		{"unchanged", func(l *layered) {}, 3},
		{"tools changed", func(l *layered) { l.toolSeed = "traffic" }, 0},
		{"system changed", func(l *layered) { l.sysSeed = "persona" }, 1},
		{"messages changed", func(l *layered) { l.msgSeed = "another" }, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := startHarness(t, Options{})
			prime := mustCall(t, h.c, base.input())
			total := i32(prime.CacheWriteInputTokens)
			toolTokens := total - base.sysTokens - base.msgTokens
			wantUsage(t, "prime", prime, 0, total)
			layerEnds := []int{0, toolTokens, toolTokens + base.sysTokens, total}

			v := base
			tc.variant(&v)
			u := mustCall(t, h.c, v.input())
			read := layerEnds[tc.readLayers]
			wantUsage(t, "variant", u, read, total-read)
			if i32(u.InputTokens) != 3 {
				t.Errorf("inputTokens = %d, want 3 (only the uncached tail)", i32(u.InputTokens))
			}
		})
	}
}

// TestReorderedSchemaKeysIsAnotherPrefix checks that the cache keys on the
// bytes of a tool schema, not on its meaning.
func TestReorderedSchemaKeysIsAnotherPrefix(t *testing.T) {
	emu, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, b)
		mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		emu.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c := sigv4Client(srv.URL, "AKIDEXAMPLE", nil)

	props := map[string]schemaProp{"city": {Type: "string", Description: "City name"}}
	in := func(s any) *bedrockruntime.ConverseInput {
		return &bedrockruntime.ConverseInput{
			ModelId:    aws.String(sonnet45),
			ToolConfig: &types.ToolConfiguration{Tools: []types.Tool{toolWithSchema("get_weather", txt("weather", 1300), s), toolCP()}},
			Messages:   []types.Message{user(text("hi"))},
		}
	}
	a := in(schema{Type: "object", Properties: props, Required: []string{"city"}})
	b := in(schemaReordered{Type: "object", Properties: props, Required: []string{"city"}})
	first := mustCall(t, c, a)
	if i32(first.CacheWriteInputTokens) == 0 {
		t.Fatalf("prime did not write: %s", usageString(first))
	}
	if u := mustCall(t, c, a); i32(u.CacheReadInputTokens) != i32(first.CacheWriteInputTokens) {
		t.Fatalf("same schema: %s, want a full read", usageString(u))
	}
	u := mustCall(t, c, b)
	wantUsage(t, "reordered schema", u, 0, i32(first.CacheWriteInputTokens))
	if bytes.Equal(bodies[0], bodies[2]) {
		t.Fatalf("the SDK sent identical bytes for both schemas; the test proves nothing")
	}
}

// TestThreshold checks rule 2 on both sides of the boundary, in both
// readings of the minimum.
func TestThreshold(t *testing.T) {
	for _, tc := range []struct {
		name      string
		mode      ThresholdMode
		model     string
		sysTokens int // system block, with a checkpoint when sysCP
		sysCP     bool
		msgTokens int // user block, with a checkpoint
		wantWrite int
	}{
		{"single checkpoint one below minimum", ThresholdCumulative, sonnet45, 500, false, 523, 0},
		{"single checkpoint at minimum", ThresholdCumulative, sonnet45, 500, false, 524, 1024},
		{"per-checkpoint single at minimum", ThresholdPerCheckpoint, sonnet45, 500, false, 524, 1024},
		// The recording: a ~500-token system checkpoint plus a later message
		// checkpoint gave one write of the whole prefix.
		{"cumulative small system then message", ThresholdCumulative, sonnet45, 500, true, 600, 1100},
		{"per-checkpoint small system then message", ThresholdPerCheckpoint, sonnet45, 500, true, 600, 0},
		{"cumulative second checkpoint below 2x", ThresholdCumulative, sonnet45, 1024, true, 1023, 2047},
		{"per-checkpoint second checkpoint below 2x", ThresholdPerCheckpoint, sonnet45, 1024, true, 1023, 1024},
		{"per-checkpoint second checkpoint at 2x", ThresholdPerCheckpoint, sonnet45, 1024, true, 1024, 2048},
		{"haiku 4.5 below 4096", ThresholdCumulative, haiku45, 2000, false, 2095, 0},
		{"haiku 4.5 at 4096", ThresholdCumulative, haiku45, 2000, false, 2096, 4096},
		{"sonnet 4.5 at 4014 (haiku's bisected no-cache size)", ThresholdCumulative, sonnet45, 2000, false, 2014, 4014},
		{"nova below 1000", ThresholdCumulative, novaLite, 500, false, 499, 0},
		{"nova at 1000", ThresholdCumulative, novaLite, 500, false, 500, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := startHarness(t, Options{Threshold: tc.mode})
			sys := []types.SystemContentBlock{sysText(txt("sys", tc.sysTokens))}
			if tc.sysCP {
				sys = append(sys, sysCP())
			}
			in := &bedrockruntime.ConverseInput{ModelId: aws.String(tc.model), System: sys,
				Messages: []types.Message{user(text(txt("msg", tc.msgTokens)), cp())}}
			u := mustCall(t, h.c, in)
			wantUsage(t, "first", u, 0, tc.wantWrite)
			// Below the minimum the request still succeeds and the repeat
			// reads exactly what was written.
			u = mustCall(t, h.c, in)
			wantUsage(t, "repeat", u, tc.wantWrite, 0)
		})
	}
}

// TestIncrementalConversation checks the CONVERSATION_HISTORY pattern: turn
// 2 reads turn 1's prefix (written at another checkpoint) and writes only the
// new part.
func TestIncrementalConversation(t *testing.T) {
	h := startHarness(t, Options{})
	sys := []types.SystemContentBlock{sysText(txt("sys", 900))}
	q1, a1, q2 := txt("q1", 812), txt("a1", 120), txt("q2", 116)
	turn1 := &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45), System: sys,
		Messages: []types.Message{user(text(q1), cp())}}
	u1 := mustCall(t, h.c, turn1)
	wantUsage(t, "turn 1", u1, 0, 1712)
	turn2 := &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45), System: sys,
		Messages: []types.Message{user(text(q1)), assistant(text(a1)), user(text(q2), cp())}}
	u2 := mustCall(t, h.c, turn2)
	wantUsage(t, "turn 2", u2, 1712, 236)
	if i32(u2.InputTokens) != 3 {
		t.Errorf("turn 2 inputTokens = %d, want 3", i32(u2.InputTokens))
	}
	if len(u2.CacheDetails) != 1 || u2.CacheDetails[0].Ttl != types.CacheTTLFiveMinutes || i32(u2.CacheDetails[0].InputTokens) != 236 {
		t.Errorf("turn 2 cacheDetails = %s, want [5m 236]", usageString(u2))
	}
}

// TestLookBack checks the ~20-block look-back window on Claude and its
// absence on Nova.
func TestLookBack(t *testing.T) {
	for _, tc := range []struct {
		name     string
		model    string
		between  int // text blocks in the second user message
		wantRead bool
	}{
		{"claude 20 blocks back", sonnet45, 19, true},
		{"claude 21 blocks back", sonnet45, 20, false},
		{"nova has no look-back", novaLite, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := startHarness(t, Options{})
			q1 := txt("q1", 1500)
			first := mustCall(t, h.c, &bedrockruntime.ConverseInput{ModelId: aws.String(tc.model),
				Messages: []types.Message{user(text(q1), cp())}})
			wantUsage(t, "turn 1", first, 0, 1500)
			var blocks []types.ContentBlock
			for i := 0; i < tc.between; i++ {
				blocks = append(blocks, text(txt(itoa(i), 10)))
			}
			blocks = append(blocks, cp())
			u := mustCall(t, h.c, &bedrockruntime.ConverseInput{ModelId: aws.String(tc.model),
				Messages: []types.Message{user(text(q1)), assistant(text("ok")), user(blocks...)}})
			got := i32(u.CacheReadInputTokens)
			if tc.wantRead && got != 1500 || !tc.wantRead && got != 0 {
				t.Fatalf("turn 2: %s, want read %v", usageString(u), tc.wantRead)
			}
		})
	}
}

// TestTTL checks rule 6: entries live 5 minutes, refreshed by each hit.
func TestTTL(t *testing.T) {
	type step struct {
		advance time.Duration
		hit     bool
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"hit inside 5m", []step{{4*time.Minute + 59*time.Second, true}}},
		{"miss at 5m", []step{{5 * time.Minute, false}}},
		{"each hit refreshes", []step{{4 * time.Minute, true}, {4 * time.Minute, true}, {4 * time.Minute, true}, {5*time.Minute + time.Second, false}}},
		{"a miss writes a new entry", []step{{6 * time.Minute, false}, {4 * time.Minute, true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := startHarness(t, Options{})
			in := defaultLayered().input()
			prime := mustCall(t, h.c, in)
			total := i32(prime.CacheWriteInputTokens)
			for i, s := range tc.steps {
				h.srv.Advance(s.advance)
				u := mustCall(t, h.c, in)
				if s.hit {
					wantUsage(t, "step "+itoa(i), u, total, 0)
				} else {
					wantUsage(t, "step "+itoa(i), u, 0, total)
				}
			}
		})
	}
}

// TestOneHourTTL checks 1h entries: listed first in cacheDetails and alive
// after 5 minutes while the 5m entry behind them expires.
func TestOneHourTTL(t *testing.T) {
	h := startHarness(t, Options{})
	in := &bedrockruntime.ConverseInput{
		ModelId:    aws.String(sonnet45),
		ToolConfig: &types.ToolConfiguration{Tools: []types.Tool{tool("get_weather", txt("weather", 1200)), toolCPTTL("1h")}},
		System:     []types.SystemContentBlock{sysText(txt("sys", 600)), sysCPTTL("5m")},
		Messages:   []types.Message{user(text("hello"))},
	}
	u := mustCall(t, h.c, in)
	total := i32(u.CacheWriteInputTokens)
	tools := total - 600
	if len(u.CacheDetails) != 2 || u.CacheDetails[0].Ttl != types.CacheTTLOneHour || i32(u.CacheDetails[0].InputTokens) != tools ||
		u.CacheDetails[1].Ttl != types.CacheTTLFiveMinutes || i32(u.CacheDetails[1].InputTokens) != 600 {
		t.Fatalf("cacheDetails: %s, want [1h %d, 5m 600]", usageString(u), tools)
	}
	h.srv.Advance(6 * time.Minute)
	u = mustCall(t, h.c, in)
	wantUsage(t, "after 6m", u, tools, 600)
	h.srv.Advance(59 * time.Minute) // 1h entry refreshed at 6m: alive until 66m
	u = mustCall(t, h.c, in)
	wantUsage(t, "after 65m", u, tools, 600)
	h.srv.Advance(61 * time.Minute)
	u = mustCall(t, h.c, in)
	wantUsage(t, "after 61m idle", u, 0, total)
}

// TestHitKeepsTheEntrysTTL checks that a hit refreshes an entry for its own
// TTL: a five-minute checkpoint reading a one-hour entry does not shorten
// it, and a one-hour checkpoint reading a five-minute entry does not make
// it an unpaid one-hour entry.
func TestHitKeepsTheEntrysTTL(t *testing.T) {
	h := startHarness(t, Options{})
	with := func(ttl string) *bedrockruntime.ConverseInput {
		return &bedrockruntime.ConverseInput{
			ModelId:  aws.String(sonnet45),
			System:   []types.SystemContentBlock{sysText(txt("keep", 1300)), sysCPTTL(ttl)},
			Messages: []types.Message{user(text("hello"))},
		}
	}
	total := i32(mustCall(t, h.c, with("1h")).CacheWriteInputTokens)
	h.srv.Advance(time.Minute)
	wantUsage(t, "5m checkpoint on the 1h entry", mustCall(t, h.c, with("5m")), total, 0)
	h.srv.Advance(10 * time.Minute)
	wantUsage(t, "1h checkpoint 11m later", mustCall(t, h.c, with("1h")), total, 0)

	h = startHarness(t, Options{})
	mustCall(t, h.c, with("5m"))
	h.srv.Advance(time.Minute)
	wantUsage(t, "1h checkpoint on the 5m entry", mustCall(t, h.c, with("1h")), total, 0)
	h.srv.Advance(30 * time.Minute)
	wantUsage(t, "5m checkpoint 30m later", mustCall(t, h.c, with("5m")), 0, total)
}

// TestAccountIsolation checks that entries are per account: two access keys
// do not share, the same key does.
func TestAccountIsolation(t *testing.T) {
	h := startHarness(t, Options{})
	in := defaultLayered().input()
	a := sigv4Client(h.srv.URL(), "AKIDALPHA", nil)
	b := sigv4Client(h.srv.URL(), "AKIDBRAVO", nil)
	prime := mustCall(t, a, in)
	total := i32(prime.CacheWriteInputTokens)
	wantUsage(t, "other key", mustCall(t, b, in), 0, total)
	wantUsage(t, "same key", mustCall(t, a, in), total, 0)
}

// TestBearerTokenIsolation checks bearer-token accounts over TLS.
func TestBearerTokenIsolation(t *testing.T) {
	srv, err := StartServer(Options{}, ServerOptions{TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	in := defaultLayered().input()
	tok1 := bearerClient(srv.URL(), mintAPIKey(t, "AKIDEMULATOR00000000", "emulator-secret", time.Now()), srv.HTTPClient())
	tok2 := bearerClient(srv.URL(), longTermAPIKey("token-two"), srv.HTTPClient())
	sig := sigv4Client(srv.URL(), "AKIDEXAMPLE", srv.HTTPClient())
	prime := mustCall(t, tok1, in)
	total := i32(prime.CacheWriteInputTokens)
	if total == 0 {
		t.Fatalf("bearer prime wrote nothing: %s", usageString(prime))
	}
	wantUsage(t, "other token", mustCall(t, tok2, in), 0, total)
	wantUsage(t, "sigv4", mustCall(t, sig, in), 0, total)
	wantUsage(t, "same token", mustCall(t, tok1, in), total, 0)
}

// TestModelIDForms checks that a base ID, inference profiles and an escaped
// ARN of the same model reach the same model (and so the same cache).
func TestModelIDForms(t *testing.T) {
	h := startHarness(t, Options{})
	l := defaultLayered()
	prime := mustCall(t, h.c, l.input())
	total := i32(prime.CacheWriteInputTokens)
	for _, id := range []string{
		sonnet45ARN,
		"anthropic.claude-sonnet-4-5-20250929-v1:0",
		"eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
		"apac.anthropic.claude-sonnet-4-5-20250929-v1:0",
		"jp.anthropic.claude-sonnet-4-5-20250929-v1:0",
		"global.anthropic.claude-sonnet-4-5-20250929-v1:0",
		"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
	} {
		l.model = id
		wantUsage(t, id, mustCall(t, h.c, l.input()), total, 0)
	}
	// Nova 2 Lite is on demand by base ID; Nova v1 by profile.
	for _, id := range []string{"amazon.nova-2-lite-v1:0", "us.amazon.nova-lite-v1:0", "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.amazon.nova-pro-v1:0"} {
		mustCall(t, h.c, &bedrockruntime.ConverseInput{ModelId: aws.String(id), Messages: []types.Message{user(text("hi"))}})
	}
}

// TestNovaCachesAtMost20K checks Nova's cap on the cached prefix.
func TestNovaCachesAtMost20K(t *testing.T) {
	h := startHarness(t, Options{})
	in := &bedrockruntime.ConverseInput{ModelId: aws.String(novaLite),
		System:   []types.SystemContentBlock{sysText(txt("a", 19000)), sysCP(), sysText(txt("b", 2000)), sysCP()},
		Messages: []types.Message{user(text("hi"))}}
	wantUsage(t, "first", mustCall(t, h.c, in), 0, 19000)
	wantUsage(t, "repeat", mustCall(t, h.c, in), 19000, 0)
}

// TestToolChoiceScope checks FACTS.md's observation: Claude keeps tools and
// system reads across a toolChoice change, Nova does not.
func TestToolChoiceScope(t *testing.T) {
	withChoice := func(model string, choice types.ToolChoice, toolCPs bool) *bedrockruntime.ConverseInput {
		tools := []types.Tool{tool("get_weather", "Weather lookup")}
		if toolCPs {
			tools = append(tools, toolCP())
		}
		return &bedrockruntime.ConverseInput{ModelId: aws.String(model),
			ToolConfig: &types.ToolConfiguration{Tools: tools, ToolChoice: choice},
			System:     []types.SystemContentBlock{sysText(txt("sys", 1500)), sysCP()},
			Messages:   []types.Message{user(text("hi"))}}
	}
	auto := &types.ToolChoiceMemberAuto{}
	anyTool := &types.ToolChoiceMemberAny{}
	for _, tc := range []struct {
		model    string
		wantRead bool
	}{{sonnet45, true}, {novaLite, false}} {
		h := startHarness(t, Options{})
		prime := mustCall(t, h.c, withChoice(tc.model, auto, tc.model == sonnet45))
		u := mustCall(t, h.c, withChoice(tc.model, anyTool, tc.model == sonnet45))
		if kept := i32(u.CacheReadInputTokens) == i32(prime.CacheWriteInputTokens) && i32(u.CacheReadInputTokens) > 0; kept != tc.wantRead {
			t.Errorf("%s: after a toolChoice change %s (prime %s), want read=%v", tc.model, usageString(u), usageString(prime), tc.wantRead)
		}
	}
}

// TestTotalsIdentity checks rule 5 over a mix of requests.
func TestTotalsIdentity(t *testing.T) {
	h := startHarness(t, Options{})
	l := defaultLayered()
	inputs := []*bedrockruntime.ConverseInput{l.input(), l.input()}
	l.msgSeed = "changed"
	inputs = append(inputs, l.input(),
		&bedrockruntime.ConverseInput{ModelId: aws.String(novaLite), Messages: []types.Message{user(text(txt("n", 1200)), cp())}},
		&bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45), Messages: []types.Message{user(text("short"))},
			InferenceConfig: &types.InferenceConfiguration{MaxTokens: aws.Int32(2)}})
	for _, in := range inputs {
		u := mustCall(t, h.c, in) // checks the identity
		if i32(u.InputTokens) <= 0 || i32(u.OutputTokens) <= 0 {
			t.Errorf("%s: want positive input and output", usageString(u))
		}
	}
}

// TestMaxTokens checks that maxTokens bounds the reply and sets stopReason.
func TestMaxTokens(t *testing.T) {
	h := startHarness(t, Options{})
	out, err := h.c.Converse(t.Context(), &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45),
		Messages: []types.Message{user(text("hi"))}, InferenceConfig: &types.InferenceConfiguration{MaxTokens: aws.Int32(2)}})
	if err != nil {
		t.Fatal(err)
	}
	if out.StopReason != types.StopReasonMaxTokens || i32(out.Usage.OutputTokens) != 2 {
		t.Fatalf("stop=%s usage=%s, want max_tokens and 2 output tokens", out.StopReason, usageString(out.Usage))
	}
	if out.Metrics == nil || out.Metrics.LatencyMs == nil || *out.Metrics.LatencyMs <= 0 {
		t.Fatalf("metrics.latencyMs missing")
	}
}

// TestDeterministicReply checks that the same request gets the same reply.
func TestDeterministicReply(t *testing.T) {
	h := startHarness(t, Options{})
	in := &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45), Messages: []types.Message{user(text("hi"))}}
	var texts []string
	for i := 0; i < 2; i++ {
		out, err := h.c.Converse(t.Context(), in)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, out.Output.(*types.ConverseOutputMemberMessage).Value.Content[0].(*types.ContentBlockMemberText).Value)
	}
	if texts[0] != texts[1] || texts[0] == "" {
		t.Fatalf("replies differ or empty: %q vs %q", texts[0], texts[1])
	}
}

// TestConcurrentRequests exercises the cache under concurrency (run with
// -race); every request must keep the totals identity.
func TestConcurrentRequests(t *testing.T) {
	h := startHarness(t, Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			c := sigv4Client(h.srv.URL(), "AKID"+itoa(g%3), nil)
			for i := 0; i < 8; i++ {
				l := defaultLayered()
				l.msgSeed = itoa(i % 3)
				u, err := call(t, c, l.input())
				if err != nil {
					errs <- err
					return
				}
				if i32(u.TotalTokens) != i32(u.InputTokens)+i32(u.OutputTokens)+i32(u.CacheReadInputTokens)+i32(u.CacheWriteInputTokens) {
					errs <- io.ErrUnexpectedEOF
				}
				if i%4 == 0 {
					h.srv.Advance(time.Second)
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestMemoryBounded checks the entry cap and that expired entries are
// dropped.
func TestMemoryBounded(t *testing.T) {
	h := startHarness(t, Options{MaxEntries: 10})
	for i := 0; i < 30; i++ {
		mustCall(t, h.c, &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45),
			Messages: []types.Message{user(text(txt(itoa(i), 1100)), cp())}})
		if n := h.srv.Len(); n > 10 {
			t.Fatalf("after %d writes %d entries, cap 10", i+1, n)
		}
	}
	h.srv.Advance(10 * time.Minute)
	mustCall(t, h.c, &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45),
		Messages: []types.Message{user(text(txt("new", 1100)), cp())}})
	// Nothing is swept until the cap is hit or on a periodic sweep; the
	// cap forces one now.
	for i := 0; i < 10; i++ {
		mustCall(t, h.c, &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45),
			Messages: []types.Message{user(text(txt("late"+itoa(i), 1100)), cp())}})
	}
	if n := h.srv.Len(); n > 10 {
		t.Fatalf("%d entries, cap 10", n)
	}
	h.srv.Reset()
	if n := h.srv.Len(); n != 0 {
		t.Fatalf("after Reset %d entries", n)
	}
}
