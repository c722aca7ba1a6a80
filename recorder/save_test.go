package recorder_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/recorder"
)

// secrets are the values that must never reach a cassette.
var secrets = []string{
	"AKIAFAKEFAKEFAKE1234",
	"fakeSecretKeyThatMustNeverReachDisk0000",
	"FwoGZXIvYXdzEFakeSessionTokenValue",
	"bedrock-api-key-ABSKfakefakefake",
	"123456789012",
	"8d0c1c6e-invocation-id",
	"Amz-Sdk-Invocation-Id",
	"X-Amz-Date",
	"User-Agent",
	"Authorization",
}

func TestRecordRedactsSigV4SessionCredentials(t *testing.T) {
	fakeAWS(t, "FwoGZXIvYXdzEFakeSessionTokenValue")
	f, srv := serve(t)
	path := filepath.Join(t.TempDir(), "c.yaml")
	arn := "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"
	salt := fixtures.NewSalt()
	if err := record(t, path, srv.URL, true, func(c *bedrockruntime.Client) {
		if _, err := c.Converse(context.Background(), converse(arn, string(salt)+" system")); err != nil {
			t.Fatal(err)
		}
	}); err != nil {
		t.Fatal(err)
	}
	// The credentials did travel: the test would prove nothing otherwise.
	if h := f.headers[0]; h.Get("X-Amz-Security-Token") == "" || !strings.Contains(h.Get("Authorization"), "AKIAFAKEFAKEFAKE1234") {
		t.Fatalf("the request did not carry the session credentials: %v", h)
	}
	if !strings.Contains(f.paths[0], "123456789012") {
		t.Fatalf("the request path did not carry the account: %s", f.paths[0])
	}
	assertClean(t, path)
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), string(fixtures.ZeroSalt)) || strings.Contains(string(b), string(salt)) {
		t.Errorf("the run's salt was not normalised on disk:\n%s", b)
	}
	// The redacted cassette still replays the request from a real account,
	// with the zero salt that replay runs use.
	s, err := replay(t, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.Converse(context.Background(), converse(arn, string(fixtures.ZeroSalt)+" system")); err != nil {
		t.Errorf("replaying the redacted cassette: %v", err)
	}
}

func TestRecordRedactsBearerTokenOverHTTPS(t *testing.T) {
	isolateAWS(t)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv(env.BearerToken, "bedrock-api-key-ABSKfakefakefake")
	f := &fakeBedrock{}
	srv := httptest.NewTLSServer(f)
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "c.yaml")
	transport := srv.Client().Transport.(*http.Transport).Clone()
	transport.TLSClientConfig = &tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
	s, err := recorder.Open(context.Background(), recorder.Options{Mode: recorder.Record, Cassette: path, Endpoint: srv.URL, Transport: transport})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.Converse(context.Background(), converse(sonnet, "x")); err != nil {
		t.Fatal(err)
	}
	if err := s.Finish(true); err != nil {
		t.Fatal(err)
	}
	if got := f.headers[0].Get("Authorization"); got != "Bearer bedrock-api-key-ABSKfakefakefake" {
		t.Fatalf("the request did not carry the bearer token: %q", got)
	}
	assertClean(t, path)
}

// assertClean fails if the cassette holds a secret or a header outside the
// allowlist.
func assertClean(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if strings.Contains(string(b), s) {
			t.Errorf("cassette holds %q:\n%s", s, b)
		}
	}
	if !strings.Contains(string(b), "Content-Type") {
		t.Errorf("the allowlisted Content-Type header is gone too:\n%s", b)
	}
}

func TestFailedSpecKeepsOldCassette(t *testing.T) {
	fakeAWS(t, "")
	_, srv := serve(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	const old = "---\nversion: 1\ninteractions: [] # the old cassette\n"
	os.WriteFile(path, []byte(old), 0o644)
	calls := func(c *bedrockruntime.Client) { c.Converse(context.Background(), converse(sonnet, "x")) }

	if err := record(t, path, srv.URL, false, calls); err != nil {
		t.Fatalf("Finish(false): %v", err)
	}
	assertFile(t, path, old)
	assertNoTemporaries(t, dir)

	restore := recorder.SetRenameForTest(func(string, string) error { return os.ErrPermission })
	err := record(t, path, srv.URL, true, calls)
	restore()
	if err == nil || !strings.Contains(err.Error(), "old cassette is unchanged") {
		t.Errorf("Finish with a failing rename: %v", err)
	}
	assertFile(t, path, old)
	assertNoTemporaries(t, dir)

	// A spec that makes no request writes nothing.
	if err := record(t, path, srv.URL, true, func(*bedrockruntime.Client) {}); err == nil || !strings.Contains(err.Error(), "made no requests") {
		t.Errorf("Finish without requests: %v", err)
	}
	assertFile(t, path, old)

	if err := record(t, path, srv.URL, true, calls); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) == old || !strings.Contains(string(b), "reply") {
		t.Errorf("a passing spec did not replace the cassette:\n%s", b)
	}
	assertNoTemporaries(t, dir)
}

// TestInterruptedRecordingKeepsOldCassette records in a child process and
// interrupts it (Ctrl-C) mid-spec: the old cassette stays as it was.
func TestInterruptedRecordingKeepsOldCassette(t *testing.T) {
	if os.Getenv("RECORDER_CHILD") != "" {
		childRecordsUntilKilled(t)
		return
	}
	fakeAWS(t, "")
	_, srv := serve(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	const old = "---\nversion: 1\ninteractions: [] # the old cassette\n"
	os.WriteFile(path, []byte(old), 0o644)

	cmd := exec.Command(os.Args[0], "-test.run=^TestInterruptedRecordingKeepsOldCassette$")
	cmd.Env = append(os.Environ(), "RECORDER_CHILD=1", "RECORDER_CASSETTE="+path, "RECORDER_ENDPOINT="+srv.URL)
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	for lines.Scan() && lines.Text() != "recorded" {
	}
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	assertFile(t, path, old)
}

func childRecordsUntilKilled(t *testing.T) {
	s, err := recorder.Open(context.Background(), recorder.Options{Mode: recorder.Record,
		Cassette: os.Getenv("RECORDER_CASSETTE"), Endpoint: os.Getenv("RECORDER_ENDPOINT")})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		s.Client.Converse(context.Background(), converse(sonnet, "x"))
	}
	os.Stdout.WriteString("recorded\n")
	select {} // the spec is still running when Ctrl-C arrives
}

func assertFile(t *testing.T, path, want string) {
	t.Helper()
	if b, err := os.ReadFile(path); err != nil || string(b) != want {
		t.Errorf("%s changed: %q, %v", path, b, err)
	}
}

func assertNoTemporaries(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".recording-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}
