package recorder

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go/middleware"
)

// TestReplayAccountStandsInForSigning: a client with replayUnsigned sends
// no signature, marks each request with its credentials' account in the
// order first seen, and still hands the transport the payload hash that
// replay matches by.
func TestReplayAccountStandsInForSigning(t *testing.T) {
	var got []*http.Request
	a := &accounts{}
	client := func(akid string) *bedrockruntime.Client {
		creds := credentials.NewStaticCredentialsProvider(akid, "secret", "")
		return bedrockruntime.New(bedrockruntime.Options{
			Region:       "us-east-1",
			Credentials:  creds,
			BaseEndpoint: aws.String("https://bedrock-runtime.replay.invalid"),
			HTTPClient: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				got = append(got, r)
				return nil, errors.New("captured")
			})},
			RetryMaxAttempts: 1,
			APIOptions:       []func(*middleware.Stack) error{replayUnsigned(a, creds)},
		})
	}
	in := &bedrockruntime.ConverseInput{
		ModelId:  aws.String("m"),
		Messages: []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "hi"}}}},
	}
	for _, akid := range []string{"AKIDFIRST0000000000", "AKIDSECOND000000000", "AKIDFIRST0000000000"} {
		client(akid).Converse(context.Background(), in)
	}
	if len(got) != 3 {
		t.Fatalf("Expected\n%d requests\nto be\n3", len(got))
	}
	for i, want := range []string{"1", "2", "1"} {
		r := got[i]
		if auth := r.Header.Get("Authorization"); auth != "" {
			t.Errorf("Expected\n%q\nto be no signature", auth)
		}
		if acct := r.Header.Get(AccountHeader); acct != want {
			t.Errorf("Expected\naccount %q\nto be, for request %d,\n%q", acct, i+1, want)
		}
		if _, ok := signedSum(r); !ok {
			t.Errorf("Expected\n%q\nto be the payload's SHA-256", v4.GetPayloadHash(r.Context()))
		}
	}
}
