package recorder_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"gopkg.in/dnaeon/go-vcr.v2/cassette"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/recorder"
)

const sonnet = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"

func replay(t *testing.T, path string) (*recorder.Session, error) {
	t.Helper()
	return recorder.Open(context.Background(), recorder.Options{Mode: recorder.Replay, Cassette: path, Spec: "cascade claude-sonnet-4-5/system_only"})
}

func TestRecordThenReplayInOrder(t *testing.T) {
	fakeAWS(t, "")
	f, srv := serve(t)
	path := filepath.Join(t.TempDir(), "cascade", "claude-sonnet-4-5", "system_only.yaml")
	ctx := context.Background()
	err := record(t, path, srv.URL, true, func(c *bedrockruntime.Client) {
		for _, sys := range []string{"prime", "prime", "changed"} {
			if _, err := c.Converse(ctx, converse(sonnet, sys)); err != nil {
				t.Fatal(err)
			}
		}
	})
	if err != nil {
		t.Fatalf("Finish: %v", err)
	}
	if f.calls != 3 {
		t.Fatalf("the target saw %d calls, want 3", f.calls)
	}

	// Replay needs no credentials, no region and no network.
	isolateAWS(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_REGION", "")
	srv.Close()
	s, err := replay(t, path)
	if err != nil {
		t.Fatal(err)
	}
	// Identical requests replay their interactions in recorded order.
	for i, tc := range []struct{ system, want string }{{"prime", "reply 1"}, {"prime", "reply 2"}, {"changed", "reply 3"}} {
		out, err := s.Client.Converse(ctx, converse(sonnet, tc.system))
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if got := reply(t, out); got != tc.want {
			t.Errorf("call %d replayed %q, want %q", i, got, tc.want)
		}
	}
	// A fourth request finds every recorded one replayed.
	_, err = s.Client.Converse(ctx, converse(sonnet, "prime"))
	var miss *recorder.MissError
	if !errors.As(err, &miss) || miss.Next != -1 || miss.Call != 4 || !errors.Is(err, cassette.ErrInteractionNotFound) {
		t.Fatalf("fourth call: err %v, want a *MissError past the last interaction", err)
	}
	if !strings.Contains(miss.Error(), "sends more requests than when it was recorded") {
		t.Errorf("miss message does not explain the extra request:\n%s", miss)
	}
	if err := s.Finish(true); err != nil {
		t.Errorf("Finish after using every interaction: %v", err)
	}
}

func TestReplayMissNamesSpecCassetteDiffAndCommand(t *testing.T) {
	fakeAWS(t, "")
	_, srv := serve(t)
	path := filepath.Join(t.TempDir(), "cascade", "nova-lite", "system_only.yaml")
	ctx := context.Background()
	if err := record(t, path, srv.URL, true, func(c *bedrockruntime.Client) {
		c.Converse(ctx, converse("us.amazon.nova-lite-v1:0", "You answer in one word."))
	}); err != nil {
		t.Fatal(err)
	}
	// The first replay reads the cassette whole; the second reads its
	// copy's head, without the request bodies, which the miss must read
	// to show its diff.
	t.Setenv(env.CassetteCache, t.TempDir())
	for _, from := range []string{"the YAML", "the copy's head"} {
		t.Run(from, func(t *testing.T) { replayMissesNamingEverything(t, path) })
	}
}

// replayMissesNamingEverything replays the cassette of
// TestReplayMissNamesSpecCassetteDiffAndCommand with requests it does not
// hold.
func replayMissesNamingEverything(t *testing.T, path string) {
	ctx := context.Background()
	s, err := replay(t, path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Client.Converse(ctx, converse("us.amazon.nova-lite-v1:0", "You answer in two words."))
	var miss *recorder.MissError
	if !errors.As(err, &miss) {
		t.Fatalf("err = %v, want a *MissError", err)
	}
	msg := miss.Error()
	for _, want := range []string{
		`spec "cascade claude-sonnet-4-5/system_only"`,
		"cassette: " + path,
		"POST /model/us.amazon.nova-lite-v1%3A0/converse",
		"call 1 of the spec",
		"the next recorded request, interaction 0 of 1",
		"system[0].text:",
		`-recorded: "You answer in one word."`,
		`+actual:   "You answer in two words."`,
		`CACHECASCADE_MODE=record CACHECASCADE_TARGET=emulator go test ./suites/ -ginkgo.focus='cascade claude-sonnet-4-5/system_only'`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("miss message lacks %q:\n%s", want, msg)
		}
	}
	// Another model: the request line differs.
	_, err = s.Client.Converse(ctx, converse(sonnet, "You answer in one word."))
	if !errors.As(err, &miss) || miss.Next != 0 || !strings.Contains(miss.Error(), "request line:") {
		t.Errorf("miss on another path: %v", err)
	}
	// The recorded request was never replayed: Finish says so.
	if err := s.Finish(true); err == nil || !strings.Contains(err.Error(), "replayed 0 of the 1 interactions") {
		t.Errorf("Finish = %v, want the unused interaction reported", err)
	}
}

func TestReplayIsStrictlyInRecordedOrder(t *testing.T) {
	fakeAWS(t, "")
	_, srv := serve(t)
	path := filepath.Join(t.TempDir(), "order.yaml")
	ctx := context.Background()
	if err := record(t, path, srv.URL, true, func(c *bedrockruntime.Client) {
		for _, sys := range []string{"prime", "change system", "prime"} {
			c.Converse(ctx, converse(sonnet, sys))
		}
	}); err != nil {
		t.Fatal(err)
	}
	s, err := replay(t, path)
	if err != nil {
		t.Fatal(err)
	}
	// The spec now sends its second step first: it matches interaction 1,
	// but the next recorded one is 0, whose answer must not be given to it.
	_, err = s.Client.Converse(ctx, converse(sonnet, "change system"))
	var miss *recorder.MissError
	if !errors.As(err, &miss) || miss.Next != 0 || miss.Elsewhere != 1 || !strings.Contains(miss.Error(), "in another order") {
		t.Fatalf("a step out of order: %v", err)
	}
}

func TestReplayChecksTheAccount(t *testing.T) {
	fakeAWS(t, "")
	_, srv := serve(t)
	path := filepath.Join(t.TempDir(), "accounts.yaml")
	ctx := context.Background()
	second := credentials.NewStaticCredentialsProvider("AKIASECONDACCOUNT000", "other-secret", "")
	s, err := recorder.Open(ctx, recorder.Options{Mode: recorder.Record, Cassette: path, Spec: t.Name(), Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	s.Client.Converse(ctx, converse(sonnet, "x"))
	s.ClientAs(second).Converse(ctx, converse(sonnet, "x"))
	if err := s.Finish(true); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if strings.Count(string(b), recorder.AccountHeader) != 2 || strings.Contains(string(b), "AKIASECONDACCOUNT000") {
		t.Fatalf("the cassette must number the accounts without naming them:\n%s", b)
	}
	// In replay the same two calls from one account: the second misses.
	r, err := replay(t, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Client.Converse(ctx, converse(sonnet, "x")); err != nil {
		t.Fatal(err)
	}
	_, err = r.Client.Converse(ctx, converse(sonnet, "x"))
	var miss *recorder.MissError
	if !errors.As(err, &miss) || !strings.Contains(miss.Error(), "account ("+recorder.AccountHeader+")") {
		t.Fatalf("the second account's call replayed from the first: %v", err)
	}
	// From a second account, as recorded, it replays.
	r, _ = replay(t, path)
	r.Client.Converse(ctx, converse(sonnet, "x"))
	if _, err := r.ClientAs(second).Converse(ctx, converse(sonnet, "x")); err != nil {
		t.Errorf("the second account's call: %v", err)
	}
}

func TestReplayRetryerFailsMissAtOnce(t *testing.T) {
	r := recorder.ReplayRetryer()
	miss := &recorder.MissError{}
	// The SDK hands the retryer the transport error wrapped twice: in a
	// *url.Error by net/http and in a RequestSendError by smithy.
	wrapped := &wrappedSend{err: &wrappedURL{err: miss}}
	if r.IsErrorRetryable(wrapped) {
		t.Error("a cassette miss is retryable")
	}
	if !r.IsErrorRetryable(&types.ThrottlingException{Message: aws.String("slow down")}) {
		t.Error("a recorded throttle is not retried, so a recorded 429-then-200 would not replay")
	}
	delay, err := r.RetryDelay(1, &types.ThrottlingException{})
	if err != nil || delay != 0 {
		t.Errorf("RetryDelay = %v, %v; replay must not back off", delay, err)
	}
}

type wrappedSend struct{ err error }

func (e *wrappedSend) Error() string { return "send: " + e.err.Error() }
func (e *wrappedSend) Unwrap() error { return e.err }

type wrappedURL struct{ err error }

func (e *wrappedURL) Error() string { return "url: " + e.err.Error() }
func (e *wrappedURL) Unwrap() error { return e.err }

func TestReplayRecordedThrottleThenSuccess(t *testing.T) {
	// A recording in which the service throttled the first attempt: each
	// attempt is its own interaction, so replay retries the same way.
	body := `'{"inferenceConfig":{"maxTokens":16},"messages":[{"content":[{"text":"What is the capital of France?"}],"role":"user"}],"system":[{"text":"x"}]}'`
	path := filepath.Join(t.TempDir(), "throttle.yaml")
	cassetteYAML := `---
version: 1
interactions:
- request:
    body: ` + body + `
    headers: {Content-Type: [application/json]}
    url: /model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse
    method: POST
  response:
    body: '{"message":"Too many requests, please wait before trying again."}'
    headers: {X-Amzn-Errortype: ["ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/"]}
    status: 429 Too Many Requests
    code: 429
- request:
    body: ` + body + `
    headers: {Content-Type: [application/json]}
    url: /model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse
    method: POST
  response:
    body: '{"output":{"message":{"content":[{"text":"after throttle"}],"role":"assistant"}},"stopReason":"end_turn","usage":{"inputTokens":1,"outputTokens":1,"totalTokens":2}}'
    headers: {Content-Type: [application/json]}
    status: 200 OK
    code: 200
`
	if err := os.WriteFile(path, []byte(cassetteYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := replay(t, path)
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Client.Converse(context.Background(), converse(sonnet, "x"))
	if err != nil {
		t.Fatalf("replay of 429 then 200: %v", err)
	}
	if got := reply(t, out); got != "after throttle" {
		t.Errorf("replayed %q", got)
	}
	if err := s.Finish(true); err != nil {
		t.Error(err)
	}
}

func TestReplayCassetteErrors(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.yaml")
	os.WriteFile(corrupt, []byte("---\nversion: 1\ninteractions: [{request: {body: \"unterminated\n"), 0o644)
	empty := filepath.Join(dir, "empty.yaml")
	os.WriteFile(empty, []byte("---\nversion: 1\ninteractions: []\n"), 0o644)
	for _, tc := range []struct {
		name, path, want string
		is               error
	}{
		{"missing", filepath.Join(dir, "missing.yaml"), "does not exist", cassette.ErrCassetteNotFound},
		{"corrupt", corrupt, "is corrupt", nil},
		{"empty", empty, "holds no interactions", nil},
		{"not yaml", filepath.Join(dir, "x.json"), `must end in ".yaml"`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := replay(t, tc.path)
			var ce *recorder.CassetteError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *CassetteError", err)
			}
			msg := err.Error()
			for _, want := range []string{tc.want, tc.path, `spec "cascade claude-sonnet-4-5/system_only"`, "CACHECASCADE_MODE=record"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message lacks %q:\n%s", want, msg)
				}
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("errors.Is(err, %v) = false", tc.is)
			}
		})
	}
}

func TestModes(t *testing.T) {
	for in, want := range map[string]recorder.Mode{"": recorder.Replay, "replay": recorder.Replay, "RECORD": recorder.Record, " live ": recorder.Live} {
		if got, err := recorder.ParseMode(in); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := recorder.ParseMode("replay-or-record"); err == nil || !strings.Contains(err.Error(), "CACHECASCADE_MODE") {
		t.Errorf("ParseMode of an unknown mode: %v", err)
	}
	t.Setenv(env.Mode, "live")
	if m, _ := recorder.ModeFromEnv(); m != recorder.Live || !m.CallsTarget() || recorder.Replay.CallsTarget() {
		t.Errorf("ModeFromEnv = %q", m)
	}
	if got, want := recorder.CassettePath("cassettes", "Cascade", "claude-sonnet-4-5", "SYSTEM_ONLY"), filepath.Join("cassettes", "cascade", "claude-sonnet-4-5", "system_only.yaml"); got != want {
		t.Errorf("CassettePath = %q, want %q", got, want)
	}
	if got := recorder.CassettePath("c", "../x", "a/b", ".hidden"); slices.Contains(strings.Split(got, string(filepath.Separator)), "..") || strings.Count(got, string(filepath.Separator)) != 3 {
		t.Errorf("CassettePath let a part escape its directory: %q", got)
	}
}

func TestTargetErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("no region", func(t *testing.T) {
		fakeAWS(t, "")
		t.Setenv("AWS_REGION", "")
		t.Setenv("AWS_DEFAULT_REGION", "")
		_, err := recorder.Open(ctx, recorder.Options{Mode: recorder.Live})
		var te *recorder.TargetError
		if !errors.As(err, &te) || !strings.Contains(err.Error(), "AWS_REGION") {
			t.Errorf("err = %v, want a *TargetError naming AWS_REGION", err)
		}
	})
	t.Run("no credentials", func(t *testing.T) {
		isolateAWS(t)
		t.Setenv("AWS_ACCESS_KEY_ID", "")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "")
		t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "")
		t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "")
		t.Setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "")
		t.Setenv("AWS_REGION", "us-east-1")
		_, err := recorder.Open(ctx, recorder.Options{Mode: recorder.Record, Cassette: filepath.Join(t.TempDir(), "c.yaml")})
		var te *recorder.TargetError
		if !errors.As(err, &te) || !strings.Contains(err.Error(), "no usable AWS credentials") || !strings.Contains(err.Error(), "aws sso login") {
			t.Errorf("err = %v, want a *TargetError saying how to provide credentials", err)
		}
	})
	t.Run("a bearer token needs no SigV4 credentials", func(t *testing.T) {
		isolateAWS(t)
		t.Setenv("AWS_ACCESS_KEY_ID", "")
		t.Setenv("AWS_REGION", "us-east-1")
		t.Setenv(env.BearerToken, "bedrock-api-key-fake")
		if _, err := recorder.Open(ctx, recorder.Options{Mode: recorder.Live}); err != nil {
			t.Errorf("Open with a bearer token: %v", err)
		}
	})
}

func TestLiveHonoursEndpointEnvironment(t *testing.T) {
	fakeAWS(t, "")
	f, srv := serve(t)
	t.Setenv(env.Endpoint, srv.URL)
	s, err := recorder.Open(context.Background(), recorder.Options{Mode: recorder.Live})
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Client.Converse(context.Background(), converse(sonnet, "x"))
	if err != nil || reply(t, out) != "reply 1" || f.calls != 1 {
		t.Fatalf("live call through AWS_ENDPOINT_URL_BEDROCK_RUNTIME: %v (target saw %d calls)", err, f.calls)
	}
	if !strings.HasPrefix(f.headers[0].Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIAFAKEFAKEFAKE1234/") {
		t.Errorf("live request not signed with the chain's credentials: %q", f.headers[0].Get("Authorization"))
	}
	if err := s.Finish(true); err != nil {
		t.Error(err)
	}
}
