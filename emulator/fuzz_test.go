package emulator

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// fuzzSeeds are valid requests as the SDK serialises them, plus near misses.
var fuzzSeeds = []string{
	`{"messages":[{"content":[{"text":"hello"}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":"hello"},{"cachePoint":{"type":"default"}}],"role":"user"}],"system":[{"text":"be brief"},{"cachePoint":{"ttl":"1h","type":"default"}}]}`,
	`{"messages":[{"content":[{"text":"q"}],"role":"user"},{"content":[{"reasoningContent":{"reasoningText":{"signature":"s","text":"t"}}},{"text":"a"}],"role":"assistant"},{"content":[{"text":"q2"},{"cachePoint":{"type":"default","ttl":"5m"}}],"role":"user"}],"inferenceConfig":{"maxTokens":5}}`,
	`{"messages":[{"content":[{"text":"q"}],"role":"user"}],"toolConfig":{"toolChoice":{"auto":{}},"tools":[{"toolSpec":{"description":"d","inputSchema":{"json":{"properties":{"city":{"type":"string"}},"type":"object"}},"name":"get_weather"}},{"cachePoint":{"type":"default"}}]}}`,
	`{"additionalModelRequestFields":{"thinking":{"budget_tokens":1024,"type":"enabled"}},"messages":[{"content":[{"text":"q"}],"role":"user"}]}`,
	`{"messages":[{"content":[{"cachePoint":{"type":"default"}}],"role":"user"}]}`,
	`{"messages":[{"content":[{"text":"q"},{"document":{"format":"txt","name":"n","source":{"bytes":"ZA=="}}},{"cachePoint":{"type":"default"}}],"role":"user"}]}`,
	`{"messages":[]}`,
	`{"messages":null,"system":null,"toolConfig":null}`,
	`{"messages":[{"content":[{"text":""}],"role":"user"}]}`,
	`[]`,
	`null`,
	``,
	`{"messages":[{"content":[{"text":"a","image":{}}],"role":"user"}]}`,
}

var fuzzModels = []string{
	"us.anthropic.claude-sonnet-4-5-20250929-v1:0",
	"us.amazon.nova-lite-v1:0",
	"amazon.nova-lite-v1:0",
	"anthropic.claude-3-haiku-20240307-v1:0",
	"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0",
	"anthropic.claude-v2:1",
	"",
	"%zz",
}

// FuzzDecodeConverseRequest feeds arbitrary bodies and model IDs to the
// handler: it must never panic and must answer 200 or a 4xx, never a 5xx.
func FuzzDecodeConverseRequest(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add([]byte(s), fuzzModels[i%len(fuzzModels)], i%2 == 0)
	}
	emu, err := New(Options{MaxEntries: 1000, MaxBodyBytes: 1 << 20})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, model string, stream bool) {
		if r, aerr := decodeRequest(body); aerr != nil {
			if aerr.status < 400 || aerr.status > 499 {
				t.Fatalf("decodeRequest: status %d for %q", aerr.status, body)
			}
		} else if r == nil {
			t.Fatalf("decodeRequest: nil request and nil error")
		}
		op := "/converse"
		if stream {
			op = "/converse-stream"
		}
		req := httptest.NewRequest(http.MethodPost, "/model/x"+op, bytes.NewReader(body))
		// Set the escaped path the way an SDK would send it.
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
