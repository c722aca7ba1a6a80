package recorder_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
