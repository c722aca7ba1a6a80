package emulator

// Load benchmarks. Each runs the emulator on a loopback port and drives it
// with a lean HTTP client — net/http with keep-alive, a request body
// captured once from the Go SDK and a fixed SigV4 Authorization header — from
// conns goroutines, one keep-alive connection each, so that what is measured
// is the emulator rather than the SDK's signing and middleware. Client and
// server share the machine's cores. Each reports req/s and the p99 latency
// (p99-ms) of one round trip, response body read to the end, with the
// slowest round trip (max-ms) and the CPU time client and server used per
// request (cpu-us/req), which other load on the machine does not change.
//
//	go test -run '^$' -bench . ./emulator

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
)

// benchConns are the numbers of concurrent keep-alive connections each load
// benchmark runs at (sub-benchmarks conns=4, conns=16, conns=64).
var benchConns = []int{4, 16, 64}

// BenchmarkConverse measures Converse round trips of the standard layered
// request (three checkpoints, a cache hit each time after the first).
func BenchmarkConverse(b *testing.B) { benchAPI(b, "/converse") }

// BenchmarkConverseStream measures ConverseStream round trips of the same
// request, reading every event.
func BenchmarkConverseStream(b *testing.B) { benchAPI(b, "/converse-stream") }

// benchAPI runs the standard request against op at every connection count.
func benchAPI(b *testing.B, op string) {
	srv := startBenchServer(b, Options{})
	path, body := sdkRequest(b, srv, defaultLayered().input())
	path = path[:len(path)-len("/converse")] + op
	for _, conns := range benchConns {
		b.Run("conns="+strconv.Itoa(conns), func(b *testing.B) {
			c := newLeanClient(srv.URL(), conns)
			defer c.close()
			runLoad(b, conns, func(buf *bytes.Buffer) error { return c.post(path, body, buf) })
		})
	}
}

// BenchmarkFullCache measures Converse requests that each write a new entry
// into a cache already holding DefaultMaxEntries entries, so every write
// evicts one, from 4 connections. It reports max-ms, the slowest round
// trip, beside req/s and p99-ms.
func BenchmarkFullCache(b *testing.B) {
	srv := startBenchServer(b, Options{})
	path, _ := sdkRequest(b, srv, defaultLayered().input())
	fillCache(srv.Emulator, DefaultMaxEntries)
	c := newLeanClient(srv.URL(), 4)
	defer c.close()
	var seq atomic.Int64
	filler := txt("fill", 1100)
	runLoad(b, 4, func(buf *bytes.Buffer) error {
		body := `{"messages":[{"content":[{"text":"` + strconv.FormatInt(seq.Add(1), 10) + " " + filler +
			`"},{"cachePoint":{"type":"default"}}],"role":"user"}]}`
		return c.post(path, []byte(body), buf)
	})
	if n := srv.Len(); n > DefaultMaxEntries {
		b.Fatalf("%d entries, cap %d", n, DefaultMaxEntries)
	}
}

// fillCache stores n synthetic entries with expiries spread over an hour,
// as many requests over time would have left them.
func fillCache(e *Emulator, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.nowLocked()
	for i := 0; i < n; i++ {
		k := entryKey{account: "akid:FILL", model: "anthropic.fill", hash: [32]byte{byte(i), byte(i >> 8), byte(i >> 16)}}
		ttl := time.Duration(1+i%3600) * time.Second
		e.store(k, &entry{expires: now.Add(ttl), ttl: ttl}, now)
	}
}

// startBenchServer starts an emulator for a benchmark and stops it after.
func startBenchServer(b *testing.B, opts Options) *Server {
	b.Helper()
	srv, err := Start(opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	return srv
}

// sdkRequest sends in through the Go SDK once and returns the escaped path
// and the body the SDK sent, for the lean client to replay.
func sdkRequest(b testing.TB, srv *Server, in *bedrockruntime.ConverseInput) (string, []byte) {
	b.Helper()
	rec := &recordingTransport{base: http.DefaultTransport}
	c := sigv4Client(srv.URL(), "AKIDEXAMPLE", &http.Client{Transport: rec})
	if _, err := c.Converse(context.Background(), in); err != nil {
		b.Fatal(err)
	}
	return rec.path, rec.body
}

// recordingTransport keeps the path and body of the last request it sends.
type recordingTransport struct {
	base http.RoundTripper
	path string
	body []byte
}

// RoundTrip records r and sends it on.
func (t *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	t.path, t.body = r.URL.EscapedPath(), body
	r = r.Clone(r.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	return t.base.RoundTrip(r)
}

// leanClient posts prepared bodies to the emulator over at most conns
// keep-alive connections.
type leanClient struct {
	url string
	tr  *http.Transport
	c   *http.Client
}

func newLeanClient(url string, conns int) *leanClient {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
		DisableCompression: true, IdleConnTimeout: time.Minute}
	return &leanClient{url: url, tr: tr, c: &http.Client{Transport: tr}}
}

func (c *leanClient) close() { c.tr.CloseIdleConnections() }

// post sends body to path and reads the whole answer into buf, failing on
// any status but 200.
func (c *leanClient) post(path string, body []byte, buf *bytes.Buffer) error {
	req, err := http.NewRequest(http.MethodPost, c.url+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header["Content-Type"] = []string{"application/json"}
	req.Header["Authorization"] = []string{fakeSigV4}
	resp, err := c.c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", resp.StatusCode, buf.Bytes())
	}
	return nil
}

// runLoad runs b.N calls of send from conns goroutines and reports req/s,
// p99-ms, max-ms and cpu-us/req, the process's CPU time per request.
func runLoad(b *testing.B, conns int, send func(*bytes.Buffer) error) {
	b.Helper()
	warm(b, conns, send)
	lat := make([][]time.Duration, conns)
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	b.ResetTimer()
	cpu0 := processCPU()
	for w := range conns {
		wg.Go(func() {
			var buf bytes.Buffer
			for next.Add(1) <= int64(b.N) && failed.Load() == nil {
				t0 := time.Now()
				if err := send(&buf); err != nil {
					failed.CompareAndSwap(nil, err)
					return
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	cpu := processCPU() - cpu0
	if err := failed.Load(); err != nil {
		b.Fatal(err)
	}
	reportLatency(b, slices.Concat(lat...))
	b.ReportMetric(float64(cpu/time.Microsecond)/float64(b.N), "cpu-us/req")
}

// processCPU returns the CPU time (user and system) the process has used:
// client and server together, whatever else the machine runs.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// warm opens the conns connections before timing starts.
func warm(b *testing.B, conns int, send func(*bytes.Buffer) error) {
	b.Helper()
	errs := make(chan error, conns)
	for range conns {
		go func() {
			var buf bytes.Buffer
			errs <- send(&buf)
		}()
	}
	for range conns {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
}

// reportLatency reports throughput and the p99 and maximum of lat.
func reportLatency(b *testing.B, lat []time.Duration) {
	b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "req/s")
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	p99 := lat[(len(lat)*99+99)/100-1]
	b.ReportMetric(float64(p99)/float64(time.Millisecond), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1])/float64(time.Millisecond), "max-ms")
}

// BenchmarkSDKConverse measures Converse round trips through the Go SDK
// from one goroutine, SigV4 signing and response decoding included.
func BenchmarkSDKConverse(b *testing.B) {
	h := startHarness(b, Options{})
	in := defaultLayered().input()
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := h.c.Converse(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkSDKConverseStream is BenchmarkSDKConverse for ConverseStream,
// reading every event.
func BenchmarkSDKConverseStream(b *testing.B) {
	h := startHarness(b, Options{})
	in := defaultLayered().input()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := callStream(b, h.c, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
