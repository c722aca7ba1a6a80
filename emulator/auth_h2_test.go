package emulator

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// jsRequest is a Converse request the AWS SDK for JavaScript v3 (3.1163.0,
// Node.js 20, its default HTTP/2 handler) sent over h2c with
// AKIDEMULATOR00000000 / emulator-secret. Over HTTP/2 it signs the
// :authority pseudo-header where HTTP/1.1 clients sign host.
const (
	jsHost   = "127.0.0.1:39591"
	jsPath   = "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse"
	jsBody   = `{"messages":[{"role":"user","content":[{"text":"hi"}]}]}`
	jsDate   = "20261126T015231Z"
	jsAuth   = "AWS4-HMAC-SHA256 Credential=AKIDEMULATOR00000000/20261126/us-east-1/bedrock/aws4_request, SignedHeaders=:authority;amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;x-amz-content-sha256;x-amz-date;x-amz-user-agent, Signature=da50dc1aa4853af70104a45016af5140b2582f27ac87ac1483d604df3ffe981b"
	jsSHA256 = "c3335e07d6e89650bf94cb98664be69f8774dbc3198df221f113db0a59ea14f0"
)

// TestAuthoritySignedOverHTTP2 checks a signature over :authority: right
// with the right secret, host and body, wrong with any of them changed.
func TestAuthoritySignedOverHTTP2(t *testing.T) {
	signed, _ := time.Parse(amzDateFormat, jsDate)
	for _, tc := range []struct {
		name         string
		secret, host string
		body         string
		status       int
	}{
		{name: "as sent", status: 200},
		{name: "other secret", secret: "other", status: 403},
		{name: "other authority", host: "127.0.0.1:1", status: 403},
		// X-Amz-Content-Sha256 still names the body as signed: the
		// emulator hashes what it received.
		{name: "other body", body: `{"messages":[{"role":"user","content":[{"text":"HI"}]}]}`, status: 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := Options{AuthClock: NewManualClock(signed.Add(time.Second))}
			if tc.secret != "" {
				opts.Credentials = map[string]string{"AKIDEMULATOR00000000": tc.secret}
			}
			e, err := New(opts)
			if err != nil {
				t.Fatal(err)
			}
			host, body := jsHost, jsBody
			if tc.host != "" {
				host = tc.host
			}
			if tc.body != "" {
				body = tc.body
			}
			r := httptest.NewRequest(http.MethodPost, "http://"+host+jsPath, strings.NewReader(body))
			r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/2.0", 2, 0
			for k, v := range map[string]string{
				"Authorization": jsAuth, "X-Amz-Date": jsDate, "X-Amz-Content-Sha256": jsSHA256,
				"Content-Type": "application/json", "Amz-Sdk-Invocation-Id": "81c8cf11-82b2-44a6-8fd8-f67386203818",
				"Amz-Sdk-Request": "attempt=1; max=3", "X-Amz-User-Agent": "aws-sdk-js/3.1163.0",
			} {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			e.ServeHTTP(w, r)
			if w.Code != tc.status {
				t.Fatalf("Expected\n%d %s %s\nto be status\n%d", w.Code, errorTypeHeader(w.Header()), w.Body, tc.status)
			}
			if tc.status == 403 && !strings.HasPrefix(errorTypeHeader(w.Header()), "InvalidSignatureException") {
				t.Errorf("Expected\n%s\nto be\nInvalidSignatureException", errorTypeHeader(w.Header()))
			}
		})
	}
}
