package recorder_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"gopkg.in/dnaeon/go-vcr.v2/cassette"

	"github.com/cachecascade/cachecascade/fixtures"
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

// invokeStreamInteraction is an InvokeModelWithResponseStream answer: each
// chunk event's payload is {"bytes":"<base64>"} around the model's own
// stream JSON, here naming an ARN with an account ID, an access key ID and
// a run salt, with the padding field the service adds.
func invokeStreamInteraction(t *testing.T, salt string) *cassette.Interaction {
	t.Helper()
	var body bytes.Buffer
	enc := eventstream.NewEncoder()
	for _, inner := range []string{
		`{"type":"message_start","message":{"id":"msg_1","model":"` + leakyARN + `","content":[]}}`,
		`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"` + salt + ` key AKIAIOSFODNN7EXAMPLE"}}`,
		`{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":71,"outputTokenCount":12}}`,
	} {
		payload := `{"bytes":"` + base64.StdEncoding.EncodeToString([]byte(inner)) + `","p":"abcdefgh"}`
		msg := eventstream.Message{Payload: []byte(payload)}
		msg.Headers.Set(":event-type", eventstream.StringValue("chunk"))
		msg.Headers.Set(":content-type", eventstream.StringValue("application/json"))
		msg.Headers.Set(":message-type", eventstream.StringValue("event"))
		if err := enc.Encode(&body, msg); err != nil {
			t.Fatal(err)
		}
	}
	return &cassette.Interaction{
		Request:  cassette.Request{Method: "POST", URL: "/model/x/invoke-with-response-stream", Headers: http.Header{}},
		Response: cassette.Response{Body: body.String(), Headers: http.Header{"Content-Type": {"application/vnd.amazon.eventstream"}}, Code: 200},
	}
}

// chunks decodes an InvokeModelWithResponseStream body into the payloads
// of its events and the decoded content of their chunks, checking every
// frame's checksums.
func chunks(t *testing.T, body string) (payloads, inner []string) {
	t.Helper()
	dec := eventstream.NewDecoder()
	r := strings.NewReader(body)
	for r.Len() > 0 {
		msg, err := dec.Decode(r, nil)
		if err != nil {
			t.Fatalf("the stream does not decode: %v", err)
		}
		var chunk struct {
			Bytes []byte `json:"bytes"`
		}
		if err := json.Unmarshal(msg.Payload, &chunk); err != nil {
			t.Fatalf("chunk payload %q: %v", msg.Payload, err)
		}
		payloads, inner = append(payloads, string(msg.Payload)), append(inner, string(chunk.Bytes))
	}
	return payloads, inner
}

// TestRedactRewritesInvokeStreamChunks: the account ID and run salt inside
// a chunk's base64 bytes are redacted like any payload's, the chunk
// re-encoded, the padding kept, and the frames' checksums made anew.
func TestRedactRewritesInvokeStreamChunks(t *testing.T) {
	salt := string(fixtures.SaltFor("an invoke stream"))
	i := invokeStreamInteraction(t, salt)
	_, before := chunks(t, i.Response.Body)
	if err := recorder.Redact(i); err != nil {
		t.Fatal(err)
	}
	payloads, after := chunks(t, i.Response.Body)
	if len(after) != 3 {
		t.Fatalf("%d chunks after Redact, want 3", len(after))
	}
	want := []string{
		strings.ReplaceAll(before[0], "123456789012", recorder.RedactedAccount),
		strings.ReplaceAll(before[1], salt, string(fixtures.ZeroSalt)),
		before[2],
	}
	for n := range want {
		if after[n] != want[n] {
			t.Errorf("chunk %d after Redact:\n%s\nwant\n%s", n, after[n], want[n])
		}
		if !strings.HasSuffix(payloads[n], `","p":"abcdefgh"}`) {
			t.Errorf("payload %d lost its padding: %s", n, payloads[n])
		}
	}
	// An unchanged stream is left byte for byte as it was.
	again := i.Response.Body
	if err := recorder.Redact(i); err != nil || i.Response.Body != again {
		t.Errorf("redacting a redacted stream changed it (%v)", err)
	}
}

// TestScanReadsInvokeStreamChunks: what hides in a chunk's base64 bytes is
// found.
func TestScanReadsInvokeStreamChunks(t *testing.T) {
	dir := t.TempDir()
	c := cassette.New(filepath.Join(dir, "invoke-stream"))
	c.AddInteraction(invokeStreamInteraction(t, string(fixtures.ZeroSalt))) // saved without Redact
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	findings, err := recorder.Scan(dir)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, f := range findings {
		kinds = append(kinds, f.Kind)
		if strings.Contains(f.Excerpt, "IOSFODNN7") || strings.Contains(f.Excerpt, "123456789012") {
			t.Errorf("finding %v shows the secret", f)
		}
	}
	want := []string{"account ID in an ARN (in an event-stream chunk)", "AWS access key ID (in an event-stream chunk)"}
	for _, k := range want {
		if !slices.Contains(kinds, k) {
			t.Errorf("Scan found %q, want %q among them", kinds, k)
		}
	}
}
