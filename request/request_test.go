package request_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/cachecascade/cachecascade/emulator"
	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/internal/safebody"
	"github.com/cachecascade/cachecascade/invoke"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/request"
)

// set is small material with every layer: two tools, two system blocks and
// a user, assistant, user conversation.
func set(seed string) fixtures.Set {
	return fixtures.Build(fixtures.Spec{Seed: seed, Estimate: fixtures.EstimateFor("claude"), Tools: 2, ToolTokens: 900,
		SystemBlocks: 2, SystemTokens: 900, Turns: 2, TurnTokens: 60})
}

func build(t *testing.T, m matrix.Model, api matrix.API, s fixtures.Set) *request.Request {
	t.Helper()
	r, err := request.Build(m, api, s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestOneRequestEveryAPI holds the four APIs to one meaning: the same
// material with the same strategy and hand-placed checkpoints gives the same
// checkpoint layers and the same predicted rejections through each.
func TestOneRequestEveryAPI(t *testing.T) {
	cat := matrix.Default()
	for _, key := range []string{"claude-sonnet-4-5", "nova-lite"} {
		m := cat.Must(key)
		for _, s := range matrix.Strategies {
			var first []prefix.Layer
			var firstRules []matrix.Rule
			for i, api := range matrix.APIs {
				r := build(t, m, api, set("request/"+key))
				if err := r.MarkMessage(0, matrix.TTLDefault); err != nil {
					t.Fatal(err)
				}
				if _, err := r.Apply(s, matrix.TTLDefault); err != nil {
					t.Fatalf("%s %s %s: %v", key, s, api, err)
				}
				var rules []matrix.Rule
				for _, rej := range r.Rejections() {
					rules = append(rules, rej.Rule)
				}
				if i == 0 {
					first, firstRules = r.Layers(), rules
					continue
				}
				if !slices.Equal(r.Layers(), first) || !slices.Equal(rules, firstRules) {
					t.Errorf("%s %s via %s: layers %v, rejections %v; via converse %v, %v", key, s, api, r.Layers(), rules, first, firstRules)
				}
			}
		}
	}
}

func TestBuildRefusesUnknownAPI(t *testing.T) {
	if _, err := request.Build(matrix.Default().Must("nova-lite"), "invoke_stream", set("x")); err == nil {
		t.Error("Build accepted an unknown API")
	}
}

func TestMarkSystemFirst(t *testing.T) {
	cat := matrix.Default()
	r := build(t, cat.Must("claude-sonnet-4-5"), matrix.Invoke, set("first"))
	if err := r.MarkSystemFirst(matrix.TTLDefault); !errors.Is(err, invoke.ErrNotExpressible) {
		t.Errorf("an Anthropic body took a checkpoint with nothing before it: %v", err)
	}
	for _, api := range []matrix.API{matrix.Converse, matrix.Invoke} {
		r := build(t, cat.Must("nova-lite"), api, set("first"))
		if err := r.MarkSystemFirst(matrix.TTLDefault); err != nil {
			t.Fatal(err)
		}
		if rs := r.Rejections(); len(rs) == 0 || rs[0].Rule != matrix.RuleNothingToCache {
			t.Errorf("nova via %s: %v", api, rs)
		}
	}
}

// client is an SDK client of the emulator at url.
func client(url string) *bedrockruntime.Client {
	return bedrockruntime.New(bedrockruntime.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url), Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider("AKIDREQUEST000000000", "secret", ""),
		HTTPClient:  &http.Client{Transport: safebody.Transport{}},
	})
}

// TestSendEveryAPI sends a prime and a repeat through each API to the
// emulator: the prime writes what the repeat reads, through every API.
func TestSendEveryAPI(t *testing.T) {
	srv, err := emulator.Start(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := client(srv.URL())
	ctx := context.Background()
	for _, key := range []string{"claude-sonnet-4-5", "nova-lite"} {
		m := matrix.Default().Must(key)
		for _, api := range matrix.APIs {
			send := func() (int, int) {
				r := build(t, m, api, set("send/"+key+"/"+string(api)))
				if _, err := r.Apply(matrix.SystemOnly, matrix.TTLDefault); err != nil {
					t.Fatal(err)
				}
				u, err := request.Send(ctx, c, r)
				if err != nil {
					t.Fatalf("%s via %s: %v", key, api, err)
				}
				if !u.TotalsAddUp() {
					t.Errorf("%s via %s: totals %v", key, api, u)
				}
				return u.Read, u.Write
			}
			_, wrote := send()
			read, again := send()
			if wrote == 0 || read != wrote || again != 0 {
				t.Errorf("%s via %s: the prime wrote %d; the repeat read %d and wrote %d", key, api, wrote, read, again)
			}
		}
	}
}

func TestSendKeepsServiceErrors(t *testing.T) {
	srv, err := emulator.Start(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	m := matrix.Default().Must("nova-lite")
	for _, api := range matrix.APIs {
		r := build(t, m, api, set("reject"))
		if _, err := r.Apply(matrix.ToolsOnly, matrix.TTLDefault); err != nil {
			t.Fatal(err)
		}
		_, err := request.Send(context.Background(), client(srv.URL()), r)
		var ve *types.ValidationException
		if !errors.As(err, &ve) {
			t.Errorf("nova tools checkpoint via %s: %v, want a *types.ValidationException", api, err)
		}
	}
}

func TestWire(t *testing.T) {
	m := matrix.Default().Must("claude-sonnet-4-5")
	for _, api := range []matrix.API{matrix.Converse, matrix.Invoke} {
		a, err := build(t, m, api, set("wire")).Wire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := build(t, m, api, set("wire")).Wire(context.Background())
		if len(a) == 0 || string(a) != string(b) {
			t.Errorf("%s: two builds serialize differently (%d and %d bytes)", api, len(a), len(b))
		}
	}
}
