package recorder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/smithy-go/middleware"
	"gopkg.in/dnaeon/go-vcr.v2/cassette"
	vcr "gopkg.in/dnaeon/go-vcr.v2/recorder"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/internal/safebody"
)

// Options configure a Session.
type Options struct {
	// Mode is the run's mode; the zero value is Replay.
	Mode Mode
	// Cassette is the spec's cassette file (see CassettePath). Required in
	// Replay and Record.
	Cassette string
	// Spec names the spec, for error messages and the default Rerecord.
	Spec string
	// Rerecord is the command that records the spec again, shown when a
	// replay fails. The default focuses `go test ./suites/` on Spec.
	Rerecord string
	// Endpoint overrides the Bedrock runtime endpoint in Record and Live,
	// as an in-process emulator needs. Unset, the SDK's own resolution
	// applies, including AWS_ENDPOINT_URL_BEDROCK_RUNTIME (env.Endpoint).
	Endpoint string
	// Region overrides the region in Record and Live; unset, the SDK's
	// chain (AWS_REGION, the profile) decides.
	Region string
	// Transport carries real requests in Record and Live. The default is
	// the HTTP client the SDK's configuration built, with everything it
	// honours (AWS_CA_BUNDLE, HTTPS_PROXY and NO_PROXY, its timeouts).
	Transport http.RoundTripper
	// MaxAttempts bounds the attempts per call in Record and Live (the
	// SDK's adaptive retry); zero keeps the SDK default.
	MaxAttempts int
	// LoadOptions are passed to config.LoadDefaultConfig in Record and
	// Live, for a profile or other SDK configuration.
	LoadOptions []func(*config.LoadOptions) error
	// Manifest is the cassette directory, which holds the manifest (see
	// ManifestFile) and Cassette. Set, the first session of the process
	// to open a cassette under it tidies it (see Tidy) in Replay and
	// Record; and in Record with Provenance, Finish writes the cassette's
	// manifest entry as soon as the cassette is in place, through a
	// journal, so that no kill leaves the manifest untrue.
	Manifest string
	// Provenance is the cassette's manifest entry in Record (see
	// Manifest).
	Provenance *Provenance
}

// Session is one spec's connection to Bedrock: a client and, in Replay and
// Record, the cassette behind it. Call Finish when the spec ends.
type Session struct {
	// Client is the Bedrock runtime client the spec uses.
	Client *bedrockruntime.Client
	// Mode is the session's mode.
	Mode Mode
	// Cassette is the spec's cassette file ("" in Live).
	Cassette string

	rec      *vcr.Recorder
	replay   *replayTransport
	temp     string // Record: the temporary cassette, without ".yaml"
	opts     Options
	finished bool
}

// rename moves the finished temporary cassette into place; tests replace it
// to simulate a failure.
var rename = os.Rename

// Open starts a session. In Replay it loads the cassette and fails with a
// *CassetteError if it is missing or corrupt; in Record and Live it loads
// the SDK's configuration and fails with a *TargetError if there is no
// region or no credentials. In Record nothing is written until Finish.
func Open(ctx context.Context, o Options) (*Session, error) {
	if o.Mode == "" {
		o.Mode = Replay
	}
	if _, err := ParseMode(string(o.Mode)); err != nil {
		return nil, err
	}
	if o.Rerecord == "" {
		o.Rerecord = DefaultRerecord(o.Spec)
	}
	if o.Mode != Live && o.Cassette == "" {
		return nil, fmt.Errorf("recorder: spec %q: %s mode needs a cassette path", o.Spec, o.Mode)
	}
	s := &Session{Mode: o.Mode, Cassette: o.Cassette, opts: o}
	if o.Mode != Live {
		// Files a killed record process left: in the whole cassette
		// directory, or at least beside this cassette.
		if o.Manifest != "" {
			tidyOnce(o.Manifest)
		} else {
			tidyOnce(filepath.Dir(o.Cassette))
		}
	}
	switch o.Mode {
	case Replay:
		return s, s.openReplay(o)
	case Record:
		return s, s.openRecord(ctx, o)
	}
	client, err := targetClient(ctx, o, nil)
	s.Client = client
	return s, err
}

// DefaultRerecord returns the command that records one spec again against
// the in-process emulator; against AWS, drop CACHECASCADE_TARGET
// (env.Target).
func DefaultRerecord(spec string) string {
	focus := "'" + strings.ReplaceAll(regexp.QuoteMeta(spec), "'", `'\''`) + "'"
	return env.Mode + "=record " + env.Target + "=emulator go test ./suites/ -ginkgo.focus=" + focus
}

func (s *Session) openReplay(o Options) error {
	fail := func(err error) error {
		return &CassetteError{Spec: o.Spec, Cassette: o.Cassette, Err: err, Rerecord: o.Rerecord}
	}
	name, ok := strings.CutSuffix(o.Cassette, ".yaml")
	if !ok {
		return fail(errors.New(`the cassette path must end in ".yaml"`))
	}
	info, err := os.Stat(o.Cassette)
	if errors.Is(err, os.ErrNotExist) {
		return fail(cassette.ErrCassetteNotFound)
	}
	var stamp []byte
	if err == nil {
		stamp = stampOf(info)
	}
	// Replay answers from the cassette's interactions directly, read once
	// (through the cassette cache, see loadInteractions) and at hand for
	// diagnostics.
	interactions, digests, err := loadReplay(name+".yaml", stamp)
	if err != nil {
		return fail(err)
	}
	if len(interactions) == 0 {
		return fail(errors.New("it holds no interactions"))
	}
	s.replay = &replayTransport{recorded: interactions, digests: digests, path: name + ".yaml",
		matcher: NewMatcher(), accounts: &accounts{}, opts: o}
	creds := credentials.NewStaticCredentialsProvider("AKIDREPLAYONLY00000", "replay-only-secret", "")
	s.Client = bedrockruntime.New(bedrockruntime.Options{
		Region:       "us-east-1",
		Credentials:  creds,
		BaseEndpoint: aws.String("https://bedrock-runtime.replay.invalid"),
		HTTPClient:   safebody.Client{Transport: s.replay},
		Retryer:      ReplayRetryer(),
		APIOptions:   []func(*middleware.Stack) error{replayUnsigned(s.replay.accounts, creds)},
	}, func(bo *bedrockruntime.Options) {
		// The SDK switches to bearer auth when AWS_BEARER_TOKEN_BEDROCK
		// (env.BearerToken) is set; replay must not depend on the
		// environment.
		noBearer(bo)
	})
	return nil
}

func (s *Session) openRecord(ctx context.Context, o Options) error {
	name, ok := strings.CutSuffix(o.Cassette, ".yaml")
	if !ok {
		return fmt.Errorf("recorder: spec %q: the cassette path %q must end in \".yaml\"", o.Spec, o.Cassette)
	}
	dir, base := filepath.Split(name)
	if err := os.MkdirAll(filepath.Clean(dir), 0o755); err != nil {
		return fmt.Errorf("recorder: spec %q: %w", o.Spec, err)
	}
	// go-vcr appends to an existing file and writes in place; record into
	// a fresh temporary name beside the cassette and rename on success.
	s.temp = filepath.Join(dir, fmt.Sprintf(".%s.recording-%d-%d", base, os.Getpid(), time.Now().UnixNano()))
	// The real transport is set by targetClient, from the SDK's own client.
	rec, err := vcr.NewAsMode(s.temp, vcr.ModeRecording, nil)
	if err != nil {
		return fmt.Errorf("recorder: spec %q: %w", o.Spec, err)
	}
	rec.SkipRequestLatency = true
	// Number the accounts before Redact drops the Authorization header.
	rec.AddSaveFilter((&accounts{}).filter)
	rec.AddSaveFilter(Redact)
	s.rec = rec
	client, err := targetClient(ctx, o, func(real http.RoundTripper) http.RoundTripper {
		rec.SetTransport(real)
		return rec
	})
	s.Client = client
	return err
}

// realTransport returns the transport for real calls, wrapped in
// BodyReaderTransport: o.Transport, or the HTTP client the SDK configured.
func realTransport(o Options, configured aws.HTTPClient) http.RoundTripper {
	if o.Transport != nil {
		return BodyReaderTransport{Base: o.Transport}
	}
	if configured == nil {
		configured = awshttp.NewBuildableClient()
	}
	return BodyReaderTransport{Base: safebody.Sender{Client: configured}}
}

// BodyReaderTransport wraps a RoundTripper so that request bodies are seen
// only as io.Reader and io.Closer, working around a race between smithy-go
// and net/http that a fast local server triggers (see safebody.Transport).
type BodyReaderTransport = safebody.Transport

// targetClient builds a client for a real target from the SDK's default
// configuration chain, with the adaptive retryer. Its requests go through
// the HTTP client that configuration built (see realTransport), passed
// through the given wrapper when there is one (the recorder).
func targetClient(ctx context.Context, o Options, through func(http.RoundTripper) http.RoundTripper) (*bedrockruntime.Client, error) {
	loads := append([]func(*config.LoadOptions) error(nil), o.LoadOptions...)
	if o.Region != "" {
		loads = append(loads, config.WithRegion(o.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loads...)
	if err != nil {
		return nil, &TargetError{Problem: "cannot load the AWS configuration", Fix: "check AWS_PROFILE and ~/.aws/config", Err: err}
	}
	if cfg.Region == "" {
		return nil, &TargetError{Problem: "no AWS region",
			Fix: "set AWS_REGION (for example us-east-1) or use a profile with a region; offline, use " + env.Mode + "=replay"}
	}
	if os.Getenv(env.BearerToken) == "" || strings.HasPrefix(o.Endpoint, "http://") {
		if err := checkCredentials(ctx, cfg.Credentials); err != nil {
			return nil, err
		}
	}
	return bedrockruntime.NewFromConfig(cfg, func(bo *bedrockruntime.Options) {
		// Wrapped, never replaced: the SDK's client carries AWS_CA_BUNDLE,
		// the proxy settings and its timeouts.
		transport := realTransport(o, bo.HTTPClient)
		if through != nil {
			transport = through(transport)
		}
		bo.HTTPClient = safebody.Client{Transport: transport}
		bo.Retryer = TargetRetryer(o.MaxAttempts)
		if o.Endpoint != "" {
			bo.BaseEndpoint = aws.String(o.Endpoint)
			if strings.HasPrefix(o.Endpoint, "http://") {
				// The SDK sends a bearer token only over HTTPS and refuses
				// the call otherwise; a plain local endpoint (the in-process
				// emulator) gets SigV4, and the token stays at home.
				noBearer(bo)
			}
		}
	}), nil
}

// checkCredentials retrieves credentials once, so that a run without any
// fails before its first spec rather than in each.
func checkCredentials(ctx context.Context, p aws.CredentialsProvider) error {
	fix := "the SDK's default chain looks at AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE and ~/.aws (for SSO run `aws sso login`), web identity and the instance role; a Bedrock API key goes in " + env.BearerToken + "; offline, use " + env.Mode + "=replay"
	if p == nil {
		return &TargetError{Problem: "no AWS credentials", Fix: fix}
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	creds, err := p.Retrieve(ctx)
	if err != nil {
		return &TargetError{Problem: "no usable AWS credentials", Fix: fix, Err: err}
	}
	if creds.CanExpire && !creds.Expires.IsZero() && time.Now().After(creds.Expires) {
		return &TargetError{Problem: "the AWS credentials expired at " + creds.Expires.Format(time.RFC3339), Fix: "refresh them (for SSO run `aws sso login`)"}
	}
	return nil
}

// Finish ends the session. In Record with keep true it saves the recorded
// interactions into the cassette atomically: written to a temporary file
// beside it, read back, then renamed over the old one, so a failure at any
// point leaves the old cassette as it was. With keep false (the spec
// failed) nothing is written. In Replay with keep true it reports
// interactions the spec did not use, a sign that the spec changed since it
// was recorded. Finish may be called more than once; only the first call
// acts.
func (s *Session) Finish(keep bool) error {
	if s == nil || s.finished {
		return nil
	}
	s.finished = true
	switch s.Mode {
	case Replay:
		if s.replay == nil || !keep {
			return nil
		}
		if used, all := s.replay.progress(); used < all {
			return fmt.Errorf("spec %q replayed %d of the %d interactions in %s: it sends fewer requests than when it was recorded; re-record with:\n    %s",
				s.replay.opts.Spec, used, all, s.Cassette, s.replay.opts.Rerecord)
		}
	case Record:
		return s.save(keep)
	}
	return nil
}

// save writes the recording into place, or discards it.
func (s *Session) save(keep bool) error {
	tmp := s.temp + ".yaml"
	defer os.Remove(tmp)
	if !keep || s.rec == nil {
		return nil
	}
	if err := s.rec.Stop(); err != nil {
		return fmt.Errorf("recorder: saving %s failed, the old cassette is unchanged: %w", s.Cassette, err)
	}
	if _, err := os.Stat(tmp); err != nil {
		return fmt.Errorf("recorder: the spec made no requests, so %s was not written (the old cassette, if any, is unchanged)", s.Cassette)
	}
	if err := syncFile(tmp); err != nil {
		return fmt.Errorf("recorder: saving %s failed, the old cassette is unchanged: %w", s.Cassette, err)
	}
	if _, err := cassette.Load(s.temp); err != nil {
		return fmt.Errorf("recorder: the new recording for %s does not read back, the old cassette is unchanged: %w", s.Cassette, err)
	}
	if s.opts.Manifest == "" || s.opts.Provenance == nil {
		if err := rename(tmp, s.Cassette); err != nil {
			return fmt.Errorf("recorder: saving %s failed, the old cassette is unchanged: %w", s.Cassette, err)
		}
		return nil
	}
	return s.saveWithEntry(tmp)
}

// saveWithEntry puts the recording tmp in place and its entry in the
// manifest, under the lock of the cassette directory: the journal first,
// then the rename, then the entry; Tidy settles a journal that a kill left
// (see tidy.go).
func (s *Session) saveWithEntry(tmp string) error {
	dir := s.opts.Manifest
	unlock, err := lockDir(dir)
	if err != nil {
		return fmt.Errorf("recorder: saving %s failed, the old cassette is unchanged: %w", s.Cassette, err)
	}
	defer unlock()
	j := journalPath(s.Cassette)
	if err := writeJournal(j, dir, s.Cassette, tmp, *s.opts.Provenance); err != nil {
		return fmt.Errorf("recorder: saving %s failed, the old cassette is unchanged: %w", s.Cassette, err)
	}
	hook("journal written")
	if err := rename(tmp, s.Cassette); err != nil {
		os.Remove(j)
		return fmt.Errorf("recorder: saving %s failed, the old cassette is unchanged: %w", s.Cassette, err)
	}
	hook("cassette renamed")
	m, err := ReadManifest(dir)
	if err == nil {
		if m.Note == "" {
			m.Note = ManifestNote
		}
		rel, _ := filepath.Rel(dir, s.Cassette)
		m.Cassettes[filepath.ToSlash(rel)] = *s.opts.Provenance
		err = WriteManifest(dir, m)
	}
	if err != nil {
		return fmt.Errorf("recorder: %s was saved, but its manifest entry was not (the journal %s keeps it for the next run): %w", s.Cassette, j, err)
	}
	return os.Remove(j)
}

// hook is called at the steps of saveWithEntry; tests stop a process there.
var hook = func(step string) {}

// syncFile flushes a file to stable storage.
func syncFile(name string) error {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// replayTransport answers from a go-vcr cassette strictly in recorded
// order: each request must match the next recorded interaction. Cache state
// depends on the order of calls, so a spec whose calls moved must not be
// answered with another step's response. A mismatch is a *MissError.
type replayTransport struct {
	recorded []*cassette.Interaction
	// digests, when set, stand for the recorded request bodies, which
	// recorded then lacks (see loadReplay); path is the cassette, read
	// whole to explain a miss.
	digests  []bodyDigest
	path     string
	matcher  *Matcher
	accounts *accounts
	opts     Options

	mu       sync.Mutex
	replayed int // interactions served, so the index of the next one
}

func (t *replayTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// The body is read only when it must be: a request the SDK signed with
	// the recorded body's hash matches unread (see Matcher.matchDigest).
	defer closeBody(req)
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	t.accounts.mark(req.Header)
	t.mu.Lock()
	defer t.mu.Unlock()
	next := t.replayed
	if next >= len(t.recorded) || !t.matches(req, next) {
		body, err := readBody(req)
		if err != nil {
			return nil, err
		}
		m := t.miss(req, body, next)
		t.logWire(req, m.Next, false)
		return nil, m
	}
	i := t.recorded[next]
	if err := checkResponse(i.Response); err != nil {
		return nil, &CassetteError{Spec: t.opts.Spec, Cassette: t.opts.Cassette, Rerecord: t.opts.Rerecord,
			Err: fmt.Errorf("%w: interaction %d (%s %s): %v", ErrCorruptResponse, next, i.Request.Method, i.Request.URL, err)}
	}
	t.replayed++
	t.logWire(req, next, true)
	// The response as go-vcr's recorder would build it. Its header is the
	// recorded one, not a copy: an interaction is replayed once a session.
	return &http.Response{
		Status: i.Response.Status, StatusCode: i.Response.Code,
		Proto: "HTTP/1.0", ProtoMajor: 1, ProtoMinor: 0,
		Request: req, Header: i.Response.Headers, Close: true,
		ContentLength: int64(len(i.Response.Body)),
		Body:          io.NopCloser(strings.NewReader(i.Response.Body)),
	}, nil
}

// checkResponse reports why a recorded response cannot be what the service
// sent: an event stream that does not decode whole (a frame cut short, a
// checksum that does not match), or a JSON body that does not parse. The
// SDK would say only that decoding failed, or, for a stream cut at a frame,
// end the stream early without an error.
func checkResponse(r cassette.Response) error {
	if isEventStream(r.Headers) {
		dec := eventstream.NewDecoder()
		body := strings.NewReader(r.Body)
		for n := 0; body.Len() > 0; n++ {
			if _, err := dec.Decode(body, nil); err != nil {
				return fmt.Errorf("event-stream frame %d does not decode (%d bytes from the end): %w", n, body.Len(), err)
			}
		}
		return nil
	}
	if strings.Contains(r.Headers.Get("Content-Type"), "json") && r.Body != "" && !json.Valid([]byte(r.Body)) {
		var v any
		return fmt.Errorf("the %s body does not parse: %w", r.Headers.Get("Content-Type"), json.Unmarshal([]byte(r.Body), &v))
	}
	return nil
}

// progress returns how many interactions were replayed, and how many the
// cassette holds.
func (t *replayTransport) progress() (used, all int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.replayed, len(t.recorded)
}

// matches reports whether req is recorded interaction i.
func (t *replayTransport) matches(req *http.Request, i int) bool {
	if t.digests != nil {
		return t.matcher.matchDigest(req, t.recorded[i].Request, t.digests[i])
	}
	return t.matcher.Match(req, t.recorded[i].Request)
}

// withBodies reads the recorded request bodies in, if only their digests
// are at hand.
func (t *replayTransport) withBodies() error {
	if t.digests == nil {
		return nil
	}
	is, err := loadInteractions(t.path)
	if err != nil {
		return err
	}
	if len(is) != len(t.recorded) {
		return fmt.Errorf("%s now holds %d interactions, not %d: it changed during the run", t.path, len(is), len(t.recorded))
	}
	t.recorded, t.digests = is, nil
	return nil
}

// miss describes a request that does not match the next recorded
// interaction.
func (t *replayTransport) miss(req *http.Request, body []byte, next int) *MissError {
	e := &MissError{Spec: t.opts.Spec, Cassette: t.opts.Cassette, Method: req.Method, Path: canonicalPath(req.URL),
		Call: next + 1, Recorded: len(t.recorded), Next: -1, Elsewhere: -1, Rerecord: t.opts.Rerecord}
	bodiesErr := t.withBodies()
	if next < len(t.recorded) {
		e.Next = next
		if bodiesErr != nil {
			e.Diff = fmt.Sprintf("the recorded request cannot be read to compare: %v\n", bodiesErr)
		} else {
			e.Diff = requestDiff(t.recorded[next].Request, req, body)
		}
	}
	for i := range t.recorded {
		if i != next && t.matches(req, i) {
			e.Elsewhere = i
			break
		}
	}
	return e
}

// requestDiff describes how a request differs from a recorded one: request
// line, account and body.
func requestDiff(rec cassette.Request, req *http.Request, body []byte) string {
	var b strings.Builder
	if u, err := url.Parse(rec.URL); err != nil || rec.Method != req.Method || canonicalPath(u) != canonicalPath(req.URL) {
		fmt.Fprintf(&b, "request line:\n\t-recorded: %s %s\n\t+actual:   %s %s\n", rec.Method, rec.URL, req.Method, canonicalPath(req.URL))
	}
	if want, got := rec.Headers.Get(AccountHeader), req.Header.Get(AccountHeader); want != "" && want != got {
		fmt.Fprintf(&b, "account (%s):\n\t-recorded: %s\n\t+actual:   %s\n", AccountHeader, want, got)
	}
	b.WriteString(BodyDiff([]byte(rec.Body), body))
	return b.String()
}

// ClientAs returns a client that sends through the same session (the same
// cassette when recording or replaying) but signs with other credentials,
// as a second AWS account would. Replay does not sign: it marks each
// request with the account of its credentials (see replayAccount), which a
// recorded request must match.
func (s *Session) ClientAs(p aws.CredentialsProvider) *bedrockruntime.Client {
	return bedrockruntime.New(s.Client.Options(), func(o *bedrockruntime.Options) {
		o.Credentials = p
		noBearer(o)
		if s.replay != nil {
			o.APIOptions = append(slices.Clip(o.APIOptions), replayUnsigned(s.replay.accounts, p))
		}
	})
}
