package recorder_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"gopkg.in/dnaeon/go-vcr.v2/cassette"

	"github.com/cachecascade/cachecascade/recorder"
)

// converseStreamBody is a whole ConverseStream answer.
func converseStreamBody(t *testing.T) string {
	t.Helper()
	var body bytes.Buffer
	enc := eventstream.NewEncoder()
	for _, ev := range []struct{ typ, payload string }{
		{"messageStart", `{"role":"assistant"}`},
		{"contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"Paris."}}`},
		{"messageStop", `{"stopReason":"end_turn"}`},
		{"metadata", `{"usage":{"inputTokens":3,"outputTokens":2,"totalTokens":5},"metrics":{"latencyMs":1}}`},
	} {
		msg := eventstream.Message{Payload: []byte(ev.payload)}
		msg.Headers.Set(":event-type", eventstream.StringValue(ev.typ))
		msg.Headers.Set(":content-type", eventstream.StringValue("application/json"))
		msg.Headers.Set(":message-type", eventstream.StringValue("event"))
		if err := enc.Encode(&body, msg); err != nil {
			t.Fatal(err)
		}
	}
	return body.String()
}

// TestReplayCorruptResponse: a recorded response the SDK cannot decode (a
// JSON body cut short, an event stream cut short or with a damaged frame)
// fails the call with an error that names the cassette and the command
// that records it again, not only the SDK's decoding error.
func TestReplayCorruptResponse(t *testing.T) {
	fakeAWS(t, "")
	ctx := context.Background()
	stream := converseStreamBody(t)
	damaged := []byte(stream)
	damaged[len(damaged)/2] ^= 0xff
	for _, tc := range []struct {
		name, body, contentType string
		streamed                bool
	}{
		{"JSON cut short", `{"output":{"message":{"content":[{"text":"Par`, "application/json", false},
		{"not JSON", `<html>gateway timeout</html>`, "application/json", false},
		{"event stream cut short", stream[:len(stream)-7], "application/vnd.amazon.eventstream", true},
		{"event stream damaged", string(damaged), "application/vnd.amazon.eventstream", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := serve(t)
			f.response = func(n int, w http.ResponseWriter) {
				if tc.streamed {
					w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
					w.Write([]byte(stream))
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"output":{"message":{"content":[{"text":"Paris."}],"role":"assistant"}},"stopReason":"end_turn","usage":{"inputTokens":3,"outputTokens":2,"totalTokens":5},"metrics":{"latencyMs":1}}`))
			}
			path := filepath.Join(t.TempDir(), "c.yaml")
			in := converse(sonnet, "x")
			err := record(t, path, srv.URL, true, func(c *bedrockruntime.Client) {
				var err error
				if tc.streamed {
					err = converseStream(ctx, c, in)
				} else {
					_, err = c.Converse(ctx, in)
				}
				if err != nil {
					t.Fatalf("recording: %v", err)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			c, err := cassette.Load(strings.TrimSuffix(path, ".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			c.Interactions[0].Response.Body = tc.body
			if err := c.Save(); err != nil {
				t.Fatal(err)
			}
			s, err := replay(t, path)
			if err != nil {
				t.Fatal(err)
			}
			if tc.streamed {
				err = converseStream(ctx, s.Client, in)
			} else {
				_, err = s.Client.Converse(ctx, in)
			}
			if err == nil {
				t.Fatal("a corrupt recorded response replayed without an error")
			}
			for _, want := range []string{path, "is corrupt", "CACHECASCADE_MODE=record", "interaction 0"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the error lacks %q:\n%v", want, err)
				}
			}
			var ce *recorder.CassetteError
			if !errors.As(err, &ce) || !errors.Is(err, recorder.ErrCorruptResponse) || strings.Contains(err.Error(), "attempts") {
				t.Errorf("err = %v, want a *CassetteError for ErrCorruptResponse, not retried", err)
			}
		})
	}
}

// converseStream makes a ConverseStream call and reads its events to the
// end, returning the call's error or the stream's.
func converseStream(ctx context.Context, c *bedrockruntime.Client, in *bedrockruntime.ConverseInput) error {
	out, err := c.ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{ModelId: in.ModelId, System: in.System, Messages: in.Messages,
		InferenceConfig: &types.InferenceConfiguration{MaxTokens: aws.Int32(16)}})
	if err != nil {
		return err
	}
	s := out.GetStream()
	defer s.Close()
	for range s.Events() {
	}
	return s.Err()
}
