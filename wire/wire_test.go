package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cachecascade/cachecascade/fixtures"
)

const testModel = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"

// spec has every layer, tools with enums and bounds built from Go maps, and
// two turns; it is small so that 30 serializations stay fast.
var spec = fixtures.Spec{
	Seed:         "wire",
	Tools:        3,
	ToolTokens:   600,
	SystemBlocks: 2,
	SystemTokens: 300,
	Turns:        2,
	TurnTokens:   100,
}

// input is the fixture request, with three map-built tool schemas: its
// bytes are stable only where the SDK orders map keys (smithy-go v1.23.0
// on). Tests of this package's own logic use plain instead, so that under
// an older SDK only TestDeterminismFixtures fails, and says why.
func input() *bedrockruntime.ConverseInput { return fixtures.Build(spec).Input(testModel) }

// plain is the fixture request without tools: stable bytes on every SDK
// version.
func plain() *bedrockruntime.ConverseInput {
	s := spec
	s.Tools = 0
	return fixtures.Build(s).Input(testModel)
}

// withTool returns in with one tool whose schema objects have a single key
// each, so that no SDK version can reorder them.
func withTool(in *bedrockruntime.ConverseInput, description string) *bedrockruntime.ConverseInput {
	in.ToolConfig = &types.ToolConfiguration{Tools: []types.Tool{&types.ToolMemberToolSpec{Value: types.ToolSpecification{
		Name:        aws.String("lookup"),
		Description: aws.String(description),
		InputSchema: &types.ToolInputSchemaMemberJson{Value: document.NewLazyDocument(map[string]any{"type": "object"})},
	}}}}
	return in
}

// streamInput is the ConverseStream input with the same members as in.
func streamInput(in *bedrockruntime.ConverseInput) *bedrockruntime.ConverseStreamInput {
	return &bedrockruntime.ConverseStreamInput{
		ModelId:         in.ModelId,
		Messages:        in.Messages,
		System:          in.System,
		ToolConfig:      in.ToolConfig,
		InferenceConfig: in.InferenceConfig,
	}
}

func capture(t *testing.T, in *bedrockruntime.ConverseInput) []byte {
	t.Helper()
	req, err := Converse(context.Background(), in)
	if err != nil {
		t.Fatalf("Converse: %v", err)
	}
	return req.Body
}

func TestConverseCapture(t *testing.T) {
	req, err := Converse(context.Background(), input())
	if err != nil {
		t.Fatal(err)
	}
	if req.Method != "POST" {
		t.Errorf("Method = %q, want POST", req.Method)
	}
	if want := "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse"; req.Path != want {
		t.Errorf("Path = %q, want %q", req.Path, want)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(req.Body, &doc); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, req.Body)
	}
	for _, k := range []string{"toolConfig", "system", "messages", "inferenceConfig"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("body has no %q member: %s", k, req.Body)
		}
	}
	if _, ok := doc["modelId"]; ok {
		t.Error("modelId is in the body; it belongs in the path")
	}
}

func TestConverseStreamCapture(t *testing.T) {
	in := input()
	req, err := ConverseStream(context.Background(), streamInput(in))
	if err != nil {
		t.Fatal(err)
	}
	if want := "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse-stream"; req.Path != want {
		t.Errorf("Path = %q, want %q", req.Path, want)
	}
	if req.Method != "POST" {
		t.Errorf("Method = %q, want POST", req.Method)
	}
	// The two operations serialize the same members identically (the same
	// JSON for the map-built schemas, the same bytes for the rest).
	c, err := Compare(capture(t, in), req.Body)
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind == Changed {
		t.Errorf("ConverseStream body differs from Converse body: %s", c.Describe())
	}
	in = withTool(plain(), "Look a thing up.")
	req, err = ConverseStream(context.Background(), streamInput(in))
	if err != nil {
		t.Fatal(err)
	}
	if body := capture(t, in); !bytes.Equal(req.Body, body) {
		t.Errorf("ConverseStream body differs from Converse body:\n%s\n%s", req.Body, body)
	}
}

func TestCaptureEscapesARN(t *testing.T) {
	in := input()
	in.ModelId = aws.String("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123")
	req, err := Converse(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	want := "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fabc123/converse"
	if req.Path != want {
		t.Errorf("Path = %q, want %q", req.Path, want)
	}
}

func TestCaptureIgnoresBearerToken(t *testing.T) {
	want := capture(t, plain())
	t.Setenv("AWS_BEARER_TOKEN_BEDROCK", "not-a-real-token")
	if got := capture(t, plain()); !bytes.Equal(got, want) {
		t.Errorf("body changed with a bearer token set:\n%s\n%s", got, want)
	}
}

func TestCaptureRejectedInput(t *testing.T) {
	in := input()
	in.ModelId = nil
	if _, err := Converse(context.Background(), in); err == nil {
		t.Error("Converse without a model ID: want the SDK's validation error, got nil")
	}
}

func TestCaptureAppliesCallerOptions(t *testing.T) {
	// A caller's option that points elsewhere cannot make the request leave.
	redirect := func(o *bedrockruntime.Options) { o.HTTPClient = nil; o.RetryMaxAttempts = 5 }
	req, err := Converse(context.Background(), input(), redirect)
	if err != nil {
		t.Fatal(err)
	}
	if len(req.Body) == 0 {
		t.Error("no body captured")
	}
}

// TestCaptureIsUnsignedAndConcurrent: the request a capture hands its HTTP
// client carries no signature (only method, path and body are kept), and
// captures running at once through the shared client each keep their own.
func TestCaptureIsUnsignedAndConcurrent(t *testing.T) {
	var mu sync.Mutex
	var auths []string
	seeAuth := func(o *bedrockruntime.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("seeAuth", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				mu.Lock()
				auths = append(auths, in.Request.(*smithyhttp.Request).Header.Get("Authorization"))
				mu.Unlock()
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
		})
	}
	var wg sync.WaitGroup
	bodies := make([][]byte, 8)
	for i := range bodies {
		wg.Go(func() {
			in := input()
			in.Messages[0].Content = []types.ContentBlock{&types.ContentBlockMemberText{Value: fmt.Sprintf("message %d", i)}}
			req, err := Converse(context.Background(), in, seeAuth)
			if err != nil {
				t.Error(err)
			}
			bodies[i] = req.Body
		})
	}
	wg.Wait()
	for i, b := range bodies {
		if want := fmt.Sprintf("message %d", i); !bytes.Contains(b, []byte(want)) {
			t.Errorf("Expected\n%s\nto hold its own message\n%s", b, want)
		}
	}
	for _, a := range auths {
		if a != "" {
			t.Errorf("Expected\n%q\nto be no signature", a)
		}
	}
	if len(auths) != len(bodies) {
		t.Errorf("Expected\n%d requests seen\nto be\n%d", len(auths), len(bodies))
	}
}

// TestDeterminismFixtures is the check the SDK-upgrade script relies on:
// the fixture request, whose tool schemas are Go maps, must serialize to the
// same bytes every time. It fails on SDKs with smithy-go before v1.23.0.
func TestDeterminismFixtures(t *testing.T) {
	r, err := Determinism(context.Background(), 30, input)
	if err != nil {
		t.Fatal(err)
	}
	if r.Builds != 30 || r.Distinct != 1 || !r.Deterministic() || len(r.Varying) != 0 {
		t.Errorf("want 1 distinct body of 30 and nothing varying, got\n%s", r.Describe())
	}
	if r.Err() != nil {
		t.Errorf("Err() = %v, want nil", r.Err())
	}
}

func TestDeterminismRequestMetadataIsHarmless(t *testing.T) {
	build := func() *bedrockruntime.ConverseInput {
		in := withTool(plain(), "Look a thing up.")
		in.RequestMetadata = map[string]string{}
		for i := range 12 {
			in.RequestMetadata[fmt.Sprintf("key%02d", i)] = fmt.Sprintf("value%02d", i)
		}
		return in
	}
	r, err := Determinism(context.Background(), 30, build)
	if err != nil {
		t.Fatal(err)
	}
	if r.Deterministic() {
		t.Fatalf("requestMetadata with 12 keys serialized the same way 30 times; the SDK now orders maps?\n%s", r.Describe())
	}
	want := Field{Path: "requestMetadata", Kind: KeyOrder}
	if len(r.Varying) != 1 || r.Varying[0] != want {
		t.Errorf("Varying = %+v, want only %+v", r.Varying, want)
	}
	if r.CacheAffecting() || r.Err() != nil {
		t.Errorf("requestMetadata order reported as cache-affecting:\n%s", r.Describe())
	}
	if d := r.Describe(); !strings.Contains(d, "requestMetadata: key order differs (not cache-affecting)") ||
		!strings.Contains(d, "nondeterministic but not cache-affecting") {
		t.Errorf("Describe:\n%s", d)
	}
}

func TestDeterminismCacheAffecting(t *testing.T) {
	n := 0
	build := func() *bedrockruntime.ConverseInput {
		n++
		return withTool(plain(), fmt.Sprintf("Look a thing up (call %d).", n))
	}
	r, err := Determinism(context.Background(), 5, build)
	if err != nil {
		t.Fatal(err)
	}
	if r.Distinct != 5 {
		t.Errorf("Distinct = %d, want 5", r.Distinct)
	}
	if len(r.Varying) != 1 {
		t.Fatalf("want one varying field, got\n%s", r.Describe())
	}
	f := r.Varying[0]
	if f.Path != "toolConfig.tools[0].toolSpec.description" || f.Kind != Value ||
		!f.PromptBearing || !f.CacheAffecting || f.Layer != "tools" {
		t.Errorf("varying field = %+v", f)
	}
	if !r.CacheAffecting() || r.Err() == nil {
		t.Errorf("not reported as cache-affecting:\n%s", r.Describe())
	}
	if d := r.Describe(); !strings.Contains(d, "CACHE-AFFECTING") ||
		!strings.Contains(d, "toolConfig.tools[0].toolSpec.description: value differs (cache-affecting from tools)") {
		t.Errorf("Describe:\n%s", d)
	}
}

func TestDeterminismMapOrderedString(t *testing.T) {
	// A system block built by ranging over a map, as careless application
	// code does: the text itself varies.
	parts := map[string]string{}
	for i := range 16 {
		parts[fmt.Sprintf("rule%02d", i)] = fmt.Sprintf("Follow rule %d.", i)
	}
	build := func() *bedrockruntime.ConverseInput {
		in := plain()
		var b strings.Builder
		for k, v := range parts {
			b.WriteString(k + ": " + v + "\n")
		}
		in.System = append(in.System, &types.SystemContentBlockMemberText{Value: b.String()})
		return in
	}
	r, err := Determinism(context.Background(), 20, build)
	if err != nil {
		t.Fatal(err)
	}
	if r.Deterministic() {
		t.Skip("map iteration gave the same order 20 times")
	}
	if len(r.Varying) != 1 || r.Varying[0].Path != "system[2].text" || r.Varying[0].Layer != "system" || !r.CacheAffecting() {
		t.Errorf("got\n%s", r.Describe())
	}
}

func TestDeterminismOfKeyOrderInSchema(t *testing.T) {
	// What smithy-go before v1.23.0 did to map-built schemas.
	a := `{"messages":[],"toolConfig":{"tools":[{"toolSpec":{"inputSchema":{"json":{"properties":{"city":{"description":"d","type":"string"}},"type":"object"}},"name":"t"}}]}}`
	b := `{"messages":[],"toolConfig":{"tools":[{"toolSpec":{"inputSchema":{"json":{"type":"object","properties":{"city":{"type":"string","description":"d"}}}},"name":"t"}}]}}`
	r, err := DeterminismOf([][]byte{[]byte(a), []byte(b), []byte(a)})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"toolConfig.tools[0].toolSpec.inputSchema.json",
		"toolConfig.tools[0].toolSpec.inputSchema.json.properties.city",
	}
	if r.Builds != 3 || r.Distinct != 2 || len(r.Varying) != len(want) {
		t.Fatalf("got\n%s", r.Describe())
	}
	for i, f := range r.Varying {
		if f.Path != want[i] || f.Kind != KeyOrder || !f.CacheAffecting || f.Layer != "tools" {
			t.Errorf("Varying[%d] = %+v, want key order at %s, cache-affecting from tools", i, f, want[i])
		}
	}
}

func TestDeterminismBadArguments(t *testing.T) {
	if _, err := Determinism(context.Background(), 0, input); err == nil {
		t.Error("n = 0: want an error")
	}
	if _, err := DeterminismOf([][]byte{[]byte(`{}`), []byte(`{`)}); err == nil {
		t.Error("invalid JSON: want an error")
	}
	r, err := DeterminismOf(nil)
	if err != nil || !r.Deterministic() || r.Builds != 0 {
		t.Errorf("no bodies: %+v, %v", r, err)
	}
}

func TestCompareIdentical(t *testing.T) {
	body := capture(t, withTool(plain(), "Look a thing up."))
	c, err := Compare(body, capture(t, withTool(plain(), "Look a thing up.")))
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind != Identical || len(c.Fields) != 0 || c.CacheAffecting {
		t.Errorf("got %s", c.Describe())
	}
	if c.Describe() != "identical" {
		t.Errorf("Describe = %q", c.Describe())
	}
}

func TestCompareReordered(t *testing.T) {
	for _, tc := range []struct {
		name, ref, act string
		want           []Field
		cacheAffecting bool
	}{{
		name: "schema keys",
		ref:  `{"toolConfig":{"tools":[{"toolSpec":{"inputSchema":{"json":{"properties":{"city":{"type":"string"}},"required":["city"],"type":"object"}},"name":"weather"}}]}}`,
		act:  `{"toolConfig":{"tools":[{"toolSpec":{"inputSchema":{"json":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},"name":"weather"}}]}}`,
		want: []Field{{Path: "toolConfig.tools[0].toolSpec.inputSchema.json", Kind: KeyOrder,
			PromptBearing: true, CacheAffecting: true, Layer: "tools"}},
		cacheAffecting: true,
	}, {
		name: "nested message content",
		ref:  `{"messages":[{"content":[{"text":"hi"}],"role":"user"}]}`,
		act:  `{"messages":[{"role":"user","content":[{"text":"hi"}]}]}`,
		want: []Field{{Path: "messages[0]", Kind: KeyOrder,
			PromptBearing: true, CacheAffecting: true, Layer: "messages"}},
		cacheAffecting: true,
	}, {
		name: "request metadata",
		ref:  `{"messages":[],"requestMetadata":{"a":"1","b":"2"}}`,
		act:  `{"messages":[],"requestMetadata":{"b":"2","a":"1"}}`,
		want: []Field{{Path: "requestMetadata", Kind: KeyOrder}},
	}, {
		name: "top level",
		ref:  `{"messages":[],"system":[]}`,
		act:  `{"system":[],"messages":[]}`,
		want: []Field{{Path: "(document)", Kind: KeyOrder}},
	}, {
		name: "DEL escaped",
		ref:  "{\"messages\":[{\"content\":[{\"text\":\"a\x7fb\"}],\"role\":\"user\"}]}",
		act:  `{"messages":[{"content":[{"text":"a\u007fb"}],"role":"user"}]}`,
		want: []Field{{Path: "messages[0].content[0].text", Kind: Encoding, PromptBearing: true}},
	}, {
		name: "white space",
		ref:  `{"messages":[]}`,
		act:  `{ "messages": [] }`,
		want: []Field{{Path: "(document)", Kind: Encoding}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Compare([]byte(tc.ref), []byte(tc.act))
			if err != nil {
				t.Fatal(err)
			}
			if c.Kind != Reordered || c.CacheAffecting != tc.cacheAffecting {
				t.Errorf("got %s", c.Describe())
			}
			if fmt.Sprint(c.Fields) != fmt.Sprint(tc.want) {
				t.Errorf("Fields =\n%+v\nwant\n%+v", c.Fields, tc.want)
			}
		})
	}
}

func TestCompareChanged(t *testing.T) {
	ref := capture(t, plain())

	in := plain()
	in.System[0] = &types.SystemContentBlockMemberText{Value: "A different system prompt."}
	c, err := Compare(ref, capture(t, in))
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind != Changed || !c.CacheAffecting || len(c.Fields) != 1 {
		t.Fatalf("system text: got %s", c.Describe())
	}
	if f := c.Fields[0]; f.Path != "system[0].text" || !f.PromptBearing || f.Layer != "system" || f.New != `"A different system prompt."` {
		t.Errorf("system text: field %+v", f)
	}

	in = plain()
	in.InferenceConfig.MaxTokens = aws.Int32(512)
	c, err = Compare(ref, capture(t, in))
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind != Changed || c.CacheAffecting || len(c.Fields) != 1 ||
		c.Fields[0].Path != "inferenceConfig.maxTokens" || !strings.Contains(c.Fields[0].Old, "16") || !strings.Contains(c.Fields[0].New, "512") {
		t.Errorf("maxTokens: got %s", c.Describe())
	}
	if d := c.Describe(); !strings.HasPrefix(d, "changed, not cache-affecting\n  inferenceConfig.maxTokens: value differs (not cache-affecting): ") {
		t.Errorf("Describe:\n%s", d)
	}

	// A value change and a reordering together: Changed, both listed.
	c, err = Compare([]byte(`{"inferenceConfig":{"maxTokens":1},"requestMetadata":{"a":"1","b":"2"}}`),
		[]byte(`{"inferenceConfig":{"maxTokens":2},"requestMetadata":{"b":"2","a":"1"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind != Changed || c.CacheAffecting || len(c.Fields) != 2 ||
		c.Fields[0].Path != "inferenceConfig.maxTokens" || c.Fields[1].Path != "requestMetadata" || c.Fields[1].Kind != KeyOrder {
		t.Errorf("value and order: got %s", c.Describe())
	}

	// An added message.
	c, err = Compare([]byte(`{"messages":[{"role":"user"}]}`), []byte(`{"messages":[{"role":"user"},{"role":"assistant"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind != Changed || !c.CacheAffecting || len(c.Fields) != 1 || c.Fields[0].Path != "messages[+1]" || c.Fields[0].Layer != "messages" {
		t.Errorf("added message: got %s", c.Describe())
	}
}

func TestCompareInvalid(t *testing.T) {
	if _, err := Compare([]byte(`{"a":1}`), []byte(`{"a":`)); err == nil {
		t.Error("want an error for invalid JSON")
	}
	if _, err := Compare([]byte(`{"a":1}`), []byte(`{"a":1} {}`)); err == nil {
		t.Error("want an error for trailing data")
	}
	if c, err := Compare([]byte(`not json`), []byte(`not json`)); err != nil || c.Kind != Identical {
		t.Errorf("identical bytes: %+v, %v", c, err)
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		path          string
		prompt, cache bool
		layer         string
	}{
		{"toolConfig.tools[0].toolSpec.inputSchema.json.properties.city.description", true, true, "tools"},
		{"toolConfig.tools[0].toolSpec.description", true, true, "tools"},
		{"toolConfig.tools[3].cachePoint.type", true, true, "tools"},
		{"toolConfig.tools[+2]", true, true, "tools"},
		{"toolConfig.tools", true, true, "tools"},
		{"toolConfig", true, true, "tools"},
		{"toolConfig.toolChoice.tool.name", false, true, "messages"},
		{"toolConfig.toolChoice", false, true, "messages"},
		{"system[0].text", true, true, "system"},
		{"system[1].cachePoint.type", true, true, "system"},
		{"system[-1]", true, true, "system"},
		{"system", true, true, "system"},
		{"messages[2].content[0].text", true, true, "messages"},
		{"messages[0].content[1].toolUse.input.city", true, true, "messages"},
		{"messages[0].role", true, true, "messages"},
		{"messages[+5]", true, true, "messages"},
		{"messages[1→2]", true, true, "messages"},
		{"additionalModelRequestFields.thinking.budget_tokens", false, true, "messages"},
		{"promptVariables.customer.text", false, true, "tools"},
		{"outputConfig.textFormat.type", false, true, "tools"},
		{"inferenceConfig.maxTokens", false, false, ""},
		{"inferenceConfig.temperature", false, false, ""},
		{"inferenceConfig", false, false, ""},
		{"requestMetadata", false, false, ""},
		{"requestMetadata.tenant", false, false, ""},
		{"additionalModelResponseFieldPaths[0]", false, false, ""},
		{"guardrailConfig.guardrailVersion", false, false, ""},
		{"performanceConfig.latency", false, false, ""},
		{"serviceTier.type", false, false, ""},
		{"(document)", false, true, "tools"},
		{"someFutureMember.x", false, true, "tools"},
		{"systemPrompt", false, true, "tools"},
	} {
		f := Classify(tc.path)
		want := Field{Path: tc.path, PromptBearing: tc.prompt, CacheAffecting: tc.cache, Layer: tc.layer}
		if f != want {
			t.Errorf("Classify(%q) = %+v, want %+v", tc.path, f, want)
		}
	}
}

func TestClassifyOrderAndEncoding(t *testing.T) {
	for _, tc := range []struct {
		path  string
		kind  Kind
		cache bool
		layer string
	}{
		{"toolConfig.tools[0].toolSpec.inputSchema.json", KeyOrder, true, "tools"},
		{"toolConfig.toolChoice", KeyOrder, false, ""},
		{"additionalModelRequestFields", KeyOrder, false, ""},
		{"promptVariables", KeyOrder, false, ""},
		{"requestMetadata", KeyOrder, false, ""},
		{"(document)", KeyOrder, false, ""},
		{"system[0].text", Encoding, false, ""},
	} {
		f := classifyAs(tc.path, tc.kind)
		if f.Kind != tc.kind || f.CacheAffecting != tc.cache || f.Layer != tc.layer {
			t.Errorf("classifyAs(%q, %v) = %+v", tc.path, tc.kind, f)
		}
	}
}
