package capture_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"

	"github.com/cachecascade/cachecascade/capture"
	"github.com/cachecascade/cachecascade/forecast"
)

// lineWriter is an io.Writer that keeps each Write apart and checks that
// it is exactly one line.
type lineWriter struct {
	mu    sync.Mutex
	lines [][]byte
	bad   []string
}

// Write keeps p as one line.
func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if bytes.IndexByte(p, '\n') != len(p)-1 {
		w.bad = append(w.bad, fmt.Sprintf("a Write of %d bytes is not one line ending in a newline: %.80q", len(p), p))
	}
	w.lines = append(w.lines, bytes.Clone(p))
	return len(p), nil
}

// log returns everything written.
func (w *lineWriter) log() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Join(w.lines, nil)
}

// prettyBody is an InvokeModel body as a program that indents its JSON
// sends it: line breaks, which a log line cannot embed as they are, and a
// trailing newline.
func prettyBody(tag string) []byte {
	var v any
	if err := json.Unmarshal(anthropicBody(tag, "Pretty?"), &v); err != nil {
		panic(err)
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

// TestRoundTrip sends every logged operation through a client with capture
// against the emulator, twice, and checks that forecast reads back each
// request exactly as the emulator received it (model, operation and body,
// byte for byte), with the account label and a time, and nothing of the
// request's credentials; and that check predicts the cache's write then
// reads.
func TestRoundTrip(t *testing.T) {
	srv := startEmulator(t)
	w := &lineWriter{}
	log := capture.New(w, capture.Config{Account: "team-a", OnError: func(err error) { t.Errorf("OnError: %v", err) }})
	tp := &tap{}
	c := newClient(srv, tp, log.Option)
	ctx := context.Background()
	for range 2 {
		if err := callAll(ctx, c, "roundtrip"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{ModelId: aws.String(sonnet),
		ContentType: aws.String("application/json"), Body: prettyBody("pretty")}); err != nil {
		t.Fatal(err)
	}
	for _, b := range w.bad {
		t.Error(b)
	}
	data := w.log()
	reqs, err := forecast.ParseLog(data, "captured.jsonl")
	if err != nil {
		t.Fatalf("forecast.ParseLog: %v", err)
	}
	sent := tp.requests()
	if len(reqs) != len(sent) || len(sent) != 9 {
		t.Fatalf("the log has %d requests, the emulator received %d; want 9 each", len(reqs), len(sent))
	}
	for i, r := range reqs {
		s := sent[i]
		if !bytes.Equal(r.Body, s.body) {
			t.Errorf("%s: logged body differs from the body sent:\nlogged %.200q\nsent   %.200q", r.Source, r.Body, s.body)
		}
		if string(r.Operation) != pathOperation(s.path) || r.ModelID != pathModel(s.path) {
			t.Errorf("%s: logged %s %s, sent %s", r.Source, r.Operation, r.ModelID, s.path)
		}
		if r.Account != "team-a" || r.Time.IsZero() {
			t.Errorf("%s: account %q, time %v; want team-a and a time", r.Source, r.Account, r.Time)
		}
	}
	if !bytes.Contains(data, []byte(`"body":"{\n  \"anthropic_version\"`)) {
		t.Errorf("the indented body is not logged as a string:\n%.300s", data[bytes.LastIndexByte(data[:len(data)-1], '\n')+1:])
	}
	for _, secret := range []string{emulatorKey, emulatorSecret, "Authorization", "X-Amz", "127.0.0.1", "Signature"} {
		if bytes.Contains(bytes.ToLower(data), bytes.ToLower([]byte(secret))) {
			t.Errorf("the log holds %q", secret)
		}
	}
	checkPredictsReads(t, reqs[:8])
}

// checkPredictsReads checks that forecast predicts a write for the first
// request's checkpoint and a hit for each request of the second round.
func checkPredictsReads(t *testing.T, reqs []forecast.Request) {
	t.Helper()
	rep, err := forecast.Check(reqs, forecast.Options{})
	if err != nil {
		t.Fatal(err)
	}
	outcome := func(i int) forecast.Outcome {
		if cps := rep.Requests[i].Checkpoints; len(cps) == 1 {
			return cps[0].Outcome
		}
		return forecast.Outcome(fmt.Sprintf("%d checkpoints", len(rep.Requests[i].Checkpoints)))
	}
	if o := outcome(0); o != forecast.Write {
		t.Errorf("%s: predicted %s, want %s", rep.Requests[0].Source, o, forecast.Write)
	}
	for i := len(reqs) / 2; i < len(reqs); i++ {
		if o := outcome(i); o != forecast.Hit {
			t.Errorf("%s (%s, repeated): predicted %s, want %s", rep.Requests[i].Source, rep.Requests[i].Operation, o, forecast.Hit)
		}
	}
}

// failWriter fails every Write.
type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	f.n++
	return len(p) / 2, errors.New("disk full")
}

// TestNeverFailsARequest sends requests capture cannot log, or cannot
// write, and checks that each is sent as the caller made it and succeeds
// or fails as it would without capture, while the reason reaches OnError
// and Err and the log gets no broken line.
func TestNeverFailsARequest(t *testing.T) {
	invoke := func(body []byte) func(context.Context, *bedrockruntime.Client) error {
		return func(ctx context.Context, c *bedrockruntime.Client) error {
			_, err := c.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{ModelId: aws.String(sonnet), ContentType: aws.String("application/json"), Body: body})
			return err
		}
	}
	converse := func(ctx context.Context, c *bedrockruntime.Client) error {
		_, err := c.Converse(ctx, converseInput("never-fails", "Hi"))
		return err
	}
	countTokens := func(ctx context.Context, c *bedrockruntime.Client) error {
		_, err := c.CountTokens(ctx, &bedrockruntime.CountTokensInput{ModelId: aws.String("anthropic.claude-sonnet-4-5-20250929-v1:0"),
			Input: &types.CountTokensInputMemberConverse{Value: types.ConverseTokensRequest{Messages: converseInput("count", "Hi").Messages}}})
		return err
	}
	cases := []struct {
		name    string
		call    func(context.Context, *bedrockruntime.Client) error
		writer  func() *failWriter // nil: a good writer
		close   bool               // close the logger first
		wantErr error              // what OnError gets; nil: nothing
		lines   int
	}{
		{name: "text body", call: invoke([]byte("hello, model")), wantErr: capture.ErrNotJSON},
		{name: "array body", call: invoke([]byte(`[{"role":"user"}]`)), wantErr: capture.ErrNotJSON},
		{name: "invalid UTF-8", call: invoke([]byte("{\"prompt\":\"\xff\"}")), wantErr: capture.ErrNotJSON},
		{name: "count tokens", call: countTokens},
		{name: "write fails", call: converse, writer: func() *failWriter { return &failWriter{} }, wantErr: errors.New("disk full")},
		{name: "closed", call: converse, close: true, wantErr: capture.ErrClosed},
		{name: "good", call: converse, lines: 1},
	}
	srv := startEmulator(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []error
			cfg := capture.Config{OnError: func(err error) { got = append(got, err) }}
			lw := &lineWriter{}
			log := capture.New(lw, cfg)
			if tc.writer != nil {
				log = capture.New(tc.writer(), cfg)
			}
			if tc.close {
				log.Close()
			}
			withCapture, without := &tap{}, &tap{}
			errWith := tc.call(context.Background(), newClient(srv, withCapture, log.Option))
			errWithout := tc.call(context.Background(), newClient(srv, without))
			if apiError(errWith) != apiError(errWithout) {
				t.Errorf("with capture the call returned %v, without %v", errWith, errWithout)
			}
			w, wo := withCapture.requests(), without.requests()
			if len(w) != 1 || len(wo) != 1 || !bytes.Equal(w[0].body, wo[0].body) {
				t.Errorf("with capture the wire carried %q, without %q", w, wo)
			}
			checkReported(t, got, log, tc.wantErr)
			if n := len(lw.lines); n != tc.lines {
				t.Errorf("the log has %d lines, want %d", n, tc.lines)
			}
		})
	}
}

// apiError describes a call's outcome without its request ID: "" for
// success, the service's error code and message, or the error.
func apiError(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	return fmt.Sprint(err)
}

// checkReported checks what OnError got and what Err and Skipped say.
func checkReported(t *testing.T, got []error, log *capture.Logger, want error) {
	t.Helper()
	if want == nil {
		if len(got) > 0 || log.Err() != nil || log.Skipped() != 0 {
			t.Errorf("OnError got %v, Err %v, Skipped %d; want nothing", got, log.Err(), log.Skipped())
		}
		return
	}
	if len(got) != 1 || log.Skipped() != 1 || log.Err() != got[0] {
		t.Fatalf("OnError got %v, Err %v, Skipped %d; want one error, kept", got, log.Err(), log.Skipped())
	}
	if !errors.Is(got[0], want) && !strings.Contains(got[0].Error(), want.Error()) {
		t.Errorf("OnError got %q, want it to wrap %q", got[0], want)
	}
	if !strings.HasPrefix(got[0].Error(), "capture: ") {
		t.Errorf("error %q does not say it is capture's", got[0])
	}
}

// TestStopsAfterAFailedWrite checks that after a write fails (which may
// have written part of a line), nothing more is written, so a torn line
// can only be the last, and each request left out is reported.
func TestStopsAfterAFailedWrite(t *testing.T) {
	srv := startEmulator(t)
	fw := &failWriter{}
	var got []error
	log := capture.New(fw, capture.Config{OnError: func(err error) { got = append(got, err) }})
	c := newClient(srv, &tap{}, log.Option)
	for range 3 {
		if _, err := c.Converse(context.Background(), converseInput("stops", "Hi")); err != nil {
			t.Fatal(err)
		}
	}
	if fw.n != 1 || len(got) != 3 || log.Skipped() != 3 {
		t.Errorf("%d writes, %d errors, %d skipped; want 1 write, 3 errors, 3 skipped: %v", fw.n, len(got), log.Skipped(), got)
	}
}

// TestInstalledTwiceLogsOnce installs one Logger on the client and again
// on a call: the call succeeds and is logged once.
func TestInstalledTwiceLogsOnce(t *testing.T) {
	srv := startEmulator(t)
	lw := &lineWriter{}
	log := capture.New(lw, capture.Config{})
	c := newClient(srv, &tap{}, log.Option)
	if _, err := c.Converse(context.Background(), converseInput("twice", "Hi"), log.Option); err != nil {
		t.Fatal(err)
	}
	if len(lw.lines) != 1 {
		t.Errorf("%d lines, want 1", len(lw.lines))
	}
	other := &lineWriter{}
	if _, err := c.Converse(context.Background(), converseInput("twice", "Hi"), capture.New(other, capture.Config{}).Option); err != nil {
		t.Fatal(err)
	}
	if len(lw.lines) != 2 || len(other.lines) != 1 {
		t.Errorf("with a second Logger on the call: %d and %d lines, want 2 and 1", len(lw.lines), len(other.lines))
	}
}

// throttleOdd is an http.RoundTripper that answers every other request
// (the first, the third, ...) with 429 ThrottlingException, which the SDK
// retries, and sends the others.
type throttleOdd struct {
	base http.RoundTripper
	mu   sync.Mutex
	n    int
}

// RoundTrip throttles or sends r.
func (th *throttleOdd) RoundTrip(r *http.Request) (*http.Response, error) {
	th.mu.Lock()
	th.n++
	odd := th.n%2 == 1
	th.mu.Unlock()
	if !odd {
		return th.base.RoundTrip(r)
	}
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	h := http.Header{"Content-Type": {"application/json"}, "X-Amzn-Errortype": {"ThrottlingException"}}
	return &http.Response{StatusCode: http.StatusTooManyRequests, Status: "429 Too Many Requests", Header: h, Request: r,
		Body: io.NopCloser(strings.NewReader(`{"message":"Too many requests, please wait before trying again."}`))}, nil
}

// TestLoggedOncePerCall sends calls whose first attempt is throttled
// through a client with the SDK's standard retryer: each call is logged
// once, and the retry that reaches the emulator carries the logged body
// (the body was rewound after capture read it).
func TestLoggedOncePerCall(t *testing.T) {
	srv := startEmulator(t)
	lw := &lineWriter{}
	log := capture.New(lw, capture.Config{OnError: func(err error) { t.Errorf("OnError: %v", err) }})
	tp := &tap{}
	retries := func(o *bedrockruntime.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			so.RateLimiter = ratelimit.None
		})
		tp.base = &throttleOdd{base: tp.base} // behind the tap, which sees every attempt
	}
	c := newClient(srv, tp, log.Option, retries)
	if err := callAll(context.Background(), c, "retried"); err != nil {
		t.Fatal(err)
	}
	reqs, err := forecast.ParseLog(lw.log(), "retried.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	sent := tp.requests()
	if len(reqs) != 4 || len(sent) != 8 {
		t.Fatalf("%d lines for %d attempts; want 4 lines for 8 attempts", len(reqs), len(sent))
	}
	for i, r := range reqs {
		if !bytes.Equal(r.Body, sent[2*i].body) || !bytes.Equal(r.Body, sent[2*i+1].body) {
			t.Errorf("%s: the attempts carried other bodies than the one logged", r.Source)
		}
	}
}

// TestConfig checks the account label and the clock a Config gives: the
// log's time is the clock's, in UTC with milliseconds, and an empty label
// leaves "account" out.
func TestConfig(t *testing.T) {
	srv := startEmulator(t)
	at := time.Date(2026, 11, 25, 11, 0, 1, 250_600_000, time.FixedZone("CET", 3600))
	for _, account := range []string{"", "eu-prod"} {
		lw := &lineWriter{}
		log := capture.New(lw, capture.Config{Account: account, Now: func() time.Time { return at }})
		if _, err := newClient(srv, &tap{}, log.Option).Converse(context.Background(), converseInput("config", "Hi")); err != nil {
			t.Fatal(err)
		}
		line := string(lw.log())
		if !strings.Contains(line, `"time":"2026-11-25T10:00:01.250Z"`) {
			t.Errorf("the line does not hold the clock's time in UTC with milliseconds: %.80s…", line[strings.Index(line, `"time"`):])
		}
		if got := strings.Contains(line, `"account"`); got != (account != "") {
			t.Errorf("account %q: the line holds \"account\": %v", account, got)
		}
	}
}
