package emulator

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// invokeFuzzSeeds are Anthropic Messages and Nova native bodies as callers
// send them, plus near misses.
var invokeFuzzSeeds = []string{
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":[{"type":"text","text":"hi","cache_control":{"type":"ephemeral"}}]}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"system":"be brief","messages":[{"role":"user","content":"hi"}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"tools":[{"name":"t","input_schema":{"type":"object"},"cache_control":{"type":"ephemeral","ttl":"1h"}}],"system":[{"type":"text","text":"s","cache_control":{"type":"ephemeral","ttl":"5m"}}],"messages":[{"role":"user","content":[{"type":"text","text":"q"}]},{"role":"assistant","content":[]}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":0,"messages":[]}`,
	`{"anthropic_version":"x","max_tokens":16,"messages":[{"role":"user","content":[{"type":"text","text":"q","cache_control":{"type":"ephemeral","extra":1}}]}]}`,
	`{"schemaVersion":"messages-v1","system":[{"text":"s"},{"cachePoint":{"type":"default"}}],"messages":[{"role":"user","content":[{"text":"q"}]}],"inferenceConfig":{"maxTokens":5}}`,
	`{"anthropic_version":"2026-10-21","max_tokens":16,"cache_control":{"type":"ephemeral","ttl":"1h"},"messages":[{"role":"user","content":[{"type":"text","text":"q"},{"type":"document","source":{"type":"text","media_type":"text/plain","data":"d"},"cache_control":{"type":"ephemeral"}}]}]}`,
	`{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"cache_control":{"type":"x"},"messages":[{"role":"assistant","content":[]}]}`,
	`{"max_tokens":16}`,
	`{"messages":[{"role":"user","content":[1]}],"anthropic_version":"bedrock-2023-05-31","max_tokens":1}`,
	`[]`,
	``,
}

// FuzzDecodeInvokeRequest feeds arbitrary bodies to InvokeModel and
// InvokeModelWithResponseStream on Claude and Nova: the handler must never
// panic and must answer 200 or a 4xx, never a 5xx.
func FuzzDecodeInvokeRequest(f *testing.F) {
	models := []string{"us.anthropic.claude-sonnet-4-5-20250929-v1:0", "us.amazon.nova-lite-v1:0", "meta.llama3-3-70b-instruct-v1:0"}
	for i, s := range invokeFuzzSeeds {
		f.Add([]byte(s), models[i%len(models)], i%2 == 0)
	}
	emu, err := New(Options{MaxEntries: 1000, MaxBodyBytes: 1 << 20})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, model string, stream bool) {
		if r, aerr := decodeAnthropic(body); aerr != nil {
			if aerr.status < 400 || aerr.status > 499 {
				t.Fatalf("decodeAnthropic: status %d for %q", aerr.status, body)
			}
		} else if r == nil {
			t.Fatalf("decodeAnthropic: nil request and nil error")
		}
		op := "/" + opInvoke
		if stream {
			op = "/" + opInvokeStream
		}
		req := httptest.NewRequest(http.MethodPost, "/model/x"+op, bytes.NewReader(body))
		req.URL.RawPath = "/model/" + url.PathEscape(model) + op
		req.URL.Path, _ = url.PathUnescape(req.URL.RawPath)
		setAuth(req.Header, fakeSigV4)
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK && (rec.Code < 400 || rec.Code > 499) {
			t.Fatalf("status %d for model %q body %q: %s", rec.Code, model, body, rec.Body.Bytes())
		}
	})
}
