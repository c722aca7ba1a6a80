package preflight_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/cachecascade/cachecascade/emulator"
	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/internal/preflight"
)

// isolate hides the machine's AWS configuration, credentials, IMDS and
// endpoint from one test.
func isolate(t *testing.T) {
	t.Helper()
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{"AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none, "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_PROFILE": "", "AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "",
		"AWS_CA_BUNDLE": "", "AWS_ENDPOINT_URL": "", env.Endpoint: "", env.BearerToken: ""} {
		t.Setenv(k, v)
	}
}

// sigv4 sets a region and static SigV4 credentials.
func sigv4(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAPREFLIGHTTEST000")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "preflight-test-secret")
}

// closedURL returns an http URL of a loopback port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return "http://" + ln.Addr().String()
}

// tlsTarget serves the emulator over HTTPS and returns its URL and a file
// holding its certificate.
func tlsTarget(t *testing.T) (string, string) {
	t.Helper()
	srv, err := emulator.StartServer(emulator.Options{}, emulator.ServerOptions{TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(bundle, srv.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv.URL(), bundle
}

// TestCheck puts each thing a run against a target needs out of order in
// turn, and checks that Check names it, with what to do, and that a usable
// target passes.
func TestCheck(t *testing.T) {
	plain := httptest.NewServer(http.NotFoundHandler()) // any HTTP answer will do
	defer plain.Close()
	const key = "ABSKcHJlZmxpZ2h0LXRlc3Q="
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T)
		loads []func(*config.LoadOptions) error
		want  []string // nil: the target is usable
		is    error
	}{
		{name: "usable endpoint, SigV4", setup: func(t *testing.T) { sigv4(t); t.Setenv(env.Endpoint, plain.URL) }},
		{name: "no region", setup: func(t *testing.T) {
			sigv4(t)
			t.Setenv("AWS_REGION", "")
		}, want: []string{"no AWS region", "set AWS_REGION"}},
		{name: "no region and no credentials", setup: func(*testing.T) {}, want: []string{"no AWS region", "no AWS credentials"}},
		{name: "no credentials", setup: func(t *testing.T) {
			t.Setenv("AWS_REGION", "us-east-1")
			t.Setenv(env.Endpoint, plain.URL)
		}, want: []string{"no AWS credentials", "AWS_ACCESS_KEY_ID", env.BearerToken, env.Mode + "=replay"}},
		{name: "expired credentials", setup: func(t *testing.T) {
			t.Setenv("AWS_REGION", "us-east-1")
			t.Setenv(env.Endpoint, plain.URL)
		}, loads: []func(*config.LoadOptions) error{config.WithCredentialsProvider(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIAEXPIRED000000000", SecretAccessKey: "s", CanExpire: true, Expires: time.Now().Add(-time.Hour)}, nil
		}))}, want: []string{"expired"}},
		{name: "closed endpoint", setup: func(t *testing.T) { sigv4(t); t.Setenv(env.Endpoint, closedURL(t)) },
			want: []string{"cannot reach the endpoint", "nothing listens there", env.Endpoint}, is: syscall.ECONNREFUSED},
		{name: "bearer over plain HTTP", setup: func(t *testing.T) {
			t.Setenv("AWS_REGION", "us-east-1")
			t.Setenv(env.Endpoint, plain.URL)
			t.Setenv(env.BearerToken, key)
		}, want: []string{"only over HTTPS", "-tls", "AWS_CA_BUNDLE"}},
		{name: "HTTPS without the CA bundle", setup: func(t *testing.T) {
			sigv4(t)
			url, _ := tlsTarget(t)
			t.Setenv(env.Endpoint, url)
		}, want: []string{"cannot verify the endpoint's TLS certificate", "AWS_CA_BUNDLE"}},
		{name: "bearer over HTTPS with the CA bundle", setup: func(t *testing.T) {
			t.Setenv("AWS_REGION", "us-east-1")
			url, bundle := tlsTarget(t)
			t.Setenv(env.Endpoint, url)
			t.Setenv("AWS_CA_BUNDLE", bundle)
			t.Setenv(env.BearerToken, key)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			isolate(t)
			tc.setup(t)
			err := preflight.Check(context.Background(), tc.loads...)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("a usable target failed the check: %v", err)
				}
				return
			}
			var pe *preflight.Error
			if !errors.As(err, &pe) {
				t.Fatalf("Check = %v, want a *preflight.Error", err)
			}
			msg := err.Error()
			if strings.Count(msg, "pre-flight:") != 1 {
				t.Errorf("want one message:\n%s", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("the message does not say %q:\n%s", w, msg)
				}
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("the error does not unwrap to %v: %v", tc.is, err)
			}
		})
	}
}

// TestCheckResolvesAWSEndpoint: without an endpoint override the target is
// the region's Bedrock runtime endpoint, as the SDK resolves it. The
// reachability request is not made here (no network in tests): the
// credentials are missing, so the check stops before it.
func TestCheckResolvesAWSEndpoint(t *testing.T) {
	isolate(t)
	t.Setenv("AWS_REGION", "eu-west-3")
	err := preflight.Check(context.Background())
	var pe *preflight.Error
	if !errors.As(err, &pe) || pe.Endpoint != "https://bedrock-runtime.eu-west-3.amazonaws.com" {
		t.Errorf("Check = %v; want the endpoint of eu-west-3 named", err)
	}
}
