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
