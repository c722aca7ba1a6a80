package recorder_test

import (
	"bytes"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"gopkg.in/dnaeon/go-vcr.v2/cassette"

	"github.com/cachecascade/cachecascade/recorder"
)

const leakyARN = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0"

// streamInteraction is a ConverseStream answer whose metadata event names
// an ARN with an account ID.
func streamInteraction(t *testing.T) *cassette.Interaction {
	t.Helper()
	var body bytes.Buffer
	enc := eventstream.NewEncoder()
	for _, payload := range []string{`{"p":"abc","role":"assistant"}`, `{"trace":{"promptRouter":{"invokedModelId":"` + leakyARN + `"}},"usage":{"inputTokens":1}}`} {
		msg := eventstream.Message{Payload: []byte(payload)}
		msg.Headers.Set(":event-type", eventstream.StringValue("metadata"))
		if err := enc.Encode(&body, msg); err != nil {
			t.Fatal(err)
		}
	}
	return &cassette.Interaction{
		Request:  cassette.Request{Method: "POST", URL: "/model/x/converse-stream", Headers: http.Header{}},
		Response: cassette.Response{Body: body.String(), Headers: http.Header{"Content-Type": {"application/vnd.amazon.eventstream"}}, Code: 200},
	}
}

func TestRedactRewritesEventStreamPayloads(t *testing.T) {
	i := streamInteraction(t)
	if err := recorder.Redact(i); err != nil {
		t.Fatal(err)
	}
	dec := eventstream.NewDecoder()
	r := strings.NewReader(i.Response.Body)
	var payloads []string
	for r.Len() > 0 {
		msg, err := dec.Decode(r, nil) // checks each frame's checksums
		if err != nil {
			t.Fatalf("the redacted stream does not decode: %v", err)
		}
		payloads = append(payloads, string(msg.Payload))
	}
	if len(payloads) != 2 || strings.Contains(payloads[1], "123456789012") || !strings.Contains(payloads[1], recorder.RedactedAccount) {
		t.Errorf("payloads after Redact: %q", payloads)
	}
}

func TestScanReadsEventStreamPayloads(t *testing.T) {
	dir := t.TempDir()
	c := cassette.New(filepath.Join(dir, "stream"))
	c.AddInteraction(streamInteraction(t)) // saved without Redact
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	findings, err := recorder.Scan(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(findings) != 1 || !strings.Contains(findings[0].Kind, "account ID in an ARN (in an event-stream payload)") {
		t.Errorf("Scan found %v, want the account in the stream payload", findings)
	}
}
