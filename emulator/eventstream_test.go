package emulator

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

// TestEventFrameMatchesSDK checks that appendEvent writes what the SDK's
// own event-stream encoder writes for the same message, byte for byte.
func TestEventFrameMatchesSDK(t *testing.T) {
	enc := eventstream.NewEncoder()
	var got []byte
	var want bytes.Buffer
	for _, tc := range []struct{ typ, payload string }{
		{"messageStart", `{"p":"abc","role":"assistant"}`},
		{"contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"the cache"},"p":"a"}`},
		{"metadata", `{"metrics":{"latencyMs":1},"p":"` + strings.Repeat("x", 70000) + `"}`},
		{"chunk", ""},
	} {
		var msg eventstream.Message
		msg.Headers.Set(":event-type", eventstream.StringValue(tc.typ))
		msg.Headers.Set(":content-type", eventstream.StringValue("application/json"))
		msg.Headers.Set(":message-type", eventstream.StringValue("event"))
		msg.Payload = []byte(tc.payload)
		if err := enc.Encode(&want, msg); err != nil {
			t.Fatal(err)
		}
		got = appendEvent(got, tc.typ, []byte(tc.payload))
		if !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("%s: appendEvent differs from the SDK's encoder", tc.typ)
		}
	}
}
