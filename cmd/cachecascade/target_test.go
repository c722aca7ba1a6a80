package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cachecascade/cachecascade/emulator"
	"github.com/cachecascade/cachecascade/forecast"
	"github.com/cachecascade/cachecascade/internal/env"
)

// targetReport is the JSON report of a run with --target.
type targetReport struct {
	report
	Target *comparison `json:"target"`
}

// checkTarget runs `cachecascade check --json` with args and returns the
// report (nil when none was printed), the exit status and standard error.
func checkTarget(t *testing.T, args ...string) (*targetReport, int, string) {
	t.Helper()
	t.Setenv(env.GitHubStepSummary, "")
	var out, errb bytes.Buffer
	code := run(append([]string{"check", "--json"}, args...), nil, &out, &errb)
	if out.Len() == 0 {
		return nil, code, errb.String()
	}
	var r targetReport
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("check %v: %v\n%s", args, err, out.String())
	}
	return &r, code, errb.String()
}

// awsEnv points --target aws at url with the emulator's static credentials
// in us-east-1, and hides every other AWS setting of the machine.
func awsEnv(t *testing.T, url string) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		env.Endpoint: url, "AWS_ACCESS_KEY_ID": emulatorCreds.AccessKeyID, "AWS_SECRET_ACCESS_KEY": emulatorCreds.SecretAccessKey,
		"AWS_REGION": "us-east-1", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "", env.BearerToken: "", "AWS_ENDPOINT_URL": "",
		"AWS_CA_BUNDLE": "", "AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
}

// TestTargetEmulatorAgreesOnEveryExample sends each example to the
// emulator target: every request is observed, prediction and observation
// agree, and the exit status is the one without a target.
func TestTargetEmulatorAgreesOnEveryExample(t *testing.T) {
	for _, e := range examples {
		t.Run(e.name, func(t *testing.T) {
			_, want := checkJSON(t, e.path())
			r, code, stderr := checkTarget(t, "--target", "emulator", e.path())
			if r == nil || r.Target == nil {
				t.Fatalf("exit %d, no target section: %s", code, stderr)
			}
			if code != want {
				t.Errorf("exit %d with --target emulator, %d without", code, want)
			}
			if len(r.Target.Requests) != len(r.Requests) {
				t.Fatalf("%d requests compared of %d", len(r.Target.Requests), len(r.Requests))
			}
			for _, d := range r.Target.Disagreements {
				t.Errorf("%s: %s", d.Rule, d.Message)
			}
			for _, q := range r.Target.Requests {
				if q.Observed.Status == 0 || q.SaltPath == "" {
					t.Errorf("%s: observed %+v, salted at %q", q.Source, q.Observed, q.SaltPath)
				}
			}
		})
	}
}

// TestTargetAWSReportsAWrongService points --target aws at emulators wrong
// in one way each (fault profiles) through AWS_ENDPOINT_URL_BEDROCK_RUNTIME:
// each run over the examples lists disagreements, in the report and in the
// Markdown, and exits 1.
func TestTargetAWSReportsAWrongService(t *testing.T) {
	for _, fault := range []string{emulator.FaultNoCascade, emulator.FaultThresholdIgnored, emulator.FaultNovaAcceptsToolCheckpoints, emulator.FaultNoLookback} {
		t.Run(fault, func(t *testing.T) {
			srv, err := emulator.Start(emulator.Options{Profiles: []string{fault}})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			awsEnv(t, srv.URL())
			r, code, stderr := checkTarget(t, append([]string{"--target", "aws", "--max-usd", "1"}, exampleLogs()...)...)
			if r == nil || r.Target == nil {
				t.Fatalf("exit %d, no target section: %s", code, stderr)
			}
			if code != exitFailing {
				t.Errorf("exit %d: want %d", code, exitFailing)
			}
			if len(r.Target.Disagreements) == 0 {
				t.Fatalf("under %s the target agreed with every prediction", fault)
			}
			for _, d := range r.Target.Disagreements {
				if !containsFinding(r.Failing, d) {
					t.Errorf("disagreement %q is not failing", d.Message)
				}
			}
			if !strings.Contains(r.Target.Note, "cannot be time-travelled") {
				t.Errorf("note %q does not say the times were not reproduced", r.Target.Note)
			}
			var out, errb bytes.Buffer
			if code := run(append([]string{"check", "--target", "aws", "--max-usd", "1"}, exampleLogs()...), nil, &out, &errb); code != exitFailing {
				t.Errorf("Markdown run: exit %d: %s", code, errb.String())
			}
			if d := r.Target.Disagreements[0]; !strings.Contains(out.String(), "- `"+string(d.Rule)+"`: ") || !strings.Contains(out.String(), "**disagrees**") {
				t.Errorf("the Markdown does not list the disagreement under %s:\n%s", d.Rule, out.String())
			}
		})
	}
}

// containsFinding reports whether fs holds f.
func containsFinding(fs []forecast.Finding, f forecast.Finding) bool {
	for _, g := range fs {
		if g == f {
			return true
		}
	}
	return false
}

// TestTargetAWSRefusesWithoutACap checks that --target aws prints its
// estimate and sends nothing (exit 2) without --max-usd or with a cap not
// above the estimate.
func TestTargetAWSRefusesWithoutACap(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	awsEnv(t, srv.URL)
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "refusing to send paid requests without --max-usd"},
		{[]string{"--max-usd", "0.0001"}, "is not under --max-usd $0.0001"},
	} {
		args := append(append([]string{"--target", "aws"}, c.args...), exampleLog("agent-loop"))
		_, code, stderr := checkTarget(t, args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) || !strings.Contains(stderr, "estimated at most $") {
			t.Errorf("%v: exit %d, stderr %q: want exit %d, the estimate and %q", c.args, code, stderr, exitUsage, c.want)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d requests reached the target", n)
	}
}

// TestTargetRunsDoNotReadEachOther sends the same log twice to one emulator
// with the same key: the salt keeps the second run from reading the first
// run's entries, so both agree with the prediction and the second run's
// first request reads nothing.
func TestTargetRunsDoNotReadEachOther(t *testing.T) {
	srv, err := emulator.Start(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	awsEnv(t, srv.URL())
	for run := 1; run <= 2; run++ {
		r, code, stderr := checkTarget(t, "--target", "aws", "--max-usd", "1", exampleLog("agent-loop"))
		if r == nil || r.Target == nil {
			t.Fatalf("run %d: exit %d: %s", run, code, stderr)
		}
		if first := r.Target.Requests[0].Observed; first.Read != 0 || first.Written == 0 {
			t.Errorf("run %d: the first request read %d and wrote %d: want a write only", run, first.Read, first.Written)
		}
		for _, d := range r.Target.Disagreements {
			t.Errorf("run %d: %s", run, d.Message)
		}
	}
}

// TestTargetRetriesThrottling puts a proxy that throttles the first
// attempt of every request in front of the emulator: each request is
// retried by the SDK's retryer and then agrees.
func TestTargetRetriesThrottling(t *testing.T) {
	emu, err := emulator.Start(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	u, _ := url.Parse(emu.URL())
	proxy := httputil.NewSingleHostReverseProxy(u)
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 1 {
			w.Header().Set("X-Amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"message":"Too many requests, please wait before trying again."}`))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer srv.Close()
	awsEnv(t, srv.URL)
	r, code, stderr := checkTarget(t, "--target", "aws", "--max-usd", "1", exampleLog("under-minimum"))
	if r == nil || r.Target == nil {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, q := range r.Target.Requests {
		if q.Observed.Attempts != 2 || q.Observed.Status == http.StatusTooManyRequests {
			t.Errorf("%s: %d attempts, status %d: want a retry after the throttle", q.Source, q.Observed.Attempts, q.Observed.Status)
		}
	}
	for _, d := range r.Target.Disagreements {
		t.Errorf("%s", d.Message)
	}
}

// TestAddSalt checks that the salt lands at the start of the first text
// in prefix order for each body shape, and that every other byte is kept.
func TestAddSalt(t *testing.T) {
	const salt = "cachecascade-salt-0123456789 "
	for _, c := range []struct {
		name, body, path string
	}{
		{"converse tools", `{"messages":[{"role":"user","content":[{"text":"hi"}]}], "system" : [{"text":"sys"}],"toolConfig":{"tools":[{"toolSpec":{"name":"a","description":"first \"tool\"","inputSchema":{"json":{}}}},{"toolSpec":{"name":"b","description":"second"}}]}}`, "toolConfig.tools[0].toolSpec.description"},
		{"converse tool without description", `{"toolConfig":{"tools":[{"toolSpec":{"name":"a"}},{"toolSpec":{"name":"b","description":"second"}}]},"system":[{"text":"sys"}]}`, "toolConfig.tools[1].toolSpec.description"},
		{"converse system", `{"modelId":"x","system":[{"cachePoint":{"type":"default"}},{"text":"s\u00e9"}],"messages":[{"role":"user","content":[{"text":"hi"}]}]}`, "system[1].text"},
		{"converse messages", "{\n  \"messages\": [\n    {\"role\": \"user\", \"content\": [{\"image\": {}}, {\"text\":\t\"hi\"}]}\n  ]\n}", "messages[0].content[1].text"},
		{"anthropic tools", `{"anthropic_version":"bedrock-2023-05-31","system":"sys","tools":[{"name":"t","description":"d","input_schema":{}}],"messages":[{"role":"user","content":"hi"}]}`, "tools[0].description"},
		{"anthropic system string", `{"anthropic_version":"bedrock-2023-05-31","max_tokens":10,"system":"sys","messages":[{"role":"user","content":"hi"}]}`, "system"},
		{"anthropic system blocks", `{"anthropic_version":"bedrock-2023-05-31","system":[{"type":"text","text":"sys","cache_control":{"type":"ephemeral"}}],"messages":[]}`, "system[0].text"},
		{"anthropic message string", `{"anthropic_version":"bedrock-2023-05-31","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]}`, "messages[0].content"},
		{"nova invoke", `{"schemaVersion":"messages-v1","system":[{"text":"sys"}],"toolConfig":{"tools":[{"toolSpec":{"name":"n","description":"nd"}}]},"messages":[{"role":"user","content":[{"text":"hi"}]}]}`, "toolConfig.tools[0].toolSpec.description"},
		{"no text", `{"messages":[{"role":"user","content":[{"image":{"format":"png"}}]}]}`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, path, err := addSalt([]byte(c.body), salt)
			if err != nil {
				t.Fatal(err)
			}
			if path != c.path {
				t.Errorf("salted %q: want %q", path, c.path)
			}
			if c.path == "" {
				if string(out) != c.body {
					t.Errorf("a body without text changed: %s", out)
				}
				return
			}
			i := bytes.Index(out, []byte(salt))
			if i < 1 || out[i-1] != '"' {
				t.Fatalf("the salt is not at the start of a string: %s", out)
			}
			if got := string(out[:i]) + string(out[i+len(salt):]); got != c.body {
				t.Errorf("bytes outside the salt changed:\n got %s\nwant %s", got, c.body)
			}
			var strs []jsonString
			if strs, err = stringOffsets(out); err != nil {
				t.Fatal(err)
			}
			for _, s := range strs {
				if s.path == c.path && s.quote != i-1 {
					t.Errorf("the salt is in the string at byte %d, want %s at byte %d", i-1, c.path, s.quote)
				}
			}
		})
	}
}

// TestSaltedGivesEachSequenceItsOwnSalt checks that requests of one file
// and account share a salt and different files or accounts do not, as the
// prediction shares entries.
func TestSaltedGivesEachSequenceItsOwnSalt(t *testing.T) {
	body := []byte(`{"system":[{"text":"s"}]}`)
	reqs := []forecast.Request{{Sequence: "a", Body: body}, {Sequence: "a", Body: body}, {Sequence: "b", Body: body}, {Sequence: "a", Account: "x", Body: body}}
	out, _, err := salted(reqs)
	if err != nil {
		t.Fatal(err)
	}
	same := func(i, j int) bool { return bytes.Equal(out[i].Body, out[j].Body) }
	if !same(0, 1) || same(0, 2) || same(0, 3) || same(2, 3) {
		t.Errorf("salted bodies: %s | %s | %s | %s", out[0].Body, out[1].Body, out[2].Body, out[3].Body)
	}
	if string(reqs[0].Body) != string(body) {
		t.Errorf("the input was changed: %s", reqs[0].Body)
	}
}

// TestTargetEmulatorMovesTheClock sends one request three times: at 10:00,
// without a time (taken to come right after the one before), and six
// minutes after the first. The emulator target moves its clock by the gap
// since the last timed request, so the third call finds its 5-minute entry
// expired, as predicted (ttl-expiry).
func TestTargetEmulatorMovesTheClock(t *testing.T) {
	data, err := os.ReadFile(exampleLog("timestamp-in-system"))
	if err != nil {
		t.Fatal(err)
	}
	var line map[string]json.RawMessage
	if err := json.Unmarshal(bytes.SplitN(data, []byte("\n"), 2)[0], &line); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	for _, at := range []string{`"2026-11-25T10:00:00Z"`, "", `"2026-11-25T10:06:00Z"`} {
		delete(line, "time")
		if at != "" {
			line["time"] = json.RawMessage(at)
		}
		b, _ := json.Marshal(line)
		log.Write(append(b, '\n'))
	}
	path := filepath.Join(t.TempDir(), "expiry.jsonl")
	if err := os.WriteFile(path, log.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	r, code, stderr := checkTarget(t, "--target", "emulator", path)
	if r == nil || r.Target == nil {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got := r.findings("ttl-expiry"); len(got) != 1 {
		t.Fatalf("predicted %d TTL expiries, want 1 (the third request): %+v", len(got), r.Findings)
	}
	for _, d := range r.Target.Disagreements {
		t.Errorf("%s: %s", d.Rule, d.Message)
	}
	if third := r.Target.Requests[2].Observed; third.Read != 0 || third.Written == 0 {
		t.Errorf("the third request read %d and wrote %d: want the expired entry written again", third.Read, third.Written)
	}
}

// TestTargetBearerToken checks that AWS_BEARER_TOKEN_BEDROCK is sent as
// "Authorization: Bearer …" in place of a SigV4 signature.
func TestTargetBearerToken(t *testing.T) {
	var auth atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
		w.Header().Set("X-Amzn-ErrorType", "ValidationException")
		w.WriteHeader(http.StatusBadRequest)
	}))
	defer srv.Close()
	awsEnv(t, srv.URL)
	t.Setenv(env.BearerToken, "ABSKexample")
	checkTarget(t, "--target", "aws", "--max-usd", "1", exampleLog("under-minimum"))
	if got, _ := auth.Load().(string); got != "Bearer ABSKexample" {
		t.Errorf("Authorization %q: want the bearer token", got)
	}
}

// TestTargetGivesUpOnThrottling checks that a target that throttles every
// attempt is reported (exit 2, naming the request and the throttle) once
// the SDK's retryer gives up, instead of being taken for a disagreement.
func TestTargetGivesUpOnThrottling(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("X-Amzn-ErrorType", "ThrottlingException")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte(`{"message":"Too many requests, please wait before trying again."}`))
	}))
	defer srv.Close()
	awsEnv(t, srv.URL)
	_, code, stderr := checkTarget(t, "--target", "aws", "--max-usd", "1", exampleLog("under-minimum"))
	if code != exitUsage || !strings.Contains(stderr, "under-minimum.jsonl:1: still throttled after 3 attempts") {
		t.Errorf("exit %d, stderr %q: want exit %d naming the throttled request", code, stderr, exitUsage)
	}
	if got := n.Load(); got != 3 {
		t.Errorf("%d attempts: want the standard retryer's 3", got)
	}
}

// exampleLogs returns the paths of the example request logs (examples/
// also holds a team suite's cassettes, which are not part of them).
func exampleLogs() []string {
	out := make([]string, len(examples))
	for i, e := range examples {
		out[i] = e.path()
	}
	return out
}
