package emulator

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go/auth/bearer"
)

// Model IDs used by the tests, as callers send them.
const (
	sonnet45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
	sonnet4  = "us.anthropic.claude-sonnet-4-20250514-v1:0"
	haiku45  = "global.anthropic.claude-haiku-4-5-20251001-v1:0"
	novaLite = "us.amazon.nova-lite-v1:0"
	// sonnet45ARN is an inference-profile ARN; the SDK escapes ":" and "/".
	sonnet45ARN = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0"
)

func TestMain(m *testing.M) {
	// A bearer token in the environment would switch every client to
	// bearer auth; the tests choose their auth explicitly.
	os.Unsetenv("AWS_BEARER_TOKEN_BEDROCK")
	os.Exit(m.Run())
}

// harness is a running emulator and a default client.
type harness struct {
	t   testing.TB
	srv *Server
	c   *bedrockruntime.Client
}

func startHarness(t testing.TB, opts Options) *harness {
	t.Helper()
	srv, err := Start(opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return &harness{t: t, srv: srv, c: sigv4Client(srv.URL(), "AKIDEXAMPLE", nil)}
}

// sigv4Client is an SDK client signing with static fake credentials.
func sigv4Client(url, akid string, hc *http.Client) *bedrockruntime.Client {
	o := bedrockruntime.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(akid, "secret", ""),
		BaseEndpoint: aws.String(url),
		Retryer:      aws.NopRetryer{},
	}
	o.HTTPClient = safeClient(hc)
	return bedrockruntime.New(o)
}

// safeClient is hc (or the SDK's default transport) behind
// SafeBodyTransport; see its documentation for the race it avoids.
func safeClient(hc *http.Client) *http.Client {
	if hc == nil {
		return &http.Client{Transport: SafeBodyTransport{Base: awshttp.NewBuildableClient().GetTransport()}}
	}
	if _, ok := hc.Transport.(SafeBodyTransport); ok {
		return hc
	}
	c := *hc
	c.Transport = SafeBodyTransport{Base: hc.Transport}
	return &c
}

// bearerClient is an SDK client sending Authorization: Bearer token (it
// needs an https endpoint).
func bearerClient(url, token string, hc *http.Client) *bedrockruntime.Client {
	o := bedrockruntime.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDUNUSED", "secret", ""),
		BaseEndpoint: aws.String(url),
		Retryer:      aws.NopRetryer{},
		BearerAuthTokenProvider: bearer.TokenProviderFunc(func(context.Context) (bearer.Token, error) {
			return bearer.Token{Value: token}, nil
		}),
		AuthSchemePreference: []string{"httpBearerAuth"},
	}
	o.HTTPClient = safeClient(hc)
	return bedrockruntime.New(o)
}

// mintAPIKey returns a short-term Bedrock API key for the emulator's
// default region, signed with akid and secret at the given time, valid for
// 12 hours.
func mintAPIKey(t testing.TB, akid, secret string, at time.Time) string {
	t.Helper()
	key, err := ShortTermAPIKey(aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}, DefaultRegion, at, 12*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// longTermAPIKey returns a long-term-shaped Bedrock API key: ABSK and the
// base64 of an IAM service-specific credential (user name, ":", secret).
func longTermAPIKey(secret string) string {
	return "ABSK" + base64.StdEncoding.EncodeToString([]byte("BedrockAPIKey-test-at-123456789012:"+secret))
}

// call sends a Converse request and returns the usage (nil with an error).
func call(t testing.TB, c *bedrockruntime.Client, in *bedrockruntime.ConverseInput) (*types.TokenUsage, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := c.Converse(ctx, in)
	if err != nil {
		return nil, err
	}
	return out.Usage, nil
}

// mustCall is call that fails the test on an error.
func mustCall(t testing.TB, c *bedrockruntime.Client, in *bedrockruntime.ConverseInput) *types.TokenUsage {
	t.Helper()
	u, err := call(t, c, in)
	if err != nil {
		t.Fatalf("Converse: %v", err)
	}
	checkTotals(t, u)
	return u
}

// streamOut is what a ConverseStream call delivered.
type streamOut struct {
	text  string
	stop  types.StopReason
	usage *types.TokenUsage
}

func callStream(t testing.TB, c *bedrockruntime.Client, in *bedrockruntime.ConverseInput) (*streamOut, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := c.ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{
		ModelId: in.ModelId, Messages: in.Messages, System: in.System, ToolConfig: in.ToolConfig,
		InferenceConfig: in.InferenceConfig,
	})
	if err != nil {
		return nil, err
	}
	stream := out.GetStream()
	defer stream.Close()
	var res streamOut
	var text strings.Builder
	for ev := range stream.Events() {
		switch v := ev.(type) {
		case *types.ConverseStreamOutputMemberContentBlockDelta:
			if d, ok := v.Value.Delta.(*types.ContentBlockDeltaMemberText); ok {
				text.WriteString(d.Value)
			}
		case *types.ConverseStreamOutputMemberMessageStop:
			res.stop = v.Value.StopReason
		case *types.ConverseStreamOutputMemberMetadata:
			res.usage = v.Value.Usage
		}
	}
	if err := stream.Err(); err != nil {
		return nil, err
	}
	res.text = text.String()
	return &res, nil
}

func checkTotals(t testing.TB, u *types.TokenUsage) {
	t.Helper()
	if u == nil {
		t.Fatalf("no usage")
	}
	if got, want := i32(u.TotalTokens), i32(u.InputTokens)+i32(u.OutputTokens)+i32(u.CacheReadInputTokens)+i32(u.CacheWriteInputTokens); got != want {
		t.Fatalf("totalTokens %d != input+output+read+write %d (%s)", got, want, usageString(u))
	}
}

func i32(p *int32) int {
	if p == nil {
		return 0
	}
	return int(*p)
}

func usageString(u *types.TokenUsage) string {
	if u == nil {
		return "<nil usage>"
	}
	var b strings.Builder
	b.WriteString("read=")
	b.WriteString(itoa(i32(u.CacheReadInputTokens)))
	b.WriteString(" write=")
	b.WriteString(itoa(i32(u.CacheWriteInputTokens)))
	b.WriteString(" input=")
	b.WriteString(itoa(i32(u.InputTokens)))
	b.WriteString(" output=")
	b.WriteString(itoa(i32(u.OutputTokens)))
	b.WriteString(" total=")
	b.WriteString(itoa(i32(u.TotalTokens)))
	for _, d := range u.CacheDetails {
		b.WriteString(" detail[" + string(d.Ttl) + "]=" + itoa(i32(d.InputTokens)))
	}
	return b.String()
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var buf [20]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}

// wantUsage asserts read and write.
func wantUsage(t testing.TB, step string, u *types.TokenUsage, read, write int) {
	t.Helper()
	if i32(u.CacheReadInputTokens) != read || i32(u.CacheWriteInputTokens) != write {
		t.Fatalf("%s: got %s, want read=%d write=%d", step, usageString(u), read, write)
	}
}

// txt returns deterministic text whose block costs exactly tokens tokens
// under the default tokenizer (4 chars/token, 3 overhead).
func txt(seed string, tokens int) string {
	n := (tokens - DefaultBlockOverheadTokens) * 4
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(seed)
		b.WriteString(" lorem ipsum dolor sit amet ")
	}
	return b.String()[:n]
}

// Content builders.

func text(s string) types.ContentBlock { return &types.ContentBlockMemberText{Value: s} }

func cp() types.ContentBlock {
	return &types.ContentBlockMemberCachePoint{Value: types.CachePointBlock{Type: types.CachePointTypeDefault}}
}

func cpTTL(ttl string) types.ContentBlock {
	return &types.ContentBlockMemberCachePoint{Value: types.CachePointBlock{Type: types.CachePointTypeDefault, Ttl: types.CacheTTL(ttl)}}
}

func sysText(s string) types.SystemContentBlock { return &types.SystemContentBlockMemberText{Value: s} }

func sysCP() types.SystemContentBlock {
	return &types.SystemContentBlockMemberCachePoint{Value: types.CachePointBlock{Type: types.CachePointTypeDefault}}
}

func sysCPTTL(ttl string) types.SystemContentBlock {
	return &types.SystemContentBlockMemberCachePoint{Value: types.CachePointBlock{Type: types.CachePointTypeDefault, Ttl: types.CacheTTL(ttl)}}
}

func user(blocks ...types.ContentBlock) types.Message {
	return types.Message{Role: types.ConversationRoleUser, Content: blocks}
}

func assistant(blocks ...types.ContentBlock) types.Message {
	return types.Message{Role: types.ConversationRoleAssistant, Content: blocks}
}

// schema is a tool input schema with its keys in one order; schemaReordered
// has the same keys in another. The SDK keeps struct field order.
type schemaProp struct {
	Type        string `document:"type"`
	Description string `document:"description"`
}

type schema struct {
	Type       string                `document:"type"`
	Properties map[string]schemaProp `document:"properties"`
	Required   []string              `document:"required"`
}

type schemaReordered struct {
	Required   []string              `document:"required"`
	Properties map[string]schemaProp `document:"properties"`
	Type       string                `document:"type"`
}

func tool(name, description string) types.Tool {
	return toolWithSchema(name, description, schema{
		Type:       "object",
		Properties: map[string]schemaProp{"city": {Type: "string", Description: "City name"}},
		Required:   []string{"city"},
	})
}

func toolWithSchema(name, description string, s any) types.Tool {
	return &types.ToolMemberToolSpec{Value: types.ToolSpecification{
		Name:        aws.String(name),
		Description: aws.String(description),
		InputSchema: &types.ToolInputSchemaMemberJson{Value: document.NewLazyDocument(s)},
	}}
}

func toolCP() types.Tool {
	return &types.ToolMemberCachePoint{Value: types.CachePointBlock{Type: types.CachePointTypeDefault}}
}

func toolCPTTL(ttl string) types.Tool {
	return &types.ToolMemberCachePoint{Value: types.CachePointBlock{Type: types.CachePointTypeDefault, Ttl: types.CacheTTL(ttl)}}
}

// layered is the standard three-layer request: tools (one tool of about
// toolTokens) + checkpoint, system of sysTokens + checkpoint, one user
// message of msgTokens + checkpoint. Variant seeds change one layer's
// content without changing its size.
type layered struct {
	model                      string
	toolSeed, sysSeed, msgSeed string
	toolTokens                 int
	sysTokens, msgTokens       int
}

func defaultLayered() layered {
	return layered{model: sonnet45, toolSeed: "weather", sysSeed: "policy", msgSeed: "question",
		toolTokens: 1200, sysTokens: 600, msgTokens: 500}
}

func (l layered) input() *bedrockruntime.ConverseInput {
	return &bedrockruntime.ConverseInput{
		ModelId:    aws.String(l.model),
		ToolConfig: &types.ToolConfiguration{Tools: []types.Tool{tool("get_weather", txt(l.toolSeed, l.toolTokens)), toolCP()}},
		System:     []types.SystemContentBlock{sysText(txt(l.sysSeed, l.sysTokens)), sysCP()},
		Messages:   []types.Message{user(text(txt(l.msgSeed, l.msgTokens)), cp())},
	}
}

// apiCode returns the error code of an API error, "" for nil.
func apiCode(err error) string {
	if err == nil {
		return ""
	}
	var ae interface{ ErrorCode() string }
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "non-api:" + err.Error()
}

// rawPost sends a raw HTTP request to the emulator.
func rawPost(t testing.TB, url, path, auth string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	setAuth(req.Header, auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// fakeSigV4 is a SigV4 Authorization header of a key the emulator holds no
// secret for: structure, scope and clock skew are checked, the signature
// is not. Send it with setAuth, which adds the X-Amz-Date it needs.
const fakeSigV4 = "AWS4-HMAC-SHA256 Credential=AKIDRAW/20260126/us-east-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"

// setAuth sets Authorization to auth (none for ""), with an X-Amz-Date of
// now for a SigV4 header, as a signer would.
func setAuth(h http.Header, auth string) {
	if auth == "" {
		return
	}
	h.Set("Authorization", auth)
	if strings.HasPrefix(auth, "AWS4-") {
		h.Set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z"))
	}
}

// tamper is an http.RoundTripper that edits requests after the SDK signed
// them, to drive bad input through the real SDK's response decoding.
type tamper struct {
	body       []byte
	dropAuth   bool
	underlying http.RoundTripper
}

func (tp tamper) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if tp.dropAuth {
		r.Header.Del("Authorization")
	}
	if tp.body != nil {
		r.Body = io.NopCloser(bytes.NewReader(tp.body))
		r.ContentLength = int64(len(tp.body))
		r.GetBody = nil
	}
	rt := tp.underlying
	if rt == nil {
		rt = http.DefaultTransport
	}
	return rt.RoundTrip(r)
}
