package recorder_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/cachecascade/cachecascade/emulator"
	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/recorder"
)

// tlsEmulator serves the emulator over HTTPS, as `bedrock-emulator -tls`
// does, writes its certificate to a file named by AWS_CA_BUNDLE (the SDK's
// own setting for a private CA) and points the SDK's endpoint variable at
// it.
func tlsEmulator(t *testing.T) *emulator.Server {
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
	t.Setenv("AWS_CA_BUNDLE", bundle)
	t.Setenv(env.Endpoint, srv.URL())
	return srv
}

// sayHello sends one small Converse request to Nova Lite.
func sayHello(ctx context.Context, c *bedrockruntime.Client) error {
	_, err := c.Converse(ctx, &bedrockruntime.ConverseInput{
		ModelId: aws.String("us.amazon.nova-lite-v1:0"),
		Messages: []types.Message{{Role: types.ConversationRoleUser,
			Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "hello"}}}},
	})
	return err
}

// TestTargetClientsKeepTheSDKsHTTPClient: record and live sessions send
// through the HTTP client the SDK configured, so AWS_CA_BUNDLE is honoured
// and a run against `bedrock-emulator -tls` works, with a Bedrock API key
// (which the SDK sends over HTTPS only) and with SigV4. The client used to
// be replaced by one with a bare transport, and every call failed with an
// x509 error.
func TestTargetClientsKeepTheSDKsHTTPClient(t *testing.T) {
	ctx := context.Background()
	t.Run("live with a Bedrock API key", func(t *testing.T) {
		isolateAWS(t)
		t.Setenv("AWS_REGION", "us-east-1")
		tlsEmulator(t)
		key := "ABSK" + base64.StdEncoding.EncodeToString([]byte("BedrockAPIKey-test-at-123456789012:c2VjcmV0LXNlY3JldC1zZWNyZXQ="))
		t.Setenv(env.BearerToken, key)
		s, err := recorder.Open(ctx, recorder.Options{Mode: recorder.Live, Spec: "tls live"})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Finish(true)
		if err := sayHello(ctx, s.Client); err != nil {
			t.Fatalf("a live call over HTTPS with AWS_CA_BUNDLE set: %v", err)
		}
	})
	t.Run("record with SigV4", func(t *testing.T) {
		fakeAWS(t, "")
		tlsEmulator(t)
		path := filepath.Join(t.TempDir(), "tls.yaml")
		s, err := recorder.Open(ctx, recorder.Options{Mode: recorder.Record, Cassette: path, Spec: "tls record"})
		if err != nil {
			t.Fatal(err)
		}
		if err := sayHello(ctx, s.Client); err != nil {
			s.Finish(false)
			t.Fatalf("a recorded call over HTTPS with AWS_CA_BUNDLE set: %v", err)
		}
		if err := s.Finish(true); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(path); err != nil || !strings.Contains(string(b), "nova-lite") {
			t.Errorf("the cassette was not written: %v", err)
		}
	})
}

// refusingTransport fails every request as a closed port does, and counts
// them.
type refusingTransport struct{ calls atomic.Int32 }

func (r *refusingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	r.calls.Add(1)
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
}

// TestRefusedConnectionIsNotRetried: nothing listening at the target is not
// a condition a retry a few hundred milliseconds later fixes, so a call
// fails after one attempt instead of spending the retryer's backoff on
// every spec (about 3 s each against a closed endpoint).
func TestRefusedConnectionIsNotRetried(t *testing.T) {
	fakeAWS(t, "")
	tr := &refusingTransport{}
	s, err := recorder.Open(context.Background(), recorder.Options{Mode: recorder.Live, Spec: "refused", Endpoint: "http://127.0.0.1:9", Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	err = sayHello(context.Background(), s.Client)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("the call's error %v is not the refused connection", err)
	}
	if n := tr.calls.Load(); n != 1 {
		t.Errorf("a refused connection was attempted %d times, want 1", n)
	}
}

// TestTargetClientsUseTheProxy: record and live calls go through the proxy
// the environment names (HTTP_PROXY here; HTTPS_PROXY and NO_PROXY alike),
// as the SDK's own client does. net/http reads the proxy variables once per
// process, so the call runs in a child process of this test binary. (It
// passed before the HTTP client was wrapped instead of replaced, too: the
// replacement's transport also read them; it stays as a guard.)
func TestTargetClientsUseTheProxy(t *testing.T) {
	if os.Getenv("RECORDER_PROXY_CHILD") == "1" {
		t.Skip("the child's own run")
	}
	proxy, srv := serve(t) // a fake Bedrock that is also the proxy: it answers whatever it is sent
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProxiedCall$", "-test.v")
	cmd.Env = append(os.Environ(), "RECORDER_PROXY_CHILD=1", "HTTP_PROXY="+srv.URL, "http_proxy="+srv.URL, "NO_PROXY=", "no_proxy=")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "--- PASS: TestHelperProxiedCall") {
		t.Fatalf("the proxied call failed: %v\n%s", err, out)
	}
	if proxy.calls != 1 || len(proxy.paths) != 1 || !strings.HasSuffix(proxy.paths[0], "/converse") {
		t.Errorf("the proxy saw %d requests (%q), want the one call", proxy.calls, proxy.paths)
	}
}

// TestHelperProxiedCall is TestTargetClientsUseTheProxy's child: one live
// call to a host only the proxy knows.
func TestHelperProxiedCall(t *testing.T) {
	if os.Getenv("RECORDER_PROXY_CHILD") != "1" {
		t.Skip("run by TestTargetClientsUseTheProxy")
	}
	fakeAWS(t, "")
	s, err := recorder.Open(context.Background(), recorder.Options{Mode: recorder.Live, Spec: "proxied", Endpoint: "http://bedrock-runtime.proxy-test.invalid"})
	if err != nil {
		t.Fatal(err)
	}
	if err := sayHello(context.Background(), s.Client); err != nil {
		t.Fatal(err)
	}
}
