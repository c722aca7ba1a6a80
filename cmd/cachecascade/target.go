package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/cachecascade/cachecascade/emulator"
	"github.com/cachecascade/cachecascade/forecast"
	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/request"
)

// The targets --target names.
const (
	targetEmulator = "emulator"
	targetAWS      = "aws"
)

// signingService is the service name Bedrock runtime requests are signed
// for.
const signingService = "bedrock"

// defaultOutputTokens is the answer length the cost estimate assumes for a
// request whose body sets no maximum.
const defaultOutputTokens = 4096

// target is where check sends a log's requests.
type target struct {
	name string
	// base is the endpoint URL requests go to ("/model/…" is appended).
	base   string
	client aws.HTTPClient
	// authorize signs (or otherwise authenticates) a request with its body.
	authorize func(ctx context.Context, r *http.Request, body []byte) error
	// advance moves the target's clock; nil for a real service, which
	// cannot be time-travelled.
	advance func(time.Duration)
	retryer *retry.Standard
	close   func() error
}

// openTarget opens the target --target names: a fresh in-process emulator
// with a fresh random access key (an account of its own), or the service as
// the SDK's default configuration finds it (region, credential chain,
// AWS_ENDPOINT_URL_BEDROCK_RUNTIME or AWS_ENDPOINT_URL, AWS_CA_BUNDLE, and
// AWS_BEARER_TOKEN_BEDROCK for an API key).
func openTarget(ctx context.Context, name string) (*target, error) {
	switch name {
	case targetEmulator:
		return openEmulator()
	case targetAWS:
		return openAWS(ctx)
	}
	return nil, fmt.Errorf("--target %q: want %s or %s", name, targetEmulator, targetAWS)
}

// openEmulator starts an emulator that knows one fresh random key pair
// only (StrictCredentials), so that the run is an account of its own.
func openEmulator() (*target, error) {
	creds := aws.Credentials{AccessKeyID: "AKIDCHECK" + strings.ToUpper(randomHex(6))[:11], SecretAccessKey: randomHex(20)}
	srv, err := emulator.Start(emulator.Options{Credentials: map[string]string{creds.AccessKeyID: creds.SecretAccessKey}, StrictCredentials: true})
	if err != nil {
		return nil, err
	}
	return serverTarget(srv, creds), nil
}

// serverTarget is the emulator target on a running emulator, signing with
// creds; closing it stops the server.
func serverTarget(srv *emulator.Server, creds aws.Credentials) *target {
	return &target{
		name: targetEmulator, base: srv.URL(), client: srv.HTTPClient(),
		authorize: sigV4(creds, emulator.DefaultRegion),
		advance:   srv.Advance,
		retryer:   retry.NewStandard(),
		close:     srv.Close,
	}
}

// openAWS configures the service target from the SDK's default
// configuration.
func openAWS(ctx context.Context) (*target, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("--target aws: AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("--target aws: no region (set AWS_REGION or a profile's region)")
	}
	base := os.Getenv(env.Endpoint)
	if base == "" && cfg.BaseEndpoint != nil {
		base = *cfg.BaseEndpoint
	}
	if base == "" {
		ep, err := bedrockruntime.NewDefaultEndpointResolverV2().ResolveEndpoint(ctx, bedrockruntime.EndpointParameters{Region: aws.String(cfg.Region)})
		if err != nil {
			return nil, fmt.Errorf("--target aws: endpoint for %s: %w", cfg.Region, err)
		}
		base = ep.URI.String()
	}
	t := &target{name: targetAWS, base: strings.TrimSuffix(base, "/"), client: cfg.HTTPClient, retryer: retry.NewStandard(), close: func() error { return nil }}
	if t.client == nil {
		t.client = http.DefaultClient
	}
	if token := os.Getenv(env.BearerToken); token != "" {
		t.authorize = func(_ context.Context, r *http.Request, _ []byte) error {
			r.Header.Set("Authorization", "Bearer "+token)
			return nil
		}
		return t, nil
	}
	if cfg.Credentials == nil {
		return nil, errors.New("--target aws: no credentials (the SDK's credential chain found none, and AWS_BEARER_TOKEN_BEDROCK is not set)")
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("--target aws: credentials: %w", err)
	}
	t.authorize = sigV4(creds, cfg.Region)
	return t, nil
}

// sigV4 signs requests with the SDK's own SigV4 signer.
func sigV4(creds aws.Credentials, region string) func(context.Context, *http.Request, []byte) error {
	signer := v4.NewSigner()
	return func(ctx context.Context, r *http.Request, body []byte) error {
		sum := sha256.Sum256(body)
		return signer.SignHTTP(ctx, creds, r, hex.EncodeToString(sum[:]), signingService, region, time.Now())
	}
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// observation is what the target answered one request.
type observation struct {
	Status    int    `json:"status"`
	ErrorType string `json:"errorType,omitempty"`
	// Message is the error's message, when the answer is an error.
	Message string `json:"message,omitempty"`
	// Read, Written and Input are the usage's cache read, cache write and
	// uncached input tokens.
	Read    int `json:"read"`
	Written int `json:"written"`
	Input   int `json:"input"`
	// Attempts is how many times the request was sent (more than one
	// after throttling or a transient error, retried by the SDK's
	// standard retryer).
	Attempts int `json:"attempts"`
}

// answerError is an error answer, in the shape the SDK's retryer
// classifies (error code and HTTP status).
type answerError struct {
	status  int
	code    string
	message string
}

func (e *answerError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message)
}

// ErrorCode returns the service's error type, for the retryer.
func (e *answerError) ErrorCode() string { return e.code }

// HTTPStatusCode returns the HTTP status, for the retryer.
func (e *answerError) HTTPStatusCode() int { return e.status }

// send posts a request body, exactly as given, to its operation on the
// target and reads the usage of the answer (a stream read to the end).
// Throttling and transient errors are retried as the SDK's standard retryer
// decides, and the last answer is returned; it is an error when no answer
// came, when the target still throttles after the retries, or when it
// refuses the credentials (401, 403), none of which says anything about
// the cache.
func (t *target) send(ctx context.Context, req forecast.Request) (observation, error) {
	for attempt := 1; ; attempt++ {
		o, err := t.attempt(ctx, req)
		o.Attempts = attempt
		if err == nil {
			return o, nil
		}
		if !t.retryer.IsErrorRetryable(err) || attempt >= t.retryer.MaxAttempts() {
			var ae *answerError
			switch {
			case !errors.As(err, &ae):
				return o, fmt.Errorf("%s: %w", req.Source, err)
			case ae.status == http.StatusTooManyRequests:
				return o, fmt.Errorf("%s: still throttled after %d attempts (%v); the requests after it were not sent, so nothing was compared past it: run again later", req.Source, attempt, err)
			case ae.status == http.StatusUnauthorized || ae.status == http.StatusForbidden:
				return o, fmt.Errorf("%s: the target refused the credentials (%v)", req.Source, err)
			}
			return o, nil // an answer: compared with the prediction
		}
		d, derr := t.retryer.RetryDelay(attempt, err)
		if derr != nil {
			return o, fmt.Errorf("%s: %w", req.Source, err)
		}
		select {
		case <-ctx.Done():
			return o, ctx.Err()
		case <-time.After(d):
		}
	}
}

// attempt sends a request once; an error answer is an *answerError.
func (t *target) attempt(ctx context.Context, req forecast.Request) (observation, error) {
	id := strings.ReplaceAll(url.PathEscape(req.ModelID), ":", "%3A")
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, t.base+"/model/"+id+"/"+string(req.Operation), bytes.NewReader(req.Body))
	if err != nil {
		return observation{}, err
	}
	hr.Header.Set("Content-Type", "application/json")
	if err := t.authorize(ctx, hr, req.Body); err != nil {
		return observation{}, err
	}
	resp, err := t.client.Do(hr)
	if err != nil {
		return observation{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return observation{}, err
	}
	o := observation{Status: resp.StatusCode}
	if resp.StatusCode != http.StatusOK {
		o.ErrorType, _, _ = strings.Cut(resp.Header.Get("X-Amzn-ErrorType"), ":")
		var msg struct {
			Message  string `json:"message"`
			Message2 string `json:"Message"`
		}
		_ = json.Unmarshal(b, &msg) // a body that is no JSON leaves no message
		o.Message = msg.Message + msg.Message2
		return o, &answerError{status: o.Status, code: o.ErrorType, message: o.Message}
	}
	api, ok := request.APIOfPath("/" + string(req.Operation))
	if !ok {
		return o, fmt.Errorf("no API for operation %s", req.Operation)
	}
	m, _ := matrix.Default().Lookup(req.ModelID)
	u, err := request.Recorded(api, m.Family, b)
	if err != nil {
		return o, fmt.Errorf("reading the usage of the answer: %w", err)
	}
	o.Read, o.Written, o.Input = u.Read, u.Write, u.Input
	return o, nil
}

// comparison is what --target adds to the report: each request's
// prediction beside what the target answered.
type comparison struct {
	Target string `json:"target"`
	// Note says how the requests were sent (clock, salt).
	Note string `json:"note"`
	// EstimatedUSD bounds what the requests may cost (a real service).
	EstimatedUSD float64           `json:"estimatedUSD,omitempty"`
	Requests     []comparedRequest `json:"requests"`
	// Disagreements are the requests whose observation contradicts the
	// prediction, each under the rule of the predicted behaviour.
	Disagreements []forecast.Finding `json:"disagreements"`
}

// comparedRequest is one request's prediction and observation.
type comparedRequest struct {
	Source string `json:"source"`
	// SaltPath is the JSON path the salt went in ("" when the body has no
	// text to salt).
	SaltPath  string      `json:"saltPath"`
	Predicted prediction  `json:"predicted"`
	Observed  observation `json:"observed"`
	// Disagreement describes how the observation contradicts the
	// prediction ("" when they agree).
	Disagreement string `json:"disagreement,omitempty"`
}

// prediction is the part of a forecast.RequestResult an observation is
// compared with.
type prediction struct {
	Rejection    matrix.Rule `json:"rejection,omitempty"`
	Read         int         `json:"read"`
	Written      int         `json:"written"`
	PromptTokens int         `json:"promptTokens"`
}

// salted returns reqs with a salt in every body: one fresh salt per
// sequence and account (which never share entries in the prediction), so
// that no request reads an entry of an earlier run or of another sequence.
func salted(reqs []forecast.Request) ([]forecast.Request, []string, error) {
	out := make([]forecast.Request, len(reqs))
	paths := make([]string, len(reqs))
	salts := map[[2]string]string{}
	for i, r := range reqs {
		k := [2]string{r.Sequence, r.Account}
		s, ok := salts[k]
		if !ok {
			var err error
			if s, err = newSalt(); err != nil {
				return nil, nil, err
			}
			salts[k] = s
		}
		body, path, err := addSalt(r.Body, s)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", r.Source, err)
		}
		r.Body, paths[i] = body, path
		out[i] = r
	}
	return out, paths, nil
}

// estimateUSD bounds what sending reqs costs: every prompt token, raised by
// the estimate's stated error, at the dearest of the input and write
// prices, and each answer at the body's maximum output tokens
// (defaultOutputTokens when it sets none). A model not in the catalog has
// no price: it is an error.
func estimateUSD(reqs []forecast.Request, rep *forecast.Report) (float64, error) {
	const perToken = 1e-6
	var usd float64
	for i, r := range rep.Requests {
		m, ok := matrix.Default().Lookup(r.ModelID)
		if !ok {
			return 0, fmt.Errorf("%s: %s is not in the catalog, so its price is unknown", r.Source, r.ModelID)
		}
		p := m.Prices.For(matrix.ProfileKindOf(r.ModelID))
		in := max(p.Input, p.CacheWrite, p.CacheWrite1h)
		usd += perToken * (math.Ceil(float64(r.PromptTokens)*(1+forecast.EstimateError))*in + float64(maxOutputTokens(reqs[i].Body))*p.Output)
	}
	return usd, nil
}

// maxOutputTokens reads a body's answer limit: Converse's
// inferenceConfig.maxTokens, Anthropic's max_tokens, Nova's
// inferenceConfig.max_new_tokens.
func maxOutputTokens(body []byte) int {
	var b struct {
		MaxTokens       int `json:"max_tokens"`
		InferenceConfig struct {
			MaxTokens    int `json:"maxTokens"`
			MaxNewTokens int `json:"max_new_tokens"`
		} `json:"inferenceConfig"`
	}
	_ = json.Unmarshal(body, &b) // a body check could read is JSON; zeros select the default
	if n := max(b.MaxTokens, b.InferenceConfig.MaxTokens, b.InferenceConfig.MaxNewTokens); n > 0 {
		return n
	}
	return defaultOutputTokens
}

// untimed returns reqs without their times, for a target that cannot be
// time-travelled.
func untimed(reqs []forecast.Request) []forecast.Request {
	out := make([]forecast.Request, len(reqs))
	for i, r := range reqs {
		r.Time = time.Time{}
		out[i] = r
	}
	return out
}

// compare sends reqs (already salted; paths says where) to t in order and
// compares each answer with rep's prediction. On a target with a clock the
// clock is moved by the gaps between a sequence's times, so that the TTL
// is honoured; a request without a time comes right after the one before.
func compare(ctx context.Context, t *target, reqs []forecast.Request, paths []string, rep *forecast.Report) (*comparison, error) {
	c := &comparison{Target: t.name}
	var prev time.Time
	seq := ""
	for i, req := range reqs {
		if i == 0 || req.Sequence != seq {
			prev, seq = time.Time{}, req.Sequence
		}
		if t.advance != nil && !req.Time.IsZero() {
			if !prev.IsZero() && req.Time.After(prev) {
				t.advance(req.Time.Sub(prev))
			}
			prev = req.Time
		}
		o, err := t.send(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("--target %s: %w", t.name, err)
		}
		p := rep.Requests[i]
		cr := comparedRequest{Source: p.Source, SaltPath: paths[i], Observed: o,
			Predicted: prediction{Read: p.Read, Written: p.Written, PromptTokens: p.PromptTokens}}
		if len(p.Rejections) > 0 {
			cr.Predicted.Rejection = p.Rejections[0].Rule
		}
		if rule, d := agree(p, o); d != "" {
			cr.Disagreement = d
			c.Disagreements = append(c.Disagreements, forecast.Finding{Rule: rule, Severity: forecast.Error, Source: p.Source, Message: d})
		}
		c.Requests = append(c.Requests, cr)
	}
	return c, nil
}

// agree compares one prediction with what the target answered and
// describes any disagreement, under the rule of the predicted behaviour
// (see behaviourRule): a predicted rejection is a 400 of the predicted
// error code; otherwise a request reads (writes) exactly when it is
// predicted to, and the share of its prompt read and written agrees within
// 10 points (the target's tokenizer is not the check's estimate).
func agree(p forecast.RequestResult, o observation) (matrix.Rule, string) {
	if len(p.Rejections) > 0 {
		r := p.Rejections[0]
		if o.Status != http.StatusBadRequest || !strings.HasPrefix(o.ErrorType, r.ErrorCode) {
			return r.Rule, fmt.Sprintf("%s: predicted %d %s (%s), observed %d %q", p.Source, r.Status, r.ErrorCode, r.Rule, o.Status, o.ErrorType)
		}
		return "", ""
	}
	if o.Status != http.StatusOK {
		return matrix.RuleUsageReported, fmt.Sprintf("%s: predicted acceptance, observed %d %q", p.Source, o.Status, o.ErrorType)
	}
	rule := behaviourRule(p)
	if (p.Read > 0) != (o.Read > 0) || (p.Written > 0) != (o.Written > 0) {
		return rule, fmt.Sprintf("%s: predicted read %d, written %d; observed read %d, written %d", p.Source, p.Read, p.Written, o.Read, o.Written)
	}
	prompt := o.Read + o.Written + o.Input
	share := func(n, of int) float64 { return float64(n) / float64(max(of, 1)) }
	if math.Abs(share(p.Read, p.PromptTokens)-share(o.Read, prompt)) > 0.1 ||
		math.Abs(share(p.Written, p.PromptTokens)-share(o.Written, prompt)) > 0.1 {
		return rule, fmt.Sprintf("%s: predicted read %d and wrote %d of %d; observed read %d and wrote %d of %d", p.Source, p.Read, p.Written, p.PromptTokens, o.Read, o.Written, prompt)
	}
	return "", ""
}

// behaviourRule names the rule behind an accepted request's prediction: the
// rule of a checkpoint's miss (cascade, TTL expiry, look-back), else the
// look-back when one is read through it, repeat-reads when it reads,
// threshold when a checkpoint is below the minimum, prime-writes when it
// writes, no-checkpoint-no-write when it has no checkpoint.
func behaviourRule(p forecast.RequestResult) matrix.Rule {
	has := func(o forecast.Outcome) bool {
		for _, c := range p.Checkpoints {
			if c.Outcome == o {
				return true
			}
		}
		return false
	}
	for _, c := range p.Checkpoints {
		if c.Miss != nil {
			return c.Miss.Rule
		}
	}
	switch {
	case has(forecast.LookBack):
		return matrix.RuleLookBack
	case p.Read > 0:
		return matrix.RuleRepeat
	case has(forecast.NeverCached):
		return matrix.RuleThreshold
	case len(p.Checkpoints) == 0:
		return matrix.RuleNoCheckpoint
	}
	return matrix.RulePrime
}

// runTarget salts reqs, predicts them as the target will see them (without
// times on a real service), refuses a paid target whose estimated cost is
// not under the cap, then sends them and compares. Every error means that
// nothing was compared (exit 2).
func runTarget(ctx context.Context, name string, maxUSD float64, capped bool, reqs []forecast.Request, stderr io.Writer) (*comparison, error) {
	sent, paths, err := salted(reqs)
	if err != nil {
		return nil, err
	}
	if name != targetEmulator {
		sent = untimed(sent)
	}
	pred, err := forecast.Check(sent, forecast.Options{})
	if err != nil {
		return nil, err
	}
	var est float64
	if name != targetEmulator {
		if est, err = estimateUSD(sent, pred); err != nil {
			return nil, fmt.Errorf("--target %s: cannot estimate the cost: %w", name, err)
		}
		fmt.Fprintf(stderr, "cachecascade check: --target %s sends %d paid requests, estimated at most $%.4f (every prompt token at the write price, +%.0f%% for the token estimate, each answer at its max tokens or %d)\n",
			name, len(sent), est, 100*forecast.EstimateError, defaultOutputTokens)
		switch {
		case !capped:
			return nil, fmt.Errorf("--target %s: refusing to send paid requests without --max-usd: pass --max-usd above the estimate $%.4f", name, est)
		case est >= maxUSD:
			return nil, fmt.Errorf("--target %s: the estimate $%.4f is not under --max-usd $%.4f: nothing was sent", name, est, maxUSD)
		}
	}
	t, err := openTarget(ctx, name)
	if err != nil {
		return nil, err
	}
	defer t.close()
	c, err := compare(ctx, t, sent, paths, pred)
	if err != nil {
		return nil, err
	}
	c.EstimatedUSD = est
	unsalted := 0
	for _, p := range paths {
		if p == "" {
			unsalted++
		}
	}
	salt := "every body was salted (`cachecascade-salt-…` at the start of its first text), so no request read an entry of an earlier run"
	if unsalted > 0 {
		salt = fmt.Sprintf("every body but %d was salted (`cachecascade-salt-…` at the start of its first text); those had no text to salt and may read entries of an earlier run", unsalted)
	}
	if t.advance != nil {
		c.Note = "Sent to a fresh in-process emulator with a key of its own; its clock moved by the gaps between the log's times. " + strings.ToUpper(salt[:1]) + salt[1:] + "."
	} else {
		host := t.base
		if u, err := url.Parse(t.base); err == nil && u.Host != "" {
			host = u.Host
		}
		c.Note = fmt.Sprintf("Sent back to back to %s: a real service cannot be time-travelled, so the log's times were not reproduced and the comparison is with the prediction without times (no entry expires). %s%s. Estimated cost at most $%.4f.",
			host, strings.ToUpper(salt[:1]), salt[1:], est)
	}
	return c, nil
}
