package capture_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/cachecascade/cachecascade/emulator"
)

// The emulator's static credentials and region.
const (
	emulatorKey    = "AKIDEMULATOR00000000"
	emulatorSecret = "emulator-secret"
	emulatorRegion = "us-east-1"
)

// sonnet is a model the emulator serves, through a profile as the service
// requires (minimum cacheable prefix 1,024 tokens).
const sonnet = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"

// wire is one request as the server received it.
type wire struct {
	path string
	body []byte
}

// tap is an http.RoundTripper that keeps every request's path and body as
// it goes on the wire.
type tap struct {
	base http.RoundTripper
	mu   sync.Mutex
	seen []wire
}

// RoundTrip records the request and sends it.
func (t *tap) RoundTrip(r *http.Request) (*http.Response, error) {
	var b []byte
	if r.Body != nil {
		var err error
		if b, err = io.ReadAll(r.Body); err != nil {
			return nil, err
		}
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	t.mu.Lock()
	t.seen = append(t.seen, wire{r.URL.EscapedPath(), b})
	t.mu.Unlock()
	return t.base.RoundTrip(r)
}

// requests returns what the tap saw.
func (t *tap) requests() []wire {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]wire(nil), t.seen...)
}

// startEmulator serves a fresh emulator for the test.
func startEmulator(t *testing.T) *emulator.Server {
	t.Helper()
	srv, err := emulator.Start(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// newClient returns a client of the emulator whose requests go through
// the tap, with the given options.
func newClient(srv *emulator.Server, tp *tap, optFns ...func(*bedrockruntime.Options)) *bedrockruntime.Client {
	tp.base = srv.HTTPClient().Transport
	return bedrockruntime.New(bedrockruntime.Options{
		Region:       emulatorRegion,
		Credentials:  credentials.NewStaticCredentialsProvider(emulatorKey, emulatorSecret, ""),
		BaseEndpoint: aws.String(srv.URL()),
		HTTPClient:   &http.Client{Transport: tp},
		Retryer:      aws.NopRetryer{},
	}, optFns...)
}

// policy is a system prompt long enough to cache on any model (about
// 3,000 tokens), with a tag that keeps tests apart.
func policy(tag string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "You are the support agent of shop %s. Follow the policy below exactly.\n", tag)
	for i := range 150 {
		fmt.Fprintf(&b, "Rule %d: a refund for an order damaged in transit is approved within three working days.\n", i)
	}
	return b.String()
}

// converseInput is a Converse request with a checkpoint after the system
// prompt.
func converseInput(tag, question string) *bedrockruntime.ConverseInput {
	return &bedrockruntime.ConverseInput{
		ModelId: aws.String(sonnet),
		System: []types.SystemContentBlock{
			&types.SystemContentBlockMemberText{Value: policy(tag)},
			&types.SystemContentBlockMemberCachePoint{Value: types.CachePointBlock{Type: types.CachePointTypeDefault}},
		},
		Messages: []types.Message{{
			Role:    types.ConversationRoleUser,
			Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: question}},
		}},
		InferenceConfig: &types.InferenceConfiguration{MaxTokens: aws.Int32(64)},
		AdditionalModelRequestFields: document.NewLazyDocument(map[string]any{
			"top_k": 5,
		}),
	}
}

// anthropicBody is an InvokeModel body with a checkpoint after the system
// prompt.
func anthropicBody(tag, question string) []byte {
	b, err := json.Marshal(map[string]any{
		"anthropic_version": "bedrock-2023-05-31",
		"max_tokens":        64,
		"system":            []any{map[string]any{"type": "text", "text": policy(tag), "cache_control": map[string]any{"type": "ephemeral"}}},
		"messages":          []any{map[string]any{"role": "user", "content": question}},
	})
	if err != nil {
		panic(err)
	}
	return b
}

// callAll sends one request of each logged operation, reading the streams
// to the end.
func callAll(ctx context.Context, c *bedrockruntime.Client, tag string) error {
	if _, err := c.Converse(ctx, converseInput(tag, "Is order A-1042 refundable?")); err != nil {
		return fmt.Errorf("Converse: %w", err)
	}
	cs, err := c.ConverseStream(ctx, converseStreamInput(tag, "And A-1043?"))
	if err != nil {
		return fmt.Errorf("ConverseStream: %w", err)
	}
	for range cs.GetStream().Events() {
	}
	if err := cs.GetStream().Close(); err != nil {
		return fmt.Errorf("ConverseStream: %w", err)
	}
	if _, err := c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{ModelId: aws.String(sonnet), ContentType: aws.String("application/json"),
		Body: anthropicBody(tag, "Is order A-1044 refundable?")}); err != nil {
		return fmt.Errorf("InvokeModel: %w", err)
	}
	is, err := c.InvokeModelWithResponseStream(ctx, &bedrockruntime.InvokeModelWithResponseStreamInput{ModelId: aws.String(sonnet),
		ContentType: aws.String("application/json"), Body: anthropicBody(tag, "And A-1045?")})
	if err != nil {
		return fmt.Errorf("InvokeModelWithResponseStream: %w", err)
	}
	for range is.GetStream().Events() {
	}
	if err := is.GetStream().Close(); err != nil {
		return fmt.Errorf("InvokeModelWithResponseStream: %w", err)
	}
	return nil
}

// converseStreamInput is converseInput for ConverseStream.
func converseStreamInput(tag, question string) *bedrockruntime.ConverseStreamInput {
	in := converseInput(tag, question)
	return &bedrockruntime.ConverseStreamInput{ModelId: in.ModelId, System: in.System, Messages: in.Messages,
		InferenceConfig: in.InferenceConfig, AdditionalModelRequestFields: in.AdditionalModelRequestFields}
}

// pathOperation returns the operation segment of a runtime path.
func pathOperation(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

// pathModel returns the model ID of a runtime path.
func pathModel(p string) string {
	seg := strings.Split(p, "/")
	id, _ := url.PathUnescape(seg[len(seg)-2])
	return id
}
