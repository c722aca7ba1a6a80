// Package preflight checks, once before a run against a target, that the
// Bedrock runtime the AWS SDK's configuration points at can be used: a
// region, credentials (or a Bedrock API key over HTTPS), and an endpoint
// that answers. A run that cannot work then stops at once with one message
// saying what to do, instead of failing every spec one by one.
//
// It uses the SDK's own pieces: config.LoadDefaultConfig and its credential
// chain (Retrieve), the client's endpoint resolution, and the HTTP client
// the configuration built (AWS_CA_BUNDLE, HTTPS_PROXY and NO_PROXY apply).
// Reachability is one unsigned GET of the endpoint's root: any HTTP answer
// proves that the endpoint, its TLS certificate and the way there work, and
// it invokes no model, so it costs nothing on AWS.
package preflight

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/cachecascade/cachecascade/internal/env"
)

// Timeouts of the checks: retrieving credentials (SSO, web identity and the
// instance role may call out) and the reachability request.
const (
	CredentialsTimeout = 20 * time.Second
	ReachTimeout       = 10 * time.Second
)

// Problem is one reason the target cannot be used.
type Problem struct {
	// What is wrong.
	What string
	// Fix says what to do about it.
	Fix string
	// Err is the SDK's or the network's error, if any.
	Err error
}

// Error is the result of a failed check: every problem found, under one
// message.
type Error struct {
	// Endpoint is the target's URL, when it could be resolved.
	Endpoint string
	// Problems are what is wrong, in the order checked.
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("pre-flight: the target")
	if e.Endpoint != "" {
		b.WriteString(" " + e.Endpoint)
	}
	b.WriteString(" cannot be used, so the run stops before its first call:")
	for _, p := range e.Problems {
		b.WriteString("\n  - " + p.What)
		if p.Err != nil {
			b.WriteString(": " + p.Err.Error())
		}
		b.WriteString("\n    " + p.Fix)
	}
	return b.String()
}

// Unwrap returns the problems' errors.
func (e *Error) Unwrap() []error {
	var errs []error
	for _, p := range e.Problems {
		if p.Err != nil {
			errs = append(errs, p.Err)
		}
	}
	return errs
}

// offline is the hint for a user who only wants to run from cassettes.
const offline = "offline, from the cassettes, use " + env.Mode + "=replay"

// Check checks the target the SDK's default configuration (with loads
// applied) points at: AWS in its region, or the endpoint that
// AWS_ENDPOINT_URL_BEDROCK_RUNTIME or the shared configuration names. It
// returns nil or an *Error. The configuration is checked first (region,
// credentials, a Bedrock API key over plain HTTP); the network only when
// the configuration holds.
func Check(ctx context.Context, loads ...func(*config.LoadOptions) error) error {
	cfg, err := config.LoadDefaultConfig(ctx, loads...)
	if err != nil {
		return &Error{Problems: []Problem{{What: "cannot load the AWS configuration", Fix: "check AWS_PROFILE, AWS_CONFIG_FILE and ~/.aws/config", Err: err}}}
	}
	if cfg.Region == "" {
		e := &Error{Problems: []Problem{{What: "no AWS region", Fix: "set AWS_REGION (for example us-east-1) or use a profile with a region; " + offline}}}
		e.Problems = append(e.Problems, signing(ctx, cfg, bedrockruntime.NewFromConfig(cfg).Options(), "")...)
		return e
	}
	opts := bedrockruntime.NewFromConfig(cfg).Options()
	endpoint, err := resolveEndpoint(ctx, opts)
	if err != nil {
		return &Error{Problems: []Problem{{What: "cannot resolve the Bedrock runtime endpoint of region " + cfg.Region, Fix: "check AWS_REGION and " + env.Endpoint, Err: err}}}
	}
	if ps := signing(ctx, cfg, opts, endpoint); len(ps) > 0 {
		return &Error{Endpoint: endpoint, Problems: ps}
	}
	if p := reach(ctx, opts.HTTPClient, endpoint); p != nil {
		return &Error{Endpoint: endpoint, Problems: []Problem{*p}}
	}
	return nil
}

// resolveEndpoint returns the URL the client sends to, resolved as the
// client resolves it.
func resolveEndpoint(ctx context.Context, o bedrockruntime.Options) (string, error) {
	ep, err := o.EndpointResolverV2.ResolveEndpoint(ctx, bedrockruntime.EndpointParameters{
		Region:       aws.String(o.Region),
		UseDualStack: aws.Bool(o.EndpointOptions.UseDualStackEndpoint == aws.DualStackEndpointStateEnabled),
		UseFIPS:      aws.Bool(o.EndpointOptions.UseFIPSEndpoint == aws.FIPSEndpointStateEnabled),
		Endpoint:     o.BaseEndpoint,
	})
	if err != nil {
		return "", err
	}
	return ep.URI.String(), nil
}

// signing checks what the client would sign with: a Bedrock API key, which
// the SDK sends over HTTPS only, or credentials from the SDK's chain,
// retrieved once. endpoint is "" when it is not known.
func signing(ctx context.Context, cfg aws.Config, o bedrockruntime.Options, endpoint string) []Problem {
	if usesBearer(o) {
		if strings.HasPrefix(endpoint, "http://") {
			return []Problem{{What: "a Bedrock API key (" + env.BearerToken + ") is sent only over HTTPS, and the endpoint is plain HTTP",
				Fix: "serve the emulator over HTTPS: start it with -tls and set AWS_CA_BUNDLE to the certificate file it prints; or unset " + env.BearerToken + " to sign with SigV4"}}
		}
		return nil
	}
	fix := "the SDK's chain reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE and ~/.aws (for SSO run `aws sso login`), web identity and the instance role; a Bedrock API key goes in " + env.BearerToken + "; " + offline
	if cfg.Credentials == nil {
		return []Problem{{What: "no AWS credentials", Fix: fix}}
	}
	ctx, cancel := context.WithTimeout(ctx, CredentialsTimeout)
	defer cancel()
	creds, err := cfg.Credentials.Retrieve(ctx)
	switch {
	case err != nil:
		return []Problem{{What: "no AWS credentials", Fix: fix, Err: err}}
	case creds.CanExpire && !creds.Expires.IsZero() && time.Now().After(creds.Expires):
		return []Problem{{What: "the AWS credentials expired at " + creds.Expires.Format(time.RFC3339), Fix: "refresh them (for SSO run `aws sso login`)"}}
	}
	return nil
}

// reach sends one unsigned GET to the endpoint's root through the SDK's
// HTTP client. Any HTTP answer, whatever its status, means the target can
// be reached; the problem says why not otherwise.
func reach(ctx context.Context, client aws.HTTPClient, endpoint string) *Problem {
	ctx, cancel := context.WithTimeout(ctx, ReachTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(endpoint, "/")+"/", nil)
	if err != nil {
		return &Problem{What: "the endpoint is not a URL", Fix: "check " + env.Endpoint, Err: err}
	}
	resp, err := client.Do(req)
	if err == nil {
		resp.Body.Close()
		return nil
	}
	var cert *tls.CertificateVerificationError
	var dns *net.DNSError
	switch {
	case errors.As(err, &cert):
		return &Problem{What: "cannot verify the endpoint's TLS certificate", Err: err,
			Fix: "set AWS_CA_BUNDLE to the PEM file of the CA that signed it (bedrock-emulator -tls prints the line to use)"}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &Problem{What: "cannot reach the endpoint", Err: err,
			Fix: "nothing listens there: start the target, or correct " + env.Endpoint + " (or AWS_REGION); " + offline}
	case errors.As(err, &dns):
		return &Problem{What: "cannot reach the endpoint", Err: err,
			Fix: "its host name does not resolve: check " + env.Endpoint + ", AWS_REGION and the network (HTTPS_PROXY, NO_PROXY)"}
	}
	return &Problem{What: "cannot reach the endpoint", Err: err,
		Fix: "check that the target is up and the way there is open (" + env.Endpoint + ", AWS_REGION, HTTPS_PROXY, NO_PROXY); " + offline}
}
