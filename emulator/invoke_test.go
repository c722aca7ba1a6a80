package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// The tests below build InvokeModel bodies by hand, as JSON maps: the
// emulator must not depend on the harness's own body builders (package
// invoke), so that either can catch the other.

// cc is an Anthropic cache_control, with a ttl when ttl is not empty.
func cc(ttl string) map[string]any {
	m := map[string]any{"type": "ephemeral"}
	if ttl != "" {
		m["ttl"] = ttl
	}
	return m
}

// anthropicText is a text block, marked with cache_control when mark is
// not nil.
func anthropicText(s string, mark map[string]any) map[string]any {
	b := map[string]any{"type": "text", "text": s}
	if mark != nil {
		b["cache_control"] = mark
	}
	return b
}

// anthropicLayered is defaultLayered as an Anthropic Messages body: one
// tool, one system block, one user message, each marked.
func (l layered) anthropic() map[string]any {
	return map[string]any{
		"anthropic_version": "bedrock-2023-05-31",
		"max_tokens":        16,
		"tools": []any{map[string]any{"name": "get_weather", "description": txt(l.toolSeed, l.toolTokens),
			"input_schema":  map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}},
			"cache_control": cc("")}},
		"system":   []any{anthropicText(txt(l.sysSeed, l.sysTokens), cc(""))},
		"messages": []any{map[string]any{"role": "user", "content": []any{anthropicText(txt(l.msgSeed, l.msgTokens), cc(""))}}},
	}
}

// invokeUsage is the usage of one InvokeModel call, from the body, with the
// token-count headers.
type invokeUsage struct {
	input, output, read, write int
	total                      int // Nova only
	write5m, write1h           int // Claude only
	headers                    map[string]string
}

func invoke(t testing.TB, c *bedrockruntime.Client, model string, body any) (invokeUsage, error) {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{ModelId: aws.String(model), Body: raw,
		ContentType: aws.String("application/json"), Accept: aws.String("application/json")})
	if err != nil {
		return invokeUsage{}, err
	}
	var u invokeUsage
	u.headers = map[string]string{}
	if resp, ok := awsmiddleware.GetRawResponse(out.ResultMetadata).(*smithyhttp.Response); ok {
		for _, h := range []string{"Input-Token-Count", "Output-Token-Count", "Cache-Read-Input-Token-Count", "Cache-Write-Input-Token-Count", "Invocation-Latency"} {
			u.headers[h] = resp.Header.Get("X-Amzn-Bedrock-" + h)
		}
	}
	var r struct {
		Usage map[string]json.RawMessage `json:"usage"`
	}
	if err := json.Unmarshal(out.Body, &r); err != nil || r.Usage == nil {
		t.Fatalf("InvokeModel body without usage: %s", out.Body)
	}
	num := func(k string) int {
		var n int
		if v, ok := r.Usage[k]; ok {
			if err := json.Unmarshal(v, &n); err != nil {
				t.Fatalf("usage.%s = %s", k, v)
			}
		}
		return n
	}
	if strings.HasPrefix(strings.TrimPrefix(model, "us."), "anthropic.") {
		u.input, u.output, u.read, u.write = num("input_tokens"), num("output_tokens"), num("cache_read_input_tokens"), num("cache_creation_input_tokens")
		var cc struct {
			M5 int `json:"ephemeral_5m_input_tokens"`
			H1 int `json:"ephemeral_1h_input_tokens"`
		}
		if v, ok := r.Usage["cache_creation"]; ok {
			_ = json.Unmarshal(v, &cc)
		}
		u.write5m, u.write1h = cc.M5, cc.H1
	} else {
		u.input, u.output, u.read, u.write, u.total = num("inputTokens"), num("outputTokens"), num("cacheReadInputTokenCount"), num("cacheWriteInputTokenCount"), num("totalTokens")
	}
	return u, nil
}

func mustInvoke(t testing.TB, c *bedrockruntime.Client, model string, body any) invokeUsage {
	t.Helper()
	u, err := invoke(t, c, model, body)
	if err != nil {
		t.Fatalf("InvokeModel: %v", err)
	}
	return u
}

func TestInvokeClaudeCascade(t *testing.T) {
	base := defaultLayered()
	for _, tc := range []struct {
		name       string
		variant    func(l *layered)
		readLayers int
	}{
		{"unchanged", func(l *layered) {}, 3},
		{"tools changed", func(l *layered) { l.toolSeed = "traffic" }, 0},
		{"system changed", func(l *layered) { l.sysSeed = "persona" }, 1},
		{"messages changed", func(l *layered) { l.msgSeed = "another" }, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := startHarness(t, Options{})
			prime := mustInvoke(t, h.c, sonnet45, base.anthropic())
			if prime.read != 0 || prime.write == 0 || prime.input != 3 || prime.write5m != prime.write || prime.write1h != 0 {
				t.Fatalf("prime: %+v, want read 0, write > 0 (all 5m), input 3", prime)
			}
			total := prime.write
			layerEnds := []int{0, total - base.sysTokens - base.msgTokens, total - base.msgTokens, total}
			v := base
			tc.variant(&v)
			u := mustInvoke(t, h.c, sonnet45, v.anthropic())
			read := layerEnds[tc.readLayers]
			if u.read != read || u.write != total-read || u.input != 3 {
				t.Fatalf("variant: %+v, want read %d, write %d, input 3", u, read, total-read)
			}
			for k, want := range map[string]int{"Input-Token-Count": u.input, "Output-Token-Count": u.output,
				"Cache-Read-Input-Token-Count": u.read, "Cache-Write-Input-Token-Count": u.write} {
				if u.headers[k] != strconv.Itoa(want) {
					t.Errorf("header X-Amzn-Bedrock-%s = %q, want %d (the body's usage)", k, u.headers[k], want)
				}
			}
			if u.headers["Invocation-Latency"] == "" {
				t.Error("no X-Amzn-Bedrock-Invocation-Latency header")
			}
		})
	}
}

// TestInvokeCacheControlIsNotContent checks that cache_control marks a
// boundary and is not part of the prefix: a request marking one more block
// reads the entry a request marking fewer wrote.
func TestInvokeCacheControlIsNotContent(t *testing.T) {
	h := startHarness(t, Options{})
	l := defaultLayered()
	body := l.anthropic()
	msgs := body["messages"].([]any)
	body["messages"] = []any{map[string]any{"role": "user", "content": []any{anthropicText(txt(l.msgSeed, l.msgTokens), nil)}}}
	prime := mustInvoke(t, h.c, sonnet45, body)
	body["messages"] = msgs
	u := mustInvoke(t, h.c, sonnet45, body)
	if u.read != prime.write || u.write != l.msgTokens {
		t.Fatalf("got %+v after a prime writing %d: want the tools+system prefix read and the message written (%d)", u, prime.write, l.msgTokens)
	}
}

// TestInvokeNovaSharesConverseEntries checks that InvokeModel and Converse
// share the cache engine: Nova's native body carries the same block bytes
// as Converse's, so an InvokeModel call reads what a Converse call wrote.
func TestInvokeNovaSharesConverseEntries(t *testing.T) {
	h := startHarness(t, Options{})
	sys := txt("policy", 1500)
	in := &bedrockruntime.ConverseInput{ModelId: aws.String(novaLite),
		System:   []types.SystemContentBlock{sysText(sys), sysCP()},
		Messages: []types.Message{user(text("hello there"))}}
	prime := mustCall(t, h.c, in)
	body := map[string]any{"schemaVersion": "messages-v1",
		"system":   []any{map[string]any{"text": sys}, map[string]any{"cachePoint": map[string]any{"type": "default"}}},
		"messages": []any{map[string]any{"role": "user", "content": []any{map[string]any{"text": "hello there"}}}}}
	u := mustInvoke(t, h.c, novaLite, body)
	if u.read != i32(prime.CacheWriteInputTokens) || u.write != 0 || u.total != u.input+u.output+u.read+u.write {
		t.Fatalf("InvokeModel after Converse: %+v, want read %d, write 0, totals adding up", u, i32(prime.CacheWriteInputTokens))
	}
	if u.headers["Cache-Read-Input-Token-Count"] != strconv.Itoa(u.read) {
		t.Errorf("cache read header %q, body %d", u.headers["Cache-Read-Input-Token-Count"], u.read)
	}
}

// streamChunks sends InvokeModelWithResponseStream and returns the decoded
// model events.
func streamChunks(t testing.TB, c *bedrockruntime.Client, model string, body any) []map[string]json.RawMessage {
	t.Helper()
	raw, _ := json.Marshal(body)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := c.InvokeModelWithResponseStream(ctx, &bedrockruntime.InvokeModelWithResponseStreamInput{ModelId: aws.String(model), Body: raw,
		ContentType: aws.String("application/json"), Accept: aws.String("application/json")})
	if err != nil {
		t.Fatalf("InvokeModelWithResponseStream: %v", err)
	}
	stream := out.GetStream()
	defer stream.Close()
	var events []map[string]json.RawMessage
	for ev := range stream.Events() {
		chunk, ok := ev.(*types.ResponseStreamMemberChunk)
		if !ok {
			t.Fatalf("unexpected stream event %T", ev)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(chunk.Value.Bytes, &m); err != nil {
			t.Fatalf("chunk is not JSON: %q", chunk.Value.Bytes)
		}
		events = append(events, m)
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("stream: %v", err)
	}
	return events
}

func eventOf(events []map[string]json.RawMessage, typ string) map[string]json.RawMessage {
	for _, ev := range events {
		if string(ev["type"]) == strconv.Quote(typ) {
			return ev
		}
	}
	return nil
}

func TestInvokeStreamClaude(t *testing.T) {
	for _, profile := range []string{"", FaultStreamDropsCacheUsage} {
		t.Run("profile="+profile, func(t *testing.T) {
			var opts Options
			if profile != "" {
				opts.Profiles = []string{profile}
			}
			h := startHarness(t, opts)
			body := defaultLayered().anthropic()
			prime := mustInvoke(t, h.c, sonnet45, body)
			events := streamChunks(t, h.c, sonnet45, body)
			var types []string
			for _, ev := range events {
				var s string
				_ = json.Unmarshal(ev["type"], &s)
				types = append(types, s)
			}
			if types[0] != "message_start" || types[len(types)-1] != "message_stop" || eventOf(events, "content_block_delta") == nil || eventOf(events, "message_delta") == nil {
				t.Fatalf("event types %v", types)
			}
			var start struct {
				Message struct {
					Usage map[string]any `json:"usage"`
				} `json:"message"`
			}
			_ = json.Unmarshal(mustJSON(eventOf(events, "message_start")), &start)
			var stop struct {
				Metrics map[string]any `json:"amazon-bedrock-invocationMetrics"`
			}
			_ = json.Unmarshal(mustJSON(eventOf(events, "message_stop")), &stop)
			read, hasRead := start.Message.Usage["cache_read_input_tokens"].(float64)
			metricsRead, hasMetricsRead := stop.Metrics["cacheReadInputTokenCount"].(float64)
			if profile == FaultStreamDropsCacheUsage {
				if hasRead || hasMetricsRead {
					t.Fatalf("the fault must drop the stream's cache usage: %v, %v", start.Message.Usage, stop.Metrics)
				}
				return
			}
			if !hasRead || int(read) != prime.write || !hasMetricsRead || int(metricsRead) != prime.write {
				t.Fatalf("stream repeat: message_start usage %v, invocationMetrics %v; want a read of %d in both", start.Message.Usage, stop.Metrics, prime.write)
			}
			for _, k := range []string{"inputTokenCount", "outputTokenCount", "invocationLatency", "firstByteLatency", "cacheWriteInputTokenCount"} {
				if _, ok := stop.Metrics[k]; !ok {
					t.Errorf("invocationMetrics lacks %s: %v", k, stop.Metrics)
				}
			}
		})
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func TestInvokeStreamNova(t *testing.T) {
	h := startHarness(t, Options{})
	body := map[string]any{"schemaVersion": "messages-v1",
		"system":   []any{map[string]any{"text": txt("policy", 1500)}, map[string]any{"cachePoint": map[string]any{"type": "default"}}},
		"messages": []any{map[string]any{"role": "user", "content": []any{map[string]any{"text": "hello there"}}}}}
	prime := mustInvoke(t, h.c, novaLite, body)
	events := streamChunks(t, h.c, novaLite, body)
	last := events[len(events)-1]
	var md struct {
		Usage struct {
			Read  int `json:"cacheReadInputTokenCount"`
			Total int `json:"totalTokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal(last["metadata"], &md); err != nil || md.Usage.Read != prime.write || md.Usage.Total == 0 {
		t.Fatalf("last event %s: want metadata usage reading %d", mustJSON(last), prime.write)
	}
	if _, ok := last["amazon-bedrock-invocationMetrics"]; !ok {
		t.Fatalf("last event without invocationMetrics: %s", mustJSON(last))
	}
}

func TestInvokeErrors(t *testing.T) {
	h := startHarness(t, Options{})
	short := func(n int, mark map[string]any) []any {
		var out []any
		for i := 0; i < n; i++ {
			out = append(out, anthropicText("block "+strconv.Itoa(i)+" of the system prompt", mark))
		}
		return out
	}
	claude := func(system []any, userMark map[string]any) map[string]any {
		return map[string]any{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 16, "system": system,
			"messages": []any{map[string]any{"role": "user", "content": []any{anthropicText("hi", userMark)}}}}
	}
	novaBody := map[string]any{"schemaVersion": "messages-v1",
		"toolConfig": map[string]any{"tools": []any{
			map[string]any{"toolSpec": map[string]any{"name": "t", "inputSchema": map[string]any{"json": map[string]any{"type": "object"}}}},
			map[string]any{"cachePoint": map[string]any{"type": "default"}}}},
		"messages": []any{map[string]any{"role": "user", "content": []any{map[string]any{"text": "hi"}}}}}
	novaTTL := map[string]any{"schemaVersion": "messages-v1",
		"system":   []any{map[string]any{"text": "sys"}, map[string]any{"cachePoint": map[string]any{"type": "default", "ttl": "1h"}}},
		"messages": []any{map[string]any{"role": "user", "content": []any{map[string]any{"text": "hi"}}}}}
	noVersion := claude(short(1, nil), nil)
	delete(noVersion, "anthropic_version")
	extra := claude(short(1, nil), nil)
	extra["inferenceConfig"] = map[string]any{}
	for _, tc := range []struct {
		name, model string
		body        any
		status      int
		code, msg   string
	}{
		{"five cache_control blocks", sonnet45, claude(short(4, cc("")), cc("")), 400, "ValidationException",
			"A maximum of 4 blocks with cache_control may be provided. Found 5."},
		{"1h after 5m", sonnet45, claude(short(1, cc("5m")), cc("1h")), 400, "ValidationException",
			"The model returned the following errors: messages.0.content.0.cache_control.ttl: a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block. Note that blocks are processed in the following order: `tools`, `system`, `messages`."},
		{"ttl on a model without 1h", sonnet4, claude(short(1, cc("5m")), nil), 400, "ValidationException", "Extra inputs are not permitted"},
		{"Nova tool cachePoint", novaLite, novaBody, 400, "ValidationException",
			"The model returned the following errors: Malformed input request: #/toolConfig/tools/1: extraneous key [cachePoint] is not permitted, please reformat your input and try again."},
		{"Nova 1h", novaLite, novaTTL, 400, "ValidationException", "Extended TTL prompt caching is only supported for Anthropic models"},
		{"no anthropic_version", sonnet45, noVersion, 400, "ValidationException",
			"Malformed input request: #: required key [anthropic_version] not found, please reformat your input and try again."},
		{"extraneous key", sonnet45, extra, 400, "ValidationException",
			"Malformed input request: #: extraneous key [inferenceConfig] is not permitted, please reformat your input and try again."},
		{"cache_control type", sonnet45, claude(short(1, map[string]any{"type": "persistent"}), nil), 400, "ValidationException",
			"The model returned the following errors: system.0.cache_control.type: Input should be 'ephemeral'"},
		{"not JSON", sonnet45, json.RawMessage(`[1,2]`), 400, "ValidationException", "Malformed input request, please reformat your input and try again."},
		{"unknown model", "us.anthropic.claude-9", claude(short(1, nil), nil), 400, "ValidationException", "The provided model identifier is invalid."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := invoke(t, h.c, tc.model, tc.body)
			var api smithy.APIError
			if !errors.As(err, &api) {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
			var re interface{ HTTPStatusCode() int }
			if api.ErrorCode() != tc.code || api.ErrorMessage() != tc.msg || !errors.As(err, &re) || re.HTTPStatusCode() != tc.status {
				t.Fatalf("got %v, want %d %s: %q", err, tc.status, tc.code, tc.msg)
			}
		})
	}
	// Four are fine.
	if u := mustInvoke(t, h.c, sonnet45, claude(short(3, cc("")), cc(""))); u.read != 0 {
		t.Fatalf("four checkpoints: %+v", u)
	}
}

// TestInvokeFaults shows that the shared engine's faults reach InvokeModel.
func TestInvokeFaults(t *testing.T) {
	h := startHarness(t, Options{Profiles: []string{FaultNoCascade}})
	base := defaultLayered()
	mustInvoke(t, h.c, sonnet45, base.anthropic())
	v := base
	v.toolSeed = "traffic"
	if u := mustInvoke(t, h.c, sonnet45, v.anthropic()); u.read == 0 {
		t.Fatalf("no-cascade: a tools change still missed everything (%+v)", u)
	}
	h = startHarness(t, Options{Profiles: []string{FaultThresholdIgnored}})
	small := claudeSmall()
	if u := mustInvoke(t, h.c, sonnet45, small); u.write == 0 {
		t.Fatalf("threshold-ignored: a tiny prefix was not cached (%+v)", u)
	}
	h = startHarness(t, Options{})
	if u := mustInvoke(t, h.c, sonnet45, small); u.write != 0 {
		t.Fatalf("healthy: a tiny prefix was cached (%+v)", u)
	}
}

func claudeSmall() map[string]any {
	return map[string]any{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 16,
		"system":   "You are terse.",
		"messages": []any{map[string]any{"role": "user", "content": []any{anthropicText("hi", cc(""))}}}}
}
