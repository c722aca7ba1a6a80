package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// ok is a successful outcome with output v.
func ok(id string, v any) outcome {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return outcome{ID: id, OK: true, Status: 200, Output: b}
}

// converseOut is a Converse output with the given usage figures; total
// is input+output+read+write unless overridden.
func converseOut(input, output, read, write int, total ...int) map[string]any {
	t := input + output + read + write
	if len(total) > 0 {
		t = total[0]
	}
	return map[string]any{
		"output":     map[string]any{"message": map[string]any{"role": "assistant", "content": []any{map[string]any{"text": "Ready."}}}},
		"stopReason": "end_turn",
		"usage": map[string]any{"inputTokens": input, "outputTokens": output, "cacheReadInputTokens": read,
			"cacheWriteInputTokens": write, "totalTokens": t},
	}
}

// streamOut is a ConverseStream output whose metadata event carries usage
// (nil: the event has no usage).
func streamOut(usage map[string]any) map[string]any {
	meta := map[string]any{"metrics": map[string]any{"latencyMs": 3}}
	if usage != nil {
		meta["usage"] = usage
	}
	return map[string]any{"events": []any{
		map[string]any{"messageStart": map[string]any{"role": "assistant"}},
		map[string]any{"contentBlockDelta": map[string]any{"delta": map[string]any{"text": "Ready."}}},
		map[string]any{"contentBlockStop": map[string]any{}},
		map[string]any{"messageStop": map[string]any{"stopReason": "end_turn"}},
		map[string]any{"metadata": meta},
	}}
}

// invokeOut is an InvokeModel output with an Anthropic body's usage.
func invokeOut(read, write int) map[string]any {
	return map[string]any{"body": map[string]any{
		"type": "message", "content": []any{map[string]any{"type": "text", "text": "Ready."}},
		"usage": map[string]any{"input_tokens": 3, "output_tokens": 2, "cache_read_input_tokens": read, "cache_creation_input_tokens": write},
	}}
}

func usageMap(input, output, read, write, total int) map[string]any {
	return map[string]any{"inputTokens": input, "outputTokens": output, "cacheReadInputTokens": read,
		"cacheWriteInputTokens": write, "totalTokens": total}
}

// TestJudgesFailWrongAnswers holds every judge to its ability to fail: each
// wrong answer a faulty stand-in could give is named in the failure, and
// the service's answer passes.
func TestJudgesFailWrongAnswers(t *testing.T) {
	converse := writeThenRead(converseAnswer, converseUsageOf("usage"))
	stream := writeThenRead(streamAnswer, streamUsage)
	invoke := writeThenRead(invokeAnswer, invokeUsage)
	validation := errorIs(400, "ValidationException", msgTooManyCheckpoints)
	cases := []struct {
		name  string
		judge func([]outcome) error
		outs  []outcome
		want  string // "" passes
	}{
		{"converse: write then read", converse, []outcome{ok("p", converseOut(2, 5, 0, 1322)), ok("r", converseOut(2, 5, 1322, 0))}, ""},
		{"converse: nothing written", converse, []outcome{ok("p", converseOut(1324, 5, 0, 0)), ok("r", converseOut(2, 5, 1322, 0))}, "p: usage.cacheWriteInputTokens = 0, want > 0"},
		{"converse: nothing read", converse, []outcome{ok("p", converseOut(2, 5, 0, 1322)), ok("r", converseOut(2, 5, 0, 1322))}, "r: usage.cacheReadInputTokens = 0, want > 0"},
		{"converse: read differs from the write", converse, []outcome{ok("p", converseOut(2, 5, 0, 1322)), ok("r", converseOut(2, 5, 1000, 0))}, "want the prime's usage.cacheWriteInputTokens = 1322"},
		{"converse: totals leave out the cache", converse, []outcome{ok("p", converseOut(2, 5, 0, 1322, 7)), ok("r", converseOut(2, 5, 1322, 0))}, "p: totalTokens 7, want input+output+read+write = 1329"},
		{"converse: usage field missing", converse, []outcome{ok("p", map[string]any{"output": converseOut(2, 5, 0, 1)["output"], "stopReason": "end_turn", "usage": map[string]any{"inputTokens": 2}}), ok("r", converseOut(2, 5, 1, 0))}, "no usage.outputTokens in the output"},
		{"converse: an error instead", converse, []outcome{{ID: "p", Status: 403, Code: "InvalidSignatureException", Message: "bad"}, ok("r", converseOut(2, 5, 1, 0))}, `p: want success, got 403 InvalidSignatureException: "bad"`},
		{"converse: no text", converse, []outcome{ok("p", map[string]any{"stopReason": "end_turn", "output": map[string]any{"message": map[string]any{"role": "assistant", "content": []any{}}}}), ok("r", converseOut(2, 5, 1, 0))}, "output.message.content[0].text is empty"},
		{"stream: write then read", stream, []outcome{ok("p", streamOut(usageMap(4, 2, 0, 1490, 1496))), ok("r", streamOut(usageMap(4, 2, 1490, 0, 1496)))}, ""},
		{"stream: metadata drops cache usage", stream, []outcome{ok("p", streamOut(map[string]any{"inputTokens": 4, "outputTokens": 2, "totalTokens": 6})), ok("r", streamOut(usageMap(4, 2, 1490, 0, 1496)))}, "no events[4].metadata.usage.cacheReadInputTokens"},
		{"stream: no metadata event", stream, []outcome{ok("p", map[string]any{"events": []any{map[string]any{"messageStart": map[string]any{}}}}), ok("r", streamOut(usageMap(4, 2, 1, 0, 7)))}, "events messageStart, want"},
		{"invoke: write then read", invoke, []outcome{ok("p", invokeOut(0, 1500)), ok("r", invokeOut(1500, 0))}, ""},
		{"invoke: nothing read", invoke, []outcome{ok("p", invokeOut(0, 1500)), ok("r", invokeOut(0, 1500))}, "r: body.usage.cache_read_input_tokens = 0, want > 0"},
		{"isolated: B reads its own", isolated, []outcome{ok("a", converseOut(2, 5, 0, 1322)), ok("b1", converseOut(2, 5, 0, 1322)), ok("b2", converseOut(2, 5, 1322, 0))}, ""},
		{"isolated: B reads A's entry", isolated, []outcome{ok("a", converseOut(2, 5, 0, 1322)), ok("b1", converseOut(2, 5, 1322, 0)), ok("b2", converseOut(2, 5, 1322, 0))}, "b1: usage.cacheReadInputTokens = 1322, want 0 (key B read key A's prefix)"},
		{"count: matches the charged input", countMatches, []outcome{ok("c", map[string]any{"inputTokens": 1327}), ok("v", converseOut(5, 5, 0, 1322))}, ""},
		{"count: differs", countMatches, []outcome{ok("c", map[string]any{"inputTokens": 5}), ok("v", converseOut(5, 5, 0, 1322))}, "c: inputTokens 5, want Converse's input+read+write = 1327"},
		{"error: as the service answers", validation, []outcome{{ID: "e", Status: 400, Code: "ValidationException", Message: msgTooManyCheckpoints}}, ""},
		{"error: accepted", validation, []outcome{ok("e", converseOut(1, 1, 0, 0))}, "e: want 400 ValidationException, got 200 OK"},
		{"error: wrong status, code and text", validation, []outcome{{ID: "e", Status: 500, Code: "InternalServerException", Message: "boom"}}, `status 500, want 400; error code "InternalServerException", want "ValidationException"; message "boom", want "A maximum`},
		{"error: no HTTP answer", validation, []outcome{{ID: "e", Transport: "Error ERR_HTTP2_ERROR: Protocol error"}}, "got no HTTP answer: Error ERR_HTTP2_ERROR: Protocol error"},
		{"error: driver killed", validation, []outcome{{ID: "e", Missing: "driver timed out after 1m0s and was killed"}}, "got driver timed out after 1m0s and was killed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.judge(c.outs)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("Expected the service's answer to pass, got\n\t%v", err)
			case c.want != "" && err == nil:
				t.Errorf("Expected a failure containing\n\t%s\ngot a pass", c.want)
			case c.want != "" && !strings.Contains(err.Error(), c.want):
				t.Errorf("Expected\n\t%v\nto contain\n\t%s", err, c.want)
			}
		})
	}
}

// TestJudgeSaysNotApplicable: a check whose operation the client lacks is
// n/a with the driver's reason, not a failure.
func TestJudgeSaysNotApplicable(t *testing.T) {
	ck := check{Op: opConverseStream, Name: "cache write then read", Judge: writeThenRead(streamAnswer, streamUsage)}
	r := judge(ck, []outcome{{ID: "p", Unsupported: "client has no such command"}, {ID: "r", Unsupported: "client has no such command"}})
	if r.verdict != "n/a" || r.reason != "client has no such command" {
		t.Errorf("Expected n/a (client has no such command), got %s (%s)", r.verdict, r.reason)
	}
}

// TestChecksAreWellFormed: every check has calls in known groups with
// unique IDs, its operation is a table column, and no two checks share a
// cached prefix (each would read the other's write).
func TestChecksAreWellFormed(t *testing.T) {
	ids := map[string]bool{}
	prefixes := map[string]string{}
	known := map[group]bool{}
	for _, g := range groupOrder {
		known[g] = true
	}
	for _, ck := range checks("test") {
		if !strings.Contains(strings.Join(operations, ","), ck.Op) || ck.Judge == nil || len(ck.Calls) == 0 {
			t.Errorf("check %q: operation %q, judge or calls missing", ck.Name, ck.Op)
		}
		for _, c := range ck.Calls {
			if ids[c.ID] {
				t.Errorf("call ID %q is used twice", c.ID)
			}
			ids[c.ID] = true
			if !known[c.Group] {
				t.Errorf("call %q: group %q is not in groupOrder", c.ID, c.Group)
			}
			b, _ := json.Marshal(c.Params)
			for _, p := range []string{"Conformance run test, check "} {
				if i := strings.Index(string(b), p); i >= 0 {
					name := strings.SplitN(string(b)[i+len(p):], ".", 2)[0]
					row := ck.Op + ": " + ck.Name
					if other, seen := prefixes[name]; seen && other != row {
						t.Errorf("checks %q and %q share the prefix %q", other, row, name)
					}
					prefixes[name] = row
				}
			}
		}
	}
}
