package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/cachecascade/cachecascade/emulator"
	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/internal/safebody"
)

// target is where the calls go: a client, a description for the output,
// and what to stop at the end (the in-process emulator).
type target struct {
	client   *bedrockruntime.Client
	describe string
	close    func()
}

// newTarget builds the client -emulator or the SDK's configuration asks
// for.
func newTarget(ctx context.Context, o options) (*target, error) {
	if o.emulator {
		return emulatorTarget(o)
	}
	return sdkTarget(ctx, o)
}

// retryer is the SDK's adaptive retryer with the attempts -max-attempts
// allows: throttling is retried with backoff before discovery sees it.
func retryer(maxAttempts int) aws.Retryer {
	return retry.AddWithMaxAttempts(retry.NewAdaptiveMode(), maxAttempts)
}

// emulatorTarget starts the in-process emulator, with the models of
// -models, and a client signing with static fake credentials.
func emulatorTarget(o options) (*target, error) {
	opts := emulator.Options{ModelsFile: o.models}
	if o.profiles != "" {
		opts.Profiles = strings.Split(o.profiles, ",")
	}
	region := o.region
	if region == "" {
		region = emulator.DefaultRegion
	}
	opts.Region = region // the emulator serves the region the client signs for
	srv, err := emulator.Start(opts)
	if err != nil {
		return nil, err
	}
	c := bedrockruntime.New(bedrockruntime.Options{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDDISCOVER", "discover-secret", ""),
		BaseEndpoint: aws.String(srv.URL()),
		HTTPClient:   srv.HTTPClient(),
		Retryer:      retryer(o.maxAttempts),
	})
	describe := "the in-process emulator " + emulator.Version + " at " + srv.URL()
	if o.models != "" {
		describe += " with the models of " + o.models
	}
	return &target{client: c, describe: describe, close: func() { srv.Close() }}, nil
}

// sdkTarget builds a client from the SDK's default configuration: the
// endpoint override in AWS_ENDPOINT_URL_BEDROCK_RUNTIME, or AWS in the
// configured region with the default credential chain.
func sdkTarget(ctx context.Context, o options) (*target, error) {
	var loads []func(*config.LoadOptions) error
	if o.region != "" {
		loads = append(loads, config.WithRegion(o.region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loads...)
	if err != nil {
		return nil, fmt.Errorf("cannot load the AWS configuration (check AWS_PROFILE and ~/.aws/config): %w", err)
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("no AWS region: set AWS_REGION (for example us-east-1) or -region, or use -emulator")
	}
	endpoint := os.Getenv(env.Endpoint)
	if os.Getenv(env.BearerToken) == "" || strings.HasPrefix(endpoint, "http://") {
		if err := checkCredentials(ctx, cfg.Credentials); err != nil {
			return nil, err
		}
	}
	c := bedrockruntime.NewFromConfig(cfg, func(bo *bedrockruntime.Options) {
		bo.Retryer = retryer(o.maxAttempts)
		bo.HTTPClient = &http.Client{Transport: safebody.Transport{Base: awshttp.NewBuildableClient().GetTransport()}}
		if strings.HasPrefix(endpoint, "http://") {
			// The SDK sends a bearer token only over HTTPS; a plain
			// local endpoint gets SigV4 and the token stays at home.
			bo.AuthSchemePreference, bo.BearerAuthTokenProvider = nil, nil
		}
	})
	describe := "AWS Bedrock runtime in " + cfg.Region
	if endpoint != "" {
		describe = env.Endpoint + "=" + endpoint
	}
	return &target{client: c, describe: describe, close: func() {}}, nil
}

// checkCredentials retrieves credentials once, so that a run without any
// stops before its first call, saying where the SDK looks.
func checkCredentials(ctx context.Context, p aws.CredentialsProvider) error {
	fix := "the SDK's default chain looks at AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE and ~/.aws (for SSO run `aws sso login`), web identity and the instance role; a Bedrock API key goes in " + env.BearerToken + "; offline, use -emulator"
	if p == nil {
		return fmt.Errorf("no AWS credentials: %s", fix)
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := p.Retrieve(ctx); err != nil {
		return fmt.Errorf("no usable AWS credentials (%v): %s", err, fix)
	}
	return nil
}
