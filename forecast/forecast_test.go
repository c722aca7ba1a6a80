package forecast_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/forecast"
	"github.com/cachecascade/cachecascade/matrix"
)

const (
	sonnet = "global.anthropic.claude-sonnet-4-6"
	nova   = "us.amazon.nova-lite-v1:0"
)

// prose returns about n tokens of text by the check's estimate.
func prose(seed string, n int) string {
	return fixtures.Text(seed, n, forecast.EstimateFor(matrix.Claude).Estimate)
}

// converse builds a Converse body: a system text and its cachePoint, then
// the messages given as alternating user and assistant texts, the last
// closed by a cachePoint; toolChoice is added when not empty.
func converse(system string, toolChoice string, texts ...string) json.RawMessage {
	var msgs []string
	for i, t := range texts {
		role := "user"
		if i%2 == 1 {
			role = "assistant"
		}
		content := fmt.Sprintf(`{"text":%q}`, t)
		if i == len(texts)-1 {
			content += `,{"cachePoint":{"type":"default"}}`
		}
		msgs = append(msgs, fmt.Sprintf(`{"role":%q,"content":[%s]}`, role, content))
	}
	tc := ""
	if toolChoice != "" {
		tc = `"toolConfig":{"tools":[{"toolSpec":{"name":"t","inputSchema":{"json":{"type":"object"}}}}],"toolChoice":` + toolChoice + `},`
	}
	return json.RawMessage(fmt.Sprintf(`{%s"system":[{"text":%q},{"cachePoint":{"type":"default"}}],"messages":[%s]}`, tc, system, strings.Join(msgs, ",")))
}

// check runs Check on requests numbered as lines of "log".
func check(t *testing.T, reqs ...forecast.Request) *forecast.Report {
	t.Helper()
	for i := range reqs {
		reqs[i].Source = fmt.Sprintf("log:%d", i+1)
		if reqs[i].Operation == "" {
			reqs[i].Operation = forecast.Converse
		}
	}
	rep, err := forecast.Check(reqs, forecast.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// outcomes lists every checkpoint's outcome, request by request.
func outcomes(rep *forecast.Report) [][]forecast.Outcome {
	var out [][]forecast.Outcome
	for _, r := range rep.Requests {
		var os []forecast.Outcome
		for _, c := range r.Checkpoints {
			os = append(os, c.Outcome)
		}
		out = append(out, os)
	}
	return out
}

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func TestTTL(t *testing.T) {
	sys := prose("ttl", 1500)
	at := func(d time.Duration, q string) forecast.Request {
		return forecast.Request{ModelID: sonnet, Body: converse(sys, "", q), Time: t0.Add(d)}
	}
	// Hit every 4 minutes: each hit refreshes the five-minute entry.
	rep := check(t, at(0, "a"), at(4*time.Minute, "b"), at(8*time.Minute, "c"))
	for i, r := range rep.Requests[1:] {
		if r.Checkpoints[0].Outcome != forecast.Hit {
			t.Errorf("request %d: %s at the system checkpoint, want a hit refreshed by the one before", i+2, r.Checkpoints[0].Outcome)
		}
	}
	// Six minutes later the entry has expired: a miss under ttl-expiry.
	rep = check(t, at(0, "a"), at(6*time.Minute, "b"))
	cp := rep.Requests[1].Checkpoints[0]
	if cp.Outcome != forecast.Write || cp.Miss == nil || cp.Miss.Rule != matrix.RuleTTLExpiry || cp.Miss.Path != "system[1].cachePoint" || cp.Miss.Against != "log:1" {
		t.Fatalf("after 6 minutes: %+v, miss %+v: want an expired entry named", cp, cp.Miss)
	}
	var found bool
	for _, f := range rep.Findings {
		found = found || f.Rule == matrix.RuleTTLExpiry && f.Tokens == cp.Tokens && f.USD > 0
	}
	if !found {
		t.Errorf("findings %+v: want a ttl-expiry finding costing the system prefix", rep.Findings)
	}
	// Without times, nothing expires, and the report says so.
	rep = check(t, forecast.Request{ModelID: sonnet, Body: converse(sys, "", "a")}, forecast.Request{ModelID: sonnet, Body: converse(sys, "", "b")})
	if rep.Requests[1].Checkpoints[0].Outcome != forecast.Hit || len(rep.Notes) == 0 || !strings.Contains(rep.Notes[len(rep.Notes)-1], "no times") {
		t.Errorf("untimed: %v, notes %q", outcomes(rep), rep.Notes)
	}
}

func TestLookBackWindow(t *testing.T) {
	sys := prose("lookback", 1200)
	var turns []string
	for i := 0; i < 30; i++ {
		turns = append(turns, fmt.Sprintf("turn %d", i))
	}
	// The checkpoint moves 2 blocks: read through the look-back.
	rep := check(t, forecast.Request{ModelID: sonnet, Body: converse(sys, "", turns[:1]...)}, forecast.Request{ModelID: sonnet, Body: converse(sys, "", turns[:3]...)})
	if got := rep.Requests[1].Checkpoints[1]; got.Outcome != forecast.LookBack || got.LookBackBlocks != 2 || got.Miss != nil {
		t.Errorf("2 blocks on: %+v", got)
	}
	// It moves 22 blocks, past the window of 20: the message entry is
	// lost (the system one still hits).
	rep = check(t, forecast.Request{ModelID: sonnet, Body: converse(sys, "", turns[:1]...)}, forecast.Request{ModelID: sonnet, Body: converse(sys, "", turns[:23]...)})
	got := rep.Requests[1].Checkpoints
	if got[0].Outcome != forecast.Hit || got[1].Outcome != forecast.Write || got[1].Miss == nil || got[1].Miss.Rule != matrix.RuleLookBack || got[1].Miss.Path != "messages[0].content[1].cachePoint" {
		t.Errorf("22 blocks on: %+v, miss %+v: want a look-back miss naming the entry", got, got[1].Miss)
	}
}

func TestToolChoiceKeysTheMessagesOnClaudeAndTheWholePrefixOnNova(t *testing.T) {
	sys := prose("choice", 1500)
	for _, tc := range []struct {
		model    string
		outcomes []forecast.Outcome
	}{
		{sonnet, []forecast.Outcome{forecast.Hit, forecast.Write}},
		{nova, []forecast.Outcome{forecast.Write, forecast.Write}},
	} {
		rep := check(t, forecast.Request{ModelID: tc.model, Body: converse(sys, `{"auto":{}}`, "q")}, forecast.Request{ModelID: tc.model, Body: converse(sys, `{"any":{}}`, "q")})
		cps := rep.Requests[1].Checkpoints
		for i, want := range tc.outcomes {
			if cps[i].Outcome != want {
				t.Errorf("%s: checkpoint %s: %s, want %s", tc.model, cps[i].Path, cps[i].Outcome, want)
			}
		}
		last := cps[len(cps)-1]
		if last.Miss == nil || last.Miss.Path != "toolConfig.toolChoice" || last.Miss.Rule != matrix.RuleCascade {
			t.Errorf("%s: miss %+v: want toolConfig.toolChoice named", tc.model, last.Miss)
		}
	}
}

func TestAccountsAndSequencesDoNotShare(t *testing.T) {
	sys := prose("iso", 1500)
	a := forecast.Request{ModelID: sonnet, Body: converse(sys, "", "q"), Account: "a"}
	for name, b := range map[string]forecast.Request{
		"account":  {ModelID: sonnet, Body: a.Body, Account: "b"},
		"sequence": {ModelID: sonnet, Body: a.Body, Account: "a", Sequence: "other.jsonl"},
		"model":    {ModelID: "global.anthropic.claude-opus-4-8", Body: a.Body, Account: "a"},
	} {
		rep := check(t, a, b)
		if o := rep.Requests[1].Checkpoints[0].Outcome; o != forecast.Write {
			t.Errorf("another %s: %s, want a write of its own", name, o)
		}
	}
	// The same model through another profile shares the entry.
	rep := check(t, a, forecast.Request{ModelID: "us.anthropic.claude-sonnet-4-6", Body: a.Body, Account: "a"})
	if o := rep.Requests[1].Checkpoints[0].Outcome; o != forecast.Hit {
		t.Errorf("another profile of the same model: %s, want a hit", o)
	}
}

func TestModelsOutsideTheLineup(t *testing.T) {
	body := converse(prose("lineup", 1500), "", "q")
	rep := check(t, forecast.Request{ModelID: "anthropic.claude-unknown-9", Body: body})
	if o := rep.Requests[0].Checkpoints[0].Outcome; o != forecast.Unknown || len(rep.Notes) == 0 || !strings.Contains(rep.Notes[0], "not in the catalog") || len(rep.Findings) != 0 {
		t.Errorf("unknown model: %s, notes %q, findings %+v", o, rep.Notes, rep.Findings)
	}
	rep = check(t, forecast.Request{ModelID: "us.anthropic.claude-3-7-sonnet-20250219-v1:0", Body: body})
	if len(rep.Findings) == 0 || rep.Findings[0].Rule != matrix.RuleLifecycle || rep.Findings[0].Severity != forecast.Error || rep.Requests[0].Checkpoints[0].Outcome != forecast.Rejected {
		t.Errorf("end-of-life model: %+v", rep.Findings)
	}
}

func TestAnthropicBodies(t *testing.T) {
	sys := prose("anthropic", 1500)
	plain := fmt.Sprintf(`{"anthropic_version":"bedrock-2023-05-31","max_tokens":10,"system":%q,"messages":[{"role":"user","content":"hi"}],"cache_control":{"type":"ephemeral"}}`, sys)
	rep := check(t, forecast.Request{ModelID: "global.anthropic.claude-sonnet-5", Operation: forecast.Invoke, Body: json.RawMessage(plain)})
	r := rep.Requests[0]
	if len(r.Checkpoints) != 1 || r.Checkpoints[0].Path != "cache_control" || r.Checkpoints[0].Outcome != forecast.Write || r.Written != r.PromptTokens {
		t.Errorf("automatic caching on string content: %+v", r)
	}
	legacy := check(t, forecast.Request{ModelID: "global.anthropic.claude-opus-4-6-v1", Operation: forecast.Invoke, Body: json.RawMessage(plain)})
	if len(legacy.Findings) == 0 || legacy.Findings[0].Rule != matrix.RuleAutomaticCaching || legacy.Findings[0].Path != "cache_control" {
		t.Errorf("automatic caching on the legacy integration: %+v", legacy.Findings)
	}
	// A block's cache_control is not part of the prefix: moving it keeps
	// the earlier entry readable.
	body := func(mark int) json.RawMessage {
		var msgs []string
		for i := 0; i < 3; i++ {
			role := []string{"user", "assistant", "user"}[i]
			cc := ""
			if i == mark {
				cc = `,"cache_control":{"type":"ephemeral"}`
			}
			msgs = append(msgs, fmt.Sprintf(`{"role":%q,"content":[{"type":"text","text":"m%d"%s}]}`, role, i, cc))
		}
		return json.RawMessage(fmt.Sprintf(`{"anthropic_version":"bedrock-2023-05-31","max_tokens":10,"system":[{"type":"text","text":%q}],"messages":[%s]}`, sys, strings.Join(msgs, ",")))
	}
	rep = check(t, forecast.Request{ModelID: sonnet, Operation: forecast.InvokeWithResponseStream, Body: body(0)}, forecast.Request{ModelID: sonnet, Operation: forecast.Invoke, Body: body(2)})
	if got := rep.Requests[1].Checkpoints[0]; got.Path != "messages[2].content[0].cache_control" || got.Outcome != forecast.LookBack {
		t.Errorf("moved cache_control: %+v", got)
	}
}

func TestDiffNamesTheInnermostPath(t *testing.T) {
	mk := func(limit string) json.RawMessage {
		return json.RawMessage(`{"toolConfig":{"tools":[{"toolSpec":{"name":"t","inputSchema":{"json":{"type":"object","properties":{"n":{"type":"integer","maximum":` + limit + `}}}}}},{"cachePoint":{"type":"default"}}]},"system":[{"text":` + fmt.Sprintf("%q", prose("diff", 1500)) + `},{"cachePoint":{"type":"default"}}],"messages":[{"role":"user","content":[{"text":"q"}]}]}`)
	}
	rep := check(t, forecast.Request{ModelID: sonnet, Body: mk("10")}, forecast.Request{ModelID: sonnet, Body: mk("20")})
	m := rep.Requests[1].Checkpoints[1].Miss
	if m == nil || m.Path != "toolConfig.tools[0].toolSpec.inputSchema.json.properties.n.maximum" || !strings.Contains(m.Old, "10") || !strings.Contains(m.New, "20") || m.KeyOrder {
		t.Errorf("miss %+v", m)
	}
}

func TestBadInputNamesTheLine(t *testing.T) {
	for _, tc := range []struct{ log, want string }{
		{`{"modelId":"m","operation":"converse","body":{}}` + "\n" + `{"modelId":"m","operation":"conv","body":{}}`, `log.jsonl:2: operation "conv" is not one of`},
		{`{"operation":"converse","body":{}}`, "log.jsonl:1: modelId is missing"},
		{`{"modelId":"m","operation":"converse"}`, "log.jsonl:1: body is missing"},
		{`{"modelId":"m","operation":"converse","body":[1]}`, "log.jsonl:1: body must be the request's JSON object"},
		{`{"modelId":"m","operation":"converse","body":{},"time":"yesterday"}`, `log.jsonl:1: time "yesterday" is not RFC 3339`},
		{`{"modelId":"m","operation":"converse","body":{},"extra":1}`, `log.jsonl:1: not a request object`},
		{`not json`, `log.jsonl:1: not a request object`},
		{"\n\n" + `{"modelId":"m","operation":"converse","body":"{\"a\":"}`, `log.jsonl:3: body is a string that does not hold a JSON document`},
	} {
		_, err := forecast.ReadLog(strings.NewReader(tc.log), "log.jsonl")
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("ReadLog(%q) = %v, want an error starting %q", tc.log, err, tc.want)
		}
	}
	reqs, err := forecast.ReadLog(strings.NewReader(`{"modelId":"`+sonnet+`","operation":"converse","body":{"messages":[{"role":"user","content":[{"text":"a","image":{}}]}]}}`), "log.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := forecast.Check(reqs, forecast.Options{}); err == nil || !strings.HasPrefix(err.Error(), "log.jsonl:1: body: messages[0].content[0]: want an object with exactly one member") {
		t.Errorf("Check = %v", err)
	}
}

func TestLogRoundTrip(t *testing.T) {
	in := []forecast.Request{{ModelID: sonnet, Operation: forecast.Converse, Body: json.RawMessage(`{"b":1,"a":"<x>"}`), Time: t0, Account: "team"}}
	var sb strings.Builder
	if err := forecast.WriteLog(&sb, in); err != nil {
		t.Fatal(err)
	}
	out, err := forecast.ReadLog(strings.NewReader(sb.String()), "x")
	if err != nil || len(out) != 1 || string(out[0].Body) != string(in[0].Body) || !out[0].Time.Equal(t0) || out[0].Account != "team" || out[0].Source != "x:1" {
		t.Errorf("round trip: %+v, %v", out, err)
	}
}

// FuzzCheck feeds Check arbitrary bodies: it may refuse one with an error,
// never panic.
func FuzzCheck(f *testing.F) {
	f.Add([]byte(converse("s", `{"auto":{}}`, "a", "b", "c")), false)
	f.Add([]byte(`{"anthropic_version":"x","max_tokens":1,"tools":[{"name":"a","cache_control":{"type":"ephemeral","ttl":"1h"}}],"system":"s","messages":[{"role":"user","content":[{"type":"document","source":{"media_type":"text/plain"},"cache_control":{}}]}],"cache_control":{"type":"ephemeral"}}`), true)
	f.Fuzz(func(t *testing.T, body []byte, invoke bool) {
		op := forecast.Converse
		if invoke {
			op = forecast.Invoke
		}
		reqs := []forecast.Request{{ModelID: sonnet, Operation: op, Body: body, Source: "f:1"}, {ModelID: nova, Operation: op, Body: body, Source: "f:2"}, {ModelID: sonnet, Operation: op, Body: body, Source: "f:3"}}
		_, _ = forecast.Check(reqs, forecast.Options{})
	})
}

func TestEscapedStringsAndKeys(t *testing.T) {
	sys := prose("escape", 1500)
	mk := func(first, q string) json.RawMessage {
		return json.RawMessage(`{"system":[{"text":"say \"hi\" \\ ` + sys + `"},{"cachePoint":{"type":"default"}}],"messages":[{"role":"user","content":[{"text":"` + first + `"}]},{"role":"assistant","content":[{"text":"ok"}]},{"role":"user","cont\u0065nt":[{"text":"` + q + `"},{"cachePoint":{"type":"default"}}]}]}`)
	}
	// An edited history: the third message differs.
	rep := check(t, forecast.Request{ModelID: sonnet, Body: mk("same", `a \"quoted\" \\ \\\" q`)}, forecast.Request{ModelID: sonnet, Body: mk("same", `b`)})
	got := rep.Requests[1].Checkpoints
	if len(got) != 2 || got[0].Outcome != forecast.Hit || got[1].Miss == nil || got[1].Miss.Path != "messages[2].content[0].text" {
		t.Errorf("checkpoints %+v", got)
	}
	// Another conversation: the first message differs, which is no miss.
	rep = check(t, forecast.Request{ModelID: sonnet, Body: mk("one user", "q")}, forecast.Request{ModelID: sonnet, Body: mk("another user", "q")})
	if got := rep.Requests[1].Checkpoints; got[0].Outcome != forecast.Hit || got[1].Outcome != forecast.Write || got[1].Miss != nil || rep.Cost.MissTokens != 0 {
		t.Errorf("another conversation: %+v, findings %+v", got, rep.Findings)
	}
}
