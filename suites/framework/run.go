// Package framework is the small core every cachecascade suite needs: it
// resolves the run (mode, target, salt, where cassettes live), starts the
// in-process emulator when that is the target, opens one recorder session
// per spec on that spec's cassette, sends calls while keeping the spec's
// token and cost tally, judges each call with the verdict package, and
// files one report row per spec for the matrix report.
//
// Suites reach Bedrock only through the SDK client it hands out, so they
// run unchanged against cassettes, the emulator, any endpoint named by
// AWS_ENDPOINT_URL_BEDROCK_RUNTIME, or AWS. Beyond starting the emulator it
// knows nothing of the emulator's internals: the clock is moved through the
// emulator's HTTP admin endpoint, as it would be for a standalone one.
package framework

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/cachecascade/cachecascade/emulator"
	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/internal/modroot"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/recorder"
)

// The targets.
const (
	TargetCassettes = "cassettes"
	TargetEmulator  = "emulator"
	TargetEndpoint  = "endpoint"
	TargetAWS       = "aws"
)

// Run is what one run of the suites shares: resolved once, before the
// first spec.
type Run struct {
	// Mode is the recorder mode.
	Mode recorder.Mode
	// Target is where calls go: cassettes, emulator, endpoint or aws.
	Target string
	// Endpoint is the emulator's or the named endpoint's URL.
	Endpoint string
	// Region is the AWS region of an aws target.
	Region string
	// Profiles are the in-process emulator's profiles.
	Profiles []string
	// Salt starts the prefix of every request of the run.
	Salt fixtures.Salt
	// Root is the project root; Cassettes and Reports are directories.
	Root, Cassettes, Reports string
	// Catalog is the model catalog.
	Catalog *matrix.Catalog
	// RecordEndOfLife says the run re-records the history of end-of-life
	// models against the in-process emulator (see env.RecordEndOfLife).
	RecordEndOfLife bool
	// Started is when the run began.
	Started time.Time

	// ID tells this run's tally from a previous run's (see Started).
	ID string

	emu   *emulator.Server
	admin *http.Client

	budget budget
	ledger *ledger
	slots  *slots
	// resends counts the extra calls spent on the service's noise
	// against their cap (see resend.go).
	resends *runResends

	// manifest is the manifest as a replay run read it (see Manifest).
	manifest struct {
		once sync.Once
		m    recorder.Manifest
		err  error
	}
}

// Started returns the run's start data as NewRun takes it: the start time
// and a random ID. The first process of a parallel run calls it and hands
// the bytes to every process (SynchronizedBeforeSuite), so that all record
// one date and charge one tally, the one of that ID.
func Started() []byte {
	return fmt.Appendf(nil, "%s %016x", time.Now().UTC().Format(time.RFC3339), rand.Uint64())
}

// parseStarted reads Started's bytes: the start time and the run's ID (the
// time itself when there is none).
func parseStarted(started []byte) (time.Time, string, error) {
	at, id, _ := strings.Cut(string(started), " ")
	start, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return start, "", fmt.Errorf("framework: the run's start time %q: %w", started, err)
	}
	if id == "" {
		id = at
	}
	return start, id, nil
}

// NewRun resolves the run from the environment and, when the target is the
// in-process emulator, starts it; started is the run's start data from
// Started. In a parallel run each process has its own Run (and its own
// in-process emulator), and all charge the run's one tally against its
// one budget and share the per-model cap on calls in flight. Call Close
// when the suite ends.
func NewRun(started []byte) (*Run, error) {
	start, id, err := parseStarted(started)
	if err != nil {
		return nil, err
	}
	mode, err := recorder.ModeFromEnv()
	if err != nil {
		return nil, err
	}
	root, err := modroot.Find()
	if err != nil {
		return nil, err
	}
	r := &Run{Mode: mode, Root: root, Catalog: matrix.Default(), Started: start, ID: id, admin: &http.Client{Timeout: 10 * time.Second}}
	if r.RecordEndOfLife, err = recordEndOfLifeFromEnv(mode); err != nil {
		return nil, err
	}
	r.Cassettes = envOr(env.Cassettes, filepath.Join(root, "cassettes"))
	r.Reports = envOr(env.ReportDir, filepath.Join(root, "reports"))
	if mode == recorder.Replay {
		r.Target, r.Salt = TargetCassettes, fixtures.ZeroSalt
		return r, nil
	}
	r.Salt = fixtures.NewSalt()
	if err := r.shareSpending(); err != nil {
		return nil, err
	}
	if err := r.resolveTarget(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// shareSpending reads the budget and the per-model cap and opens the run's
// tally and call slots in its report directory, where every process of the
// run finds them.
func (r *Run) shareSpending() error {
	var err error
	if r.budget, err = budgetFromEnv(); err != nil {
		return err
	}
	if r.resends, err = runResendsFromEnv(); err != nil {
		return err
	}
	per, err := modelConcurrencyFromEnv()
	if err != nil {
		return err
	}
	if r.slots, err = newSlots(filepath.Join(r.Reports, InflightDir), per); err != nil {
		return err
	}
	r.ledger, err = openLedger(filepath.Join(r.Reports, LedgerFile), r.ID)
	return err
}

// targetFromEnv says where a run's calls go, from env.Target and
// env.Endpoint: the in-process emulator, AWS, or the named endpoint.
func targetFromEnv() (string, error) {
	switch t := os.Getenv(env.Target); {
	case t == TargetEmulator:
		return TargetEmulator, nil
	case t == TargetAWS || t == "" && os.Getenv(env.Endpoint) == "":
		if os.Getenv(env.Endpoint) != "" {
			return "", fmt.Errorf("framework: %s=aws, but %s=%s sends the calls elsewhere, and the cassettes would be labelled as recorded on AWS; unset one of them", env.Target, env.Endpoint, os.Getenv(env.Endpoint))
		}
		return TargetAWS, nil
	case t == "" || t == TargetEndpoint:
		if os.Getenv(env.Endpoint) == "" {
			return "", fmt.Errorf("framework: %s=endpoint sends the calls to %s, which is unset", env.Target, env.Endpoint)
		}
		return TargetEndpoint, nil
	default:
		return "", fmt.Errorf("framework: %s=%q: want emulator, aws or endpoint", env.Target, t)
	}
}

// resolveTarget sets where the run's calls go (see targetFromEnv),
// starting the in-process emulator when that is the target.
func (r *Run) resolveTarget() error {
	t, err := targetFromEnv()
	if err != nil {
		return err
	}
	switch t {
	case TargetEmulator:
		return r.startEmulator()
	case TargetAWS:
		r.Target = TargetAWS
		// The region as the SDK resolves it (environment or profile), for
		// the manifest; Preflight reports a missing one.
		if cfg, err := config.LoadDefaultConfig(context.Background()); err == nil {
			r.Region = cfg.Region
		}
	default:
		r.Target, r.Endpoint = TargetEndpoint, os.Getenv(env.Endpoint)
	}
	return nil
}

// startEmulator starts the in-process emulator with the profiles, models
// file and latency the environment names.
func (r *Run) startEmulator() error {
	r.Target = TargetEmulator
	if p := os.Getenv(env.EmulatorProfiles); p != "" {
		r.Profiles = strings.Split(p, ",")
	}
	opts := emulator.Options{Profiles: r.Profiles, ModelsFile: os.Getenv(env.EmulatorModels), ServeEndOfLife: r.RecordEndOfLife}
	if v := os.Getenv(env.EmulatorLatency); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("framework: %s=%q: want a positive duration such as 1.5s", env.EmulatorLatency, v)
		}
		opts.Latency = d
	}
	if err := noiseOptionsFromEnv(&opts); err != nil {
		return err
	}
	srv, err := emulator.Start(opts)
	if err != nil {
		return fmt.Errorf("framework: starting the emulator: %w", err)
	}
	r.emu, r.Endpoint, r.Region = srv, srv.URL(), "us-east-1"
	return nil
}

// Close stops the in-process emulator, if any, and closes the run's tally.
func (r *Run) Close() error {
	var errs []error
	if r.emu != nil {
		errs = append(errs, r.emu.Close())
	}
	if r.ledger != nil {
		errs = append(errs, r.ledger.Close())
	}
	return errors.Join(errs...)
}

// Source describes where the run's responses come from, for reports and
// the cassette manifest.
func (r *Run) Source() string {
	switch r.Target {
	case TargetEmulator:
		s := "emulator " + emulator.Version
		if len(r.Profiles) > 0 {
			s += " with profiles " + strings.Join(r.Profiles, ",")
		}
		if f := os.Getenv(env.EmulatorModels); f != "" {
			s += " with the models of " + filepath.Base(f)
		}
		return s
	case TargetEndpoint:
		return "endpoint " + r.Endpoint
	case TargetAWS:
		return "aws " + r.Region
	}
	return "cassettes" + r.recordedFrom()
}

// recordedFrom summarises where the cassettes came from, per the manifest.
func (r *Run) recordedFrom() string {
	m, err := r.Manifest()
	if err != nil || len(m.Cassettes) == 0 {
		return ""
	}
	count := map[string]int{}
	for _, p := range m.Cassettes {
		count[p.Source]++
	}
	var parts []string
	for src, n := range count {
		parts = append(parts, fmt.Sprintf("%d from %s", n, src))
	}
	sort.Strings(parts)
	return " (recorded: " + strings.Join(parts, ", ") + ")"
}

// sessionOptions returns the recorder options of a spec.
func (r *Run) sessionOptions(cassette, spec string) recorder.Options {
	o := recorder.Options{Mode: r.Mode, Cassette: cassette, Spec: spec}
	if r.Target == TargetEmulator {
		o.Endpoint, o.Region = r.Endpoint, r.Region
		o.LoadOptions = []func(*config.LoadOptions) error{
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDEMULATOR00000000", "emulator-secret", "")),
		}
	}
	return o
}

// ClockShared reports whether the run's target has one clock that every
// process of the run moves: an endpoint (an emulator another process
// serves, whose admin endpoint moves its clock for everyone). Specs that
// move the clock must then run alone (Ginkgo's Serial). Against AWS each
// spec waits in real time on its own, the in-process emulator is each
// process's own, and replay waits for nothing: there the slow waits of
// the TTL specs overlap across processes. It reads only the environment,
// so a suite can decide while it builds its tree.
func ClockShared() bool {
	mode, err := recorder.ModeFromEnv()
	if err != nil || mode == recorder.Replay {
		return false
	}
	t, err := targetFromEnv()
	return err == nil && t == TargetEndpoint
}

// Advance moves the target's clock forward by d: nothing in replay (the
// recorded answers already show the passage of time), the emulator's admin
// endpoint for an emulator or a named endpoint that has one, and a real
// wait against AWS.
func (r *Run) Advance(ctx context.Context, d time.Duration) error {
	switch r.Target {
	case TargetCassettes:
		return nil
	case TargetEmulator, TargetEndpoint:
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(r.Endpoint, "/")+"/_emulator/clock/advance?by="+d.String(), nil)
		if err != nil {
			return err
		}
		resp, err := r.admin.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if r.Target == TargetEmulator {
			return fmt.Errorf("framework: advancing the emulator clock: %v", errOrStatus(err, resp))
		}
	}
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func errOrStatus(err error, resp *http.Response) any {
	if err != nil {
		return err
	}
	return resp.Status
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// SecondAccount returns credentials of a second account for the isolation
// specs, or nil and why there are none. Replay needs none (any will do);
// the emulator tells accounts apart by access key, so a second fake key is
// a second account; against AWS or another endpoint the profile named by
// CACHECASCADE_SECOND_PROFILE is used, and without it the spec is not
// applicable.
func (r *Run) SecondAccount(ctx context.Context) (aws.CredentialsProvider, string) {
	if profile := os.Getenv(env.SecondProfile); profile != "" && (r.Target == TargetAWS || r.Target == TargetEndpoint) {
		cfg, err := config.LoadDefaultConfig(ctx, config.WithSharedConfigProfile(profile))
		if err != nil {
			return nil, fmt.Sprintf("%s=%s: %v", env.SecondProfile, profile, err)
		}
		return cfg.Credentials, ""
	}
	switch r.Target {
	case TargetCassettes, TargetEmulator:
		return credentials.NewStaticCredentialsProvider("AKIDSECONDACCOUNT000", "second-account-secret", ""), ""
	}
	return nil, "not applicable: isolation needs a second AWS account; set " + env.SecondProfile + " to a profile of one"
}
