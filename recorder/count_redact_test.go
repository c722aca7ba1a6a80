package recorder_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"gopkg.in/dnaeon/go-vcr.v2/cassette"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/recorder"
)

// TestRedactNormalizesCountedBodies: a CountTokens request carries its
// InvokeModel body base64-encoded; its run salt is replaced like any
// body's, or replay (which sends the zero salt) could never match it.
func TestRedactNormalizesCountedBodies(t *testing.T) {
	salt := fixtures.SaltFor("a record run")
	inner := `{"anthropic_version":"bedrock-2023-05-31","system":[{"type":"text","text":"` + string(salt) + ` You are terse."}]}`
	body := `{"input":{"invokeModel":{"body":"` + base64.StdEncoding.EncodeToString([]byte(inner)) + `"}}}`
	i := &cassette.Interaction{
		Request:  cassette.Request{Method: "POST", URL: "/model/anthropic.claude-sonnet-4-6/count-tokens", Body: body, Headers: http.Header{}},
		Response: cassette.Response{Body: `{"inputTokens":12}`, Headers: http.Header{}, Code: 200},
	}
	if err := recorder.Redact(i); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Input struct {
			InvokeModel struct {
				Body []byte `json:"body"`
			} `json:"invokeModel"`
		} `json:"input"`
	}
	if err := json.Unmarshal([]byte(i.Request.Body), &got); err != nil {
		t.Fatalf("redacted body %q: %v", i.Request.Body, err)
	}
	want := strings.ReplaceAll(inner, string(salt), string(fixtures.ZeroSalt))
	if string(got.Input.InvokeModel.Body) != want {
		t.Errorf("counted body after Redact:\n%s\nwant\n%s", got.Input.InvokeModel.Body, want)
	}
	converse := `{"input":{"converse":{"messages":[{"role":"user","content":[{"text":"` + string(salt) + `"}]}]}}}`
	i.Request.Body = converse
	if err := recorder.Redact(i); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(i.Request.Body, string(salt)) {
		t.Errorf("the Converse form kept its salt: %s", i.Request.Body)
	}
}

// TestRedactKeepsCountedBodiesAsSent: Redact changes a CountTokens body
// only where its decoded InvokeModel body changes (the salt): the rest,
// key order and spacing, stays as the SDK sent it; a body without a salt is
// left byte for byte.
func TestRedactKeepsCountedBodiesAsSent(t *testing.T) {
	salt := fixtures.SaltFor("a record run")
	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	inner := `{"system":"` + string(salt) + ` terse"}`
	zeroed := strings.ReplaceAll(inner, string(salt), string(fixtures.ZeroSalt))
	for _, tc := range []struct{ body, want string }{
		{`{"input": {"invokeModel": {"body": "` + enc(inner) + `"}}, "z": 1, "a": 2}`, `{"input": {"invokeModel": {"body": "` + enc(zeroed) + `"}}, "z": 1, "a": 2}`},
		{`{"input":{"invokeModel":{"body":"` + enc(zeroed) + `"}},"z":1,"a":2}`, `{"input":{"invokeModel":{"body":"` + enc(zeroed) + `"}},"z":1,"a":2}`},
	} {
		i := &cassette.Interaction{
			Request:  cassette.Request{Method: "POST", URL: "/model/m/count-tokens", Body: tc.body, Headers: http.Header{}},
			Response: cassette.Response{Body: `{"inputTokens":12}`, Headers: http.Header{}, Code: 200},
		}
		if err := recorder.Redact(i); err != nil {
			t.Fatal(err)
		}
		if i.Request.Body != tc.want {
			t.Errorf("Redact(%s)\n = %s\nwant %s", tc.body, i.Request.Body, tc.want)
		}
	}
}
