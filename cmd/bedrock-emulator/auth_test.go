package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"
)

// TestAuthFlags serves with -region, -credentials and -strict-credentials
// and signs with the SDK as right and wrong clients do.
func TestAuthFlags(t *testing.T) {
	file := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(file, []byte("[default]\naws_access_key_id = AKIDFROMFILE\naws_secret_access_key = from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	url, _ := startRun(t, "-region", "eu-west-1", "-credentials", file, "-strict-credentials")
	in := &bedrockruntime.ConverseInput{ModelId: aws.String("eu.anthropic.claude-sonnet-4-5-20250929-v1:0"),
		Messages: []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "hi"}}}}}
	for _, tc := range []struct {
		name, region, akid, secret, code string
	}{
		{"file's key", "eu-west-1", "AKIDFROMFILE", "from-file", ""},
		{"built-in key", "eu-west-1", "AKIDEMULATOR00000000", "emulator-secret", ""},
		{"file's key, wrong secret", "eu-west-1", "AKIDFROMFILE", "wrong", "InvalidSignatureException"},
		{"signed for us-east-1", "us-east-1", "AKIDFROMFILE", "from-file", "InvalidSignatureException"},
		{"unknown key under -strict-credentials", "eu-west-1", "AKIDEXAMPLE", "secret", "UnrecognizedClientException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := bedrockruntime.New(bedrockruntime.Options{Region: tc.region, BaseEndpoint: aws.String(url), Retryer: aws.NopRetryer{},
				Credentials: credentials.NewStaticCredentialsProvider(tc.akid, tc.secret, "")})
			_, err := c.Converse(t.Context(), in)
			var ae smithy.APIError
			switch {
			case tc.code == "" && err != nil:
				t.Fatalf("want success, got %v", err)
			case tc.code != "" && (!errors.As(err, &ae) || ae.ErrorCode() != tc.code):
				t.Fatalf("want %s, got %v", tc.code, err)
			}
		})
	}
}

// TestBadCredentialsFlag refuses a -credentials file that is missing or
// holds no key pair.
func TestBadCredentialsFlag(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, []byte("[default]\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{filepath.Join(t.TempDir(), "missing"), empty} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := run(ctx, []string{"-credentials", file}, io.Discard, io.Discard)
		cancel()
		if err == nil || errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("-credentials %s: want an error, got %v", file, err)
		}
	}
}
