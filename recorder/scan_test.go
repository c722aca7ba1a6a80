package recorder_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/recorder"
)

func TestScan(t *testing.T) {
	dir := t.TempDir()
	clean := "---\nversion: 1\ninteractions:\n- request:\n    url: /model/arn%3Aaws%3Abedrock%3Aus-east-1%3A000000000000%3Ainference-profile%2Fx/converse\n    headers:\n      Content-Type: [application/json]\n"
	os.WriteFile(filepath.Join(dir, "clean.yaml"), []byte(clean), 0o644)
	if got, err := recorder.Scan(dir); err != nil || len(got) != 0 {
		t.Fatalf("a clean cassette: %v, %v", got, err)
	}
	for _, tc := range []struct{ kind, line string }{
		{"AWS access key ID", "body: 'AKIAIOSFODNN7EXAMPLE'"},
		{"AWS secret access key field", "aws_secret_access_key: x"},
		{"session token header", "X-Amz-Security-Token: [FwoGZXIvYXdzE]"},
		{"Authorization header", "      Authorization:"},
		{"SigV4 credential scope", "x: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE12345678/20260101/us-east-1/bedrock/aws4_request"},
		{"bearer token", "x: [Bearer bedrock-api-key-abcdefgh]"},
		{"Bedrock API key", "x: ABSKQmVkcm9ja0FQSUtleS1leGFtcGxl"},
		{"account ID in an ARN", "url: /model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fx/converse"},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			sub := t.TempDir()
			os.WriteFile(filepath.Join(sub, "leak.yaml"), []byte(clean+tc.line+"\n"), 0o644)
			got, err := recorder.Scan(sub)
			if err != nil || len(got) == 0 {
				t.Fatalf("Scan found nothing in %q (%v)", tc.line, err)
			}
			found := false
			for _, f := range got {
				found = found || f.Kind == tc.kind
				if f.Line != 8 || strings.Contains(f.String(), "IOSFODNN7") {
					t.Errorf("finding %v: want line 8 with the secret masked", f)
				}
			}
			if !found {
				t.Errorf("findings %v lack %q", got, tc.kind)
			}
		})
	}
}

// TestScanDecodesCountedBodies: an access key in the InvokeModel body a
// CountTokens request carries base64-encoded is found.
func TestScanDecodesCountedBodies(t *testing.T) {
	dir := t.TempDir()
	body := `{"input":{"invokeModel":{"body":"` + base64.StdEncoding.EncodeToString([]byte(`{"system":"AKIAIOSFODNN7EXAMPLE"}`)) + `"}}}`
	c := "---\nversion: 1\ninteractions:\n- request:\n    body: '" + body + "'\n    url: /model/x/count-tokens\n    method: POST\n  response:\n    body: '{\"inputTokens\":3}'\n    code: 200\n"
	os.WriteFile(filepath.Join(dir, "counted.yaml"), []byte(c), 0o644)
	got, err := recorder.Scan(dir)
	if err != nil || len(got) != 1 || got[0].Kind != "AWS access key ID (in a counted InvokeModel body)" {
		t.Fatalf("Scan = %v, %v; want the access key in the counted body", got, err)
	}
}

// sessionToken is a made-up session token of the STS shape: a known
// prefix, then long base64.
const sessionToken = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDexampleexampleexampleexampleexampleAiB0example+example/exampleexampleKu0CCNP//////////ARAAGgw"

// TestScanSecretShapes: each secret shape is found, glued to other text
// too, with the secret masked in the finding, and its near misses are not.
func TestScanSecretShapes(t *testing.T) {
	const clean = "---\nversion: 1\ninteractions:\n- request:\n    url: /model/x/converse\n"
	for _, tc := range []struct {
		kind string
		// hit lines must each give a finding of kind; miss lines none of
		// any kind.
		hit, miss []string
		// hide must not appear in any finding.
		hide string
	}{
		{kind: "AWS access key ID", hide: "IOSFODNN7",
			hit:  []string{"id: AKIAIOSFODNN7EXAMPLE", "glued: xxAKIAIOSFODNN7EXAMPLEyy", `"ASIAIOSFODNN7EXAMPLE"`},
			miss: []string{"short: AKIAIOSFODNN7EXAMple", "lower: akiaiosfodnn7example", "prose: the Asia Pacific regions"}},
		{kind: "AWS secret access key field", hide: "wJalrXUtnFEMI",
			hit:  []string{"aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "export AWS_SECRET_ACCESS_KEY=x", `{"SecretAccessKey":"x"}`, "--secret-access-key x"},
			miss: []string{"Check your AWS Secret Access Key and signing method.", "a secretary has access to the key"}},
		{kind: "AWS secret access key value", hide: "XUtnFEMI",
			hit: []string{`{"secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}`, "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
				"the secret is wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY.", `SecretKey:'wJalrXUtnFEMI+K7MDENG0bPxRfiCYEXAMPLEKEY'`},
			miss: []string{"secret sha1: da39a3ee5e6b4b0d3255bfef95601890afd80709", "secret: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE",
				"secret: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYZ", "value: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
				"the secretary walked a long way across town before wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}},
		{kind: "session token header", hide: "FwoGZXIv",
			hit:  []string{"X-Amz-Security-Token: [FwoGZXIvYXdzE]", "h:x-amz-security-token"},
			miss: []string{"X-Amz-Date: [20260101T000000Z]", "security token"}},
		{kind: "session token field", hide: "FQoGZXIv",
			hit:  []string{"aws_session_token=FQoGZXIvYXdz", "AWS_SESSION_TOKEN: x", `{"awsSessionToken":"x"}`},
			miss: []string{"the AWS session token expired", "session_tokens: 3"}},
		{kind: "AWS session token", hide: "exampleexample",
			hit:  []string{"token: " + sessionToken, "glued: xx" + sessionToken, "FwoGZXIvYXdz" + sessionToken[12:], "q=FQoGZXIvYXdz" + sessionToken[12:] + "&x"},
			miss: []string{"short: IQoJb3JpZ2luX2VjEJr", "lower: iqojb3jpz2lu" + strings.ToLower(sessionToken[12:])}},
		{kind: "Authorization header", hide: "",
			hit:  []string{"      Authorization:", "  - authorization: [x]"},
			miss: []string{"authorization is required: ask", "no Authorization: header"}},
		{kind: "SigV4 credential scope", hide: "DEXAMPLE1234",
			hit:  []string{"x: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE12345678/20260101/us-east-1/bedrock/aws4_request"},
			miss: []string{"Authorization header requires 'Credential' parameter.", "Credential=abc/"}},
		{kind: "bearer token", hide: "abcdefgh1234",
			hit:  []string{"x: [Bearer abcdefgh1234]", "Authorization=bearer abcdefgh1234"},
			miss: []string{"the bearer of good news", "Bearer [redacted]"}},
		{kind: "Bedrock API key", hide: "1leGFtcGxl",
			hit: []string{"x: ABSKQmVkcm9ja0FQSUtleS1leGFtcGxlLWF0LTEyMzQ1Njc4OTAxMg==", "glued: keyABSKQmVkcm9ja0FQSUtleS1leGFtcGxl",
				"x: bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29tLz9BY3Rpb249Q2FsbFdpdGhCZWFyZXJUb2tlbi1leGFtcGxl", "glued: xxbedrock-api-key-YmVkcm9jay1leGFtcGxl1leGFtcGxl"},
			miss: []string{"x: ABSKshort", "keyABSKnotQmVkcm9ja0FQSUtleS", "x: bedrock-api-key-example", "the bedrock-api-key prefix"}},
		{kind: "account ID in an ARN", hide: "56789",
			hit: []string{"url: /model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fx/converse",
				"role: xxarn:aws:iam::123456789012:role/xyy", "arn:aws-us-gov:bedrock:us-gov-west-1:123456789012:x"},
			miss: []string{"arn:aws:bedrock:us-east-1::foundation-model/x", "arn:aws:iam::000000000000:root", "arn:aws:iam::1234567890123:root"}},
		{kind: "account ID", hide: "56789",
			hit: []string{`{"accountId":"123456789012"}`, "in account 123456789012.", "X-Amz-Account-Id: [123456789012]",
				"account_id=123456789012", "?accountId%3D123456789012&"},
			miss: []string{"xx123456789012yy", `{"inputTokens":123456789012}`, "at 1767225600000", "account 1234567890123",
				`{"accountId":"000000000000"}`, "account 12345678901", "take into account the 2 of them over 123456789012 days and more"}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			for _, line := range tc.hit {
				got := scanLine(t, clean, line)
				found := false
				for _, f := range got {
					found = found || f.Kind == tc.kind
					if f.Line != 6 {
						t.Errorf("%q: finding %v, want line 6", line, f)
					}
					if tc.hide != "" && strings.Contains(f.String(), tc.hide) {
						t.Errorf("%q: finding %v shows the secret", line, f)
					}
				}
				if !found {
					t.Errorf("%q: findings %v lack %q", line, got, tc.kind)
				}
			}
			for _, line := range tc.miss {
				for _, f := range scanLine(t, clean, line) {
					if f.Kind == tc.kind {
						t.Errorf("%q, a near miss: found %v", line, f)
					}
				}
			}
		})
	}
}

// scanLine scans a cassette of the clean text and one more line, with no
// cassette cache.
func scanLine(t *testing.T, clean, line string) []recorder.Finding {
	t.Helper()
	t.Setenv(env.CassetteCache, "off")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "c.yaml"), []byte(clean+line+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := recorder.Scan(dir)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
