package emulator

// Load benchmarks. Each runs the emulator on a loopback port and drives it
// with a lean HTTP client from conns goroutines, one keep-alive connection
// each: HTTP/1.1 written straight to a TCP connection (request line,
// headers with a fixed SigV4 Authorization, and a body captured once from
// the Go SDK) and the answer parsed by net/http's ReadResponse, read to the
// end. No Transport, so what is measured is the emulator, not the SDK's
// signing and middleware nor the client's connection pool. Client and
// server share the machine's cores. Each reports req/s and the p99 latency
// (p99-ms) of one round trip, with the slowest round trip (max-ms) and the
// CPU time client and server used per request (cpu-us/req), which other
// load on the machine does not change.
//
//	go test -run '^$' -bench . ./emulator

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
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
	path = strings.TrimSuffix(path, "/converse") + op
	for _, conns := range benchConns {
		b.Run("conns="+strconv.Itoa(conns), func(b *testing.B) {
			runLoad(b, srv, conns, func(c *rawConn, buf *bytes.Buffer) error { return c.post(path, body, buf) })
		})
	}
}

// BenchmarkFullCache measures Converse requests that each write a new entry
// into a cache already holding DefaultMaxEntries entries, so that every
// write must make room, from 4 and from 64 connections (sub-benchmarks
// conns=4, conns=64). The cache is filled after the connections' first
// requests, so the first timed write finds it full.
func BenchmarkFullCache(b *testing.B) {
	for _, conns := range []int{4, 64} {
		b.Run("conns="+strconv.Itoa(conns), func(b *testing.B) {
			srv := startBenchServer(b, Options{})
			path, _ := sdkRequest(b, srv, defaultLayered().input())
			var seq atomic.Int64
			filler := txt("fill", 1100)
			send := func(c *rawConn, buf *bytes.Buffer) error {
				body := `{"messages":[{"content":[{"text":"` + strconv.FormatInt(seq.Add(1), 10) + " " + filler +
					`"},{"cachePoint":{"type":"default"}}],"role":"user"}]}`
				return c.post(path, []byte(body), buf)
			}
			clients := dialAll(b, srv, conns, send)
			fillCache(srv.Emulator, DefaultMaxEntries-srv.Len())
			measure(b, clients, send)
			if n := srv.Len(); n > DefaultMaxEntries {
				b.Fatalf("%d entries, cap %d", n, DefaultMaxEntries)
			}
		})
	}
}

// BenchmarkFullCacheStore measures one store into a cache holding
// DefaultMaxEntries entries, under the emulator's lock as a request does
// it, and reports the slowest (max-us).
func BenchmarkFullCacheStore(b *testing.B) {
	e, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	fillCache(e, DefaultMaxEntries)
	var slowest time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := entryKey{account: "akid:NEW", model: "anthropic.fill", hash: [32]byte{byte(i), byte(i >> 8), byte(i >> 16), byte(i >> 24)}}
		t0 := time.Now()
		e.mu.Lock()
		now := e.nowLocked()
		e.store(k, &entry{expires: now.Add(5 * time.Minute), ttl: 5 * time.Minute}, now)
		e.mu.Unlock()
		slowest = max(slowest, time.Since(t0))
	}
	b.ReportMetric(float64(slowest)/float64(time.Microsecond), "max-us")
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

// rawConn is the lean client: one keep-alive HTTP/1.1 connection.
type rawConn struct {
	host string
	conn net.Conn
	br   *bufio.Reader
	head []byte
	// amzDate is the X-Amz-Date sent with fakeSigV4: the time of the dial,
	// within the emulator's 5-minute skew for any benchmark's run.
	amzDate string
}

// dialRaw opens a connection to the server.
func dialRaw(srv *Server) (*rawConn, error) {
	host := strings.TrimPrefix(srv.URL(), "http://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		return nil, err
	}
	return &rawConn{host: host, conn: conn, br: bufio.NewReaderSize(conn, 16<<10),
		amzDate: time.Now().UTC().Format("20060102T150405Z")}, nil
}

// post sends body to path, with the headers an SDK would send that the
// emulator reads, and reads the whole answer into buf, failing on any
// status but 200 and on a server that closes the connection.
func (c *rawConn) post(path string, body []byte, buf *bytes.Buffer) error {
	c.head = append(c.head[:0], "POST "...)
	c.head = append(c.head, path...)
	c.head = append(c.head, " HTTP/1.1\r\nHost: "...)
	c.head = append(c.head, c.host...)
	c.head = append(c.head, "\r\nContent-Type: application/json\r\nAuthorization: "+fakeSigV4+"\r\nX-Amz-Date: "...)
	c.head = append(c.head, c.amzDate...)
	c.head = append(c.head, "\r\nContent-Length: "...)
	c.head = strconv.AppendInt(c.head, int64(len(body)), 10)
	c.head = append(c.head, "\r\n\r\n"...)
	bufs := net.Buffers{c.head, body}
	if _, err := bufs.WriteTo(c.conn); err != nil {
		return err
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return err
	}
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		return err
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("status %d: %s", resp.StatusCode, buf.Bytes())
	case resp.Close:
		return fmt.Errorf("the server closed the connection")
	}
	return nil
}

// runLoad runs b.N calls of send from conns goroutines, each on its own
// connection, and reports req/s, p99-ms, max-ms and cpu-us/req.
func runLoad(b *testing.B, srv *Server, conns int, send func(*rawConn, *bytes.Buffer) error) {
	b.Helper()
	measure(b, dialAll(b, srv, conns, send), send)
}

// measure runs b.N calls of send, shared among the clients, one goroutine
// each, and reports req/s, p99-ms, max-ms and cpu-us/req.
func measure(b *testing.B, clients []*rawConn, send func(*rawConn, *bytes.Buffer) error) {
	b.Helper()
	lat := make([][]time.Duration, len(clients))
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	b.ResetTimer()
	cpu0 := processCPU()
	for w, c := range clients {
		wg.Go(func() {
			var buf bytes.Buffer
			for next.Add(1) <= int64(b.N) && failed.Load() == nil {
				t0 := time.Now()
				if err := send(c, &buf); err != nil {
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

// dialAll opens conns connections and sends one request on each before
// timing starts; they are closed when the benchmark ends.
func dialAll(b *testing.B, srv *Server, conns int, send func(*rawConn, *bytes.Buffer) error) []*rawConn {
	b.Helper()
	clients := make([]*rawConn, conns)
	for i := range clients {
		c, err := dialRaw(srv)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.conn.Close() })
		var buf bytes.Buffer
		if err := send(c, &buf); err != nil {
			b.Fatal(err)
		}
		clients[i] = c
	}
	return clients
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
