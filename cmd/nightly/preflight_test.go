package main

import (
	"bytes"
	"context"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/emulator"
	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/internal/modroot"
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
		name   string
		target string
		vars   map[string]string
		want   string
	}{
		{"no region", "aws", map[string]string{"AWS_ACCESS_KEY_ID": "AKIANIGHTLYTEST00000", "AWS_SECRET_ACCESS_KEY": "s"}, "no AWS region"},
		{"no credentials", "aws", map[string]string{"AWS_REGION": "us-east-1"}, "no AWS credentials"},
		{"closed endpoint", "endpoint", map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIANIGHTLYTEST00000", "AWS_SECRET_ACCESS_KEY": "s", env.Endpoint: closed}, "cannot reach the endpoint"},
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
			code := run(context.Background(), []string{"-target", tc.target, "-procs", "1", "-label-filter", "model:nova-lite && area:cascade"}, &stdout, &stderr)
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

// TestNoModelAccessStopsTheNight runs the nightly against an endpoint that
// serves everything but Nova Lite (the emulator with NoAccess, standing in
// for an account without model access): the replay phase passes, the live
// phase stops at the suites' pre-flight before any spec, and the night is a
// crash (12) whose summary says which model and what to do, never "nothing
// differs", and no cassette changes.
func TestNoModelAccessStopsTheNight(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the suites and runs them")
	}
	emu, err := emulator.New(emulator.Options{NoAccess: []string{"amazon.nova-lite-v1:0"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	defer srv.Close()
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	cassettes, reports := copyCassettes(t, root), t.TempDir()
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		// The control plane too (the catalog-drift check): nothing leaves
		// the machine.
		env.Cassettes: cassettes, env.ReportDir: reports, env.Endpoint: srv.URL, "AWS_ENDPOINT_URL_BEDROCK": srv.URL, env.BearerToken: "", env.GitHubStepSummary: "",
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIANIGHTLYTEST00000", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
		"AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none, "AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
	before, err := hashTree(cassettes)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-target", "endpoint", "-procs", "1", "-label-filter", "model:nova-lite && area:cascade"}, &stdout, &stderr)
	if code != ExitBroke {
		t.Errorf("exit %d, want %d:\n%s\n%s", code, ExitBroke, stderr.String(), stdout.String())
	}
	summary := readFile(t, filepath.Join(reports, "nightly", "summary.md"))
	for _, w := range []string{"no access to Amazon Nova Lite", "bedrock:InvokeModel", "!model:nova-lite"} {
		if !strings.Contains(summary, w) {
			t.Errorf("the summary does not say %q:\n%s", w, summary)
		}
	}
	if !strings.HasPrefix(summary, "# cachecascade nightly: the target failed the suites' pre-flight check") {
		t.Errorf("the summary's headline does not say the pre-flight stopped the night:\n%s", summary)
	}
	after, err := hashTree(cassettes)
	if err != nil {
		t.Fatal(err)
	}
	if ch := changedFiles(before, after); len(ch) > 0 {
		t.Errorf("%d cassettes changed: %q", len(ch), ch)
	}
}
