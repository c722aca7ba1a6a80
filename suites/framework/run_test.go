package framework_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/recorder"
	"github.com/cachecascade/cachecascade/suites/framework"
)

// env sets the run's variables for one test.
func setenv(t *testing.T, mode, target string) {
	t.Helper()
	t.Setenv(env.Mode, mode)
	t.Setenv(env.Target, target)
	t.Setenv(env.Endpoint, "")
	t.Setenv(env.EmulatorProfiles, "")
	t.Setenv(env.Cassettes, t.TempDir())
	t.Setenv(env.ReportDir, t.TempDir())
}

func TestNewRunReplay(t *testing.T) {
	setenv(t, "", "")
	r, err := framework.NewRun(framework.Started())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Mode != recorder.Replay || r.Target != framework.TargetCassettes || r.Salt != fixtures.ZeroSalt {
		t.Errorf("replay run: mode %q, target %q, salt %q", r.Mode, r.Target, r.Salt)
	}
	if _, err := os.Stat(filepath.Join(r.Root, "go.mod")); err != nil {
		t.Errorf("Root %q is not the module root: %v", r.Root, err)
	}
	// Replay never waits.
	start := time.Now()
	if err := r.Advance(context.Background(), time.Hour); err != nil || time.Since(start) > time.Second {
		t.Errorf("Advance in replay: %v after %v", err, time.Since(start))
	}
}

func TestNewRunEmulatorMovesItsClock(t *testing.T) {
	setenv(t, "live", "emulator")
	t.Setenv(env.EmulatorProfiles, "latency")
	r, err := framework.NewRun(framework.Started())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Target != framework.TargetEmulator || !strings.HasPrefix(r.Endpoint, "http://127.0.0.1:") || r.Salt == fixtures.ZeroSalt || !r.Salt.Valid() {
		t.Fatalf("emulator run: target %q, endpoint %q, salt %q", r.Target, r.Endpoint, r.Salt)
	}
	if got := r.Source(); !strings.HasPrefix(got, "emulator ") || !strings.Contains(got, "with profiles latency") {
		t.Errorf("Source = %q", got)
	}
	before := emulatorNow(t, r.Endpoint)
	if err := r.Advance(context.Background(), 90*time.Minute); err != nil {
		t.Fatal(err)
	}
	if moved := emulatorNow(t, r.Endpoint).Sub(before); moved < 90*time.Minute {
		t.Errorf("the emulator clock moved %v, want 90m", moved)
	}
}

// emulatorNow reads the emulator's clock.
func emulatorNow(t *testing.T, endpoint string) time.Time {
	t.Helper()
	resp, err := http.Get(endpoint + "/_emulator/clock")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("clock answer %s: %v", b, err)
	}
	for _, v := range body {
		if s, ok := v.(string); ok {
			if ts, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return ts
			}
		}
	}
	t.Fatalf("no time in the clock answer %s", b)
	return time.Time{}
}

func TestNewRunTargets(t *testing.T) {
	setenv(t, "live", "")
	r, err := framework.NewRun(framework.Started())
	if err != nil || r.Target != framework.TargetAWS {
		t.Errorf("live without an endpoint: %v, target %q; want aws", err, r.Target)
	}

	srv := httptest.NewServer(http.NotFoundHandler()) // an endpoint without the emulator's admin API
	defer srv.Close()
	setenv(t, "live", "")
	t.Setenv(env.Endpoint, srv.URL)
	r, err = framework.NewRun(framework.Started())
	if err != nil || r.Target != framework.TargetEndpoint || r.Endpoint != srv.URL {
		t.Fatalf("live with AWS_ENDPOINT_URL_BEDROCK_RUNTIME: %v, %+v", err, r)
	}
	// Without an admin API the clock is the wall clock: Advance waits.
	start := time.Now()
	if err := r.Advance(context.Background(), 50*time.Millisecond); err != nil || time.Since(start) < 50*time.Millisecond {
		t.Errorf("Advance against a plain endpoint returned after %v (%v); it must wait", time.Since(start), err)
	}

	// An aws target with the endpoint variable set would label another
	// endpoint's answers as AWS in the manifest.
	setenv(t, "record", "aws")
	t.Setenv(env.Endpoint, srv.URL)
	if _, err := framework.NewRun(framework.Started()); err == nil || !strings.Contains(err.Error(), env.Endpoint) {
		t.Errorf("aws target with %s set: %v", env.Endpoint, err)
	}

	setenv(t, "record", "gcp")
	if _, err := framework.NewRun(framework.Started()); err == nil || !strings.Contains(err.Error(), "CACHECASCADE_TARGET") {
		t.Errorf("an unknown target: %v", err)
	}
	setenv(t, "sometimes", "")
	if _, err := framework.NewRun(framework.Started()); err == nil {
		t.Error("an unknown mode was accepted")
	}
}

func TestSecondAccount(t *testing.T) {
	setenv(t, "", "")
	r, _ := framework.NewRun(framework.Started())
	if p, why := r.SecondAccount(context.Background()); p == nil {
		t.Errorf("replay has no second account: %s", why)
	}
	setenv(t, "live", "aws")
	t.Setenv(env.SecondProfile, "")
	r, _ = framework.NewRun(framework.Started())
	if p, why := r.SecondAccount(context.Background()); p != nil || !strings.Contains(why, env.SecondProfile) {
		t.Errorf("aws without a second profile: %v, %q", p, why)
	}
}
