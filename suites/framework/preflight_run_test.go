package framework_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cachecascade/cachecascade/emulator"
	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/suites/framework"
)

// closedPort returns the URL of a loopback port nothing listens on.
func closedPort(t *testing.T, scheme string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return scheme + "://" + addr
}

// TestUnusableTargetStopsTheRunBeforeAnySpec runs a slice of the suites
// live against a target that cannot work: each problem stops the whole run
// before its first spec, with one message saying what to do, and the run
// fails. They used to fail every spec one by one (issue 13: 23 minutes for
// 340 specs without credentials, about 3 s a spec against a closed port).
func TestUnusableTargetStopsTheRunBeforeAnySpec(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test ./suites/ once per problem")
	}
	plain := httptest.NewServer(http.NotFoundHandler()) // answers, over plain HTTP
	defer plain.Close()
	creds := []string{"AWS_ACCESS_KEY_ID=AKIAPREFLIGHTTEST000", "AWS_SECRET_ACCESS_KEY=preflight-test-secret"}
	for _, tc := range []struct {
		name string
		vars []string
		want []string // in the one message
	}{
		{"closed endpoint", append([]string{env.Endpoint + "=" + closedPort(t, "http"), "AWS_REGION=us-east-1"}, creds...),
			[]string{"cannot reach", "connection refused", env.Endpoint}},
		{"no region", append([]string{env.Target + "=aws"}, creds...),
			[]string{"no AWS region", "AWS_REGION"}},
		{"no credentials", []string{env.Target + "=aws", "AWS_REGION=us-east-1"},
			[]string{"no AWS credentials", "AWS_ACCESS_KEY_ID", env.BearerToken}},
		{"bearer over plain HTTP", []string{env.Endpoint + "=" + plain.URL, "AWS_REGION=us-east-1", env.BearerToken + "=ABSKcHJlZmxpZ2h0LXRlc3Q="},
			[]string{"only over HTTPS", "-tls", "AWS_CA_BUNDLE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars := append([]string{env.Mode + "=live", env.ReportDir + "=" + t.TempDir()}, tc.vars...)
			out, ok := goTestSuites(t, []string{"-ginkgo.label-filter=model:nova-lite && area:cascade"}, vars...)
			if ok {
				t.Fatalf("the run passed:\n%s", out)
			}
			if !strings.Contains(out, "Ran 0 of") {
				t.Errorf("specs ran against an unusable target; want the run stopped before its first spec:\n%s", out)
			}
			if n := strings.Count(out, "pre-flight: "); n != 1 {
				t.Errorf("%d pre-flight messages, want one:\n%s", n, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("the output does not say %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestPreflightChecksOnlyRunsAgainstATarget: with a named endpoint that
// counts its requests, no region and no credentials, a live run's
// pre-flight fails, while replay and a run against the in-process emulator
// check nothing and send nothing.
func TestPreflightChecksOnlyRunsAgainstATarget(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { requests.Add(1) }))
	defer srv.Close()
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", env.BearerToken} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv(env.Endpoint, srv.URL)
	for _, tc := range []struct {
		mode, target string
		fails        bool
	}{{"replay", "", false}, {"", "", false}, {"record", "emulator", false}, {"live", "", true}} {
		t.Setenv(env.Mode, tc.mode)
		t.Setenv(env.Target, tc.target)
		err := framework.Preflight(context.Background(), nil)
		if (err != nil) != tc.fails || tc.fails && !strings.Contains(err.Error(), "no AWS region") {
			t.Errorf("mode %q, target %q: Preflight = %v, want failing %v", tc.mode, tc.target, err, tc.fails)
		}
		if n := requests.Load(); n != 0 {
			t.Errorf("mode %q, target %q: the pre-flight sent %d requests to the endpoint", tc.mode, tc.target, n)
		}
	}
	// With a region and credentials, the live pre-flight reaches the
	// endpoint, once.
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAPREFLIGHTTEST000")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "preflight-test-secret")
	if err := framework.Preflight(context.Background(), nil); err != nil || requests.Load() != 1 {
		t.Errorf("live against a usable endpoint: Preflight = %v after %d requests; want nil after one", err, requests.Load())
	}
}

// TestPreflightNamesEveryModelItCannotUse runs a slice of the suites live
// against an emulator where three of the selected models cannot be used:
// no access to Nova Lite (403), Nova Micro past its end of life (404), and
// Nova Pro not served under the profile the catalog invokes (400 invalid
// model ID). The run stops before its first spec with one pre-flight
// message naming each model with its fix; the model it can use is not
// named. A model left out by the label filter is never probed.
func TestPreflightNamesEveryModelItCannotUse(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test ./suites/")
	}
	var replaced []emulator.ModelSpec
	for _, m := range emulator.BuiltinModels() {
		switch m.ID {
		case "amazon.nova-micro-v1:0":
			m.Lifecycle = emulator.LifecycleEndOfLife
			replaced = append(replaced, m)
		case "amazon.nova-pro-v1:0":
			m.Profiles = []string{"eu"}
			replaced = append(replaced, m)
		}
	}
	emu, err := emulator.New(emulator.Options{Models: replaced, NoAccess: []string{"amazon.nova-lite-v1:0", "amazon.nova-premier-v1:0"}})
	if err != nil {
		t.Fatal(err)
	}
	var probes sync.Map // model ID -> calls
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rest, ok := strings.CutPrefix(r.URL.Path, "/model/"); ok {
			id, _, _ := strings.Cut(rest, "/")
			n, _ := probes.LoadOrStore(id, new(atomic.Int32))
			n.(*atomic.Int32).Add(1)
		}
		emu.ServeHTTP(w, r)
	}))
	defer srv.Close()
	out, ok := goTestSuites(t, []string{"-ginkgo.label-filter=(model:nova-lite || model:nova-micro || model:nova-pro || model:nova-2-lite) && area:cascade"},
		env.Mode+"=live", env.ReportDir+"="+t.TempDir(), env.Endpoint+"="+srv.URL, "AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=AKIAPREFLIGHTTEST000", "AWS_SECRET_ACCESS_KEY=preflight-test-secret")
	if ok {
		t.Fatalf("the run passed:\n%s", out)
	}
	if !strings.Contains(out, "Ran 0 of") {
		t.Errorf("specs ran; want the run stopped before its first spec:\n%s", out)
	}
	if n := strings.Count(out, "pre-flight: the target"); n != 1 {
		t.Errorf("%d pre-flight messages, want one:\n%s", n, out)
	}
	for _, w := range []string{
		"no access to Amazon Nova Lite (us.amazon.nova-lite-v1:0)", "bedrock:InvokeModel", "Model access page", "inference-profile/us.amazon.nova-lite-v1:0", "!model:nova-lite",
		"Amazon Nova Micro (us.amazon.nova-micro-v1:0) is not found", "end of life",
		"this Region does not accept the ID of Amazon Nova Pro (us.amazon.nova-pro-v1:0)", "!model:nova-pro",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("the output does not say %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "Nova 2 Lite (") {
		t.Errorf("the message names Nova 2 Lite, which the emulator serves:\n%s", out)
	}
	for _, id := range []string{"us.amazon.nova-lite-v1:0", "us.amazon.nova-micro-v1:0", "us.amazon.nova-pro-v1:0", "us.amazon.nova-2-lite-v1:0"} {
		if n, ok := probes.Load(id); !ok || n.(*atomic.Int32).Load() < 1 {
			t.Errorf("%s was not probed", id)
		}
	}
	if _, ok := probes.Load("us.amazon.nova-premier-v1:0"); ok {
		t.Errorf("Nova Premier was probed, but the label filter leaves it out")
	}
}
