package capture_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cachecascade/cachecascade/capture"
	"github.com/cachecascade/cachecascade/emulator"
	"github.com/cachecascade/cachecascade/forecast"
)

// examples is the directory of the boto3 and JavaScript examples.
var examples = filepath.Join("..", "examples", "capture")

// bodyTap is an http.Handler that throttles every other request it
// receives (the first, the third, ...), so that each call of a client
// that calls one at a time is retried once, and hands the others to the
// emulator, keeping the path and body of those as received.
type bodyTap struct {
	tap
	next      http.Handler
	protos    []string // each request's protocol, "HTTP/2.0" or "HTTP/1.1"
	n         int
	throttled [][]byte // the bodies of the requests throttled
}

// ServeHTTP throttles the request or records it and serves it.
func (b *bodyTap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	b.mu.Lock()
	b.n++
	b.protos = append(b.protos, r.Proto)
	if b.n%2 == 1 {
		b.throttled = append(b.throttled, body)
		b.mu.Unlock()
		throttle(w)
		return
	}
	b.seen = append(b.seen, wire{r.URL.EscapedPath(), body})
	b.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	b.next.ServeHTTP(w, r)
}

// throttle answers 429 ThrottlingException, which every SDK retries.
func throttle(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/")
	w.WriteHeader(http.StatusTooManyRequests)
	io.WriteString(w, `{"message":"Too many requests, please wait before trying again."}`)
}

// serveForeign serves a fresh emulator behind a bodyTap, speaking the
// emulator's protocols (cleartext HTTP/2 with prior knowledge among them,
// which is how the JavaScript SDK's default handler talks to an http://
// endpoint), and returns its URL.
func serveForeign(t *testing.T) (string, *bodyTap) {
	t.Helper()
	emu, err := emulator.New(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bt := &bodyTap{next: emu}
	srv := &http.Server{Handler: bt, Protocols: emulator.Protocols(), ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String(), bt
}

// foreignEnv is the environment of a foreign client: the emulator's
// endpoint, region and credentials, and no AWS setting of the developer's.
func foreignEnv(url string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env, "AWS_ENDPOINT_URL_BEDROCK_RUNTIME="+url, "AWS_REGION="+emulatorRegion, "AWS_DEFAULT_REGION="+emulatorRegion,
		"AWS_ACCESS_KEY_ID="+emulatorKey, "AWS_SECRET_ACCESS_KEY="+emulatorSecret,
		"AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull, "AWS_EC2_METADATA_DISABLED=true",
		"PYTHONDONTWRITEBYTECODE=1")
}

// TestBoto3Example runs examples/capture/capture_boto3.py against the
// emulator and checks its log (see checkForeignLog).
func TestBoto3Example(t *testing.T) {
	t.Parallel() // each runs its own emulator and programs
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: the boto3 example is not checked")
	}
	if out, err := exec.Command(py, "-c", "import boto3").CombinedOutput(); err != nil {
		t.Skipf("boto3 is not installed (pip install boto3): the boto3 example is not checked: %s", out)
	}
	runForeign(t, examples, py, "capture_boto3.py")
}

// TestJavaScriptExample runs examples/capture/capture.mjs, with the AWS SDK
// for JavaScript v3 and its default (HTTP/2) request handler, against the
// emulator and checks its log (see checkForeignLog).
func TestJavaScriptExample(t *testing.T) {
	t.Parallel() // each runs its own emulator and programs
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the JavaScript example is not checked")
	}
	bt := runForeign(t, jsDir(t), node, "--no-warnings", "capture.mjs")
	for i, p := range bt.protos {
		if p != "HTTP/2.0" {
			t.Errorf("request %d came over %s; the JavaScript SDK's default handler speaks HTTP/2", i, p)
		}
	}
}

// sdkPath is where a node_modules directory holds the JavaScript SDK.
var sdkPath = filepath.Join("@aws-sdk", "client-bedrock-runtime")

// jsDir returns the directory to run capture.mjs in: examples/capture when
// `npm ci --prefix examples/capture` installed the SDK there; else, when
// scripts/conformance installed the same SDK in conformance/node_modules,
// a temporary directory holding a copy of capture.mjs and a link to that
// node_modules (ES modules resolve packages from the importing file's
// directory; NODE_PATH does not apply).
func jsDir(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(examples, "node_modules", sdkPath)); err == nil {
		return examples
	}
	modules, err := filepath.Abs(filepath.Join("..", "conformance", "node_modules"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(modules, sdkPath)); err != nil {
		t.Skip("the JavaScript SDK is not installed: run `npm ci --prefix examples/capture` to check the JavaScript example")
	}
	src, err := os.ReadFile(filepath.Join(examples, "capture.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "capture.mjs"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(modules, filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	t.Logf("examples/capture/node_modules is not installed: running capture.mjs with the SDK in %s", modules)
	return dir
}

// runForeign runs an example's demo in dir against the emulator, checks
// the log it writes and returns what the emulator received.
func runForeign(t *testing.T, dir, prog string, args ...string) *bodyTap {
	url, bt := serveForeign(t)
	log := filepath.Join(t.TempDir(), "requests.jsonl")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, append(args, log)...)
	cmd.Dir = dir
	cmd.Env = foreignEnv(url)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", prog, strings.Join(args, " "), err, stderr.String())
	}
	if n := strings.Count(stderr.String(), "sent, not logged"); n != 1 {
		t.Errorf("the demo reported %d requests not logged, want 1 (the InvokeModel whose body is not JSON):\n%s", n, stderr.String())
	}
	checkForeignLog(t, log, bt.requests())
	if sent := bt.requests(); len(bt.throttled) != len(sent) {
		t.Errorf("%d requests throttled, %d answered: some call was not retried", len(bt.throttled), len(sent))
	} else {
		for i, w := range sent {
			if !bytes.Equal(bt.throttled[i], w.body) {
				t.Errorf("call %d: the retry sent another body", i)
			}
		}
	}
	return bt
}

// checkForeignLog checks a demo's log against what the emulator received
// (one request a call, its first attempt throttled):
// forecast reads every line; it holds the demo's Converse (twice),
// ConverseStream, InvokeModel and InvokeModelWithResponseStream requests,
// in order, each with the model ID and the body byte for byte as received
// (the stream's body is indented JSON, logged as a string), and neither
// the CountTokens request nor the InvokeModel whose body is not JSON;
// nothing of the credentials; and check predicts a cache write for the
// first Converse and a read for the repeat.
func checkForeignLog(t *testing.T, path string, received []wire) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := forecast.ParseLog(data, filepath.Base(path))
	if err != nil {
		t.Fatalf("forecast.ParseLog: %v\n%s", err, data)
	}
	var want []wire
	for _, w := range received {
		if op := pathOperation(w.path); op != "count-tokens" && string(w.body) != "not json" {
			want = append(want, w)
		}
	}
	var ops []string
	for _, r := range reqs {
		ops = append(ops, string(r.Operation))
	}
	if wantOps := []string{"converse", "converse", "converse-stream", "invoke", "invoke-with-response-stream"}; !slices.Equal(ops, wantOps) || len(want) != len(reqs) {
		t.Fatalf("the log holds %v, want %v (the emulator received %d such requests)", ops, wantOps, len(want))
	}
	for i, r := range reqs {
		if !bytes.Equal(r.Body, want[i].body) || r.ModelID != pathModel(want[i].path) || string(r.Operation) != pathOperation(want[i].path) {
			t.Errorf("%s: logged %s %s %.120q; received %s %.120q", r.Source, r.Operation, r.ModelID, r.Body, want[i].path, want[i].body)
		}
		if r.Account != "demo" || r.Time.IsZero() {
			t.Errorf("%s: account %q, time %v; want demo and a time", r.Source, r.Account, r.Time)
		}
	}
	for _, secret := range []string{emulatorKey, emulatorSecret, "authorization", "x-amz", "127.0.0.1"} {
		if bytes.Contains(bytes.ToLower(data), bytes.ToLower([]byte(secret))) {
			t.Errorf("the log holds %q", secret)
		}
	}
	predictWriteThenRead(t, reqs[:2])
}

// predictWriteThenRead checks that forecast predicts a write for the first
// request's one checkpoint and a hit for the second's.
func predictWriteThenRead(t *testing.T, reqs []forecast.Request) {
	t.Helper()
	rep, err := forecast.Check(reqs, forecast.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []forecast.Outcome
	for _, r := range rep.Requests {
		for _, c := range r.Checkpoints {
			got = append(got, c.Outcome)
		}
	}
	if want := []forecast.Outcome{forecast.Write, forecast.Hit}; !slices.Equal(got, want) {
		t.Errorf("check predicts %v for the repeated Converse request, want %v", got, want)
	}
	if f := rep.Failing(nil); len(f) > 0 {
		t.Errorf("check fails the log: %v", f)
	}
}

// writerCase is one request for TestWritersAgree.
type writerCase struct {
	ModelID string `json:"modelId"`
	Op      string `json:"op"`
	Body    []byte `json:"body"` // base64 in JSON, so any bytes travel
	Account string `json:"account"`
}

// writerCases are bodies on every path of the writers: embedded as they
// are, or as a string (line breaks, space around them), characters JSON
// encoders escape differently, ARNs, and bodies none may log.
var writerCases = []writerCase{
	{sonnet, "converse", []byte(`{"messages":[{"role":"user","content":[{"text":"Hi"}]}]}`), "prod"},
	{sonnet, "invoke", []byte("{\n  \"max_tokens\": 64,\n  \"system\": \"policy\"\n}\n"), ""},
	{sonnet, "invoke", []byte(` {"a":1}`), ""},
	{sonnet, "invoke", []byte("{\"a\":\r\n1}"), ""},
	{sonnet, "converse-stream", []byte("{\"text\":\"caf\u00e9 \U0001F600 \u2028 <b>&amp;</b> \\u0001 \\\"q\\\" \\\\\"}"), "équipe"},
	{sonnet, "invoke", []byte("{\"t\":\"tab\there\"}"), ""},
	{"arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/p1", "invoke-with-response-stream",
		[]byte(`{"guardrail":"arn:aws:bedrock:us-east-1:123456789012:guardrail/g","n":1e400,"k":1,"k":2}`), ""},
	{sonnet, "invoke", []byte("{\"p\":\"\xff\"}"), ""},
	{sonnet, "invoke", []byte("not json"), ""},
	{sonnet, "invoke", []byte(`[{"role":"user"}]`), ""},
	{sonnet, "invoke", []byte(`{"x":NaN}`), ""},
	{sonnet, "invoke", []byte(""), ""},
	{sonnet, "invoke", []byte("\ufeff{}"), ""},
	{sonnet, "invoke", []byte(`{"a":1}x`), ""},
}

// writerTime is the time every writer is given in TestWritersAgree.
var writerTime = time.Date(2026, 11, 25, 10, 0, 1, 250e6, time.UTC)

// The programs that run the Python and JavaScript writers' line function
// over the cases (JSON on standard input), one output line each: the log
// line, or "ERROR" and the reason.
const (
	pyWriter = `import base64, datetime, json, sys
sys.path.insert(0, ".")
from capture_boto3 import line
when = datetime.datetime(2026, 11, 25, 10, 0, 1, 250000, tzinfo=datetime.timezone.utc)
for c in json.load(sys.stdin):
    try:
        sys.stdout.buffer.write(line(c["modelId"], c["op"], base64.b64decode(c["body"]), when, c["account"]))
    except ValueError as e:
        sys.stdout.write("ERROR " + str(e).replace("\n", " ") + "\n")
    sys.stdout.flush()
`
	jsWriter = `import { line } from "./capture.mjs";
import { readFileSync } from "node:fs";
const when = new Date("2026-11-25T10:00:01.250Z");
for (const c of JSON.parse(readFileSync(0, "utf8"))) {
  try {
    process.stdout.write(line(c.modelId, c.op, Buffer.from(c.body, "base64"), when, c.account));
  } catch (e) {
    process.stdout.write("ERROR " + e.message.replace(/\n/g, " ") + "\n");
  }
}
`
)

// TestWritersAgree runs the Go, Python and JavaScript writers on the same
// requests and checks that forecast reads the same request from each
// line (model ID, operation, body byte for byte, time, account), and that
// a body one refuses, all refuse. The lines' bytes may differ where JSON
// allows (the Go encoder escapes U+2028).
func TestWritersAgree(t *testing.T) {
	t.Parallel() // each runs its own emulator and programs
	in, err := json.Marshal(writerCases)
	if err != nil {
		t.Fatal(err)
	}
	var goLines []string
	for _, c := range writerCases {
		l, err := capture.Line(c.ModelID, c.Op, c.Body, writerTime, c.Account)
		if err != nil {
			l = []byte("ERROR " + err.Error() + "\n")
		}
		goLines = append(goLines, string(l))
	}
	writers := []struct {
		name, prog string
		args       []string
	}{
		{"python", "python3", []string{"-c", pyWriter}},
		{"javascript", "node", []string{"--no-warnings", "--input-type=module", "-e", jsWriter}},
	}
	for _, w := range writers {
		t.Run(w.name, func(t *testing.T) {
			if _, err := exec.LookPath(w.prog); err != nil {
				t.Skipf("%s is not installed: the %s writer is not checked", w.prog, w.name)
			}
			cmd := exec.Command(w.prog, w.args...)
			cmd.Dir = examples
			cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
			cmd.Stdin = bytes.NewReader(in)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s: %v\n%s", w.prog, err, stderrOf(err))
			}
			lines := strings.SplitAfter(string(out), "\n")
			if len(lines) != len(writerCases)+1 {
				t.Fatalf("%d lines for %d cases:\n%s", len(lines)-1, len(writerCases), out)
			}
			for i, c := range writerCases {
				if d := sameRequest(goLines[i], lines[i]); d != "" {
					t.Errorf("case %d (%.40q): %s\ngo:  %s%s: %s", i, c.Body, d, goLines[i], w.name, lines[i])
				}
			}
		})
	}
}

// sameRequest compares two writers' lines: both refusals, or two lines
// forecast reads as the same request; it describes any difference.
func sameRequest(a, b string) string {
	ea, eb := strings.HasPrefix(a, "ERROR"), strings.HasPrefix(b, "ERROR")
	switch {
	case ea && eb:
		return ""
	case ea != eb:
		return "one writer refused the body, the other logged it"
	}
	ra, err := forecast.ParseLog([]byte(a), "go")
	if err != nil {
		return err.Error()
	}
	rb, err := forecast.ParseLog([]byte(b), "other")
	if err != nil {
		return err.Error()
	}
	x, y := ra[0], rb[0]
	if x.ModelID != y.ModelID || x.Operation != y.Operation || !bytes.Equal(x.Body, y.Body) || !x.Time.Equal(y.Time) || x.Account != y.Account {
		return "forecast reads different requests"
	}
	return ""
}

// stderrOf returns the standard error an exec error carries.
func stderrOf(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(ee.Stderr)
	}
	return ""
}
