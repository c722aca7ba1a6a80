package capture_test

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/cachecascade/cachecascade/capture"
	"github.com/cachecascade/cachecascade/forecast"
	"github.com/cachecascade/cachecascade/recorder"
)

// account is the account ID the redaction tests put in ARNs.
const account = "123456789012"

// redactionCases are model IDs and bodies holding account IDs in ARNs, in
// every spelling the recorder's expression matches, and ones that hold
// none.
var redactionCases = []struct {
	name    string
	modelID string
	body    string
}{
	{"application profile", "arn:aws:bedrock:us-east-1:" + account + ":application-inference-profile/a1b2c3", `{"messages":[]}`},
	{"system profile", "arn:aws:bedrock:eu-west-1:" + account + ":inference-profile/eu.anthropic.claude-sonnet-4-6", `{"messages":[]}`},
	{"GovCloud", "arn:aws-us-gov:bedrock:us-gov-west-1:" + account + ":provisioned-model/xyz", `{"messages":[]}`},
	{"upper case", "ARN:AWS:BEDROCK:us-east-1:" + account + ":custom-model/m", `{"messages":[]}`},
	{"guardrail in the body", "us.anthropic.claude-sonnet-4-6",
		`{"guardrailConfig":{"guardrailIdentifier":"arn:aws:bedrock:us-east-1:` + account + `:guardrail/g1","guardrailVersion":"1"}}`},
	{"escaped ARN in a prompt", "us.anthropic.claude-sonnet-4-6",
		`{"messages":[{"role":"user","content":[{"text":"see /model/arn%3Aaws%3Abedrock%3Aus-east-1%3A` + account + `%3Aprompt%2Fp"}]}]}`},
	{"foundation model, no account", "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-6", `{"messages":[]}`},
	{"twelve digits outside an ARN", "us.anthropic.claude-sonnet-4-6", `{"messages":[{"role":"user","content":[{"text":"order ` + account + `"}]}]}`},
}

// TestRedactsAccountsLikeTheRecorder checks that a logged line holds the
// model ID and body the recorder would save: account IDs in ARNs replaced
// by recorder.RedactedAccount, keeping their length, and nothing else
// changed.
func TestRedactsAccountsLikeTheRecorder(t *testing.T) {
	if capture.RedactedAccount != recorder.RedactedAccount {
		t.Fatalf("capture redacts to %s, the recorder to %s", capture.RedactedAccount, recorder.RedactedAccount)
	}
	for _, tc := range redactionCases {
		t.Run(tc.name, func(t *testing.T) {
			line, err := capture.Line(tc.modelID, "converse", []byte(tc.body), time.Unix(0, 0), "")
			if err != nil {
				t.Fatal(err)
			}
			reqs, err := forecast.ParseLog(line, "line")
			if err != nil {
				t.Fatal(err)
			}
			r := reqs[0]
			redact := recorder.RedactText
			if want := redact(tc.modelID); r.ModelID != want {
				t.Errorf("modelId %q, want %q", r.ModelID, want)
			}
			if want := redact(tc.body); string(r.Body) != want {
				t.Errorf("body %s, want %s", r.Body, want)
			}
			if strings.Contains(tc.name, "outside") != strings.Contains(string(line), account) {
				t.Errorf("the line %s the account ID", map[bool]string{true: "holds", false: "lost"}[strings.Contains(string(line), account)])
			}
		})
	}
}

// TestRedactsThroughTheClient sends a request naming an application
// inference profile by ARN, with a guardrail ARN in its body, and checks
// that the log holds neither account ID while the wire carried both (the
// request itself is not changed).
func TestRedactsThroughTheClient(t *testing.T) {
	srv := startEmulator(t)
	var buf bytes.Buffer
	log := capture.New(&buf, capture.Config{})
	tp := &tap{}
	c := newClient(srv, tp, log.Option)
	in := converseInput("redact", "Hi")
	in.ModelId = aws.String("arn:aws:bedrock:us-east-1:" + account + ":application-inference-profile/a1b2c3")
	in.GuardrailConfig = &types.GuardrailConfiguration{GuardrailIdentifier: aws.String("arn:aws:bedrock:us-east-1:" + account + ":guardrail/g1"), GuardrailVersion: aws.String("1")}
	c.Converse(context.Background(), in) // the emulator's answer does not matter here
	sent := tp.requests()
	if len(sent) != 1 || strings.Count(sent[0].path+string(sent[0].body), account) != 2 {
		t.Fatalf("the wire did not carry the request as made: %q", sent)
	}
	if n := strings.Count(buf.String(), account); n != 0 {
		t.Errorf("the log holds the account ID %d times:\n%.300s", n, buf.String())
	}
	if n := len(regexp.MustCompile(`:`+capture.RedactedAccount+`:`).FindAllIndex(buf.Bytes(), -1)); n != 2 {
		t.Errorf("the log holds %d redacted ARNs, want 2", n)
	}
	if err := log.Err(); err != nil {
		t.Error(err)
	}
}
