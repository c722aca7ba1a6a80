package emulator

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/smithy-go"
)

// The harness's default key pair (BuiltinCredentials).
const (
	knownAKID   = "AKIDEMULATOR00000000"
	knownSecret = "emulator-secret"
)

// skewedSigner is the SDK's own signer with the signing time, region or
// service replaced, to sign as a misconfigured client would.
type skewedSigner struct {
	shift           time.Duration
	region, service string
}

func (s skewedSigner) SignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string, at time.Time, optFns ...func(*v4.SignerOptions)) error {
	if s.region != "" {
		region = s.region
	}
	if s.service != "" {
		service = s.service
	}
	return v4.NewSigner().SignHTTP(ctx, creds, r, payloadHash, service, region, at.Add(s.shift), optFns...)
}

// sdkClient is an SDK client signing with the given credentials for region,
// through signer when not nil, over hc when not nil.
func sdkClient(url string, creds aws.Credentials, region string, signer bedrockruntime.HTTPSignerV4, hc *http.Client) *bedrockruntime.Client {
	return bedrockruntime.New(bedrockruntime.Options{
		Region:       region,
		Credentials:  credentials.StaticCredentialsProvider{Value: creds},
		BaseEndpoint: aws.String(url),
		Retryer:      aws.NopRetryer{},
		HTTPSignerV4: signer,
		HTTPClient:   safeClient(hc),
	})
}

// wantAPIError checks an SDK error's code and message; an empty msg wants
// success, a msg ending in "…" a prefix.
func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("want success, got %v", err)
		}
		return
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s %q, got %v", code, msg, err)
	}
	got := ae.ErrorMessage()
	if p, ok := strings.CutSuffix(msg, "…"); ok && strings.HasPrefix(got, p) {
		got = msg
	}
	if ae.ErrorCode() != code || got != msg {
		t.Fatalf("got %s %q, want %s %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && re.HTTPStatusCode() != http.StatusForbidden {
		t.Fatalf("status %d, want 403", re.HTTPStatusCode())
	}
}

func creds(akid, secret string) aws.Credentials {
	return aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}
}

// TestSigV4ThroughSDK drives the emulator with the Go SDK signing as right
// and wrong clients do: each failure answers with FACTS.md's status, type
// and message (or AWS's generic SigV4 ones).
func TestSigV4ThroughSDK(t *testing.T) {
	in := defaultLayered().input()
	for _, tc := range []struct {
		name      string
		opts      Options
		creds     aws.Credentials
		region    string
		signer    bedrockruntime.HTTPSignerV4
		tamper    *tamper
		code, msg string
	}{
		{name: "built-in key, right secret", creds: creds(knownAKID, knownSecret)},
		{name: "built-in key with a session token", creds: aws.Credentials{AccessKeyID: knownAKID, SecretAccessKey: knownSecret, SessionToken: "session-token"}},
		{name: "built-in key, wrong secret", creds: creds(knownAKID, "not-the-secret"),
			code: "InvalidSignatureException", msg: msgSignatureMismatch},
		{name: "Options.Credentials key, right secret", opts: Options{Credentials: map[string]string{"AKIDMINE": "mine"}}, creds: creds("AKIDMINE", "mine")},
		{name: "Options.Credentials key, wrong secret", opts: Options{Credentials: map[string]string{"AKIDMINE": "mine"}}, creds: creds("AKIDMINE", "yours"),
			code: "InvalidSignatureException", msg: msgSignatureMismatch},
		{name: "body changed after signing", creds: creds(knownAKID, knownSecret),
			tamper: &tamper{body: []byte(`{"messages":[{"role":"user","content":[{"text":"other"}]}]}`)},
			code:   "InvalidSignatureException", msg: msgSignatureMismatch},
		{name: "unknown key, default: accepted unverified", creds: creds("AKIDSTRANGER", "whatever")},
		{name: "unknown key, strict", opts: Options{StrictCredentials: true}, creds: creds("AKIDSTRANGER", "whatever"),
			code: "UnrecognizedClientException", msg: msgUnknownKey},
		{name: "known key, strict", opts: Options{StrictCredentials: true}, creds: creds(knownAKID, knownSecret)},
		{name: "signed for another region", creds: creds(knownAKID, knownSecret), region: "us-west-2",
			code: "InvalidSignatureException", msg: "Credential should be scoped to a valid region, not 'us-west-2'. "},
		{name: "emulator serving eu-west-1, signed for us-east-1", opts: Options{Region: "eu-west-1"}, creds: creds(knownAKID, knownSecret),
			code: "InvalidSignatureException", msg: "Credential should be scoped to a valid region, not 'us-east-1'. "},
		{name: "emulator serving eu-west-1, signed for it", opts: Options{Region: "eu-west-1"}, creds: creds(knownAKID, knownSecret), region: "eu-west-1"},
		{name: "signed for service bedrock-runtime", creds: creds(knownAKID, knownSecret), signer: skewedSigner{service: "bedrock-runtime"},
			code: "InvalidSignatureException", msg: "Credential should be scoped to correct service: 'bedrock'. "},
		{name: "signed two days ago", creds: creds(knownAKID, knownSecret), signer: skewedSigner{shift: -48 * time.Hour},
			code: "InvalidSignatureException", msg: "Signature expired: …"},
		{name: "signed two days ago, unknown key", creds: creds("AKIDSTRANGER", "x"), signer: skewedSigner{shift: -48 * time.Hour},
			code: "InvalidSignatureException", msg: "Signature expired: …"},
		{name: "signed ten minutes ahead", creds: creds(knownAKID, knownSecret), signer: skewedSigner{shift: 10 * time.Minute},
			code: "InvalidSignatureException", msg: "Signature not yet current: …"},
		{name: "signed four minutes ago", creds: creds(knownAKID, knownSecret), signer: skewedSigner{shift: -4 * time.Minute}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := startHarness(t, tc.opts)
			region := tc.region
			if region == "" {
				region = DefaultRegion
			}
			var hc *http.Client
			if tc.tamper != nil {
				hc = &http.Client{Transport: *tc.tamper}
			}
			_, err := call(t, sdkClient(h.srv.URL(), tc.creds, region, tc.signer, hc), in)
			wantAPIError(t, err, tc.code, tc.msg)
		})
	}
}

// TestSigV4EveryOperation checks that a verified signature holds for every
// runtime operation, for escaped ARNs in the path, and for the control
// plane's GET, and that a wrong secret fails each.
func TestSigV4EveryOperation(t *testing.T) {
	h := startHarness(t, Options{})
	ctx := context.Background()
	body := []byte(`{"anthropic_version":"bedrock-2023-05-31","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`)
	for _, secret := range []string{knownSecret, "wrong"} {
		c := sdkClient(h.srv.URL(), creds(knownAKID, secret), DefaultRegion, nil, nil)
		cp := bedrock.New(bedrock.Options{Region: DefaultRegion, BaseEndpoint: aws.String(h.srv.URL()), Retryer: aws.NopRetryer{},
			Credentials: credentials.NewStaticCredentialsProvider(knownAKID, secret, "")})
		code, msg := "", ""
		if secret != knownSecret {
			code, msg = "InvalidSignatureException", msgSignatureMismatch
		}
		ops := map[string]func() error{
			"Converse by ARN": func() error {
				in := defaultLayered().input()
				in.ModelId = aws.String(sonnet45ARN)
				_, err := call(t, c, in)
				return err
			},
			"ConverseStream": func() error { _, err := callStream(t, c, defaultLayered().input()); return err },
			"InvokeModel": func() error {
				_, err := c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{ModelId: aws.String(sonnet45), Body: body, ContentType: aws.String("application/json")})
				return err
			},
			"ListInferenceProfiles": func() error {
				_, err := cp.ListInferenceProfiles(ctx, &bedrock.ListInferenceProfilesInput{MaxResults: aws.Int32(2)})
				return err
			},
		}
		for name, op := range ops {
			t.Run(name+" secret="+secret, func(t *testing.T) { wantAPIError(t, op(), code, msg) })
		}
	}
}

// TestSkewUsesTheWallClockNotTheCacheClock: Advance moves the cache's clock
// (TTL tests move it by hours) but a client signs with its own, real time,
// which is what the service compares with.
func TestSkewUsesTheWallClockNotTheCacheClock(t *testing.T) {
	h := startHarness(t, Options{Clock: NewManualClock(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))})
	c := sdkClient(h.srv.URL(), creds(knownAKID, knownSecret), DefaultRegion, nil, nil)
	mustCall(t, c, defaultLayered().input())
	h.srv.Advance(3 * time.Hour)
	mustCall(t, c, defaultLayered().input())
}

// rawAuth sends a converse request with the given headers straight to an
// emulator's handler and returns the status, error type and message.
func rawAuth(t *testing.T, e *Emulator, headers map[string]string) (int, string, string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/model/"+url.PathEscape(sonnet45)+"/converse",
		strings.NewReader(`{"messages":[{"role":"user","content":[{"text":"hi"}]}]}`))
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	var m map[string]string
	_ = json.Unmarshal(w.Body.Bytes(), &m)
	typ, _, _ := strings.Cut(w.Header().Get("X-Amzn-ErrorType"), ":")
	return w.Code, typ, m["Message"] + m["message"]
}

// TestSigV4HeaderChecks checks what the headers alone decide, with the
// exact texts, against a fixed wall clock.
func TestSigV4HeaderChecks(t *testing.T) {
	now := time.Date(2025, 1, 30, 20, 46, 31, 0, time.UTC)
	e, err := New(Options{AuthClock: NewManualClock(now)})
	if err != nil {
		t.Fatal(err)
	}
	const good = "AWS4-HMAC-SHA256 Credential=AKIDRAW/20250130/us-east-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
	at := func(t time.Time) string { return t.Format(amzDateFormat) }
	for _, tc := range []struct {
		name     string
		headers  map[string]string
		status   int
		typ, msg string
	}{
		{name: "well formed, unknown key", headers: map[string]string{"Authorization": good, "X-Amz-Date": at(now)}, status: 200},
		{name: "Date instead of X-Amz-Date", headers: map[string]string{"Authorization": good, "Date": now.Format(http.TimeFormat)}, status: 200},
		{name: "FACTS.md's expired example", headers: map[string]string{"Authorization": good, "X-Amz-Date": "20250130T203827Z"}, status: 403,
			typ: "InvalidSignatureException", msg: "Signature expired: 20250130T203827Z is now earlier than 20250130T204131Z (20250130T204631Z - 5 min.)"},
		{name: "exactly five minutes old", headers: map[string]string{"Authorization": good, "X-Amz-Date": at(now.Add(-5 * time.Minute))}, status: 200},
		{name: "five minutes and a second old", headers: map[string]string{"Authorization": good, "X-Amz-Date": at(now.Add(-5*time.Minute - time.Second))}, status: 403,
			typ: "InvalidSignatureException", msg: "Signature expired: 20250130T204130Z is now earlier than 20250130T204131Z (20250130T204631Z - 5 min.)"},
		{name: "in the future", headers: map[string]string{"Authorization": good, "X-Amz-Date": "20250130T205750Z"}, status: 403,
			typ: "InvalidSignatureException", msg: "Signature not yet current: 20250130T205750Z is still later than 20250130T205131Z (20250130T204631Z + 5 min.)"},
		{name: "no X-Amz-Date", headers: map[string]string{"Authorization": good}, status: 403, typ: "IncompleteSignatureException",
			msg: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" + good},
		{name: "only a signature", headers: map[string]string{"Authorization": "AWS4-HMAC-SHA256 Signature=00", "X-Amz-Date": at(now)}, status: 403, typ: "IncompleteSignatureException",
			msg: "Authorization header requires 'Credential' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 Signature=00"},
		{name: "another scheme", headers: map[string]string{"Authorization": "Basic dXNlcjpwdw=="}, status: 403, typ: "IncompleteSignatureException",
			msg: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=Basic dXNlcjpwdw=="},
		{name: "X-Amz-Date not in basic format", headers: map[string]string{"Authorization": good, "X-Amz-Date": "2025-01-30T20:46:31Z"}, status: 403, typ: "IncompleteSignatureException",
			msg: "Date must be in ISO-8601 'basic format'. Got '2025-01-30T20:46:31Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "credential of three elements", headers: map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDRAW/20250130/us-east-1, SignedHeaders=host, Signature=00", "X-Amz-Date": at(now)},
			status: 403, typ: "IncompleteSignatureException", msg: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDRAW/20250130/us-east-1'"},
		{name: "wrong terminator", headers: map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDRAW/20250130/us-east-1/bedrock/aws5_request, SignedHeaders=host, Signature=00", "X-Amz-Date": at(now)},
			status: 403, typ: "InvalidSignatureException", msg: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. "},
		{name: "wrong region", headers: map[string]string{"Authorization": strings.Replace(good, "us-east-1", "ap-south-1", 1), "X-Amz-Date": at(now)},
			status: 403, typ: "InvalidSignatureException", msg: "Credential should be scoped to a valid region, not 'ap-south-1'. "},
		{name: "wrong service", headers: map[string]string{"Authorization": strings.Replace(good, "/bedrock/", "/s3/", 1), "X-Amz-Date": at(now)},
			status: 403, typ: "InvalidSignatureException", msg: "Credential should be scoped to correct service: 'bedrock'. "},
		{name: "known key, made-up signature", headers: map[string]string{"Authorization": strings.Replace(good, "AKIDRAW", knownAKID, 1), "X-Amz-Date": at(now)},
			status: 403, typ: "InvalidSignatureException", msg: msgSignatureMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, typ, msg := rawAuth(t, e, tc.headers)
			if status != tc.status || (tc.status != 200 && (typ != tc.typ || msg != tc.msg)) {
				t.Fatalf("got %d %s %q\nwant %d %s %q", status, typ, msg, tc.status, tc.typ, tc.msg)
			}
		})
	}
}

// botocoreRequest is a Converse request signed by botocore 1.43.11's
// SigV4Auth (service bedrock, us-east-1) with the built-in key pair at
// botocoreSigned: a second, independent signer to check the verification
// against. botocore signs content-type, host and x-amz-date, not
// content-length.
const (
	botocorePath   = "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse"
	botocoreBody   = `{"messages": [{"role": "user", "content": [{"text": "hello"}]}]}`
	botocoreDate   = "20261126T010939Z"
	botocoreAuth   = "AWS4-HMAC-SHA256 Credential=AKIDEMULATOR00000000/20261126/us-east-1/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=98e68c65310129f29ead8977fed5423976de432dcd74fb0088abfa256f85ee82"
	botocoreHost   = "127.0.0.1:8080"
	botocoreAPIKey = "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29tLz9BY3Rpb249Q2FsbFdpdGhCZWFyZXJUb2tlbiZYLUFtei1BbGdvcml0aG09QVdTNC1ITUFDLVNIQTI1NiZYLUFtei1DcmVkZW50aWFsPUFLSURFTVVMQVRPUjAwMDAwMDAwJTJGMjAyNjExMjYlMkZ1cy1lYXN0LTElMkZiZWRyb2NrJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNjExMjZUMDEwOTM5WiZYLUFtei1FeHBpcmVzPTQzMjAwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCZYLUFtei1TaWduYXR1cmU9Y2FhZmQzOWY0ZGIzZDFlNzY0YjZkYzU2ZDgyM2M5MWUwMjAxZTEyMGQ2YzgwMjk4YjFkZTgyZTFkZjRmMTM3OSZWZXJzaW9uPTE="
)

// TestForeignSignatures replays a request botocore signed and an API key
// built the way aws-bedrock-token-generator builds it (botocore's
// SigV4QueryAuth), at their signing time: the SDK-driven verification
// accepts them, and rejects them with another secret, another body, later.
func TestForeignSignatures(t *testing.T) {
	signed, _ := time.Parse(amzDateFormat, botocoreDate)
	for _, tc := range []struct {
		name     string
		secret   string
		body     string
		bearer   bool
		at       time.Time
		region   string
		status   int
		typ, msg string
	}{
		{name: "botocore SigV4", status: 200},
		{name: "botocore SigV4, other secret", secret: "other", status: 403, typ: "InvalidSignatureException", msg: msgSignatureMismatch},
		{name: "botocore SigV4, other body", body: `{"messages": [{"role": "user", "content": [{"text": "HELLO"}]}]}`,
			status: 403, typ: "InvalidSignatureException", msg: msgSignatureMismatch},
		{name: "generator's API key", bearer: true, status: 200},
		{name: "generator's API key, 11h59m later", bearer: true, at: signed.Add(12*time.Hour - time.Minute), status: 200},
		{name: "generator's API key, 12h and 1s later", bearer: true, at: signed.Add(12*time.Hour + time.Second),
			status: 403, typ: "AccessDeniedException", msg: msgBadAPIKey},
		{name: "generator's API key, other secret", bearer: true, secret: "other", status: 403, typ: "AccessDeniedException", msg: msgBadAPIKey},
		{name: "generator's API key, emulator in another region", bearer: true, region: "us-west-2", status: 403, typ: "AccessDeniedException", msg: msgBadAPIKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := tc.at
			if at.IsZero() {
				at = signed.Add(time.Minute)
			}
			opts := Options{AuthClock: NewManualClock(at), Region: tc.region}
			if tc.secret != "" {
				opts.Credentials = map[string]string{knownAKID: tc.secret}
			}
			e, err := New(opts)
			if err != nil {
				t.Fatal(err)
			}
			body := botocoreBody
			if tc.body != "" {
				body = tc.body
			}
			r := httptest.NewRequest(http.MethodPost, "http://"+botocoreHost+botocorePath, strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			if tc.bearer {
				r.Header.Set("Authorization", "Bearer "+botocoreAPIKey)
			} else {
				r.Header.Set("Authorization", botocoreAuth)
				r.Header.Set("X-Amz-Date", botocoreDate)
			}
			w := httptest.NewRecorder()
			e.ServeHTTP(w, r)
			var m map[string]string
			_ = json.Unmarshal(w.Body.Bytes(), &m)
			typ, _, _ := strings.Cut(w.Header().Get("X-Amzn-ErrorType"), ":")
			if w.Code != tc.status || (tc.status != 200 && (typ != tc.typ || m["Message"] != tc.msg)) {
				t.Fatalf("got %d %s %s\nwant %d %s {\"Message\":%q}", w.Code, typ, w.Body.Bytes(), tc.status, tc.typ, tc.msg)
			}
		})
	}
}

// shortTermKeyWith re-encodes a minted short-term key with its presigned
// URL's query edited by edit.
func shortTermKeyWith(t *testing.T, key string, edit func(q url.Values)) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(key, shortTermKeyPrefix))
	if err != nil {
		t.Fatal(err)
	}
	host, query, _ := strings.Cut(string(raw), "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	edit(q)
	return shortTermKeyPrefix + base64.StdEncoding.EncodeToString([]byte(host+"?"+q.Encode()))
}

// TestAPIKeysThroughSDK sends Bedrock API keys with the SDK's bearer auth
// over TLS: FACTS.md's formats, its two 403 texts, and isolation per key.
func TestAPIKeysThroughSDK(t *testing.T) {
	now := time.Now()
	valid := mintAPIKey(t, knownAKID, knownSecret, now)
	for _, tc := range []struct {
		name      string
		opts      Options
		key       string
		code, msg string
	}{
		{name: "short-term, built-in key", key: valid},
		{name: "short-term, minted a minute ago by an unknown key", key: mintAPIKey(t, "AKIDSTRANGER", "x", now.Add(-time.Minute))},
		{name: "short-term, unknown key, strict", opts: Options{StrictCredentials: true}, key: mintAPIKey(t, "AKIDSTRANGER", "x", now),
			code: "AccessDeniedException", msg: msgBadAPIKey},
		{name: "short-term, wrong secret", key: mintAPIKey(t, knownAKID, "not-the-secret", now), code: "AccessDeniedException", msg: msgBadAPIKey},
		{name: "short-term, expired", key: mintAPIKey(t, knownAKID, knownSecret, now.Add(-13*time.Hour)), code: "AccessDeniedException", msg: msgBadAPIKey},
		{name: "short-term, minted ten minutes ahead", key: mintAPIKey(t, "AKIDSTRANGER", "x", now.Add(10*time.Minute)), code: "AccessDeniedException", msg: msgBadAPIKey},
		{name: "short-term, scope date not the signing date", key: shortTermKeyWith(t, mintAPIKey(t, "AKIDSTRANGER", "x", now), func(q url.Values) {
			q.Set("X-Amz-Credential", strings.Replace(q.Get("X-Amz-Credential"), now.UTC().Format("/20060102/"), "/20000101/", 1))
		}), code: "AccessDeniedException", msg: msgBadAPIKey},
		{name: "short-term, minted for another region", opts: Options{Region: "eu-central-1"}, key: valid, code: "AccessDeniedException", msg: msgBadAPIKey},
		{name: "short-term, 24 hours", key: shortTermKeyWith(t, valid, func(q url.Values) { q.Set("X-Amz-Expires", "86400") }),
			code: "AccessDeniedException", msg: msgBadAPIKey},
		{name: "short-term, not a bedrock URL", key: shortTermKeyWith(t, valid, func(q url.Values) { q.Set("Action", "GetCallerIdentity") }),
			code: "AccessDeniedException", msg: msgBadAPIKey},
		{name: "short-term, not base64", key: shortTermKeyPrefix + "%%%", code: "AccessDeniedException", msg: msgBadAPIKey},
		{name: "long-term", key: longTermAPIKey("one")},
		{name: "long-term, not base64", key: "ABSK!!!", code: "AccessDeniedException", msg: msgBadAPIKey},
		{name: "no known prefix", key: "sk-ant-api03-abcdef", code: "AccessDeniedException", msg: msgAPIKeyFormat},
		{name: "a SigV4 access key as a bearer token", key: knownAKID, code: "AccessDeniedException", msg: msgAPIKeyFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := StartServer(tc.opts, ServerOptions{TLS: true})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			_, err = call(t, bearerClient(srv.URL(), tc.key, srv.HTTPClient()), defaultLayered().input())
			wantAPIError(t, err, tc.code, tc.msg)
		})
	}
}

// TestShortTermAPIKeyShape checks a minted key against the generators'
// shape, and that ShortTermAPIKey refuses a lifetime the service refuses.
func TestShortTermAPIKeyShape(t *testing.T) {
	at := time.Date(2026, 11, 26, 1, 9, 39, 0, time.UTC)
	key, err := ShortTermAPIKey(creds(knownAKID, knownSecret), DefaultRegion, at, 12*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// botocore's key for the same inputs differs only in parameter order.
	decode := func(k string) url.Values {
		raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(k, shortTermKeyPrefix))
		host, q, _ := strings.Cut(string(raw), "?")
		if host != "bedrock.amazonaws.com/" {
			t.Fatalf("host %q", host)
		}
		v, _ := url.ParseQuery(q)
		return v
	}
	got, want := decode(key), decode(botocoreAPIKey)
	if got.Encode() != want.Encode() {
		t.Fatalf("minted key's query\n%s\nbotocore's\n%s", got.Encode(), want.Encode())
	}
	for _, d := range []time.Duration{0, 12*time.Hour + time.Second, 1500 * time.Millisecond} {
		if _, err := ShortTermAPIKey(creds(knownAKID, knownSecret), DefaultRegion, at, d); err == nil {
			t.Errorf("lifetime %v accepted", d)
		}
	}
}

// TestLoadCredentials reads a shared credentials file with the SDK's own
// parser, and an emulator verifies the keys it names.
func TestLoadCredentials(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "credentials")
	text := "[default]\naws_access_key_id = AKIDFILE0001\naws_secret_access_key = file-secret-1\n\n" +
		"# a comment\n[other] ; trailing\naws_access_key_id=AKIDFILE0002\naws_secret_access_key=file-secret-2\naws_session_token=tok\n\n" +
		"[role]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = default\n"
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := LoadCredentials(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["AKIDFILE0001"] != "file-secret-1" || got["AKIDFILE0002"] != "file-secret-2" {
		t.Fatalf("LoadCredentials = %v", got)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("[default]\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{filepath.Join(dir, "missing"), empty} {
		if _, err := New(Options{CredentialsFile: bad}); err == nil || !strings.Contains(err.Error(), "credentials file") {
			t.Errorf("New with CredentialsFile %s: %v, want a credentials-file error", bad, err)
		}
	}
	h := startHarness(t, Options{CredentialsFile: file})
	_, err = call(t, sdkClient(h.srv.URL(), creds("AKIDFILE0002", "file-secret-2"), DefaultRegion, nil, nil), defaultLayered().input())
	wantAPIError(t, err, "", "")
	_, err = call(t, sdkClient(h.srv.URL(), creds("AKIDFILE0002", "file-secret-1"), DefaultRegion, nil, nil), defaultLayered().input())
	wantAPIError(t, err, "InvalidSignatureException", msgSignatureMismatch)
}

// TestAuthOptionsDefaults checks the defaults New fills in.
func TestAuthOptionsDefaults(t *testing.T) {
	e, err := New(Options{Credentials: map[string]string{"AKIDX": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	o := e.Options()
	if o.Region != DefaultRegion || o.AuthClock == nil || o.Credentials["AKIDX"] != "x" {
		t.Fatalf("Options() = region %q clock %v credentials %v", o.Region, o.AuthClock, o.Credentials)
	}
	if _, err := New(Options{Credentials: map[string]string{"AKIDX": ""}}); err == nil {
		t.Errorf("an empty secret was accepted")
	}
}

// BenchmarkAuthenticate measures authentication alone: a known key's
// signature recomputed with the SDK's signer, and an unknown key's
// header-only checks.
func BenchmarkAuthenticate(b *testing.B) {
	signed, _ := time.Parse(amzDateFormat, botocoreDate)
	e, err := New(Options{AuthClock: NewManualClock(signed)})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct{ name, auth string }{
		{"verified", botocoreAuth},
		{"unknown-key", strings.Replace(botocoreAuth, knownAKID, "AKIDSTRANGER", 1)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodPost, "http://"+botocoreHost+botocorePath, nil)
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", tc.auth)
			r.Header.Set("X-Amz-Date", botocoreDate)
			body := []byte(botocoreBody)
			b.ReportAllocs()
			for b.Loop() {
				_, check, aerr := e.authenticate(r)
				if aerr == nil && check != nil {
					aerr = check(body)
				}
				if aerr != nil {
					b.Fatal(aerr)
				}
			}
		})
	}
}
