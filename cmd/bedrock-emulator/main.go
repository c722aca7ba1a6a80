// Command bedrock-emulator serves the cachecascade Bedrock runtime emulator
// (package emulator) on a local address, so that any SDK or application can
// use it through AWS_ENDPOINT_URL_BEDROCK_RUNTIME.
//
// Usage:
//
//	bedrock-emulator [-addr 127.0.0.1:0] [-fault NAME[,NAME...]] [-tokenizer-ratio 4]
//	                 [-threshold cumulative|per-checkpoint] [-clock wall|manual]
//	                 [-tls [-ca-out FILE]] [-list]
//
// On start it prints shell lines to standard output, the first being
//
//	export AWS_ENDPOINT_URL_BEDROCK_RUNTIME=http://127.0.0.1:PORT
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
	fs := flag.NewFlagSet("bedrock-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen address (port 0 picks a free port)")
	faults := fs.String("fault", "", "comma-separated fault or benign profile names (see -list)")
	ratio := fs.Float64("tokenizer-ratio", 0, "characters per token (0: the default of 4)")
	threshold := fs.String("threshold", "cumulative", "minimum-size reading: cumulative or per-checkpoint")
	clock := fs.String("clock", "wall", "base clock: wall (real time) or manual (moves only by /_emulator/clock/advance)")
	maxEntries := fs.Int("max-entries", 0, "cap on cache entries (0: default)")
	maxBody := fs.Int64("max-body-bytes", 0, "cap on request body size (0: default)")
	useTLS := fs.Bool("tls", false, "serve HTTPS with a self-signed certificate (bearer-token clients need it)")
	caOut := fs.String("ca-out", "", "with -tls, where to write the certificate (default: a temporary file)")
	list := fs.Bool("list", false, "list the fault and benign profiles and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *list {
		fmt.Fprintln(stdout, "fault profiles:")
		for _, p := range emulator.Faults() {
			fmt.Fprintf(stdout, "  %-32s %s\n", p.Name, p.Description)
		}
		fmt.Fprintln(stdout, "benign profiles:")
		for _, p := range emulator.BenignProfiles() {
			fmt.Fprintf(stdout, "  %-32s %s\n", p.Name, p.Description)
		}
		return nil
	}

	opts := emulator.Options{CharsPerToken: *ratio, MaxEntries: *maxEntries, MaxBodyBytes: *maxBody}
	for _, name := range strings.Split(*faults, ",") {
		if name = strings.TrimSpace(name); name != "" {
			opts.Profiles = append(opts.Profiles, name)
		}
	}
	switch *threshold {
	case "cumulative":
		opts.Threshold = emulator.ThresholdCumulative
	case "per-checkpoint":
		opts.Threshold = emulator.ThresholdPerCheckpoint
	default:
		return fmt.Errorf("-threshold: want cumulative or per-checkpoint, got %q", *threshold)
	}
	switch *clock {
	case "wall":
		opts.Clock = emulator.WallClock()
	case "manual":
		opts.Clock = emulator.NewManualClock(emulator.DefaultStart)
	default:
		return fmt.Errorf("-clock: want wall or manual, got %q", *clock)
	}

	srv, err := emulator.StartServer(opts, emulator.ServerOptions{Addr: *addr, TLS: *useTLS})
	if err != nil {
		return err
	}
	defer srv.Close()

	fmt.Fprintf(stdout, "export AWS_ENDPOINT_URL_BEDROCK_RUNTIME=%s\n", srv.URL())
	if *useTLS {
		path := *caOut
		if path == "" {
			dir, err := os.MkdirTemp("", "bedrock-emulator-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			path = filepath.Join(dir, "ca.pem")
		}
		if err := os.WriteFile(path, srv.CertPEM(), 0o600); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "export AWS_CA_BUNDLE=%s\n", path)
	}
	if f, ok := stdout.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}
	fmt.Fprintf(stderr, "bedrock-emulator: serving %s (profiles %v, threshold %s, clock %s); admin: %s/_emulator/{clock,clock/advance?by=5m,reset,profiles,stats}\n",
		srv.URL(), opts.Profiles, opts.Threshold, *clock, srv.URL())
	<-ctx.Done()
	return nil
}
