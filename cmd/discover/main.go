// Command discover measures the prompt caching of Bedrock models that are
// not yet in the catalog and prints, for each, a ready catalog.json entry
// with the evidence for every field (package discover does the measuring).
// scripts/discover wraps it.
//
// Usage (from anywhere in the module):
//
//	go run ./cmd/discover [-emulator [-models FILE] [-emulator-profile NAMES]] [-region R]
//	                      [-price-input P -price-output P -price-cache-write P -price-cache-read P
//	                       [-price-cache-write-1h P] [-price-regional-premium F] [-price-date D] [-price-source KEY]]
//	                      [-cap-probe TOKENS] [-max-attempts N] [-timeout D] [-json] [-q] MODEL_ID...
//
// The calls go where the AWS SDK resolves them: the endpoint in
// AWS_ENDPOINT_URL_BEDROCK_RUNTIME, or AWS through the SDK's default
// credential chain (or a Bedrock API key in AWS_BEARER_TOKEN_BEDROCK) and
// region (AWS_REGION, or -region). -emulator starts the in-process emulator
// instead, with static fake credentials, its built-in models and those of
// -models FILE (see emulator.LoadModels); -emulator-profile names emulator
// profiles, such as implicit-reads.
//
// Each model costs at most discovery.MaxConverseCalls Converse calls (and
// discovery.MaxCountCalls CountTokens calls, which are free); -cap-probe
// TOKENS also measures a cap on the cached prefix with a prefix that large
// and up to discovery.MaxCapCalls more calls. With the
// -price-* flags (US dollars per million tokens) the entry carries those
// prices and the output the calls' cost; without them the entry's prices
// are a placeholder to fill in and the cost is unknown.
//
// Progress goes to standard error (-q silences it); the results go to
// standard output as Markdown, or as a JSON array of discovery.Result with
// -json.
//
// Exit statuses (the worst model wins: 3, then 1):
//
//	0  every model caches, and every step ran
//	1  a model does not answer Converse or does not cache
//	2  bad flags, or the tool cannot run (no region or credentials, a bad models file)
//	3  a measurement stopped on an error (throttling, access denied, the endpoint unreachable)
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/cachecascade/cachecascade/discovery"
	"github.com/cachecascade/cachecascade/matrix"
)

// The exit statuses.
const (
	ExitCaches     = 0
	ExitNoCache    = 1
	ExitUsage      = 2
	ExitIncomplete = 3
)

// main runs the program until it ends or Ctrl-C or SIGTERM interrupts it.
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command line's settings.
type options struct {
	emulator                 bool
	models, profiles, region string
	maxAttempts, capProbe    int
	timeout                  time.Duration
	asJSON, quiet            bool
	prices                   priceFlags
	ids                      []string
}

// priceFlags are the -price-* flags.
type priceFlags struct {
	input, output, write, write1h, read, premium float64
	date, source                                 string
}

// run is the program: it reads the command line, builds the client,
// discovers each model and writes the results, and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, code, ok := parseOptions(args, stderr)
	if !ok {
		return code
	}
	t, err := newTarget(ctx, o)
	if err != nil {
		fmt.Fprintf(stderr, "discover: %v\n", err)
		return ExitUsage
	}
	defer t.close()
	var results []*discovery.Result
	for _, id := range o.ids {
		mctx, cancel := context.WithTimeout(ctx, o.timeout)
		results = append(results, discovery.Discover(mctx, t.client, id, o.discoverOptions(t, stderr)))
		cancel()
	}
	if err := write(stdout, o, t, results); err != nil {
		fmt.Fprintf(stderr, "discover: %v\n", err)
		return ExitIncomplete
	}
	return exitStatus(results)
}

// parseOptions reads the command line. When the run must not go on it has
// said why on stderr, and it returns ok false with the exit status.
func parseOptions(args []string, stderr io.Writer) (o options, code int, ok bool) {
	fs := flagSet(&o, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, 0, false
		}
		return o, ExitUsage, false
	}
	o.ids = fs.Args()
	problem := ""
	switch {
	case len(o.ids) == 0:
		problem = "name at least one model ID, such as anthropic.claude-sonnet-4-5-20250929-v1:0"
	case (o.models != "" || o.profiles != "") && !o.emulator:
		problem = "-models and -emulator-profile configure the in-process emulator: add -emulator"
	case o.maxAttempts < 1 || o.timeout <= 0 || o.capProbe < 0:
		problem = "-max-attempts must be at least 1, -timeout positive and -cap-probe not negative"
	default:
		problem = o.prices.problem()
	}
	if problem != "" {
		fmt.Fprintf(stderr, "discover: %s\n", problem)
		return o, ExitUsage, false
	}
	return o, 0, true
}

// flagSet defines the program's flags, each stored into o, and a usage
// message that lists the exit statuses.
func flagSet(o *options, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("discover", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.emulator, "emulator", false, "measure against the in-process emulator instead of the endpoint the SDK resolves")
	fs.StringVar(&o.models, "models", "", "with -emulator: a models file whose models the emulator adds (see emulator.LoadModels)")
	fs.StringVar(&o.profiles, "emulator-profile", "", "with -emulator: emulator profiles, comma-separated, such as implicit-reads")
	fs.StringVar(&o.region, "region", "", "AWS region (default: the SDK's, from AWS_REGION or the profile; us-east-1 with -emulator)")
	fs.IntVar(&o.capProbe, "cap-probe", 0, "also measure a cap on the cached prefix (Nova: 20,000) with a prefix of this many tokens, and up to discovery.MaxCapCalls more calls; 0 skips it")
	fs.IntVar(&o.maxAttempts, "max-attempts", 8, "attempts per call, retries of throttling included (the SDK's adaptive retryer)")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Minute, "time limit of one model's discovery")
	fs.BoolVar(&o.asJSON, "json", false, "print a JSON array of results instead of Markdown")
	fs.BoolVar(&o.quiet, "q", false, "no progress lines on standard error")
	p := &o.prices
	fs.Float64Var(&p.input, "price-input", 0, "input price, US dollars per million tokens")
	fs.Float64Var(&p.output, "price-output", 0, "output price, US dollars per million tokens")
	fs.Float64Var(&p.write, "price-cache-write", 0, "five-minute cache write price, US dollars per million tokens")
	fs.Float64Var(&p.write1h, "price-cache-write-1h", 0, "one-hour cache write price, US dollars per million tokens")
	fs.Float64Var(&p.read, "price-cache-read", 0, "cache read price, US dollars per million tokens")
	fs.Float64Var(&p.premium, "price-regional-premium", 0, "factor on every price through a geographic or in-Region profile (1.1 for Claude 4.5 and later); 0 for none")
	fs.StringVar(&p.date, "price-date", time.Now().Format(time.DateOnly), "the date the prices were read")
	fs.StringVar(&p.source, "price-source", "prices-list", "the key in catalog.json's sources the prices come from")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: discover [-emulator [-models FILE]] [-price-input P -price-output P ...] [-json] MODEL_ID...")
		fs.PrintDefaults()
		fmt.Fprintln(stderr, "\nexit statuses: 0 every model caches; 1 a model does not answer or does not cache;")
		fmt.Fprintln(stderr, "2 bad flags or the tool cannot run; 3 a measurement stopped on an error (the worst wins: 3, then 1)")
	}
	return fs
}

// given reports whether any price flag was set.
func (p priceFlags) given() bool {
	return p.input != 0 || p.output != 0 || p.write != 0 || p.write1h != 0 || p.read != 0 || p.premium != 0
}

// problem says what is wrong with the price flags, "" when nothing is.
func (p priceFlags) problem() string {
	switch {
	case !p.given():
		return ""
	case p.input <= 0 || p.output <= 0 || p.write <= 0 || p.read <= 0:
		return "prices: give -price-input, -price-output, -price-cache-write and -price-cache-read, all positive (and -price-cache-write-1h for one-hour caching)"
	case p.write1h < 0 || p.premium != 0 && p.premium < 1:
		return "prices: -price-cache-write-1h must not be negative and -price-regional-premium must be 1 or more"
	case p.date == "" || p.source == "":
		return "prices: -price-date and -price-source must not be empty"
	}
	return ""
}

// matrixPrices returns the prices the flags give, nil when none.
func (p priceFlags) matrixPrices() *matrix.Prices {
	if !p.given() {
		return nil
	}
	return &matrix.Prices{Input: p.input, Output: p.output, CacheWrite: p.write, CacheWrite1h: p.write1h, CacheRead: p.read,
		RegionalPremium: p.premium, Date: p.date, Source: p.source}
}

// discoverOptions are the options of one model's discovery.
func (o options) discoverOptions(t *target, stderr io.Writer) discovery.Options {
	d := discovery.Options{Prices: o.prices.matrixPrices(), Endpoint: t.describe, CapProbe: o.capProbe}
	if !o.quiet {
		d.Progress = stderr
	}
	return d
}

// write prints the results, as Markdown or JSON.
func write(w io.Writer, o options, t *target, results []*discovery.Result) error {
	if o.asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(results)
	}
	bound := discovery.MaxConverseCalls
	if o.capProbe > 0 {
		bound += discovery.MaxCapCalls
	}
	fmt.Fprintf(w, "# discover: %s\n\nCalls went to %s. Each model is bounded at %d Converse calls and %d CountTokens calls.\n\n",
		strings.Join(o.ids, ", "), t.describe, bound, discovery.MaxCountCalls)
	for _, r := range results {
		r.Markdown(w)
	}
	return nil
}

// exitStatus is the worst status of the results.
func exitStatus(results []*discovery.Result) int {
	code := ExitCaches
	for _, r := range results {
		switch r.Status() {
		case discovery.Failed:
			code = ExitIncomplete
		case discovery.NotCached:
			if code == ExitCaches {
				code = ExitNoCache
			}
		}
	}
	return code
}
