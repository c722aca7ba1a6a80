package main

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/cachecascade/cachecascade/emulator"
	"github.com/google/go-cmp/cmp"
)

// TestWireFlags checks that each wire and bound flag reaches the
// emulator's options.
func TestWireFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want emulator.Options
	}{
		{nil, emulator.Options{}},
		{[]string{"-max-inflight-body-bytes", "1000"}, emulator.Options{MaxInflightBodyBytes: 1000}},
		{[]string{"-max-inflight-body-bytes=-1"}, emulator.Options{MaxInflightBodyBytes: -1}},
		{[]string{"-body-read-timeout", "2s"}, emulator.Options{BodyReadTimeout: 2 * time.Second}},
		{[]string{"-deterministic-request-ids"}, emulator.Options{DeterministicRequestIDs: true}},
		{[]string{"-admin-open"}, emulator.Options{AdminOpen: true}},
		{[]string{"-serve-end-of-life"}, emulator.Options{ServeEndOfLife: true}},
	} {
		f, err := parseFlags(tc.args, io.Discard)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		opts, err := emulatorOptions(f)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		got := emulator.Options{MaxInflightBodyBytes: opts.MaxInflightBodyBytes, BodyReadTimeout: opts.BodyReadTimeout,
			DeterministicRequestIDs: opts.DeterministicRequestIDs, AdminOpen: opts.AdminOpen, ServeEndOfLife: opts.ServeEndOfLife}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%v: options differ (-want +got):\n%s", tc.args, diff)
		}
	}
}

// TestServesH2C calls the command's endpoint with the SDK over h2c, as
// the JavaScript SDK's default handler would.
func TestServesH2C(t *testing.T) {
	url, _ := startRun(t, "-clock", "manual")
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	var proto string
	c := bedrockruntime.New(bedrockruntime.Options{Region: "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint: aws.String(url), Retryer: aws.NopRetryer{},
		HTTPClient: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := tr.RoundTrip(r)
			if err == nil {
				proto = resp.Proto
			}
			return resp, err
		})}})
	out, err := c.Converse(t.Context(), &bedrockruntime.ConverseInput{ModelId: aws.String("us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
		Messages: []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "hi"}}}}})
	if err != nil || proto != "HTTP/2.0" {
		t.Fatalf("Converse over h2c: %v (%s) %v", err, proto, out)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestAdminOpenFlag serves on every address and calls an admin endpoint
// from this host's non-loopback address, with and without -admin-open.
func TestAdminOpenFlag(t *testing.T) {
	var ip string
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
				ip = n.IP.String()
				break
			}
		}
	}
	if ip == "" {
		t.Skip("this host has no non-loopback IPv4 address")
	}
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"-addr", "0.0.0.0:0"}, 403},
		{[]string{"-addr", "0.0.0.0:0", "-admin-open"}, 200},
	} {
		url, _ := startRun(t, tc.args...)
		_, port, _ := net.SplitHostPort(strings.TrimPrefix(url, "http://"))
		resp, err := http.Post("http://"+net.JoinHostPort(ip, port)+"/_emulator/reset", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%v: reset from %s answered %d, want %d", tc.args, ip, resp.StatusCode, tc.want)
		}
	}
}
