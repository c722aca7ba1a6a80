package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/forecast"
	"github.com/cachecascade/cachecascade/matrix"
)

// update rewrites examples/*.jsonl from the generators below:
// go test ./cmd/cachecascade -run TestExamplesAreGenerated -update
var update = flag.Bool("update", false, "rewrite examples/*.jsonl from their generators")

// examplesDir is the examples directory, relative to this package.
const examplesDir = "../../examples"

// The model IDs the examples call.
const (
	sonnet46 = "global.anthropic.claude-sonnet-4-6"
	sonnet45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
	haiku45  = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
	novaLite = "us.amazon.nova-lite-v1:0"
)

// example is one request log of examples/, with its generator.
type example struct {
	name  string
	build func() []forecast.Request
}

// examples lists the examples a team would recognise.
var examples = []example{
	{"agent-loop", agentLoop},
	{"timestamp-in-system", timestampInSystem},
	{"tool-schema-key-order", toolSchemaKeyOrder},
	{"nova-tool-checkpoint", novaToolCheckpoint},
	{"under-minimum", underMinimum},
}

// path returns the example's file.
func (e example) path() string { return filepath.Join(examplesDir, e.name+".jsonl") }

// TestExamplesAreGenerated keeps the committed logs equal to what their
// generators write, so that a reader can trust the generator's comments.
func TestExamplesAreGenerated(t *testing.T) {
	for _, e := range examples {
		var buf bytes.Buffer
		if err := forecast.WriteLog(&buf, e.build()); err != nil {
			t.Fatal(err)
		}
		if *update {
			if err := os.WriteFile(e.path(), buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(e.path())
		if err != nil {
			t.Fatalf("%v (write it with -update)", err)
		}
		if !bytes.Equal(got, buf.Bytes()) {
			t.Errorf("%s differs from its generator: run go test ./cmd/cachecascade -run TestExamplesAreGenerated -update", e.path())
		}
	}
}

// o is a JSON object whose members keep the order they are given in, as a
// team's own builder (a Python dict, a JavaScript object) writes them.
type o []any

// MarshalJSON writes the members in order: o{"k1", v1, "k2", v2}.
func (m o) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i := 0; i+1 < len(m); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := marshal(m[i])
		if err != nil {
			return nil, err
		}
		v, err := marshal(m[i+1])
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshal is json.Marshal without HTML escaping.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// body marshals a request body.
func body(v any) json.RawMessage {
	b, err := marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// text returns deterministic prose of about tokens tokens by the check's
// own estimate for the family, so that the examples straddle the minimums
// as the check measures them.
func text(seed string, f matrix.Family, tokens int) string {
	return fixtures.Text(seed, tokens, forecast.EstimateFor(f).Estimate)
}

// start is when the examples' sequences begin.
var start = time.Date(2026, 11, 25, 10, 0, 1, 0, time.UTC)

// agentLoop is an agent with three tools answering a refund request over
// six InvokeModel calls (Anthropic Messages body, as the Anthropic SDKs
// send it): the system prompt carries one cache_control, and the last
// block of the conversation carries the other, moving forward each turn as
// tool_use and tool_result blocks grow the history. Each turn reads what
// the one before wrote (look-back) and writes only the new turn: it caches
// well, and the check finds nothing to fix.
func agentLoop() []forecast.Request {
	tools := []any{
		o{"name", "get_order", "description", "Look up an order by its ID and return its items, totals and status.",
			"input_schema", o{"type", "object", "properties", o{"order_id", o{"type", "string", "description", "The order ID, such as A-1042."}}, "required", []string{"order_id"}}},
		o{"name", "refund_order", "description", "Refund some or all items of an order to the original payment method.",
			"input_schema", o{"type", "object", "properties", o{"order_id", o{"type", "string"}, "items", o{"type", "array", "items", o{"type", "string"}}, "reason", o{"type", "string"}}, "required", []string{"order_id", "items"}}},
		o{"name", "search_policy", "description", "Search the refund and returns policy for a passage.",
			"input_schema", o{"type", "object", "properties", o{"query", o{"type", "string"}}, "required", []string{"query"}}},
	}
	system := "You are the support agent of an online shop. Follow the policy below exactly.\n\n" + text("agent-policy", matrix.Claude, 1400)
	history := []any{o{"role", "user", "content", []any{o{"type", "text", "text", "Hello, order A-1042 arrived broken. " + text("agent-ask", matrix.Claude, 120)}}}}
	calls := []struct{ tool, input, result string }{
		{"get_order", `{"order_id":"A-1042"}`, "order"},
		{"search_policy", `{"query":"damaged on arrival"}`, "policy"},
		{"refund_order", `{"order_id":"A-1042","items":["vase"],"reason":"damaged"}`, "refund"},
		{"get_order", `{"order_id":"A-1042"}`, "order-after"},
		{"search_policy", `{"query":"refund delay"}`, "delay"},
	}
	var out []forecast.Request
	for turn := 0; turn <= len(calls); turn++ {
		msgs := make([]any, len(history))
		copy(msgs, history)
		// The moving breakpoint: cache_control on the last block of the
		// last message only.
		last := msgs[len(msgs)-1].(o)
		blocks := last[3].([]any)
		marked := append([]any{}, blocks[:len(blocks)-1]...)
		marked = append(marked, append(append(o{}, blocks[len(blocks)-1].(o)...), "cache_control", o{"type", "ephemeral"}))
		msgs[len(msgs)-1] = o{"role", last[1], "content", marked}
		b := o{"anthropic_version", "bedrock-2023-05-31", "max_tokens", 1024, "tools", tools,
			"system", []any{o{"type", "text", "text", system, "cache_control", o{"type", "ephemeral"}}}, "messages", msgs}
		out = append(out, forecast.Request{ModelID: sonnet46, Operation: forecast.Invoke, Body: body(b), Time: start.Add(time.Duration(turn) * 20 * time.Second)})
		if turn == len(calls) {
			break
		}
		c := calls[turn]
		id := fmt.Sprintf("toolu_%02d", turn+1)
		history = append(history,
			o{"role", "assistant", "content", []any{o{"type", "text", "text", "Let me check that."}, o{"type", "tool_use", "id", id, "name", c.tool, "input", json.RawMessage(c.input)}}},
			o{"role", "user", "content", []any{o{"type", "tool_result", "tool_use_id", id, "content", text("agent-result-"+c.result, matrix.Claude, 150)}}})
	}
	return out
}

// timestampInSystem is a chat whose system prompt starts with the current
// time to the second, as many prompt templates do: five Converse calls a
// second apart, each with a cachePoint after the system prompt. Every call
// writes the whole system prompt and none reads it: the check names
// system[0].text, shows the two timestamps, and counts the dollars lost.
func timestampInSystem() []forecast.Request {
	policy := text("timestamp-policy", matrix.Claude, 1500)
	questions := []string{"Where is my parcel?", "Can I change the delivery address?", "How do I return a gift?", "Is there a warranty on the kettle?", "Can I pay by invoice?"}
	var out []forecast.Request
	for i, q := range questions {
		now := start.Add(time.Duration(i) * time.Second)
		b := o{"modelId", sonnet46,
			"system", []any{o{"text", "You are the shop's assistant. Current time: " + now.Format(time.RFC3339) + ".\n" + policy}, o{"cachePoint", o{"type", "default"}}},
			"messages", []any{o{"role", "user", "content", []any{o{"text", q}}}},
			"inferenceConfig", o{"maxTokens", 512}}
		out = append(out, forecast.Request{ModelID: sonnet46, Operation: forecast.Converse, Body: body(b), Time: now})
	}
	return out
}

// weatherProperties returns the properties of a tool schema in the key
// order given, as a Go map serialized before smithy-go v1.23.0 (or a
// dict built in varying order) would: the same JSON, other bytes.
func weatherProperties(order ...string) o {
	props := map[string]o{
		"city":  {"type", "string", "description", "The city, such as Lisbon."},
		"units": {"type", "string", "enum", []string{"metric", "imperial"}},
		"days":  {"type", "integer", "minimum", 1, "maximum", 14},
	}
	var out o
	for _, k := range order {
		out = append(out, k, props[k])
	}
	return out
}

// toolSchemaKeyOrder is a tool-using chat whose first tool's schema is
// built from a map that serializes in another key order from call to call:
// four Converse calls, the properties in the orders city-units-days,
// units-days-city, units-days-city, days-city-units. The check names
// toolConfig.tools[0].toolSpec.inputSchema.json.properties as
// cache-affecting instability, and each reordering as a miss there.
func toolSchemaKeyOrder() []forecast.Request {
	orders := [][]string{{"city", "units", "days"}, {"units", "days", "city"}, {"units", "days", "city"}, {"days", "city", "units"}}
	system := text("keyorder-system", matrix.Claude, 1100)
	var out []forecast.Request
	for i, ord := range orders {
		tools := []any{
			o{"toolSpec", o{"name", "get_forecast", "description", "The weather forecast for a city. " + text("keyorder-tool", matrix.Claude, 120),
				"inputSchema", o{"json", o{"type", "object", "properties", weatherProperties(ord...), "required", []string{"city"}}}}},
			o{"toolSpec", o{"name", "get_alerts", "description", "Active weather alerts for a region.",
				"inputSchema", o{"json", o{"type", "object", "properties", o{"region", o{"type", "string"}}, "required", []string{"region"}}}}},
		}
		b := o{"modelId", sonnet45, "toolConfig", o{"tools", tools},
			"system", []any{o{"text", system}, o{"cachePoint", o{"type", "default"}}},
			"messages", []any{o{"role", "user", "content", []any{o{"text", fmt.Sprintf("Will it rain in Porto on day %d?", i+1)}}}}}
		out = append(out, forecast.Request{ModelID: sonnet45, Operation: forecast.Converse, Body: body(b), Time: start.Add(time.Duration(i) * 30 * time.Second)})
	}
	return out
}

// novaToolCheckpoint is a team moving a Claude request to Nova Lite: the
// first call keeps Claude's cachePoint after the tools, which Nova rejects
// (a ValidationException naming toolConfig.tools[2]); the next two drop it
// and keep the one after the system prompt, which Nova caches: the second
// writes, the third reads.
func novaToolCheckpoint() []forecast.Request {
	tools := []any{
		o{"toolSpec", o{"name", "lookup_sku", "description", "Find a product by SKU.", "inputSchema", o{"json", o{"type", "object", "properties", o{"sku", o{"type", "string"}}, "required", []string{"sku"}}}}},
		o{"toolSpec", o{"name", "stock_level", "description", "Units in stock per warehouse.", "inputSchema", o{"json", o{"type", "object", "properties", o{"sku", o{"type", "string"}}, "required", []string{"sku"}}}}},
	}
	system := text("nova-catalog", matrix.Nova, 1600)
	var out []forecast.Request
	for i, withToolPoint := range []bool{true, false, false} {
		ts := append([]any{}, tools...)
		if withToolPoint {
			ts = append(ts, o{"cachePoint", o{"type", "default"}})
		}
		b := o{"modelId", novaLite, "toolConfig", o{"tools", ts},
			"system", []any{o{"text", system}, o{"cachePoint", o{"type", "default"}}},
			"messages", []any{o{"role", "user", "content", []any{o{"text", fmt.Sprintf("How many units of SKU-%d are left?", 100+i)}}}}}
		out = append(out, forecast.Request{ModelID: novaLite, Operation: forecast.Converse, Body: body(b), Time: start.Add(time.Duration(i) * 10 * time.Second)})
	}
	return out
}

// underMinimum is a team that moved its assistant from Sonnet (minimum
// 1,024 tokens) to Haiku 4.5 (minimum 4,096) and kept its checkpoint after
// a system prompt of about 2,500 tokens: below Haiku's minimum even at the
// top of the estimate's error, so it is never cached, each call pays the
// full input price, and no error says so.
func underMinimum() []forecast.Request {
	system := text("haiku-system", matrix.Claude, 2500)
	var out []forecast.Request
	for i, q := range []string{"Summarise ticket 311.", "Summarise ticket 312.", "Summarise ticket 313."} {
		b := o{"modelId", haiku45,
			"system", []any{o{"text", system}, o{"cachePoint", o{"type", "default"}}},
			"messages", []any{o{"role", "user", "content", []any{o{"text", q}}}}}
		out = append(out, forecast.Request{ModelID: haiku45, Operation: forecast.Converse, Body: body(b), Time: start.Add(time.Duration(i) * time.Minute)})
	}
	return out
}
