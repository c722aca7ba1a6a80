package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"
)

// plan1 is a plan of one group with the given call IDs.
func plan1(ids ...string) []planGroup {
	g := planGroup{Name: groupSigV4, Env: map[string]string{"AWS_REGION": region}}
	for _, id := range ids {
		g.Calls = append(g.Calls, call{ID: id, Op: opConverse, Group: groupSigV4})
	}
	return []planGroup{g}
}

// TestRunDriverKillsAHungDriver: a driver that answers one call and hangs
// is killed at the timeout, with its children; the answered call keeps its
// outcome and the others say the driver timed out.
func TestRunDriverKillsAHungDriver(t *testing.T) {
	script := `echo '{"id":"a","ok":true,"status":200}'; sleep 60 & wait`
	start := time.Now()
	outs, timedOut, err := runDriver(context.Background(), []string{"sh", "-c", script, "sh"}, baseEnv(), t.TempDir(), plan1("a", "b"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !timedOut {
		t.Error("Expected the driver to time out")
	}
	if waited := time.Since(start); waited > 30*time.Second {
		t.Errorf("Expected the hung driver and its child to be killed, waited %s", waited)
	}
	if !outs[0].OK || outs[0].Missing != "" {
		t.Errorf("Expected call a's answer to be kept, got %s", outs[0].describe())
	}
	if want := "driver timed out after 1s and was killed"; !strings.Contains(outs[1].Missing, want) {
		t.Errorf("Expected call b to say %q, got %q", want, outs[1].describe())
	}
}

// TestRunDriverReportsACrash: a driver that dies names its exit and its
// last words on every unanswered call; lines that are no outcome are
// ignored.
func TestRunDriverReportsACrash(t *testing.T) {
	script := `echo 'not json'; echo 'Traceback: boom' >&2; exit 3`
	outs, timedOut, err := runDriver(context.Background(), []string{"sh", "-c", script, "sh"}, baseEnv(), t.TempDir(), plan1("a"), 10*time.Second)
	if err != nil || timedOut {
		t.Fatalf("runDriver: timed out %v, err %v", timedOut, err)
	}
	if got := outs[0].Missing; !strings.Contains(got, "exit status 3") || !strings.Contains(got, "Traceback: boom") {
		t.Errorf("Expected the crash's exit status and stderr, got %q", got)
	}
}

// TestRunDriverPassesThePlan: the driver receives the plan's path last
// and its answers come back in plan order.
func TestRunDriverPassesThePlan(t *testing.T) {
	script := `grep -q '"id":"second"' "$1" && echo '{"id":"second","ok":false,"status":400,"code":"ValidationException","message":"m"}' && echo '{"id":"first","unsupported":"client has no such command"}'`
	outs, _, err := runDriver(context.Background(), []string{"sh", "-c", script, "sh"}, baseEnv(), t.TempDir(), plan1("first", "second"), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if outs[0].ID != "first" || outs[0].Unsupported == "" || outs[1].ID != "second" || outs[1].Code != "ValidationException" {
		t.Errorf("Expected first (unsupported), second (ValidationException); got %+v", outs)
	}
}

// TestBaseEnvDropsDeveloperSettings: the caller's AWS_ variables and
// Node's CA setting never reach a driver.
func TestBaseEnvDropsDeveloperSettings(t *testing.T) {
	t.Setenv("AWS_PROFILE", "production")
	t.Setenv("AWS_BEARER_TOKEN_BEDROCK", "ABSKreal")
	t.Setenv("NODE_EXTRA_CA_CERTS", "/etc/corp.pem")
	for _, kv := range baseEnv("NODE_EXTRA_CA_CERTS=/tmp/ca.pem") {
		if strings.HasPrefix(kv, "AWS_") || kv == "NODE_EXTRA_CA_CERTS=/etc/corp.pem" {
			t.Errorf("Expected %q to be dropped", kv)
		}
	}
}

// TestGroupVars: each group reaches the right emulator with the right
// identity.
func TestGroupVars(t *testing.T) {
	c := credentials{AccessKeyID: "AKIDX", Secret: "s", ShortTermKey: "bedrock-api-key-x", LongTermKey: "ABSKx", ForgedKey: "bedrock-api-key-y"}
	plain, tls := target{URL: "http://h"}, target{URL: "https://t", CABundle: "/ca.pem"}
	cases := []struct {
		g    group
		want map[string]string
		none []string
	}{
		{groupSigV4, map[string]string{"AWS_ENDPOINT_URL_BEDROCK_RUNTIME": "http://h", "AWS_ACCESS_KEY_ID": "AKIDX", "AWS_SECRET_ACCESS_KEY": "s", "AWS_REGION": region}, []string{"AWS_BEARER_TOKEN_BEDROCK", "AWS_CA_BUNDLE"}},
		{groupWrongSecret, map[string]string{"AWS_ACCESS_KEY_ID": "AKIDX", "AWS_SECRET_ACCESS_KEY": "s0"}, nil},
		{groupWrongRegion, map[string]string{"AWS_REGION": wrongRegion, "AWS_DEFAULT_REGION": wrongRegion, "AWS_SECRET_ACCESS_KEY": "s"}, nil},
		{groupBearerA, map[string]string{"AWS_ENDPOINT_URL_BEDROCK_RUNTIME": "https://t", "AWS_CA_BUNDLE": "/ca.pem", "AWS_BEARER_TOKEN_BEDROCK": "bedrock-api-key-x"}, []string{"AWS_ACCESS_KEY_ID"}},
		{groupBearerB, map[string]string{"AWS_BEARER_TOKEN_BEDROCK": "ABSKx"}, []string{"AWS_ACCESS_KEY_ID"}},
		{groupBearerForged, map[string]string{"AWS_BEARER_TOKEN_BEDROCK": "bedrock-api-key-y"}, nil},
		{groupBearerMalformed, map[string]string{"AWS_BEARER_TOKEN_BEDROCK": "not-a-bedrock-api-key"}, nil},
	}
	for _, tc := range cases {
		v := groupVars(tc.g, c, plain, tls)
		for k, want := range tc.want {
			if v[k] != want {
				t.Errorf("%s: %s = %q, want %q", tc.g, k, v[k], want)
			}
		}
		for _, k := range tc.none {
			if _, ok := v[k]; ok {
				t.Errorf("%s: %s is set, want unset", tc.g, k)
			}
		}
	}
}

// TestShortTermKeyShape: a short-term key is what the token generators
// mint: the prefix, then the base64 of a presigned CallWithBearerToken URL
// for bedrock.amazonaws.com scoped to the region and service bedrock,
// valid 12 hours, with &Version=1; another secret signs differently.
func TestShortTermKeyShape(t *testing.T) {
	at := time.Date(2026, 11, 26, 1, 2, 3, 0, time.UTC)
	key, err := shortTermKey("AKIDX", "secret", region, at)
	if err != nil {
		t.Fatal(err)
	}
	enc, ok := strings.CutPrefix(key, "bedrock-api-key-")
	if !ok {
		t.Fatalf("Expected the bedrock-api-key- prefix, got %q", key)
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(raw), "bedrock.amazonaws.com/?") || !strings.HasSuffix(string(raw), "&Version=1") {
		t.Fatalf("Expected bedrock.amazonaws.com/?...&Version=1, got %q", raw)
	}
	u, err := url.Parse("https://" + string(raw))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	want := map[string]string{
		"Action": "CallWithBearerToken", "X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Expires": "43200",
		"X-Amz-Credential": "AKIDX/20261126/us-east-1/bedrock/aws4_request", "X-Amz-Date": "20261126T010203Z", "X-Amz-SignedHeaders": "host",
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	forged, err := shortTermKey("AKIDX", "other", region, at)
	if err != nil {
		t.Fatal(err)
	}
	if forged == key {
		t.Error("Expected a different secret to sign a different key")
	}
	long := longTermKey("BedrockAPIKey-ab", "123456789012", "s")
	if b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(long, "ABSK")); err != nil || !strings.HasPrefix(long, "ABSK") || string(b) != "BedrockAPIKey-ab-at-123456789012:s" {
		t.Errorf("long-term key %q decodes to %q (%v)", long, b, err)
	}
}

// TestParseExport reads the emulator's shell lines.
func TestParseExport(t *testing.T) {
	cases := []struct{ line, name, value string }{
		{"export AWS_ENDPOINT_URL_BEDROCK_RUNTIME=http://127.0.0.1:1234", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "http://127.0.0.1:1234"},
		{"export AWS_CA_BUNDLE='/tmp/x y/ca.pem'", "AWS_CA_BUNDLE", "/tmp/x y/ca.pem"},
		{`  export AWS_CA_BUNDLE="/tmp/ca.pem"`, "AWS_CA_BUNDLE", "/tmp/ca.pem"},
	}
	for _, c := range cases {
		n, v, ok := parseExport(c.line)
		if !ok || n != c.name || v != c.value {
			t.Errorf("parseExport(%q) = %q, %q, %v; want %q, %q", c.line, n, v, ok, c.name, c.value)
		}
	}
	for _, bad := range []string{"bedrock-emulator: serving", "export =x", "AWS_REGION=x"} {
		if _, _, ok := parseExport(bad); ok {
			t.Errorf("parseExport(%q) accepted a line that is no export", bad)
		}
	}
}

// TestRender: the table shows pass, FAIL with a numbered reason and n/a
// with the client's reason; the summary folds each operation's checks; a
// failure makes render report it.
func TestRender(t *testing.T) {
	conv := check{Op: opConverse, Name: "cache write then read"}
	stream := check{Op: opConverseStream, Name: "cache write then read"}
	results := [][]result{
		{{check: conv, verdict: "pass"}, {check: stream, verdict: "FAIL", reason: "stream-prime: no HTTP answer: Protocol error"}},
		{{check: conv, verdict: "pass"}, {check: stream, verdict: "n/a", reason: "client has no such command"}},
	}
	var b bytes.Buffer
	if !render(&b, []string{"js-sdk-v3", "aws-cli"}, results) {
		t.Error("Expected render to report the failure")
	}
	out := b.String()
	for _, want := range []string{
		"FAIL [1]: stream-prime: no HTTP answer: Protocol …",
		"n/a (client has no such command)",
		"[1] js-sdk-v3, ConverseStream cache write then read: stream-prime: no HTTP answer: Protocol error",
		"js-sdk-v3  pass      FAIL 1/1",
		"aws-cli    pass      n/a",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Expected the table to contain %q:\n%s", want, out)
		}
	}
	b.Reset()
	if render(&b, []string{"boto3"}, [][]result{{{check: conv, verdict: "pass"}}}) {
		t.Error("Expected no failure to be reported")
	}
}
