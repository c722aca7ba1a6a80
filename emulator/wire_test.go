package emulator

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

// protoRecorder is an http.RoundTripper that remembers the protocol of
// every response.
type protoRecorder struct {
	base   http.RoundTripper
	mu     sync.Mutex
	protos []string
}

func (p *protoRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := p.base.RoundTrip(r)
	if err == nil {
		p.mu.Lock()
		p.protos = append(p.protos, resp.Proto)
		p.mu.Unlock()
	}
	return resp, err
}

// only returns the one protocol every response came in, or a description
// of the mix.
func (p *protoRecorder) only() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := map[string]bool{}
	for _, v := range p.protos {
		seen[v] = true
	}
	if len(seen) != 1 {
		return fmt.Sprintf("%d responses in %v", len(p.protos), p.protos)
	}
	return p.protos[0]
}

// transportFor returns a transport speaking exactly the protocols named
// ("h1", "h2", "h2c"), trusting certPEM when given.
func transportFor(certPEM []byte, protos ...string) *http.Transport {
	tr := &http.Transport{Protocols: new(http.Protocols)}
	for _, p := range protos {
		switch p {
		case "h1":
			tr.Protocols.SetHTTP1(true)
		case "h2":
			tr.Protocols.SetHTTP2(true)
		case "h2c":
			tr.Protocols.SetUnencryptedHTTP2(true)
		}
	}
	if certPEM != nil {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(certPEM)
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return tr
}

// TestHTTP2 drives Converse, ConverseStream and InvokeModelWithResponseStream
// through the SDK over h2c (HTTP/2 with prior knowledge on a plain
// connection, as the JavaScript SDK's default handler does) and over TLS
// with ALPN h2, and checks that HTTP/1.1 still answers on both.
func TestHTTP2(t *testing.T) {
	plain := startHarness(t, Options{})
	secure, err := StartServer(Options{}, ServerOptions{TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { secure.Close() })
	for _, tc := range []struct {
		name, proto string
		srv         *Server
		tr          *http.Transport
	}{
		{"h2c", "HTTP/2.0", plain.srv, transportFor(nil, "h2c")},
		{"plain HTTP/1.1", "HTTP/1.1", plain.srv, transportFor(nil, "h1")},
		{"TLS h2", "HTTP/2.0", secure, transportFor(secure.CertPEM(), "h2")},
		{"TLS HTTP/1.1", "HTTP/1.1", secure, transportFor(secure.CertPEM(), "h1")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &protoRecorder{base: tc.tr}
			c := sigv4Client(tc.srv.URL(), "AKID"+strings.ToUpper(strings.NewReplacer(" ", "", "/", "", ".", "").Replace(tc.name)), &http.Client{Transport: rec})
			in := defaultLayered().input()
			u := mustCall(t, c, in)
			if i32(u.CacheWriteInputTokens) == 0 {
				t.Errorf("Converse wrote nothing: %s", usageString(u))
			}
			s, err := callStream(t, c, in)
			if err != nil {
				t.Fatalf("ConverseStream: %v", err)
			}
			if s.usage == nil || i32(s.usage.CacheReadInputTokens) != i32(u.CacheWriteInputTokens) || s.text == "" || s.stop == "" {
				t.Errorf("ConverseStream over %s: usage %v text %q stop %q, want a read of %d", tc.name, usageString(s.usage), s.text, s.stop, i32(u.CacheWriteInputTokens))
			}
			if n := invokeStreamChunks(t, c); n < 3 {
				t.Errorf("InvokeModelWithResponseStream over %s: %d chunks", tc.name, n)
			}
			if got := rec.only(); got != tc.proto {
				t.Errorf("responses came over %s, want %s", got, tc.proto)
			}
		})
	}
}

// invokeStreamChunks sends an InvokeModelWithResponseStream request and
// returns the number of chunks received, failing the test on an error.
func invokeStreamChunks(t *testing.T, c *bedrockruntime.Client) int {
	t.Helper()
	body := `{"anthropic_version":"bedrock-2023-05-31","max_tokens":50,"messages":[{"role":"user","content":"hello"}]}`
	out, err := c.InvokeModelWithResponseStream(t.Context(), &bedrockruntime.InvokeModelWithResponseStreamInput{
		ModelId: aws.String(sonnet45), Body: []byte(body), ContentType: aws.String("application/json")})
	if err != nil {
		t.Fatalf("InvokeModelWithResponseStream: %v", err)
	}
	stream := out.GetStream()
	defer stream.Close()
	n := 0
	for ev := range stream.Events() {
		if _, ok := ev.(*types.ResponseStreamMemberChunk); ok {
			n++
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("InvokeModelWithResponseStream events: %v", err)
	}
	return n
}

// rawExchange sends one HTTP/1.1 request on a fresh connection and returns
// the status line, the header lines exactly as sent and the body.
func rawExchange(t *testing.T, url, method, path, auth, body string) (status string, header []string, respBody []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	var req strings.Builder
	fmt.Fprintf(&req, "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\n", method, path)
	if auth != "" {
		fmt.Fprintf(&req, "Authorization: %s\r\n", auth)
	}
	fmt.Fprintf(&req, "Content-Length: %d\r\n\r\n%s", len(body), body)
	if _, err := io.WriteString(conn, req.String()); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	tp := textproto.NewReader(br)
	status, err = tp.ReadLine()
	if err != nil {
		t.Fatalf("status line: %v", err)
	}
	for {
		line, err := tp.ReadLine()
		if err != nil {
			t.Fatalf("header: %v", err)
		}
		if line == "" {
			break
		}
		header = append(header, line)
	}
	respBody, _ = io.ReadAll(br)
	return status, header, respBody
}

// headerNames returns the names of raw header lines, as spelled.
func headerNames(lines []string) []string {
	var names []string
	for _, l := range lines {
		name, _, _ := strings.Cut(l, ":")
		names = append(names, name)
	}
	return names
}

// TestHeaderSpelling reads raw HTTP/1.1 responses (a Go client would
// canonicalize the names it reads) and checks that header names are
// spelled as the service spells them: x-amzn-RequestId, x-amzn-ErrorType
// and the InvokeModel headers.
func TestHeaderSpelling(t *testing.T) {
	h := startHarness(t, Options{})
	model := "/model/" + strings.ReplaceAll(sonnet45, ":", "%3A")
	converse := `{"messages":[{"role":"user","content":[{"text":"` + txt("x", 1400) + `"},{"cachePoint":{"type":"default"}}]}]}`
	invoke := `{"anthropic_version":"bedrock-2023-05-31","max_tokens":50,"messages":[{"role":"user","content":"hello"}]}`
	for _, tc := range []struct {
		name, method, path, auth, body string
		want                           []string
	}{
		{"Converse", "POST", model + "/converse", fakeSigV4, converse, []string{"x-amzn-RequestId"}},
		{"ConverseStream", "POST", model + "/converse-stream", fakeSigV4, converse, []string{"x-amzn-RequestId"}},
		{"InvokeModel", "POST", model + "/invoke", fakeSigV4, invoke, []string{"x-amzn-RequestId",
			"X-Amzn-Bedrock-Input-Token-Count", "X-Amzn-Bedrock-Output-Token-Count", "X-Amzn-Bedrock-Invocation-Latency",
			"X-Amzn-Bedrock-Cache-Read-Input-Token-Count", "X-Amzn-Bedrock-Cache-Write-Input-Token-Count"}},
		{"InvokeModelWithResponseStream", "POST", model + "/invoke-with-response-stream", fakeSigV4, invoke, []string{"x-amzn-RequestId", "X-Amzn-Bedrock-Content-Type"}},
		{"validation error", "POST", model + "/converse", fakeSigV4, `{"messages":[]}`, []string{"x-amzn-RequestId", "x-amzn-ErrorType"}},
		{"authentication error", "POST", model + "/converse", "", converse, []string{"x-amzn-RequestId", "x-amzn-ErrorType"}},
		{"unknown operation", "POST", "/model/x/foo", fakeSigV4, `{}`, []string{"x-amzn-RequestId", "x-amzn-ErrorType"}},
		{"ListInferenceProfiles", "GET", "/inference-profiles", fakeSigV4, "", []string{"x-amzn-RequestId"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, header, body := rawExchange(t, h.srv.URL(), tc.method, tc.path, tc.auth, tc.body)
			names := headerNames(header)
			for _, w := range tc.want {
				found := false
				for _, n := range names {
					found = found || n == w
				}
				if !found {
					t.Errorf("%s: no header spelled %q in %q (%s)", status, w, header, body)
				}
			}
			for _, n := range names {
				if n == "X-Amzn-Requestid" || n == "X-Amzn-Errortype" {
					t.Errorf("header %q spelled as net/http canonicalizes it", n)
				}
			}
		})
	}
}

// uuid4 matches a version-4 UUID with the RFC 9562 variant.
var uuid4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// requestIDs returns the x-amzn-RequestId of n requests to a fresh
// emulator configured by opts.
func requestIDs(t *testing.T, opts Options, n int) []string {
	t.Helper()
	h := startHarness(t, opts)
	var ids []string
	for range n {
		resp, _ := rawPost(t, h.srv.URL(), "/model/x/converse", "", []byte(`{}`))
		ids = append(ids, resp.Header.Get("X-Amzn-RequestId"))
	}
	return ids
}

// TestRequestIDsAreRandomUUIDs checks that request IDs are version-4
// UUIDs, all distinct, and different after a restart.
func TestRequestIDsAreRandomUUIDs(t *testing.T) {
	first, second := requestIDs(t, Options{}, 20), requestIDs(t, Options{}, 20)
	seen := map[string]bool{}
	for _, id := range append(first, second...) {
		if !uuid4.MatchString(id) {
			t.Errorf("request ID %q is not a version-4 UUID", id)
		}
		if seen[id] {
			t.Errorf("request ID %q repeats (across a restart?): first run %q, second %q", id, first[:3], second[:3])
		}
		seen[id] = true
	}
}

// TestUnknownOperation checks the answer to paths and methods no operation
// has: 404, UnknownOperationException in x-amzn-ErrorType and Coral's
// front-door body.
func TestUnknownOperation(t *testing.T) {
	h := startHarness(t, Options{})
	const errType = "UnknownOperationException:http://internal.amazon.com/coral/com.amazon.coral.service/"
	for _, tc := range []struct{ method, path string }{
		{"POST", "/model/x/foo"},
		{"POST", "/model/x/messages"},
		{"GET", "/model/x/converse"},
		{"PUT", "/model/x/invoke"},
		{"DELETE", "/model/x/converse-stream"},
		{"POST", "/model/arn:aws:bedrock:us-east-1:1:inference-profile/us.x/converse"},
		{"POST", "/"},
		{"GET", "/custom-models"},
		{"POST", "/inference-profiles"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, h.srv.URL()+tc.path, strings.NewReader(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", fakeSigV4)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 404 || resp.Header.Get("X-Amzn-ErrorType") != errType || string(body) != bodyUnknownOperation {
				t.Errorf("got %d %q %s\nwant 404 %q %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), body, errType, bodyUnknownOperation)
			}
		})
	}
	// Through the SDK, the code is what x-amzn-ErrorType says.
	tampered := sigv4Client(h.srv.URL(), "AKIDUNKNOWNOP", &http.Client{Transport: pathTamper{suffix: "/converse", to: "/messages"}})
	if _, err := tampered.Converse(t.Context(), defaultLayered().input()); apiCode(err) != "UnknownOperationException" {
		t.Errorf("SDK error %v (code %q), want UnknownOperationException", err, apiCode(err))
	}
}

// pathTamper rewrites the end of the request path after the SDK signed it.
type pathTamper struct{ suffix, to string }

func (p pathTamper) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Path = strings.TrimSuffix(r.URL.Path, p.suffix) + p.to
	r.URL.RawPath = strings.TrimSuffix(r.URL.RawPath, p.suffix)
	if r.URL.RawPath != "" {
		r.URL.RawPath += p.to
	}
	return http.DefaultTransport.RoundTrip(r)
}

// nonLoopbackIP returns an address of this host that is not loopback, or
// "" when it has none.
func nonLoopbackIP() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	return ""
}

// TestAdminGuardOffLoopback serves on every address and calls the admin
// endpoints from this host's non-loopback address: refused with 403
// unless AdminOpen, while loopback clients and the API itself are served.
func TestAdminGuardOffLoopback(t *testing.T) {
	ip := nonLoopbackIP()
	if ip == "" {
		t.Skip("this host has no non-loopback IPv4 address")
	}
	for _, open := range []bool{false, true} {
		t.Run(fmt.Sprintf("open=%v", open), func(t *testing.T) {
			srv, err := StartServer(adminOpen(open), ServerOptions{Addr: "0.0.0.0:0"})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL(), "http://"))
			remote := "http://" + net.JoinHostPort(ip, port)
			local := "http://" + net.JoinHostPort("127.0.0.1", port)
			for _, path := range []string{"/_emulator/reset", "/_emulator/clock/advance?by=1m"} {
				resp, body := rawPost(t, remote, path, "", nil)
				if want := map[bool]int{false: 403, true: 200}[open]; resp.StatusCode != want {
					t.Errorf("%s from %s: %d %s, want %d", path, ip, resp.StatusCode, body, want)
				}
				if resp, body := rawPost(t, local, path, "", nil); resp.StatusCode != 200 {
					t.Errorf("%s from loopback: %d %s", path, resp.StatusCode, body)
				}
			}
			resp, body := rawPost(t, remote, "/model/x/converse", "", []byte(`{}`))
			if resp.StatusCode != 403 || !strings.Contains(string(body), msgAuthMissing) {
				t.Errorf("API from %s: %d %s, want the service's own 403", ip, resp.StatusCode, body)
			}
		})
	}
}
