package main

import (
	"context"
	"errors"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/bedrock/types"

	"github.com/cachecascade/cachecascade/emulator"
	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/matrix"
)

// driftTimeout bounds the catalog-drift check, retries included.
const driftTimeout = 2 * time.Minute

// profileLister lists the account's inference profiles, every page of
// every type the drift check reads.
type profileLister func(ctx context.Context) ([]types.InferenceProfileSummary, error)

// checkDrift lists the target's inference profiles and records in the
// summary which Anthropic and Nova models the catalog lacks, or why the
// listing failed. It never changes the exit status.
func (n *nightly) checkDrift(ctx context.Context) {
	list := n.lister
	if list == nil {
		list = n.targetLister()
	}
	ctx, cancel := context.WithTimeout(ctx, driftTimeout)
	defer cancel()
	profiles, err := list(ctx)
	n.sum.Drift = driftOf(ctx, profiles, err)
	n.logf("%s", n.sum.Drift.Line())
	for _, u := range n.sum.Drift.Uncatalogued {
		n.logf("  %s: %s", u.Model, u.Command)
	}
}

// driftOf is the drift check's outcome from a listing that ended with
// profiles or err under ctx: the uncatalogued models, or why the listing
// failed (timed out, interrupted, or what the error says).
func driftOf(ctx context.Context, profiles []types.InferenceProfileSummary, err error) Drift {
	switch {
	case err == nil:
		return Drift{Checked: true, Profiles: len(profiles), Uncatalogued: FindUncatalogued(profiles, matrix.Default())}
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return Drift{Reason: "listing the inference profiles timed out after " + driftTimeout.String()}
	case errors.Is(ctx.Err(), context.Canceled):
		return Drift{Reason: "interrupted"}
	}
	return Drift{Reason: listingReason(err)}
}

// targetLister returns the lister of the run's target: the in-process
// emulator's, or AWS's as the SDK's shared configuration resolves it
// (credentials, region, and the endpoint from AWS_ENDPOINT_URL_BEDROCK when
// that is set).
func (n *nightly) targetLister() profileLister {
	if n.target == "emulator" {
		return n.emulatorProfiles
	}
	return func(ctx context.Context) ([]types.InferenceProfileSummary, error) {
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, err
		}
		return listProfiles(ctx, bedrock.NewFromConfig(cfg))
	}
}

// emulatorProfiles starts an emulator in-process as the suites do for the
// emulator target, with the run's profiles and the same models file, and
// lists its inference profiles through the SDK.
func (n *nightly) emulatorProfiles(ctx context.Context) ([]types.InferenceProfileSummary, error) {
	var profiles []string
	if n.profile != "" {
		profiles = strings.Split(n.profile, ",")
	}
	srv, err := emulator.Start(emulator.Options{Profiles: profiles, ModelsFile: emulatorModels()})
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	return listProfiles(ctx, emulatorClient(srv.URL()))
}

// emulatorModels returns the emulator's models file from the environment,
// made absolute, or "" when none is set. The suites get the same absolute
// path (see env), since they run in another directory.
func emulatorModels() string {
	if p := os.Getenv(env.EmulatorModels); p != "" {
		return absPath(p)
	}
	return ""
}

// emulatorClient returns a control-plane client for an emulator at url:
// region us-east-1, fake static credentials, and SigV4 even when
// AWS_BEARER_TOKEN_BEDROCK is set, so that no real key reaches it.
func emulatorClient(url string) *bedrock.Client {
	return bedrock.New(bedrock.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEMULATOR", "emulator-secret", ""),
	}, func(o *bedrock.Options) {
		o.BearerAuthTokenProvider, o.AuthSchemePreference = nil, nil
	})
}

// listProfiles lists every page of the system-defined and then the
// application inference profiles (the service lists only system-defined
// ones unless asked for the other type), each profile once.
func listProfiles(ctx context.Context, c bedrock.ListInferenceProfilesAPIClient) ([]types.InferenceProfileSummary, error) {
	var out []types.InferenceProfileSummary
	seen := map[string]bool{}
	for _, t := range driftTypes {
		pages := bedrock.NewListInferenceProfilesPaginator(c, &bedrock.ListInferenceProfilesInput{TypeEquals: t})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			for _, p := range page.InferenceProfileSummaries {
				if key := aws.ToString(p.InferenceProfileArn) + " " + profileID(p); !seen[key] {
					seen[key] = true
					out = append(out, p)
				}
			}
		}
	}
	return out, nil
}
