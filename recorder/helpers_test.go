package recorder_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/recorder"
)

// fakeBedrock is a stand-in for the Bedrock runtime that answers every
// Converse request with a numbered reply and remembers what it received.
type fakeBedrock struct {
	mu       sync.Mutex
	calls    int
	bodies   []string
	headers  []http.Header
	paths    []string
	response func(n int, w http.ResponseWriter)
}

func (f *fakeBedrock) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.calls++
	n := f.calls
	f.bodies = append(f.bodies, string(body))
	f.headers = append(f.headers, r.Header.Clone())
	f.paths = append(f.paths, r.URL.EscapedPath())
	respond := f.response
	f.mu.Unlock()
	if respond != nil {
		respond(n, w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", "8d0c1c6e-invocation-id")
	fmt.Fprintf(w, `{"metrics":{"latencyMs":1},"output":{"message":{"content":[{"text":"reply %d"}],"role":"assistant"}},"stopReason":"end_turn","usage":{"inputTokens":3,"outputTokens":2,"totalTokens":5}}`, n)
}

// serve starts a fake Bedrock on loopback.
func serve(t *testing.T) (*fakeBedrock, *httptest.Server) {
	t.Helper()
	f := &fakeBedrock{}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

// fakeAWS sets static fake credentials and a region for the SDK's chain,
// and hides any real configuration.
func fakeAWS(t *testing.T, sessionToken string) {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFAKEFAKE1234")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "fakeSecretKeyThatMustNeverReachDisk0000")
	t.Setenv("AWS_SESSION_TOKEN", sessionToken)
	t.Setenv("AWS_REGION", "us-east-1")
	isolateAWS(t)
}

// isolateAWS hides shared configuration, IMDS and bearer tokens.
func isolateAWS(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv(env.BearerToken, "")
	t.Setenv(env.Endpoint, "")
	t.Setenv("AWS_ENDPOINT_URL", "")
}

// converse builds a small Converse request whose system text is given.
func converse(model, system string) *bedrockruntime.ConverseInput {
	return &bedrockruntime.ConverseInput{
		ModelId: aws.String(model),
		System:  []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: system}},
		Messages: []types.Message{{Role: types.ConversationRoleUser,
			Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "What is the capital of France?"}}}},
		InferenceConfig: &types.InferenceConfiguration{MaxTokens: aws.Int32(16)},
	}
}

// reply returns the text of a Converse answer.
func reply(t *testing.T, out *bedrockruntime.ConverseOutput) string {
	t.Helper()
	msg, ok := out.Output.(*types.ConverseOutputMemberMessage)
	if !ok || len(msg.Value.Content) == 0 {
		t.Fatalf("unexpected output %#v", out.Output)
	}
	return msg.Value.Content[0].(*types.ContentBlockMemberText).Value
}

// record opens a Record session against srv, runs calls, and finishes
// with keep.
func record(t *testing.T, cassettePath, endpoint string, keep bool, calls func(*bedrockruntime.Client)) error {
	t.Helper()
	s, err := recorder.Open(context.Background(), recorder.Options{Mode: recorder.Record, Cassette: cassettePath, Spec: t.Name(), Endpoint: endpoint})
	if err != nil {
		t.Fatalf("Open(record): %v", err)
	}
	calls(s.Client)
	return s.Finish(keep)
}
