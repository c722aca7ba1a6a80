package recorder

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"gopkg.in/dnaeon/go-vcr.v2/cassette"
)

// RequestHeaders are the only request headers a cassette keeps. Everything
// else (Authorization, X-Amz-Security-Token, X-Amz-Date, Amz-Sdk-*, the
// User-Agent, a bearer token) never reaches disk.
var RequestHeaders = []string{
	AccountHeader,
	"Accept",
	"Content-Type",
	"X-Amzn-Bedrock-Accept",
	"X-Amzn-Bedrock-Performanceconfig-Latency",
	"X-Amzn-Bedrock-Trace",
}

// ResponseHeaders are the only response headers a cassette keeps: what the
// SDK needs to decode a response or an error, the token-count headers, and
// Retry-After. Dates and request IDs are dropped.
var ResponseHeaders = []string{
	"Content-Type",
	"Retry-After",
	"X-Amzn-Bedrock-Cache-Read-Input-Token-Count",
	"X-Amzn-Bedrock-Cache-Write-Input-Token-Count",
	"X-Amzn-Bedrock-Input-Token-Count",
	"X-Amzn-Bedrock-Invocation-Latency",
	"X-Amzn-Bedrock-Output-Token-Count",
	"X-Amzn-Errortype",
}

// Redact is the save filter applied to every interaction before a cassette
// is written. It keeps only the allowlisted headers, stores the URL as path
// and query (the host names a region or a local port, and the matcher
// ignores it), replaces account IDs in ARNs with RedactedAccount and run
// salts with fixtures.ZeroSalt in the URL and in bodies (in the payload of
// each event of an event-stream response, and in the base64 bytes of each
// InvokeModelWithResponseStream chunk, re-encoded with fresh checksums),
// and zeroes the recorded latency so that re-recording an
// unchanged spec gives an unchanged file.
func Redact(i *cassette.Interaction) error {
	i.Request.Headers = keep(i.Request.Headers, RequestHeaders)
	i.Response.Headers = keep(i.Response.Headers, ResponseHeaders)
	if u, err := url.Parse(i.Request.URL); err == nil {
		i.Request.URL = string(normalize([]byte((&url.URL{Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery}).String())))
	} else {
		i.Request.URL = string(normalize([]byte(i.Request.URL)))
	}
	i.Request.Form = nil
	i.Request.Body = string(normalize(normalizeCountedBody([]byte(i.Request.Body))))
	if isEventStream(i.Response.Headers) {
		i.Response.Body = redactStream(i.Response.Body)
	} else {
		i.Response.Body = string(normalize([]byte(i.Response.Body)))
	}
	i.Response.Duration = 0
	return nil
}

// normalizeCountedBody normalizes the InvokeModel body a CountTokens
// request carries base64-encoded (input.invokeModel.body), where the
// normalization of the request's own bytes cannot see its salt: decoded
// once, normalized and encoded again in place, so the rest of the request
// keeps its bytes. Any other body is returned as it is.
func normalizeCountedBody(body []byte) []byte {
	b64, inner, ok := countedBody(body)
	if !ok {
		return body
	}
	if n := normalize(inner); !bytes.Equal(n, inner) {
		return bytes.Replace(body, b64, []byte(base64.StdEncoding.EncodeToString(n)), 1)
	}
	return body
}

// countedBody returns, for a CountTokens request in the invokeModel form,
// the base64 text of input.invokeModel.body as the request holds it and
// its decoded content; ok is false for any other body.
func countedBody(body []byte) (b64, inner []byte, ok bool) {
	if !bytes.Contains(body, []byte(`"invokeModel"`)) {
		return nil, nil, false
	}
	var req struct {
		Input struct {
			InvokeModel struct {
				Body *string `json:"body"`
			} `json:"invokeModel"`
		} `json:"input"`
	}
	if json.Unmarshal(body, &req) != nil {
		return nil, nil, false
	}
	return embedded(body, req.Input.InvokeModel.Body)
}

// keep returns a copy of h holding only the named headers.
func keep(h http.Header, names []string) http.Header {
	out := http.Header{}
	for _, n := range names {
		if v := h.Values(n); len(v) > 0 {
			out[http.CanonicalHeaderKey(n)] = append([]string(nil), v...)
		}
	}
	return out
}

// isEventStream reports whether a response is an AWS event stream.
func isEventStream(h http.Header) bool {
	return strings.HasPrefix(h.Get("Content-Type"), "application/vnd.amazon.eventstream")
}

// RedactText replaces account IDs in ARNs and run salts in free text, such
// as an error message bound for a report, as Redact does in cassettes.
func RedactText(s string) string { return string(normalize([]byte(s))) }

// streamPayloads decodes the payloads of an event-stream body; it stops at
// the first frame it cannot decode.
func streamPayloads(body string) [][]byte {
	var out [][]byte
	dec := eventstream.NewDecoder()
	r := strings.NewReader(body)
	for r.Len() > 0 {
		msg, err := dec.Decode(r, nil)
		if err != nil {
			break
		}
		out = append(out, msg.Payload)
	}
	return out
}

// redactStream normalises the payload of every event of an event-stream
// body (see redactPayload) and re-encodes the frames, whose checksums cover
// the payload. A body that does not decode whole is left as it is (Scan
// still reads it).
func redactStream(body string) string {
	dec, enc := eventstream.NewDecoder(), eventstream.NewEncoder()
	r := strings.NewReader(body)
	var out bytes.Buffer
	for r.Len() > 0 {
		msg, err := dec.Decode(r, nil)
		if err != nil {
			return body
		}
		msg.Payload = redactPayload(msg.Payload)
		if err := enc.Encode(&out, msg); err != nil {
			return body
		}
	}
	return out.String()
}

// redactPayload normalises one event's payload and, in a chunk of an
// InvokeModelWithResponseStream answer, the model's stream JSON its
// "bytes" field carries base64-encoded: decoded, normalised and encoded
// again in place, so the rest of the payload (the service's padding) keeps
// its bytes, and an unchanged chunk is left as it was.
func redactPayload(p []byte) []byte {
	p = normalize(p)
	b64, inner, ok := chunkBytes(p)
	if !ok {
		return p
	}
	if n := normalize(inner); !bytes.Equal(n, inner) {
		p = bytes.Replace(p, b64, []byte(base64.StdEncoding.EncodeToString(n)), 1)
	}
	return p
}

// chunkBytes returns, for the payload of an InvokeModelWithResponseStream
// chunk ({"bytes":"<base64>", ...}), the base64 text as the payload holds
// it and its decoded content; ok is false for any other payload.
func chunkBytes(p []byte) (b64, inner []byte, ok bool) {
	if !bytes.Contains(p, []byte(`"bytes"`)) {
		return nil, nil, false
	}
	var chunk struct {
		Bytes *string `json:"bytes"`
	}
	if json.Unmarshal(p, &chunk) != nil {
		return nil, nil, false
	}
	return embedded(p, chunk.Bytes)
}

// embedded decodes the base64 string field, decoded from the JSON document
// doc, if doc holds its text as it is (unescaped), so it can be replaced in
// place.
func embedded(doc []byte, field *string) (b64, inner []byte, ok bool) {
	if field == nil {
		return nil, nil, false
	}
	inner, err := base64.StdEncoding.DecodeString(*field)
	if err != nil || !bytes.Contains(doc, []byte(*field)) {
		return nil, nil, false
	}
	return []byte(*field), inner, true
}
