package emulator

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

// Base IDs of the models that count tokens.
const (
	haiku45Base  = "anthropic.claude-haiku-4-5-20251001-v1:0"
	sonnet45Base = "anthropic.claude-sonnet-4-5-20250929-v1:0"
	sonnet46Base = "anthropic.claude-sonnet-4-6"
)

// countTokens calls CountTokens with input.
func countTokens(t testing.TB, c *bedrockruntime.Client, model string, input types.CountTokensInput) (int, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := c.CountTokens(ctx, &bedrockruntime.CountTokensInput{ModelId: aws.String(model), Input: input})
	if err != nil {
		return 0, err
	}
	return i32(out.InputTokens), nil
}

// converseForm is CountTokens's converse form of a Converse request.
func converseForm(in *bedrockruntime.ConverseInput) types.CountTokensInput {
	return &types.CountTokensInputMemberConverse{Value: types.ConverseTokensRequest{
		Messages: in.Messages, System: in.System, ToolConfig: in.ToolConfig}}
}

// invokeForm is CountTokens's invokeModel form of an InvokeModel body.
func invokeForm(t testing.TB, body any) types.CountTokensInput {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return &types.CountTokensInputMemberInvokeModel{Value: types.InvokeModelTokensRequest{Body: raw}}
}

// countCase is a request the count is checked on: a three-layer request,
// with or without its tools.
type countCase struct {
	l     layered
	tools bool
}

// countRequests are the requests the count is checked on: the three-layer
// request, a text-only one (no tools), and one over Haiku 4.5's minimum.
func countRequests() map[string]countCase {
	big := defaultLayered()
	big.toolTokens, big.sysTokens, big.msgTokens = 2500, 1500, 900
	return map[string]countCase{"layered": {defaultLayered(), true}, "text only": {defaultLayered(), false},
		"over haiku's minimum": {big, true}}
}

// converseInput is the case's Converse request to model.
func (c countCase) converseInput(model string) *bedrockruntime.ConverseInput {
	l := c.l
	l.model = model
	in := l.input()
	if !c.tools {
		in.ToolConfig = nil
	}
	return in
}

// anthropicBody is the case's Anthropic body.
func (c countCase) anthropicBody() map[string]any {
	b := c.l.anthropic()
	if !c.tools {
		delete(b, "tools")
	}
	return b
}

// TestCountTokensMatchesCharge: the count, in either form, is what the
// equivalent call is charged as prompt (input + read + write), on every
// model that counts, before and after the cache holds the prefix; and
// counting never touches the cache.
func TestCountTokensMatchesCharge(t *testing.T) {
	for _, m := range []struct{ base, call string }{
		{haiku45Base, haiku45Base}, {sonnet45Base, sonnet45}, {sonnet46Base, "us." + sonnet46Base},
	} {
		for name, l := range countRequests() {

			t.Run(m.base+"/"+name, func(t *testing.T) {
				h := startHarness(t, Options{})
				in := l.converseInput(m.call)
				viaConverse, err := countTokens(t, h.c, m.base, converseForm(in))
				if err != nil {
					t.Fatal(err)
				}
				viaInvoke, err := countTokens(t, h.c, m.base, invokeForm(t, l.anthropicBody()))
				if err != nil {
					t.Fatal(err)
				}
				if h.srv.Len() != 0 {
					t.Fatalf("counting wrote %d cache entries", h.srv.Len())
				}
				for _, step := range []string{"cold", "warm"} {
					u := mustCall(t, h.c, in)
					cached := m.base != haiku45Base || name == "over haiku's minimum"
					if step == "warm" && cached && i32(u.CacheReadInputTokens) == 0 {
						t.Errorf("warm Converse read nothing (%s): the count was not checked against a read", usageString(u))
					}
					if charged := i32(u.InputTokens) + i32(u.CacheReadInputTokens) + i32(u.CacheWriteInputTokens); charged != viaConverse {
						t.Errorf("%s Converse charged %d (%s), CountTokens (converse) said %d", step, charged, usageString(u), viaConverse)
					}
					iu := mustInvoke(t, h.c, m.call, l.anthropicBody())
					if charged := iu.input + iu.read + iu.write; charged != viaInvoke {
						t.Errorf("%s InvokeModel charged %d, CountTokens (invokeModel) said %d", step, charged, viaInvoke)
					}
				}
				if !l.tools && viaInvoke != viaConverse {
					t.Errorf("text only: invokeModel form %d, converse form %d", viaInvoke, viaConverse)
				}
			})
		}
	}
}

// TestCountTokensRefused: models that do not count, every profile ID and
// bad bodies answer like the service.
func TestCountTokensRefused(t *testing.T) {
	h := startHarness(t, Options{})
	ok := converseForm(&bedrockruntime.ConverseInput{Messages: msgs(user(text("hello")))})
	for _, tc := range []struct {
		name, model string
		input       types.CountTokensInput
		code, msg   string
	}{
		{"Haiku 4.5 profile", haiku45, ok, "ValidationException", msgNoCountTokens},
		{"Sonnet 4.5 profile", sonnet45, ok, "ValidationException", msgNoCountTokens},
		{"Sonnet 4.6 global profile", sonnet46Global, ok, "ValidationException", msgNoCountTokens},
		{"Sonnet 4.5 profile ARN", sonnet45ARN, ok, "ValidationException", msgNoCountTokens},
		{"Opus 4.7 base ID", "anthropic.claude-opus-4-7", ok, "ValidationException", msgNoCountTokens},
		{"Opus 4.7 profile", opus47US, ok, "ValidationException", msgNoCountTokens},
		{"Sonnet 5", "anthropic.claude-sonnet-5", ok, "ValidationException", msgNoCountTokens},
		{"Sonnet 5.5 profile", "global.anthropic.claude-sonnet-5-5", ok, "ValidationException", msgNoCountTokens},
		{"Fable 5", "anthropic.claude-fable-5", ok, "ValidationException", msgNoCountTokens},
		{"Mythos 5 in-Region", "anthropic.claude-mythos-5", ok, "ValidationException", msgNoCountTokens},
		{"Nova Lite", novaLite, ok, "ValidationException", msgNoCountTokens},
		{"unknown model", "anthropic.claude-nope", ok, "ValidationException", msgInvalidModelID},
		{"end of life", "anthropic.claude-3-5-haiku-20241022-v1:0", ok, "ResourceNotFoundException", "end of its life"},
		{"empty messages", sonnet45Base, converseForm(&bedrockruntime.ConverseInput{}), "ValidationException", msgFirstUser},
		{"bad native body", sonnet45Base, &types.CountTokensInputMemberInvokeModel{Value: types.InvokeModelTokensRequest{Body: []byte(`{"messages": []}`)}},
			"ValidationException", "required key [anthropic_version]"},
		{"automatic caching on the legacy integration", sonnet45Base, invokeForm(t, map[string]any{
			"anthropic_version": "bedrock-2023-05-31", "max_tokens": 8, "cache_control": cc(""),
			"messages": []any{map[string]any{"role": "user", "content": "hello"}}}),
			"ValidationException", msgAutomaticLegacy},
		{"five checkpoints", sonnet45Base, converseForm(&bedrockruntime.ConverseInput{Messages: msgs(user(
			text("a"), cp(), text("b"), cp(), text("c"), cp(), text("d"), cp(), text("e"), cp()))}),
			"ValidationException", "A maximum of 4 blocks"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := countTokens(t, h.c, tc.model, tc.input)
			if apiCode(err) != tc.code || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("%v, want %s containing %q", err, tc.code, tc.msg)
			}
		})
	}
}

// TestCountTokensWire sends bodies the SDK cannot: the union's two members,
// neither, a body that is not base64, no input at all.
func TestCountTokensWire(t *testing.T) {
	h := startHarness(t, Options{})
	path := "/model/" + sonnet45Base + "/count-tokens"
	for _, tc := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"converse", `{"input":{"converse":{"messages":[{"role":"user","content":[{"text":"hello"}]}]}}}`, 200, `{"inputTokens":`},
		{"no input", `{}`, 400, "Value null at 'input'"},
		{"empty union", `{"input":{}}`, 400, msgMalformed},
		{"both members", `{"input":{"converse":{"messages":[]},"invokeModel":{"body":"e30="}}}`, 400, msgMalformed},
		{"no body", `{"input":{"invokeModel":{}}}`, 400, "Value null at 'input.invokeModel.body'"},
		{"not base64", `{"input":{"invokeModel":{"body":"%%%"}}}`, 400, msgMalformed},
		{"not JSON", `{"input":`, 400, msgMalformed},
		{"converse not an object", `{"input":{"converse":[1]}}`, 400, msgMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := rawPost(t, h.srv.URL(), path, fakeSigV4, []byte(tc.body))
			if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.want) {
				t.Fatalf("%d %s, want %d containing %q", resp.StatusCode, body, tc.status, tc.want)
			}
		})
	}
	if resp, _ := rawPost(t, h.srv.URL(), path, "", []byte(`{}`)); resp.StatusCode != 403 {
		t.Errorf("no Authorization: status %d, want 403", resp.StatusCode)
	}
}
