// Command conformance drives the bundled Bedrock emulator with three
// foreign clients — the AWS SDK for JavaScript v3
// (@aws-sdk/client-bedrock-runtime with its default request handler),
// boto3 and the AWS CLI — and checks each answer against what FACTS.md
// says the service answers: Converse, ConverseStream, InvokeModel,
// InvokeModelWithResponseStream and CountTokens; a cache write then read;
// the service's validation errors; SigV4 failures; Bedrock API keys
// (bearer) and their isolation. It prints a check × client table and a
// client × operation summary, and exits 1 on any mismatch. scripts/conformance
// builds the emulator, installs the npm package and runs it.
//
// Usage:
//
//	conformance -emulator PATH [-dir conformance] [-timeout 60s] [-clients js-sdk-v3,boto3,aws-cli] [-fault NAME] [-v]
//
// It starts two emulators, one over HTTP (SigV4) and one with -tls (bearer
// keys need HTTPS), each with -credentials FILE (a fresh key pair in the
// AWS shared-credentials format) and -region us-east-1 when the binary has
// those flags. Every client runs one driver process (all clients at once),
// which makes the calls group by group (see groupOrder): for each group it
// sets the group's AWS_ variables and builds a fresh client that reads
// them, as an application's client would. A driver process that does not
// finish within -timeout is killed and its unanswered calls fail with that
// reason. A
// client that is not installed is skipped with a line saying so; an
// operation a client lacks is "n/a".
//
// Exit status: 0 when every check passes (or is n/a), 1 on any mismatch, 2
// on a usage or setup error.
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
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cachecascade/cachecascade/internal/modroot"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code, err := run(ctx, os.Args[1:], os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
	}
	os.Exit(code)
}

// config is the command line.
type config struct {
	emulator string
	dir      string
	timeout  time.Duration
	clients  []string
	faults   string
	verbose  bool
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	var clients string
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.emulator, "emulator", "", "the bedrock-emulator binary to start (required)")
	fs.StringVar(&c.dir, "dir", "", "the drivers' directory (default: conformance/ in the module root)")
	fs.DurationVar(&c.timeout, "timeout", 60*time.Second, "time limit of one driver process; it is killed after")
	fs.StringVar(&clients, "clients", "", "comma-separated clients to run (default: all of js-sdk-v3, boto3, aws-cli)")
	fs.StringVar(&c.faults, "fault", "", "emulator fault profiles to start with (a self-test: checks must then fail)")
	fs.BoolVar(&c.verbose, "v", false, "print every call's outcome")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() != 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.emulator == "" {
		return config{}, errors.New("-emulator PATH is required (scripts/conformance builds it)")
	}
	if c.dir == "" {
		root, err := modroot.Find()
		if err != nil {
			return config{}, err
		}
		c.dir = filepath.Join(root, "conformance")
	}
	for _, n := range strings.Split(clients, ",") {
		if n = strings.TrimSpace(n); n != "" {
			c.clients = append(c.clients, n)
		}
	}
	return c, nil
}

// run runs the conformance checks and returns the exit status.
func run(ctx context.Context, args []string, stdout io.Writer) (int, error) {
	start := time.Now()
	cfg, err := parseFlags(args, stdout)
	if err != nil {
		return 2, err
	}
	tmp, err := os.MkdirTemp("", "conformance-")
	if err != nil {
		return 2, err
	}
	defer os.RemoveAll(tmp)
	creds, err := newCredentials(time.Now())
	if err != nil {
		return 2, err
	}
	plain, tls, stop, err := startEmulators(ctx, cfg, tmp, creds, stdout)
	if err != nil {
		return 2, err
	}
	defer stop()
	active := activeClients(ctx, cfg, stdout)
	if len(active) == 0 {
		return 2, errors.New("no foreign client is installed (node with npm, python3 with boto3, aws)")
	}
	results := runClients(ctx, cfg, active, creds, plain, tls, stdout)

	names := make([]string, len(active))
	for i, c := range active {
		names[i] = c.Name
	}
	failed := render(stdout, names, results)
	fmt.Fprintf(stdout, "time: %.1f s\n", time.Since(start).Seconds())
	pass, fail, na := tally(results)
	fmt.Fprintf(stdout, "conformance: %d passed, %d failed, %d skipped\n", pass, fail, na)
	if failed {
		return 1, nil
	}
	return 0, nil
}

// startEmulators writes the credentials file into tmp and starts the two
// emulators, over HTTP and with -tls, with -credentials and -region where
// the binary has them (saying so where it has not) and the -fault
// profiles; stop ends both.
func startEmulators(ctx context.Context, cfg config, tmp string, creds credentials, stdout io.Writer) (plain, tls target, stop func(), err error) {
	credsFile := filepath.Join(tmp, "credentials")
	if err := writeCredentialsFile(credsFile, creds); err != nil {
		return target{}, target{}, nil, err
	}
	var base []string
	hasCreds, hasRegion := emulatorFlags(ctx, cfg.emulator)
	if hasCreds {
		base = append(base, "-credentials", credsFile)
	} else {
		fmt.Fprintln(stdout, "note: the emulator has no -credentials flag: it cannot verify signatures, so the SigV4 and API-key checks expect FACTS.md's errors it cannot give")
	}
	if hasRegion {
		base = append(base, "-region", region)
	} else {
		fmt.Fprintln(stdout, "note: the emulator has no -region flag: the wrong-region check expects FACTS.md's error it cannot give")
	}
	if cfg.faults != "" {
		base = append(base, "-fault", cfg.faults)
	}
	plainEmu, err := startEmulator(cfg.emulator, append([]string{"-addr", "127.0.0.1:0"}, base...), false)
	if err != nil {
		return target{}, target{}, nil, err
	}
	tlsEmu, err := startEmulator(cfg.emulator, append([]string{"-addr", "127.0.0.1:0", "-tls", "-ca-out", filepath.Join(tmp, "ca.pem")}, base...), true)
	if err != nil {
		plainEmu.stop()
		return target{}, target{}, nil, err
	}
	fmt.Fprintf(stdout, "emulator: %s (SigV4), %s (bearer, CA %s)%s\n", plainEmu.target.URL, tlsEmu.target.URL, tlsEmu.target.CABundle, faultNote(cfg.faults))
	return plainEmu.target, tlsEmu.target, func() { tlsEmu.stop(); plainEmu.stop() }, nil
}

// activeClients detects the clients, prints each one's version or why it
// is skipped, and returns those to run (all, or those -clients names).
func activeClients(ctx context.Context, cfg config, stdout io.Writer) []client {
	var active []client
	for _, c := range detectClients(ctx, cfg.dir) {
		switch {
		case len(cfg.clients) > 0 && !slices.Contains(cfg.clients, c.Name):
			continue
		case c.Skip != "":
			fmt.Fprintf(stdout, "client %s: SKIPPED: %s\n", c.Name, c.Skip)
		default:
			fmt.Fprintf(stdout, "client %s: %s\n", c.Name, c.Version)
			active = append(active, c)
		}
	}
	return active
}

// runClients runs every client at once, each over prefixes no other
// client or run shares, and returns each one's results.
func runClients(ctx context.Context, cfg config, active []client, creds credentials, plain, tls target, stdout io.Writer) [][]result {
	nonce := randomHex(4)
	shared := &lockedWriter{w: stdout}
	results := make([][]result, len(active))
	var wg sync.WaitGroup
	for i, c := range active {
		wg.Go(func() {
			results[i] = runClient(ctx, c, cfg, nonce+"-"+c.Name, creds, plain, tls, shared)
		})
	}
	wg.Wait()
	return results
}

func faultNote(f string) string {
	if f == "" {
		return ""
	}
	return ", faults " + f + " (checks are expected to fail)"
}

// result is one check judged for one client.
type result struct {
	check check
	// verdict is "pass", "n/a" or "FAIL".
	verdict string
	// reason explains a FAIL or an n/a.
	reason string
}

// runClient runs one client's driver process over every group in
// groupOrder and judges the checks.
func runClient(ctx context.Context, c client, cfg config, nonce string, creds credentials, plain, tls target, stdout io.Writer) []result {
	cks := checks(nonce)
	type pos struct{ check, call int }
	var plan []planGroup
	var where []pos
	for _, g := range groupOrder {
		pg := planGroup{Name: g, Env: groupVars(g, creds, plain, tls)}
		for i, ck := range cks {
			for j, cl := range ck.Calls {
				if cl.Group == g {
					pg.Calls = append(pg.Calls, cl)
					where = append(where, pos{i, j})
				}
			}
		}
		if len(pg.Calls) > 0 {
			plan = append(plan, pg)
		}
	}
	var extra []string
	if c.ExtraEnv != nil {
		extra = c.ExtraEnv(tls)
	}
	got, _, err := runDriver(ctx, c.Argv, baseEnv(extra...), cfg.dir, plan, cfg.timeout)
	if err != nil {
		got = nil
		for _, g := range plan {
			for _, cl := range g.Calls {
				got = append(got, outcome{ID: cl.ID, Missing: "driver did not start: " + err.Error()})
			}
		}
	}
	outs := make([][]outcome, len(cks))
	for i, ck := range cks {
		outs[i] = make([]outcome, len(ck.Calls))
	}
	for k, o := range got {
		outs[where[k].check][where[k].call] = o
		if cfg.verbose {
			fmt.Fprintf(stdout, "  %s %s: %s\n", c.Name, o.ID, o.describe())
		}
	}
	res := make([]result, len(cks))
	for i, ck := range cks {
		res[i] = judge(ck, outs[i])
	}
	return res
}

// judge judges one check: n/a when the client lacks an operation the
// check needs, else pass or FAIL by the check's Judge.
func judge(ck check, o []outcome) result {
	for _, x := range o {
		if x.Unsupported != "" {
			return result{check: ck, verdict: "n/a", reason: x.Unsupported}
		}
	}
	if err := ck.Judge(o); err != nil {
		return result{check: ck, verdict: "FAIL", reason: err.Error()}
	}
	return result{check: ck, verdict: "pass"}
}

// tally counts the verdicts.
func tally(results [][]result) (pass, fail, na int) {
	for _, rs := range results {
		for _, r := range rs {
			switch r.verdict {
			case "pass":
				pass++
			case "FAIL":
				fail++
			default:
				na++
			}
		}
	}
	return pass, fail, na
}

// lockedWriter serializes writes from the clients' goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
