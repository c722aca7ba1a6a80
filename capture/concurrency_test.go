package capture_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/cachecascade/cachecascade/capture"
	"github.com/cachecascade/cachecascade/emulator"
	"github.com/cachecascade/cachecascade/forecast"
)

// TestConcurrentRequests sends requests from many goroutines through two
// clients with a Logger each and checks, under -race, that the log holds
// one whole line per request: every line parses, the bodies are those sent
// and each carries its client's account label. The Loggers write to a
// bytes.Buffer, which is not safe for concurrent use (one Logger: its lock
// is all that keeps the lines whole), or append to one file (two Loggers,
// as two clients of one process would).
func TestConcurrentRequests(t *testing.T) {
	srv := startEmulator(t)
	t.Run("one writer", func(t *testing.T) {
		var buf bytes.Buffer
		l := capture.New(&buf, capture.Config{Account: "a", OnError: func(err error) { t.Errorf("OnError: %v", err) }})
		sendConcurrently(t, srv, []*capture.Logger{l, l}, func() []byte { return buf.Bytes() }, "a", "a")
	})
	t.Run("one file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "requests.jsonl")
		var loggers []*capture.Logger
		for _, account := range []string{"a", "b"} {
			l, err := capture.Open(path, capture.Config{Account: account, OnError: func(err error) { t.Errorf("OnError: %v", err) }})
			if err != nil {
				t.Fatal(err)
			}
			loggers = append(loggers, l)
		}
		read := func() []byte {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			return data
		}
		sendConcurrently(t, srv, loggers, read, "a", "b")
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("log file mode %v (%v), want 0600: it holds the prompts", fi.Mode().Perm(), err)
		}
	})
}

// sendConcurrently sends Converse requests from 8 goroutines, half through
// a client with loggers[0] and half with loggers[1], closes the loggers and
// checks the log read.
func sendConcurrently(t *testing.T, srv *emulator.Server, loggers []*capture.Logger, read func() []byte, accounts ...string) {
	t.Helper()
	const goroutines, calls = 8, 6
	tp := &tap{}
	clients := []*bedrockruntime.Client{newClient(srv, tp, loggers[0].Option), newClient(srv, tp, loggers[1].Option)}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range calls {
				q := fmt.Sprintf("Question %d of goroutine %d?", i, g)
				if _, err := clients[g%2].Converse(context.Background(), converseInput("concurrent", q)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	for _, l := range loggers {
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	reqs, err := forecast.ParseLog(read(), "requests.jsonl")
	if err != nil {
		t.Fatalf("forecast.ParseLog: %v", err)
	}
	var logged, sent, want, got []string
	for _, r := range reqs {
		logged = append(logged, string(r.Body))
		got = append(got, r.Account)
	}
	for i, w := range tp.requests() {
		sent = append(sent, string(w.body))
		want = append(want, accounts[i%2])
	}
	if len(logged) != goroutines*calls || len(sent) != goroutines*calls {
		t.Fatalf("%d requests logged, %d sent; want %d", len(logged), len(sent), goroutines*calls)
	}
	for _, s := range [][]string{logged, sent, want, got} {
		slices.Sort(s)
	}
	if !slices.Equal(logged, sent) {
		t.Error("the bodies logged are not the bodies sent")
	}
	if !slices.Equal(got, want) {
		t.Errorf("account labels %v, want %v", got, want)
	}
}
