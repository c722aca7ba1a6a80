// Command bedrock-emulator serves the cachecascade Bedrock emulator
// (package emulator) on a local address, so that any SDK or application can
// use it through AWS_ENDPOINT_URL_BEDROCK_RUNTIME (Converse, InvokeModel,
// their streams, CountTokens) and AWS_ENDPOINT_URL_BEDROCK (the control
// plane's ListInferenceProfiles).
//
// Usage:
//
//	bedrock-emulator [-addr 127.0.0.1:0] [-fault NAME[,NAME...]] [-tokenizer-ratio 4]
//	                 [-threshold cumulative|per-checkpoint] [-clock wall|manual]
//	                 [-models FILE] [-tls [-ca-out FILE]] [-list]
//	                 [-region us-east-1] [-credentials FILE] [-strict-credentials]
//	                 [-max-body-bytes N] [-max-inflight-body-bytes N] [-body-read-timeout 60s]
//	                 [-deterministic-request-ids] [-admin-open]
//
// It speaks HTTP/1.1 and HTTP/2: over TLS (-tls) ALPN offers "h2" and
// "http/1.1", and a plain listener also takes HTTP/2 with prior knowledge
// (h2c), which is what the AWS SDK for JavaScript v3's default handler
// sends to an http:// endpoint. Response headers are spelled as the
// service spells them (x-amzn-RequestId, x-amzn-ErrorType) and request IDs
// are random version-4 UUIDs; -deterministic-request-ids makes every run
// repeat the same ones, for tests.
//
// Resource bounds: -max-inflight-body-bytes (default 256 MiB; -1 for none)
// bounds the request-body bytes held at once; a request that does not fit
// waits up to 10 s for room, then is answered 429 ThrottlingException, as
// the service throttles. -body-read-timeout (default 60s) is how long a
// client has to send a body once its headers are in; a stalled or
// trickling upload is answered 408 and cut off. The admin endpoints
// (/_emulator/...) answer only loopback clients (403 to others) unless
// -admin-open is given, which matters when -addr listens beyond loopback.
//
// -models names a JSON models file (see emulator.LoadModels) whose models
// are added to the built-in table, replacing built-in models of the same
// base ID:
//
//	{"models": [{"id": "anthropic.claude-hidden-1", "family": "claude", "caching": true,
//	  "minTokens": 1536, "toolCheckpoints": true, "ttl1h": true, "profiles": ["us", "global"]}]}
//
// Requests are authenticated as the service does (see the package
// emulator documentation): a SigV4 signature must be scoped to service
// bedrock and to -region (default us-east-1, the region clients must sign
// for) and made within 5 minutes of the wall clock; its signature is
// verified whenever the emulator knows the key's secret — the harness's
// built-in fake keys (emulator.BuiltinCredentials) and every pair in the
// AWS shared credentials file -credentials names. A key without a known
// secret is accepted unverified (structure, scope and time still checked)
// unless -strict-credentials, which answers it 403
// UnrecognizedClientException. Bedrock API keys (bearer tokens, over -tls)
// are checked by their documented formats; a short-term key must be
// minted for -region.
//
// On start it prints shell lines to standard output, the first two being
//
//	export AWS_ENDPOINT_URL_BEDROCK_RUNTIME=http://127.0.0.1:PORT
//	export AWS_ENDPOINT_URL_BEDROCK=http://127.0.0.1:PORT
//
// (with -addr 127.0.0.1:0 the chosen port), and with -tls an AWS_CA_BUNDLE
// line naming the self-signed certificate. Time moves with the wall clock
// (or only on demand with -clock manual) plus whatever
// POST /_emulator/clock/advance?by=5m adds; POST /_emulator/reset drops the
// cache. It stops on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/cachecascade/cachecascade/emulator"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "bedrock-emulator:", err)
		os.Exit(1)
	}
}

// run serves until ctx is done.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if cfg.list {
		listProfiles(stdout)
		return nil
	}
	opts, err := emulatorOptions(cfg)
	if err != nil {
		return err
	}

	srv, err := emulator.StartServer(opts, emulator.ServerOptions{Addr: cfg.addr, TLS: cfg.useTLS})
	if err != nil {
		return err
	}
	defer srv.Close()

	fmt.Fprintf(stdout, "export AWS_ENDPOINT_URL_BEDROCK_RUNTIME=%s\n", srv.URL())
	fmt.Fprintf(stdout, "export AWS_ENDPOINT_URL_BEDROCK=%s\n", srv.URL())
	if cfg.useTLS {
		cleanup, err := exportCABundle(stdout, srv, cfg.caOut)
		if err != nil {
			return err
		}
		defer cleanup()
	}
	if f, ok := stdout.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}
	admin := "loopback clients only"
	if opts.AdminOpen {
		admin = "open to every client"
	}
	fmt.Fprintf(stderr, "bedrock-emulator: serving %s over HTTP/1.1 and HTTP/2 (profiles %v, threshold %s, clock %s, %d extra models); admin (%s): %s/_emulator/{clock,clock/advance?by=5m,reset,profiles,stats}\n",
		srv.URL(), opts.Profiles, opts.Threshold, cfg.clock, len(opts.Models), admin, srv.URL())
	<-ctx.Done()
	return nil
}

// flags holds the command line as parsed, before any of it is checked
// against what the emulator accepts.
type flags struct {
	addr       string
	faults     string
	ratio      float64
	threshold  string
	clock      string
	maxEntries int
	maxBody    int64
	useTLS     bool
	caOut      string
	models     string
	list       bool
	region     string
	noAccess   string
	creds      string
	strict     bool
	inflight   int64
	readTime   time.Duration
	detIDs     bool
	adminOpen  bool
	serveEOL   bool
	noiseSeed  uint64
	regions    string
}

// parseFlags parses args, writing usage and flag errors to stderr, and
// refuses positional arguments.
func parseFlags(args []string, stderr io.Writer) (flags, error) {
	var f flags
	fs := flag.NewFlagSet("bedrock-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:0", "listen address (port 0 picks a free port)")
	fs.StringVar(&f.faults, "fault", "", "comma-separated fault or benign profile names (see -list)")
	fs.Float64Var(&f.ratio, "tokenizer-ratio", 0, "characters per token (0: the default of 4)")
	fs.StringVar(&f.threshold, "threshold", "cumulative", "minimum-size reading: cumulative or per-checkpoint")
	fs.StringVar(&f.clock, "clock", "wall", "base clock: wall (real time) or manual (moves only by /_emulator/clock/advance)")
	fs.IntVar(&f.maxEntries, "max-entries", 0, "cap on cache entries (0: default)")
	fs.Int64Var(&f.maxBody, "max-body-bytes", 0, "cap on request body size (0: default)")
	fs.BoolVar(&f.useTLS, "tls", false, "serve HTTPS with a self-signed certificate (bearer-token clients need it)")
	fs.StringVar(&f.caOut, "ca-out", "", "with -tls, where to write the certificate (default: a temporary file)")
	fs.StringVar(&f.models, "models", "", "JSON models file adding to (or replacing) built-in models (see emulator.LoadModels)")
	fs.BoolVar(&f.list, "list", false, "list the fault and benign profiles and exit")
	fs.StringVar(&f.region, "region", emulator.DefaultRegion, "the region requests must be signed for")
	fs.StringVar(&f.noAccess, "no-access", "", "comma-separated base model IDs the caller has no access to (403 AccessDeniedException), as for an account not granted them")
	fs.StringVar(&f.creds, "credentials", "", "AWS shared credentials file whose keys' signatures are verified (besides the built-in fake keys)")
	fs.BoolVar(&f.strict, "strict-credentials", false, "answer a key with no known secret 403 UnrecognizedClientException (default: accept it unverified)")
	fs.Int64Var(&f.inflight, "max-inflight-body-bytes", 0, "cap on request-body bytes held at once; beyond it a request waits, then gets 429 (0: 256 MiB, -1: none)")
	fs.DurationVar(&f.readTime, "body-read-timeout", 0, "time a client has to send a request body after its headers; later is 408 (0: 60s, -1s: none)")
	fs.BoolVar(&f.detIDs, "deterministic-request-ids", false, "derive x-amzn-RequestId from a counter, the same on every run (for tests); default random UUIDs")
	fs.BoolVar(&f.adminOpen, "admin-open", false, "let non-loopback clients use the /_emulator/ admin endpoints (default: 403 to them)")
	fs.BoolVar(&f.serveEOL, "serve-end-of-life", false, "serve end-of-life models as before their end of life, to re-record their cassettes (default: 404 ResourceNotFoundException, as the service)")
	fs.Uint64Var(&f.noiseSeed, "noise-seed", 0, "seed of the noise profiles (routing, extra-writes, drift): the same seed repeats a run (0: a fixed default)")
	fs.StringVar(&f.regions, "regions", "", "weights of the Regions the routing noise profile lands inference-profile calls in, comma-separated, home first (default 0.9,0.05,0.05)")
	if err := fs.Parse(args); err != nil {
		return flags{}, err
	}
	if fs.NArg() != 0 {
		return flags{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return f, nil
}

// listProfiles prints the fault and benign profiles with their
// descriptions, as -list shows them.
func listProfiles(stdout io.Writer) {
	fmt.Fprintln(stdout, "fault profiles:")
	for _, p := range emulator.Faults() {
		fmt.Fprintf(stdout, "  %-32s %s\n", p.Name, p.Description)
	}
	fmt.Fprintln(stdout, "benign profiles:")
	for _, p := range emulator.BenignProfiles() {
		fmt.Fprintf(stdout, "  %-32s %s\n", p.Name, p.Description)
	}
	fmt.Fprintln(stdout, "noise profiles (the real service's documented unreliability):")
	for _, p := range emulator.NoiseProfiles() {
		fmt.Fprintf(stdout, "  %-32s %s\n", p.Name, p.Description)
	}
}

// emulatorOptions turns the flags into the emulator's options, refusing a
// -threshold or -clock it does not know and a -models file LoadModels
// refuses.
func emulatorOptions(f flags) (emulator.Options, error) {
	opts := emulator.Options{CharsPerToken: f.ratio, MaxEntries: f.maxEntries, MaxBodyBytes: f.maxBody,
		Region: f.region, CredentialsFile: f.creds, StrictCredentials: f.strict,
		MaxInflightBodyBytes: f.inflight, BodyReadTimeout: f.readTime, DeterministicRequestIDs: f.detIDs, AdminOpen: f.adminOpen,
		ServeEndOfLife: f.serveEOL}
	for _, name := range strings.Split(f.faults, ",") {
		if name = strings.TrimSpace(name); name != "" {
			opts.Profiles = append(opts.Profiles, name)
		}
	}
	for _, id := range strings.Split(f.noAccess, ",") {
		if id = strings.TrimSpace(id); id != "" {
			opts.NoAccess = append(opts.NoAccess, id)
		}
	}
	opts.NoiseSeed = f.noiseSeed
	if f.regions != "" {
		w, err := emulator.ParseRegionWeights(f.regions)
		if err != nil {
			return emulator.Options{}, fmt.Errorf("-regions: %w", err)
		}
		opts.Regions = w
	}
	switch f.threshold {
	case "cumulative":
		opts.Threshold = emulator.ThresholdCumulative
	case "per-checkpoint":
		opts.Threshold = emulator.ThresholdPerCheckpoint
	default:
		return emulator.Options{}, fmt.Errorf("-threshold: want cumulative or per-checkpoint, got %q", f.threshold)
	}
	switch f.clock {
	case "wall":
		opts.Clock = emulator.WallClock()
	case "manual":
		opts.Clock = emulator.NewManualClock(emulator.DefaultStart)
	default:
		return emulator.Options{}, fmt.Errorf("-clock: want wall or manual, got %q", f.clock)
	}
	if f.models != "" {
		models, err := emulator.LoadModels(f.models)
		if err != nil {
			return emulator.Options{}, fmt.Errorf("-models: %w", err)
		}
		opts.Models = models
	}
	return opts, nil
}

// exportCABundle writes the server's certificate to caOut, or to a
// temporary file when caOut is empty, and prints the AWS_CA_BUNDLE line
// naming it. The returned cleanup removes the temporary file; call it when
// the server stops.
func exportCABundle(stdout io.Writer, srv *emulator.Server, caOut string) (cleanup func(), err error) {
	cleanup = func() {}
	path := caOut
	if path == "" {
		dir, err := os.MkdirTemp("", "bedrock-emulator-")
		if err != nil {
			return nil, err
		}
		cleanup = func() { os.RemoveAll(dir) }
		path = filepath.Join(dir, "ca.pem")
	}
	if err := os.WriteFile(path, srv.CertPEM(), 0o600); err != nil {
		cleanup()
		return nil, err
	}
	fmt.Fprintf(stdout, "export AWS_CA_BUNDLE=%s\n", path)
	return cleanup, nil
}
