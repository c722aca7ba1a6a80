package emulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

func msgs(m ...types.Message) []types.Message { return m }

// TestErrorsThroughSDK sends every bad request through the real SDK and
// checks the status, the typed error the SDK decodes, and the exact message.
func TestErrorsThroughSDK(t *testing.T) {
	big := txt("big", 1100)
	reasoning := &types.ContentBlockMemberReasoningContent{Value: &types.ReasoningContentBlockMemberReasoningText{
		Value: types.ReasoningTextBlock{Text: aws.String("thinking"), Signature: aws.String("sig")}}}
	fiveCPs := &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45),
		ToolConfig: &types.ToolConfiguration{Tools: []types.Tool{tool("t", big), toolCP()}},
		System:     []types.SystemContentBlock{sysText(big), sysCP()},
		Messages:   msgs(user(text(big), cp(), text(big), cp(), text(big), cp()))}

	type tc struct {
		name   string
		in     *bedrockruntime.ConverseInput
		tamper *tamper
		opts   Options
		status int
		typ    string // "validation", "access", "notfound"
		msg    string
	}
	cases := []tc{
		{name: "nothing before checkpoint in system", status: 400, typ: "validation", msg: msgNothingToCache,
			in: &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45), System: []types.SystemContentBlock{sysCP(), sysText(big)}, Messages: msgs(user(text("hi")))}},
		{name: "nothing before checkpoint in a message", status: 400, typ: "validation", msg: msgNothingToCache,
			in: &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45), Messages: msgs(user(cp(), text(big)))}},
		{name: "nothing before checkpoint in tools", status: 400, typ: "validation", msg: msgNothingToCache,
			in: &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45), ToolConfig: &types.ToolConfiguration{Tools: []types.Tool{toolCP(), tool("t", big)}}, Messages: msgs(user(text("hi")))}},
		{name: "checkpoint after reasoning block", status: 400, typ: "validation", msg: msgAfterReasoning,
			in: &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45), Messages: msgs(user(text(big)), assistant(reasoning, cp(), text("a")), user(text("q")))}},
		{name: "1h after 5m", status: 400, typ: "validation",
			msg: "The model returned the following errors: messages.3.content.0.cache_control.ttl: a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block. Note that blocks are processed in the following order: `tools`, `system`, `messages`.",
			in: &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45), System: []types.SystemContentBlock{sysText(big), sysCP()},
				Messages: msgs(user(text("q1")), assistant(text("a1")), user(text("q2")), assistant(text("a2"), cpTTL("1h")))}},
		{name: "1h after default (5m)", status: 400, typ: "validation",
			msg: "The model returned the following errors: system.0.cache_control.ttl: a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block. Note that blocks are processed in the following order: `tools`, `system`, `messages`.",
			in: &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45), ToolConfig: &types.ToolConfiguration{Tools: []types.Tool{tool("t", big), toolCP()}},
				System: []types.SystemContentBlock{sysText(big), sysCPTTL("1h")}, Messages: msgs(user(text("q")))}},
		{name: "nova 1h", status: 400, typ: "validation", msg: "Extended TTL prompt caching is only supported for Anthropic models",
			in: &bedrockruntime.ConverseInput{ModelId: aws.String(novaLite), System: []types.SystemContentBlock{sysText(big), sysCPTTL("1h")}, Messages: msgs(user(text("q")))}},
		{name: "ttl 5m on a claude model without 1h", status: 400, typ: "validation", msg: "Extra inputs are not permitted",
			in: &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet4), System: []types.SystemContentBlock{sysText(big), sysCPTTL("5m")}, Messages: msgs(user(text("q")))}},
		{name: "ttl 1h on a claude model without 1h", status: 400, typ: "validation", msg: "Extra inputs are not permitted",
			in: &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet4), Messages: msgs(user(text(big), cpTTL("1h")))}},
		{name: "unknown ttl value", status: 400, typ: "validation",
			msg: "1 validation error detected: Value '2h' at 'messages.1.member.content.2.member.cachePoint.ttl' failed to satisfy constraint: Member must satisfy enum value set: [5m, 1h]",
			in:  &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45), Messages: msgs(user(text(big), cpTTL("2h")))}},
		{name: "five checkpoints", status: 400, typ: "validation", msg: "A maximum of 4 blocks with cache_control may be provided. Found 5.", in: fiveCPs},
		{name: "nova tool checkpoint at index 1", status: 400, typ: "validation",
			msg: "The model returned the following errors: Malformed input request: #/toolConfig/tools/1: extraneous key [cachePoint] is not permitted, please reformat your input and try again.",
			in:  &bedrockruntime.ConverseInput{ModelId: aws.String(novaLite), ToolConfig: &types.ToolConfiguration{Tools: []types.Tool{tool("t", big), toolCP()}}, Messages: msgs(user(text("q")))}},
		{name: "nova tool checkpoint at index 2", status: 400, typ: "validation",
			msg: "The model returned the following errors: Malformed input request: #/toolConfig/tools/2: extraneous key [cachePoint] is not permitted, please reformat your input and try again.",
			in:  &bedrockruntime.ConverseInput{ModelId: aws.String(novaLite), ToolConfig: &types.ToolConfiguration{Tools: []types.Tool{tool("a", big), tool("b", "b"), toolCP()}}, Messages: msgs(user(text("q")))}},
		{name: "checkpoint on a model without caching", status: 400, typ: "validation", msg: msgUnsupportedCaching,
			in: &bedrockruntime.ConverseInput{ModelId: aws.String("us.anthropic.claude-3-haiku-20240307-v1:0"), Messages: msgs(user(text(big), cp()))}},
		{name: "unknown model", status: 400, typ: "validation", msg: "The provided model identifier is invalid.",
			in: &bedrockruntime.ConverseInput{ModelId: aws.String("anthropic.claude-does-not-exist-v1:0"), Messages: msgs(user(text("q")))}},
		{name: "unknown profile prefix", status: 400, typ: "validation", msg: "The provided model identifier is invalid.",
			in: &bedrockruntime.ConverseInput{ModelId: aws.String("mars.anthropic.claude-sonnet-4-5-20250929-v1:0"), Messages: msgs(user(text("q")))}},
		{name: "malformed ARN", status: 400, typ: "validation", msg: "The provided model identifier is invalid.",
			in: &bedrockruntime.ConverseInput{ModelId: aws.String("arn:aws:bedrock:us-east-1:1:application-inference-profile/abc"), Messages: msgs(user(text("q")))}},
		{name: "end-of-life model", status: 404, typ: "notfound", msg: "This model version has reached the end of its life. Please refer to the AWS documentation for more details.",
			in: &bedrockruntime.ConverseInput{ModelId: aws.String("anthropic.claude-v2:1"), Messages: msgs(user(text("q")))}},
		{name: "nova v1 by base id", status: 400, typ: "validation",
			msg: "Invocation of model ID amazon.nova-lite-v1:0 with on-demand throughput isn't supported. Retry your request with the ID or ARN of an inference profile that contains this model.",
			in:  &bedrockruntime.ConverseInput{ModelId: aws.String("amazon.nova-lite-v1:0"), Messages: msgs(user(text("q")))}},
		{name: "empty messages", status: 400, typ: "validation", msg: msgFirstUser,
			in: &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45), Messages: []types.Message{}}},
		{name: "no messages", status: 400, typ: "validation", msg: msgFirstUser,
			in: &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45)}},
		{name: "first message from assistant", status: 400, typ: "validation", msg: msgFirstUser,
			in: &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45), Messages: msgs(assistant(text("a")), user(text("q")))}},
		{name: "roles not alternating", status: 400, typ: "validation", msg: msgAlternate,
			in: &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45), Messages: msgs(user(text("a")), user(text("q")))}},
		{name: "empty content", status: 400, typ: "validation", msg: "The content field in the Message object at messages.1 is empty. Add a ContentBlock object to the content field and try again.",
			in: &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45), Messages: msgs(user(text("a")), types.Message{Role: types.ConversationRoleAssistant, Content: []types.ContentBlock{}})}},
		{name: "blank text", status: 400, typ: "validation", msg: "The text field in the ContentBlock object at messages.0.content.1 is blank. Add text to the text field, and try again.",
			in: &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45), Messages: msgs(user(text("a"), text("  ")))}},
		{name: "maxTokens zero", status: 400, typ: "validation",
			msg: "1 validation error detected: Value '0' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1",
			in:  &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45), Messages: msgs(user(text("a"))), InferenceConfig: &types.InferenceConfiguration{MaxTokens: aws.Int32(0)}}},
		{name: "prompt over the context window", status: 400, typ: "validation", msg: msgTooLong,
			in: &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45), Messages: msgs(user(text(txt("long", 200001))))}},
		{name: "unsigned request", status: 403, typ: "access", msg: "Authorization header is missing",
			tamper: &tamper{dropAuth: true}, in: defaultLayered().input()},
		{name: "malformed JSON", status: 400, typ: "validation", msg: msgMalformed,
			tamper: &tamper{body: []byte(`{"messages":[{"role":"user","content":[{"text":"hi"}]}`)}, in: defaultLayered().input()},
		{name: "wrong JSON type", status: 400, typ: "validation", msg: msgMalformed,
			tamper: &tamper{body: []byte(`{"messages":"hi"}`)}, in: defaultLayered().input()},
		{name: "block with two members", status: 400, typ: "validation", msg: msgMalformed,
			tamper: &tamper{body: []byte(`{"messages":[{"role":"user","content":[{"text":"hi","cachePoint":{"type":"default"}}]}]}`)}, in: defaultLayered().input()},
		{name: "unknown cachePoint type", status: 400, typ: "validation",
			msg:    "1 validation error detected: Value 'forever' at 'system.2.member.cachePoint.type' failed to satisfy constraint: Member must satisfy enum value set: [default]",
			tamper: &tamper{body: []byte(`{"messages":[{"role":"user","content":[{"text":"hi"}]}],"system":[{"text":"s"},{"cachePoint":{"type":"forever"}}]}`)}, in: defaultLayered().input()},
		{name: "unknown role", status: 400, typ: "validation",
			msg:    "1 validation error detected: Value 'robot' at 'messages.1.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]",
			tamper: &tamper{body: []byte(`{"messages":[{"role":"robot","content":[{"text":"hi"}]}]}`)}, in: defaultLayered().input()},
		{name: "body over the size cap", status: 413, typ: "validation", msg: "Request body too large",
			opts: Options{MaxBodyBytes: 1000}, in: defaultLayered().input()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := startHarness(t, c.opts)
			client := h.c
			if c.tamper != nil {
				client = sigv4Client(h.srv.URL(), "AKIDEXAMPLE", &http.Client{Transport: *c.tamper})
			}
			_, err := call(t, client, c.in)
			if err == nil {
				t.Fatalf("want an error, got success")
			}
			var msg string
			switch c.typ {
			case "validation":
				var e *types.ValidationException
				if !errors.As(err, &e) {
					t.Fatalf("want *types.ValidationException, got %T: %v", err, err)
				}
				msg = e.ErrorMessage()
			case "access":
				var e *types.AccessDeniedException
				if !errors.As(err, &e) {
					t.Fatalf("want *types.AccessDeniedException, got %T: %v", err, err)
				}
				msg = e.ErrorMessage()
			case "notfound":
				var e *types.ResourceNotFoundException
				if !errors.As(err, &e) {
					t.Fatalf("want *types.ResourceNotFoundException, got %T: %v", err, err)
				}
				msg = e.ErrorMessage()
			}
			if !strings.HasPrefix(msg, c.msg) || (c.status != 413 && msg != c.msg) {
				t.Errorf("message:\n got %q\nwant %q", msg, c.msg)
			}
			var re *awshttp.ResponseError
			if !errors.As(err, &re) || re.HTTPStatusCode() != c.status {
				t.Errorf("status: got %v, want %d", err, c.status)
			}
		})
	}
}

// TestFourCheckpointsAccepted is the other side of the limit.
func TestFourCheckpointsAccepted(t *testing.T) {
	h := startHarness(t, Options{})
	big := txt("big", 1100)
	u := mustCall(t, h.c, &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45),
		ToolConfig: &types.ToolConfiguration{Tools: []types.Tool{tool("t", big), toolCP()}},
		System:     []types.SystemContentBlock{sysText(big), sysCP()},
		Messages:   msgs(user(text(big), cp(), text(big), cp()))})
	if i32(u.CacheWriteInputTokens) == 0 {
		t.Fatalf("4 checkpoints: %s, want a write", usageString(u))
	}
	// Nova accepts 4 in system and messages.
	mustCall(t, h.c, &bedrockruntime.ConverseInput{ModelId: aws.String(novaLite),
		System:   []types.SystemContentBlock{sysText(big), sysCP(), sysText(big), sysCP()},
		Messages: msgs(user(text(big), cp(), text(big), cp()))})
	// Explicit 5m on Nova and 1h-before-5m on Sonnet 4.5 are fine.
	mustCall(t, h.c, &bedrockruntime.ConverseInput{ModelId: aws.String(novaLite),
		System: []types.SystemContentBlock{sysText(big), sysCPTTL("5m")}, Messages: msgs(user(text("q")))})
	mustCall(t, h.c, &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45),
		System: []types.SystemContentBlock{sysText(big), sysCPTTL("1h")}, Messages: msgs(user(text(big), cpTTL("5m")))})
}

// TestErrorWireShape checks the raw error response: status,
// x-amzn-ErrorType and the JSON body (unknown operations, whose body is
// not a message, are TestUnknownOperation's).
func TestErrorWireShape(t *testing.T) {
	h := startHarness(t, Options{})
	path := "/model/" + strings.ReplaceAll(sonnet45, ":", "%3A") + "/converse"
	for _, tc := range []struct {
		name, auth, path string
		body             string
		status           int
		errType, key     string
		msg              string
	}{
		{"unsigned", "", path, `{}`, 403, "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/", "Message", msgAuthMissing},
		{"empty bearer", "Bearer ", path, `{}`, 403, "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/", "Message", msgAPIKeyFormat},
		{"sigv4 without credential", "AWS4-HMAC-SHA256 Signature=00", path, `{}`, 403, "IncompleteSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/", "Message",
			"Authorization header requires 'Credential' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 Signature=00"},
		{"checkpoint error", fakeSigV4, path, `{"messages":[{"role":"user","content":[{"cachePoint":{"type":"default"}}]}]}`, 400,
			"ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/", "message", msgNothingToCache},
		{"garbage body", fakeSigV4, path, "\x00\xff", 400, "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/", "message", msgMalformed},
		{"a tool that is not a structure", fakeSigV4, path, `{"messages":[{"role":"user","content":[{"text":"hi"}]}],"toolConfig":{"tools":[{"toolSpec":"x"}]}}`, 400,
			"ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/", "message", msgMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := rawPost(t, h.srv.URL(), tc.path, tc.auth, []byte(tc.body))
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d (%s)", resp.StatusCode, tc.status, body)
			}
			if got := resp.Header.Get("X-Amzn-ErrorType"); got != tc.errType {
				t.Errorf("x-amzn-ErrorType %q, want %q", got, tc.errType)
			}
			if resp.Header.Get("X-Amzn-RequestId") == "" {
				t.Errorf("no x-amzn-RequestId")
			}
			var m map[string]string
			if err := json.Unmarshal(body, &m); err != nil || len(m) != 1 || m[tc.key] != tc.msg {
				t.Errorf("body %s, want {%q: %q}", body, tc.key, tc.msg)
			}
		})
	}
}

// TestConverseWireShape checks the raw success body: alphabetical keys, the
// undocumented *Count twins, serverToolUsage and cacheDetails.
func TestConverseWireShape(t *testing.T) {
	h := startHarness(t, Options{})
	path := "/model/" + strings.ReplaceAll(sonnet45, ":", "%3A") + "/converse"
	body := `{"messages":[{"content":[{"text":"` + txt("x", 1400) + `"},{"cachePoint":{"type":"default"}}],"role":"user"}]}`
	resp, got := rawPost(t, h.srv.URL(), path, fakeSigV4, []byte(body))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, got)
	}
	s := string(got)
	want := `"usage":{"cacheDetails":[{"inputTokens":1400,"ttl":"5m"}],"cacheReadInputTokenCount":0,"cacheReadInputTokens":0,"cacheWriteInputTokenCount":1400,"cacheWriteInputTokens":1400,"inputTokens":3,"outputTokens":`
	if !strings.Contains(s, want) || !strings.Contains(s, `"serverToolUsage":{},"totalTokens":`) {
		t.Fatalf("body %s\nwant usage like %s", s, want)
	}
	if !strings.HasPrefix(s, `{"metrics":{"latencyMs":`) || !strings.Contains(s, `,"output":{"message":{"content":[{"text":"`) ||
		!strings.Contains(s, `"role":"assistant"}},"stopReason":"end_turn","usage":`) {
		t.Fatalf("body %s not shaped like the service's", s)
	}
}

// TestAdminEndpoints checks the standalone server's clock and reset
// endpoints.
func TestAdminEndpoints(t *testing.T) {
	h := startHarness(t, Options{})
	in := defaultLayered().input()
	prime := mustCall(t, h.c, in)
	total := i32(prime.CacheWriteInputTokens)
	resp, body := rawPost(t, h.srv.URL(), "/_emulator/clock/advance?by=6m", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "12:06:00") {
		t.Fatalf("advance: %d %s", resp.StatusCode, body)
	}
	wantUsage(t, "after advance", mustCall(t, h.c, in), 0, total)
	if resp, _ := rawPost(t, h.srv.URL(), "/_emulator/reset", "", nil); resp.StatusCode != 200 {
		t.Fatalf("reset: %d", resp.StatusCode)
	}
	wantUsage(t, "after reset", mustCall(t, h.c, in), 0, total)
	if resp, _ := rawPost(t, h.srv.URL(), "/_emulator/clock/advance?by=soon", "", nil); resp.StatusCode != 400 {
		t.Fatalf("bad duration: %d, want 400", resp.StatusCode)
	}
	r, err := http.Get(h.srv.URL() + "/_emulator/profiles")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var p struct{ Faults, Benign []Profile }
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil || len(p.Faults) != len(Faults()) || len(p.Benign) != len(BenignProfiles()) {
		t.Fatalf("profiles: %v %+v", err, p)
	}
}
