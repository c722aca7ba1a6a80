package emulator

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// adminOpen returns options with AdminOpen as given.
func adminOpen(open bool) Options { return Options{AdminOpen: open} }

// converseBody is a valid Converse body padded with trailing spaces to n
// bytes.
func converseBody(n int) string {
	b := `{"messages":[{"role":"user","content":[{"text":"hi"}]}]}`
	return b + strings.Repeat(" ", max(0, n-len(b)))
}

// converseHead is the head of a raw HTTP/1.1 Converse request declaring a
// body of n bytes.
func converseHead(n int) string {
	return fmt.Sprintf("POST /model/%s/converse HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nAuthorization: %s\r\nX-Amz-Date: %s\r\nContent-Length: %d\r\n\r\n",
		strings.ReplaceAll(sonnet45, ":", "%3A"), fakeSigV4, time.Now().UTC().Format("20060102T150405Z"), n)
}

// dialConn opens a raw connection to an http:// server URL.
func dialConn(t *testing.T, url string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	return conn
}

// readRaw reads one response from conn: status line and header (names as
// sent).
func readRaw(t *testing.T, conn net.Conn) (string, textproto.MIMEHeader) {
	t.Helper()
	tp := textproto.NewReader(bufio.NewReader(conn))
	status, err := tp.ReadLine()
	if err != nil {
		t.Fatalf("no response: %v", err)
	}
	h, err := tp.ReadMIMEHeader()
	if err != nil {
		t.Fatalf("header: %v", err)
	}
	return status, h
}

// inflight returns what /_emulator/stats reports as body bytes in flight.
func inflight(t *testing.T, url string) int64 {
	t.Helper()
	resp, err := http.Get(url + "/_emulator/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s struct {
		InflightBodyBytes int64 `json:"inflightBodyBytes"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s.InflightBodyBytes
}

// waitInflight polls the stats until want bytes are in flight.
func waitInflight(t *testing.T, url string, want int64) {
	t.Helper()
	for range 500 {
		if inflight(t, url) == want {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("inflight body bytes %d, want %d", inflight(t, url), want)
}

// TestInflightBodyBytesBounded holds one request's body half sent and
// checks that requests which do not fit beside it under
// MaxInflightBodyBytes are throttled after InflightWait as the service
// throttles, that one which fits is served, and that the room comes back.
func TestInflightBodyBytesBounded(t *testing.T) {
	h := startHarness(t, Options{MaxInflightBodyBytes: 1000, InflightWait: 200 * time.Millisecond})
	url := h.srv.URL()
	held := dialConn(t, url)
	body := converseBody(800)
	if _, err := io.WriteString(held, converseHead(800)+body[:10]); err != nil {
		t.Fatal(err)
	}
	waitInflight(t, url, 800)

	resp, got := rawPost(t, url, "/model/"+strings.ReplaceAll(sonnet45, ":", "%3A")+"/converse", fakeSigV4, []byte(converseBody(500)))
	const throttled = "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/"
	if resp.StatusCode != 429 || resp.Header.Get("X-Amzn-ErrorType") != throttled || string(got) != `{"message":"`+msgThrottled+`"}` {
		t.Errorf("500 bytes beside 800 of 1000: %d %q %s, want 429 %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), got, throttled)
	}
	if _, err := h.c.Converse(t.Context(), defaultLayered().input()); apiCode(err) != "ThrottlingException" {
		t.Errorf("SDK call beside 800 of 1000: %v, want ThrottlingException", err)
	}
	if resp, got := rawPost(t, url, "/model/"+strings.ReplaceAll(sonnet45, ":", "%3A")+"/converse", fakeSigV4, []byte(converseBody(150))); resp.StatusCode != 200 {
		t.Errorf("150 bytes beside 800 of 1000: %d %s, want 200", resp.StatusCode, got)
	}

	if _, err := io.WriteString(held, body[10:]); err != nil {
		t.Fatal(err)
	}
	if status, _ := readRaw(t, held); !strings.HasPrefix(status, "HTTP/1.1 200") {
		t.Errorf("the held request: %s", status)
	}
	waitInflight(t, url, 0)
	if resp, got := rawPost(t, url, "/model/"+strings.ReplaceAll(sonnet45, ":", "%3A")+"/converse", fakeSigV4, []byte(converseBody(500))); resp.StatusCode != 200 {
		t.Errorf("500 bytes alone: %d %s, want 200", resp.StatusCode, got)
	}
	// A body larger than the whole bound is served alone, not refused.
	if u, err := call(t, h.c, defaultLayered().input()); err != nil || i32(u.CacheWriteInputTokens) == 0 {
		t.Errorf("a body over the bound, alone: %v %v", err, u)
	}
}

// TestInflightWaitAdmits checks that a request waiting for room is served
// once the room comes back within InflightWait.
func TestInflightWaitAdmits(t *testing.T) {
	h := startHarness(t, Options{MaxInflightBodyBytes: 1000, InflightWait: 10 * time.Second})
	url := h.srv.URL()
	held := dialConn(t, url)
	body := converseBody(800)
	if _, err := io.WriteString(held, converseHead(800)+body[:10]); err != nil {
		t.Fatal(err)
	}
	waitInflight(t, url, 800)
	done := make(chan int, 1)
	go func() {
		resp, _ := rawPost(t, url, "/model/"+strings.ReplaceAll(sonnet45, ":", "%3A")+"/converse", fakeSigV4, []byte(converseBody(500)))
		done <- resp.StatusCode
	}()
	time.Sleep(100 * time.Millisecond) // let it queue; the outcome does not depend on it
	if _, err := io.WriteString(held, body[10:]); err != nil {
		t.Fatal(err)
	}
	if code := <-done; code != 200 {
		t.Errorf("the waiting request: %d, want 200", code)
	}
}

// wantTimeout checks a raw response for the 408 a late body gets.
func wantTimeout(t *testing.T, what string, status string, h textproto.MIMEHeader) {
	t.Helper()
	const errType = "RequestTimeoutException:http://internal.amazon.com/coral/com.amazon.coral.service/"
	if !strings.HasPrefix(status, "HTTP/1.1 408") || h.Get("X-Amzn-ErrorType") != errType {
		t.Errorf("%s: %s %q, want 408 %s", what, status, h.Get("X-Amzn-ErrorType"), errType)
	}
}

// TestBodyReadTimeout checks that a client sending headers and then
// stalling, or trickling its body, is answered 408 and cut off once
// BodyReadTimeout has passed, over HTTP/1.1 and h2c.
func TestBodyReadTimeout(t *testing.T) {
	h := startHarness(t, Options{BodyReadTimeout: 300 * time.Millisecond})
	url := h.srv.URL()
	t.Run("stall", func(t *testing.T) {
		conn := dialConn(t, url)
		if _, err := io.WriteString(conn, converseHead(100)+"{"); err != nil {
			t.Fatal(err)
		}
		status, hdr := readRaw(t, conn)
		wantTimeout(t, "a stalled body", status, hdr)
	})
	t.Run("trickle", func(t *testing.T) {
		conn := dialConn(t, url)
		if _, err := io.WriteString(conn, converseHead(200)); err != nil {
			t.Fatal(err)
		}
		var sent atomic.Int32
		go func() {
			for _, c := range []byte(converseBody(200)) {
				if _, err := conn.Write([]byte{c}); err != nil {
					return
				}
				sent.Add(1)
				time.Sleep(20 * time.Millisecond)
			}
		}()
		status, hdr := readRaw(t, conn)
		wantTimeout(t, "a trickled body", status, hdr)
		if n := sent.Load(); n >= 200 {
			t.Errorf("the answer came after the whole body (%d bytes)", n)
		}
	})
	t.Run("h2c stall", func(t *testing.T) {
		pr, pw := io.Pipe()
		defer pw.Close()
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/model/"+strings.ReplaceAll(sonnet45, ":", "%3A")+"/converse", pr)
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = 100
		setAuth(req.Header, fakeSigV4)
		go func() { _, _ = io.WriteString(pw, "{") }()
		resp, err := (&http.Client{Transport: transportFor(nil, "h2c")}).Do(req)
		if err != nil {
			t.Fatalf("h2c: %v", err)
		}
		defer resp.Body.Close()
		if resp.ProtoMajor != 2 || resp.StatusCode != 408 || !strings.HasPrefix(resp.Header.Get("X-Amzn-ErrorType"), "RequestTimeoutException:") {
			t.Errorf("h2c stalled body: %s %d %q, want HTTP/2 408 RequestTimeoutException", resp.Proto, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
		}
	})
}

// TestBodyReadTimeoutSparesSlowHandlers checks that the deadline covers
// only the body: a handler slower than BodyReadTimeout after the body is
// in still answers, and the kept-alive connection serves the next call.
func TestBodyReadTimeoutSparesSlowHandlers(t *testing.T) {
	// The handler takes 1 s, well past the 400 ms body deadline; the
	// deadline itself is loose enough that a loaded machine (race
	// detector, parallel packages) still delivers the small body in time
	// (100 ms failed once under load).
	h := startHarness(t, Options{BodyReadTimeout: 400 * time.Millisecond, Profiles: []string{BenignLatency}, Latency: time.Second})
	in := defaultLayered().input()
	for i := range 2 {
		if _, err := call(t, h.c, in); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
}

// TestDeterministicRequestIDs checks that the option repeats the same
// UUID-shaped IDs on every run.
func TestDeterministicRequestIDs(t *testing.T) {
	a := requestIDs(t, Options{DeterministicRequestIDs: true}, 5)
	b := requestIDs(t, Options{DeterministicRequestIDs: true}, 5)
	if !slices.Equal(a, b) {
		t.Errorf("runs differ: %q and %q", a, b)
	}
	seen := map[string]bool{}
	for _, id := range a {
		if !uuid4.MatchString(id) || seen[id] {
			t.Errorf("request ID %q not a fresh version-4 UUID in %q", id, a)
		}
		seen[id] = true
	}
}

// TestAdminGuard calls the handler with remote addresses of every kind.
func TestAdminGuard(t *testing.T) {
	for _, tc := range []struct {
		remote string
		open   bool
		want   int
	}{
		{"127.0.0.1:5000", false, 200},
		{"127.9.9.9:5000", false, 200},
		{"[::1]:5000", false, 200},
		{"[::ffff:127.0.0.1]:5000", false, 200},
		{"192.0.2.1:5000", false, 403},
		{"[2001:db8::1]:5000", false, 403},
		{"[::ffff:192.0.2.1]:5000", false, 403},
		{"", false, 403},
		{"@", false, 403},
		{"192.0.2.1:5000", true, 200},
	} {
		emu, err := New(Options{AdminOpen: tc.open})
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodGet, "/_emulator/stats", nil)
		req.RemoteAddr = tc.remote
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("from %q (open %v): %d %s, want %d", tc.remote, tc.open, rec.Code, rec.Body, tc.want)
		}
	}
}
