package recorder

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"gopkg.in/dnaeon/go-vcr.v2/cassette"
)

// TestMatcherTakesTheSDKsPayloadHash: the matcher uses the SHA-256 the
// SDK computed to sign the body when the body went out unredacted, and its
// own when redaction changed it; and the SDK does hand its hash to the
// transport, so the saving is real.
func TestMatcherTakesTheSDKsPayloadHash(t *testing.T) {
	sdk := sha256.Sum256([]byte("what the SDK hashed"))
	request := func(body string) *http.Request {
		ctx := v4.SetPayloadHash(context.Background(), hex.EncodeToString(sdk[:]))
		r, _ := http.NewRequestWithContext(ctx, http.MethodPost, "https://h/model/x/converse", strings.NewReader(body))
		return r
	}
	m := NewMatcher()
	m.requestRaw(request(`{"a":1}`))
	if got := m.requestRawSum(); got != sdk {
		t.Errorf("Expected\n%x\nto be the SDK's payload hash\n%x", got, sdk)
	}
	withARN := `{"m":"arn:aws:bedrock:us-east-1:123456789012:inference-profile/p"}`
	m.requestRaw(request(withARN))
	if got, want := m.requestRawSum(), sha256.Sum256(redactAccounts([]byte(withARN))); got != want {
		t.Errorf("Expected\n%x\nto be the hash of the redacted body\n%x", got, want)
	}

	var seen, body string
	client := bedrockruntime.New(bedrockruntime.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDREPLAYONLY00000", "replay-only-secret", ""),
		BaseEndpoint: aws.String("https://bedrock-runtime.replay.invalid"),
		HTTPClient: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			b, _ := io.ReadAll(r.Body)
			seen, body = v4.GetPayloadHash(r.Context()), string(b)
			return nil, errors.New("captured")
		})},
		RetryMaxAttempts: 1,
	})
	client.Converse(context.Background(), &bedrockruntime.ConverseInput{
		ModelId:  aws.String("m"),
		Messages: []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "hi"}}}},
	})
	if want := sha256.Sum256([]byte(body)); seen != hex.EncodeToString(want[:]) {
		t.Errorf("Expected\n%q\nto be, at the transport, the SHA-256 of the body sent\n%x", seen, want)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// unreadable is a request body that fails the test if it is read.
type unreadable struct{ t *testing.T }

func (u unreadable) Read([]byte) (int, error) {
	u.t.Error("Expected\nthe request body\nnot to be read: the SDK signed it with the recorded body's hash")
	return 0, io.EOF
}

func (unreadable) Close() error { return nil }

// TestMatchDigestTrustsTheSignedHash: a request the SDK signed with the
// recorded body's SHA-256 matches without its body being read; one signed
// with another hash is read, and matched by its bytes as before (a body
// with its keys in another order still matches by its canonical form).
func TestMatchDigestTrustsTheSignedHash(t *testing.T) {
	const recorded = `{"a":1,"b":2}`
	rec := cassette.Request{Method: http.MethodPost, URL: "https://h/model/x/converse", Body: recorded}
	d := digestOf(recorded)
	signed := func(hash [sha256.Size]byte, body io.ReadCloser) *http.Request {
		ctx := v4.SetPayloadHash(context.Background(), hex.EncodeToString(hash[:]))
		r, _ := http.NewRequestWithContext(ctx, http.MethodPost, "https://h/model/x/converse", body)
		return r
	}
	if !NewMatcher().matchDigest(signed(sha256.Sum256([]byte(recorded)), unreadable{t}), rec, d) {
		t.Error("Expected\na request signed with the recorded body's hash\nto match")
	}
	for _, tc := range []struct {
		body  string
		match bool
	}{{`{"b":2,"a":1}`, true}, {`{"a":1,"b":3}`, false}} {
		r := signed(sha256.Sum256([]byte(tc.body)), io.NopCloser(strings.NewReader(tc.body)))
		if got := NewMatcher().matchDigest(r, rec, d); got != tc.match {
			t.Errorf("Expected\n%s\nto match %s: %v", tc.body, recorded, tc.match)
		}
	}
}
