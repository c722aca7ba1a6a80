package invoke

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/usage"
)

var (
	sonnet45 = matrix.Default().Must("claude-sonnet-4-5")
	sonnet4  = matrix.Default().Must("claude-sonnet-4")
	novaLite = matrix.Default().Must("nova-lite")
)

func set() fixtures.Set {
	return fixtures.Build(fixtures.Spec{Seed: "invoke-test", Tools: 2, ToolTokens: 200, SystemBlocks: 2, SystemTokens: 200, Turns: 2, TurnTokens: 80})
}

func build(t *testing.T, m matrix.Model) Body {
	t.Helper()
	b, err := Build(m, set())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func layers(cps []matrix.Checkpoint) []prefix.Layer {
	var out []prefix.Layer
	for _, c := range cps {
		out = append(out, c.Layer)
	}
	return out
}

func TestAnthropicBody(t *testing.T) {
	b := build(t, sonnet45)
	if _, err := matrix.SystemAndTools.Place(b, matrix.TTLDefault); err != nil {
		t.Fatal(err)
	}
	if _, err := matrix.ConversationHistory.Place(b, matrix.TTLOneHour); err != nil {
		t.Fatal(err)
	}
	raw, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Version   string `json:"anthropic_version"`
		MaxTokens int    `json:"max_tokens"`
		Tools     []map[string]any
		System    []map[string]any
		Messages  []struct {
			Role    string
			Content []map[string]any
		}
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if got.Version != "bedrock-2023-05-31" || got.MaxTokens != fixtures.MaxTokens || len(got.Tools) != 2 || len(got.System) != 2 || len(got.Messages) != 3 {
		t.Fatalf("body %s", raw)
	}
	if got.Tools[0]["cache_control"] != nil || got.Tools[1]["cache_control"] == nil || got.Tools[1]["input_schema"] == nil {
		t.Errorf("tools: want cache_control on the last tool only: %v", got.Tools)
	}
	if got.System[0]["cache_control"] != nil || got.System[1]["type"] != "text" {
		t.Errorf("system: %v", got.System)
	}
	last := got.Messages[2].Content[0]["cache_control"].(map[string]any)
	if last["type"] != "ephemeral" || last["ttl"] != "1h" || got.Messages[0].Content[0]["cache_control"] != nil {
		t.Errorf("messages: want cache_control with ttl 1h on the last user message only: %v", got.Messages)
	}
	if strings.Count(string(raw), "cache_control") != 3 {
		t.Errorf("want 3 cache_control in %s", raw)
	}
	cps := b.Checkpoints()
	want := []prefix.Layer{prefix.Tools, prefix.System, prefix.Messages}
	if l := layers(cps); len(l) != 3 || l[0] != want[0] || l[1] != want[1] || l[2] != want[2] {
		t.Fatalf("checkpoints %v", cps)
	}
	if cps[2].Message != 2 || cps[2].Index != 0 || cps[2].Preceding != 1 || cps[2].TTL != matrix.TTLOneHour {
		t.Errorf("message checkpoint %+v", cps[2])
	}
	// Placing again adds nothing: each layer already ends in a checkpoint.
	p, err := matrix.SystemAndTools.Place(b, matrix.TTLDefault)
	if err != nil || len(p.Placed) != 0 || p.Existing != 3 {
		t.Errorf("second Apply: %+v, %v", p, err)
	}
	// Deterministic bytes.
	again, _ := b.Marshal()
	if string(again) != string(raw) {
		t.Error("two Marshal calls differ")
	}
}

func TestNovaBody(t *testing.T) {
	b := build(t, novaLite)
	if _, err := matrix.SystemAndTools.Place(b, matrix.TTLDefault); err != nil {
		t.Fatal(err)
	}
	raw, _ := b.Marshal()
	for _, want := range []string{`"schemaVersion":"messages-v1"`, `"toolSpec":{`, `"inputSchema":{"json":{`, `{"cachePoint":{"type":"default"}}`, `"inferenceConfig":{"maxTokens":16`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("body lacks %s: %s", want, raw)
		}
	}
	rs := Validate(novaLite, b)
	if len(rs) != 1 || rs[0].Rule != matrix.RuleNovaToolCheckpoint || !strings.Contains(rs[0].Message, "#/toolConfig/tools/2:") {
		t.Fatalf("Validate: %v", rs)
	}
	// The same placement on a ConverseInput gets the same prediction.
	in := set().Input(novaLite.ModelID())
	if _, err := matrix.SystemAndTools.Apply(in, matrix.TTLDefault); err != nil {
		t.Fatal(err)
	}
	if cr := matrix.Validate(novaLite, in); len(cr) != 1 || cr[0] != rs[0] {
		t.Errorf("Converse predicts %v, InvokeModel %v", cr, rs)
	}
}

func TestLimitsAndTTL(t *testing.T) {
	// Five checkpoints: four by hand, the strategy refuses a fifth.
	b := build(t, sonnet45).(Marker)
	for _, err := range []error{b.MarkSystem(0, ""), b.MarkSystem(1, ""), b.MarkMessage(0, ""), b.MarkMessage(2, "")} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := b.MarkSystem(9, ""); err == nil {
		t.Error("MarkSystem(9) on a two-block system found a block")
	}
	if err := b.MarkSystemFirst(""); !errors.Is(err, ErrNotExpressible) {
		t.Errorf("an Anthropic body took a checkpoint with nothing before it: %v", err)
	}
	var tooMany *matrix.TooManyCheckpointsError
	if _, err := matrix.ToolsOnly.Place(b, matrix.TTLDefault); !errors.As(err, &tooMany) {
		t.Fatalf("Apply over four: %v", err)
	}
	if len(b.Checkpoints()) != 4 || len(Validate(sonnet45, b)) != 0 {
		t.Fatalf("four: %v", Validate(sonnet45, b))
	}
	tb := b.(*Anthropic)
	tb.Tools[0].CacheControl = NewCacheControl("")
	rs := Validate(sonnet45, b)
	if len(rs) != 1 || rs[0].Message != "A maximum of 4 blocks with cache_control may be provided. Found 5." {
		t.Fatalf("five: %v", rs)
	}

	// 1h after 5m, per model.
	for _, tc := range []struct {
		m    matrix.Model
		rule matrix.Rule
		msg  string
	}{
		{sonnet45, matrix.RuleTTLOrder, "The model returned the following errors: messages.2.content.0.cache_control.ttl: a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block."},
		{sonnet4, matrix.RuleTTLNotSupported, "Extra inputs are not permitted"},
		{novaLite, matrix.RuleExtendedTTLNotAnthropic, "Extended TTL prompt caching is only supported for Anthropic models"},
	} {
		b := build(t, tc.m).(Marker)
		if _, err := matrix.SystemOnly.Place(b, matrix.TTLFiveMinute); err != nil {
			t.Fatal(err)
		}
		if err := b.MarkMessage(2, matrix.TTLOneHour); err != nil {
			t.Fatal(err)
		}
		rs := Validate(tc.m, b)
		if len(rs) == 0 || rs[0].Rule != tc.rule || !strings.HasPrefix(rs[0].Message, tc.msg) {
			t.Errorf("%s: %v", tc.m.Key, rs)
		}
	}
}

func TestNovaMarkSystem(t *testing.T) {
	b := build(t, novaLite).(*Nova)
	if err := b.MarkSystem(0, ""); err != nil {
		t.Fatal(err)
	}
	if err := b.MarkSystem(1, ""); err != nil {
		t.Fatal(err)
	}
	cps := b.Checkpoints()
	if len(cps) != 2 || cps[0].Index != 1 || cps[0].Preceding != 1 || cps[1].Index != 3 || cps[1].Preceding != 2 {
		t.Fatalf("checkpoints %+v", cps)
	}
	if err := b.MarkSystem(5, ""); err == nil || len(b.Checkpoints()) != 2 {
		t.Errorf("MarkSystem(5) on a two-block system: %v, checkpoints %+v", err, b.Checkpoints())
	}
	if err := b.MarkSystemFirst(""); err != nil {
		t.Fatal(err)
	}
	if cps := b.Checkpoints(); cps[0].Index != 0 || cps[0].Preceding != 0 {
		t.Errorf("MarkSystemFirst: %+v", cps[0])
	}
	if rs := Validate(novaLite, b); len(rs) == 0 || rs[0].Rule != matrix.RuleNothingToCache {
		t.Errorf("Validate after MarkSystemFirst: %v", rs)
	}
}

func TestUsage(t *testing.T) {
	claude := `{"id":"msg_bdrk_1","type":"message","usage":{"input_tokens":3,"cache_creation_input_tokens":236,"cache_read_input_tokens":1712,"cache_creation":{"ephemeral_5m_input_tokens":236,"ephemeral_1h_input_tokens":0},"output_tokens":5}}`
	u, err := Usage(matrix.Claude, []byte(claude))
	want := usage.Usage{Input: 3, Output: 5, Read: 1712, Write: 236, Total: 1956, Writes: []usage.TTLWrite{{TTL: "5m", Tokens: 236}}}
	if err != nil || u.String() != want.String() {
		t.Fatalf("Claude usage %v, %v; want %v", u, err, want)
	}
	nova := `{"output":{},"usage":{"inputTokens":10,"outputTokens":2,"totalTokens":1310,"cacheReadInputTokenCount":0,"cacheWriteInputTokenCount":1298}}`
	u, err = Usage(matrix.Nova, []byte(nova))
	if err != nil || u.String() != (usage.Usage{Input: 10, Output: 2, Total: 1310, Write: 1298}).String() || !u.TotalsAddUp() {
		t.Fatalf("Nova usage %v, %v", u, err)
	}
	if _, err := Usage(matrix.Claude, []byte(`{"content":[]}`)); err == nil {
		t.Error("a body without usage must be an error")
	}

	chunks := [][]byte{
		[]byte(`{"type":"message_start","message":{"usage":{"input_tokens":4,"cache_creation_input_tokens":0,"cache_read_input_tokens":1490,"output_tokens":1}}}`),
		[]byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}`),
		[]byte(`{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":832}}`),
		[]byte(`{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":4}}`),
	}
	u, err = StreamUsage(matrix.Claude, chunks)
	if err != nil || u.String() != (usage.Usage{Input: 4, Output: 832, Read: 1490, Total: 2326}).String() {
		t.Fatalf("Claude stream usage %v, %v", u, err)
	}
	if _, err := StreamUsage(matrix.Claude, chunks[1:]); err == nil {
		t.Error("a stream without message_start must be an error")
	}
	u, err = StreamUsage(matrix.Nova, [][]byte{[]byte(`{"messageStart":{}}`), []byte(`{"metadata":{"usage":{"inputTokens":4,"outputTokens":2,"totalTokens":1496,"cacheReadInputTokenCount":1490}}}`)})
	if err != nil || u.String() != (usage.Usage{Input: 4, Output: 2, Read: 1490, Total: 1496}).String() {
		t.Fatalf("Nova stream usage %v, %v", u, err)
	}
}
