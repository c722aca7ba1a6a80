package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/internal/env"
)

// TestPreflightStopsTheNight runs the nightly against AWS with no region,
// with no credentials and against a closed endpoint: each stops before
// anything is built or run, exits 12 with the reason in the summary, and is
// never "nothing differs" (issue 13: exit 0 after 0 calls).
func TestPreflightStopsTheNight(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	for _, tc := range []struct {
		name string
		vars map[string]string
		want string
	}{
		{"no region", map[string]string{"AWS_ACCESS_KEY_ID": "AKIANIGHTLYTEST00000", "AWS_SECRET_ACCESS_KEY": "s"}, "no AWS region"},
		{"no credentials", map[string]string{"AWS_REGION": "us-east-1"}, "no AWS credentials"},
		{"closed endpoint", map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIANIGHTLYTEST00000", "AWS_SECRET_ACCESS_KEY": "s", env.Endpoint: closed}, "cannot reach the endpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			none := filepath.Join(t.TempDir(), "none")
			for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", env.Endpoint, env.BearerToken, env.GitHubStepSummary} {
				t.Setenv(k, "")
			}
			t.Setenv("AWS_CONFIG_FILE", none)
			t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
			t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			for k, v := range tc.vars {
				t.Setenv(k, v)
			}
			cassettes, reports := filepath.Join(t.TempDir(), "cassettes"), t.TempDir()
			if err := os.MkdirAll(cassettes, 0o755); err != nil {
				t.Fatal(err)
			}
			t.Setenv(env.Cassettes, cassettes)
			t.Setenv(env.ReportDir, reports)
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"-target", "aws", "-procs", "1", "-label-filter", "model:nova-lite && area:cascade"}, &stdout, &stderr)
			if code != ExitBroke {
				t.Errorf("exit %d, want %d", code, ExitBroke)
			}
			if strings.Contains(stderr.String(), "building the suites") || strings.Contains(stdout.String(), "| replay |") {
				t.Errorf("the night went on past the pre-flight:\n%s", stderr.String())
			}
			summary := readFile(t, filepath.Join(reports, "nightly", "summary.md"))
			if !strings.Contains(summary, "# cachecascade nightly: the target failed its pre-flight check, nothing ran") || !strings.Contains(summary, tc.want) {
				t.Errorf("the summary does not give the reason %q:\n%s", tc.want, summary)
			}
		})
	}
}
