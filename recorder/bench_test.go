package recorder_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/internal/modroot"
	"github.com/cachecascade/cachecascade/recorder"
)

// benchCalls is how many distinct requests a benchmark cassette holds.
const benchCalls = 100

// benchSystem is a ~10 KB system prompt, the size of a cascade fixture
// layer, made distinct per call.
func benchSystem(i int) string {
	return fmt.Sprintf("call %03d ", i) + strings.Repeat("The quick brown fox jumps over the lazy dog. ", 230)
}

// BenchmarkReplayConverse measures one Converse call answered from a
// cassette: the SDK's request pipeline, the canonicalising matcher and the
// in-order lookup. The cassette is reopened (untimed) every benchCalls
// calls, since each interaction replays once.
func BenchmarkReplayConverse(b *testing.B) {
	b.Setenv("AWS_ACCESS_KEY_ID", "AKIDBENCH")
	b.Setenv("AWS_SECRET_ACCESS_KEY", "bench")
	b.Setenv("AWS_REGION", "us-east-1")
	b.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	f := &fakeBedrock{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	path := filepath.Join(b.TempDir(), "bench.yaml")
	ctx := context.Background()
	rec, err := recorder.Open(ctx, recorder.Options{Mode: recorder.Record, Cassette: path, Endpoint: srv.URL})
	if err != nil {
		b.Fatal(err)
	}
	for i := range benchCalls {
		if _, err := rec.Client.Converse(ctx, converse(sonnet, benchSystem(i))); err != nil {
			b.Fatal(err)
		}
	}
	if err := rec.Finish(true); err != nil {
		b.Fatal(err)
	}
	inputs := make([]*bedrockruntime.ConverseInput, benchCalls)
	for i := range inputs {
		inputs[i] = converse(sonnet, benchSystem(i))
	}
	var s *recorder.Session
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		i := n % benchCalls
		if i == 0 {
			b.StopTimer()
			if s, err = recorder.Open(ctx, recorder.Options{Mode: recorder.Replay, Cassette: path}); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		if _, err := s.Client.Converse(ctx, inputs[i]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLocalServerConverse measures the same call made by a bare SDK
// client to a server on loopback that answers at once: the cost replay is
// compared with.
func BenchmarkLocalServerConverse(b *testing.B) {
	srv := httptest.NewServer(&fakeBedrock{})
	defer srv.Close()
	client := bedrockruntime.New(bedrockruntime.Options{
		Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDBENCH", "bench", ""),
		BaseEndpoint: aws.String(srv.URL), HTTPClient: &http.Client{Transport: recorder.BodyReaderTransport{Base: http.DefaultTransport}},
	})
	inputs := make([]*bedrockruntime.ConverseInput, benchCalls)
	for i := range inputs {
		inputs[i] = converse(sonnet, benchSystem(i))
	}
	ctx := context.Background()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		if _, err := client.Converse(ctx, inputs[n%benchCalls]); err != nil {
			b.Fatal(err)
		}
	}
}

// specCalls is how many calls a typical spec makes (a cascade cell: prime,
// repeat and three changes).
const specCalls = 5

// BenchmarkReplaySpec measures replay as a spec pays for it: opening the
// cassette of specCalls calls, the calls, and finishing the session, per
// call (metric ns/call, to set against BenchmarkLocalServerConverse). The
// cassette cache is warm, as on every run after the first; cache=off
// parses the YAML every time, as a fresh machine's first run does.
func BenchmarkReplaySpec(b *testing.B) {
	b.Setenv("AWS_ACCESS_KEY_ID", "AKIDBENCH")
	b.Setenv("AWS_SECRET_ACCESS_KEY", "bench")
	b.Setenv("AWS_REGION", "us-east-1")
	b.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	srv := httptest.NewServer(&fakeBedrock{})
	defer srv.Close()
	path := filepath.Join(b.TempDir(), "spec.yaml")
	ctx := context.Background()
	rec, err := recorder.Open(ctx, recorder.Options{Mode: recorder.Record, Cassette: path, Endpoint: srv.URL})
	if err != nil {
		b.Fatal(err)
	}
	inputs := make([]*bedrockruntime.ConverseInput, specCalls)
	for i := range inputs {
		inputs[i] = converse(sonnet, benchSystem(i))
		if _, err := rec.Client.Converse(ctx, inputs[i]); err != nil {
			b.Fatal(err)
		}
	}
	if err := rec.Finish(true); err != nil {
		b.Fatal(err)
	}
	for _, cache := range []string{"warm", "off"} {
		b.Run("cache="+cache, func(b *testing.B) {
			if cache == "off" {
				b.Setenv(env.CassetteCache, "off")
			} else {
				b.Setenv(env.CassetteCache, b.TempDir())
			}
			for n := 0; n < b.N; n++ {
				s, err := recorder.Open(ctx, recorder.Options{Mode: recorder.Replay, Cassette: path})
				if err != nil {
					b.Fatal(err)
				}
				for _, in := range inputs {
					if _, err := s.Client.Converse(ctx, in); err != nil {
						b.Fatal(err)
					}
				}
				if err := s.Finish(false); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*specCalls), "ns/call")
		})
	}
}

// BenchmarkScan measures recorder.Scan over the project's own cassettes,
// as the hygiene spec runs it in CI: cache=off scans every file (a fresh
// machine, or a new scanner), cache=warm finds each file's clean verdict
// in the cassette cache.
func BenchmarkScan(b *testing.B) {
	root, err := modroot.Find()
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(root, "cassettes")
	for _, cache := range []string{"off", "warm"} {
		b.Run("cache="+cache, func(b *testing.B) {
			if cache == "off" {
				b.Setenv(env.CassetteCache, "off")
			} else {
				b.Setenv(env.CassetteCache, b.TempDir())
				if _, err := recorder.Scan(dir); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				findings, err := recorder.Scan(dir)
				if err != nil || len(findings) > 0 {
					b.Fatalf("Scan(%s) = %v, %v", dir, findings, err)
				}
			}
		})
	}
}
