package emulator

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	bedrocktypes "github.com/aws/aws-sdk-go-v2/service/bedrock/types"
)

// controlClient is a Bedrock control-plane client of the emulator.
func controlClient(url string) *bedrock.Client {
	return bedrock.New(bedrock.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint: aws.String(url),
		Retryer:      aws.NopRetryer{},
		HTTPClient:   safeClient(nil),
	})
}

// pageAllProfiles pages through ListInferenceProfiles and returns every
// summary and the number of pages.
func pageAllProfiles(t *testing.T, c *bedrock.Client, in *bedrock.ListInferenceProfilesInput) ([]bedrocktypes.InferenceProfileSummary, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var all []bedrocktypes.InferenceProfileSummary
	pages := 0
	for p := bedrock.NewListInferenceProfilesPaginator(c, in); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListInferenceProfiles page %d: %v", pages+1, err)
		}
		if in.MaxResults != nil && len(out.InferenceProfileSummaries) > int(*in.MaxResults) {
			t.Fatalf("page of %d summaries over maxResults %d", len(out.InferenceProfileSummaries), *in.MaxResults)
		}
		all = append(all, out.InferenceProfileSummaries...)
		pages++
	}
	return all, pages
}

// TestListInferenceProfiles lists every profile through the SDK's
// paginator: one per (model, prefix) of every model not past its end of
// life, none for end-of-life or in-Region-only models, each shaped like the
// service's.
func TestListInferenceProfiles(t *testing.T) {
	srv, err := Start(Options{ModelsFile: writeModels(t, hiddenModelFile)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	all, pages := pageAllProfiles(t, controlClient(srv.URL()), &bedrock.ListInferenceProfilesInput{MaxResults: aws.Int32(7)})
	if pages < 2 {
		t.Errorf("%d pages of 7 for %d profiles", pages, len(all))
	}
	ids := map[string]bool{}
	for _, s := range all {
		id := aws.ToString(s.InferenceProfileId)
		if ids[id] {
			t.Errorf("%s listed twice", id)
		}
		ids[id] = true
		checkSummary(t, s)
	}
	for _, id := range []string{opus47US, sonnet46Global, opus55Global, "au.anthropic.claude-opus-4-7",
		"apac.anthropic.claude-fable-5-2", "jp.anthropic.claude-sonnet-4-5-20250929-v1:0", "us.amazon.nova-lite-v1:0",
		"us.anthropic.claude-hidden-1", "global.anthropic.claude-hidden-1"} {
		if !ids[id] {
			t.Errorf("%s is not listed", id)
		}
	}
	for id := range ids {
		for _, gone := range []string{"claude-3-5-haiku", "claude-3-7-sonnet", "claude-v2", "claude-instant", "cohere.", "mythos", "eu.anthropic.claude-hidden-1"} {
			if strings.Contains(id, gone) {
				t.Errorf("%s is listed", id)
			}
		}
	}
	// 26 built-in models with profiles (33, less 5 end-of-life, less the 2
	// in-Region Mythos models) × 6 prefixes, plus the hidden model's 2.
	if len(all) != 26*6+2 {
		t.Errorf("%d profiles, want %d", len(all), 26*6+2)
	}
}

// checkSummary checks one summary's fields against its ID.
func checkSummary(t *testing.T, s bedrocktypes.InferenceProfileSummary) {
	t.Helper()
	id := aws.ToString(s.InferenceProfileId)
	prefix, base, _ := strings.Cut(id, ".")
	if !slices.Contains(ProfilePrefixes(), prefix) {
		t.Errorf("%s: prefix %q", id, prefix)
	}
	if got, want := aws.ToString(s.InferenceProfileArn), "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"+id; got != want {
		t.Errorf("%s: ARN %s, want %s", id, got, want)
	}
	if s.Status != bedrocktypes.InferenceProfileStatusActive || s.Type != bedrocktypes.InferenceProfileTypeSystemDefined {
		t.Errorf("%s: status %s type %s", id, s.Status, s.Type)
	}
	if aws.ToString(s.InferenceProfileName) == "" || len(s.Models) == 0 {
		t.Errorf("%s: name %q, %d models", id, aws.ToString(s.InferenceProfileName), len(s.Models))
	}
	for _, m := range s.Models {
		arn := aws.ToString(m.ModelArn)
		if !strings.HasPrefix(arn, "arn:aws:bedrock:") || !strings.HasSuffix(arn, "::foundation-model/"+base) {
			t.Errorf("%s: model ARN %s", id, arn)
		}
	}
}

// TestListInferenceProfilesFilters: typeEquals selects system-defined
// profiles (the emulator has no application profiles), and one page holds
// everything when maxResults allows.
func TestListInferenceProfilesFilters(t *testing.T) {
	h := startHarness(t, Options{})
	c := controlClient(h.srv.URL())
	for _, tc := range []struct {
		name     string
		in       *bedrock.ListInferenceProfilesInput
		n, pages int
	}{
		{"default page size", &bedrock.ListInferenceProfilesInput{}, 156, 2},
		{"one page", &bedrock.ListInferenceProfilesInput{MaxResults: aws.Int32(1000)}, 156, 1},
		{"system-defined", &bedrock.ListInferenceProfilesInput{TypeEquals: bedrocktypes.InferenceProfileTypeSystemDefined, MaxResults: aws.Int32(500)}, 156, 1},
		{"application", &bedrock.ListInferenceProfilesInput{TypeEquals: bedrocktypes.InferenceProfileTypeApplication}, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			all, pages := pageAllProfiles(t, c, tc.in)
			if len(all) != tc.n || pages != tc.pages {
				t.Errorf("%d profiles in %d pages, want %d in %d", len(all), pages, tc.n, tc.pages)
			}
		})
	}
}

// TestListInferenceProfilesErrors: bad parameters, a bad token, no
// credentials and a wrong method answer like the service.
func TestListInferenceProfilesErrors(t *testing.T) {
	h := startHarness(t, Options{})
	for _, tc := range []struct {
		name, method, query, auth string
		status                    int
		want                      string
	}{
		{"ok", http.MethodGet, "?maxResults=2", fakeSigV4, 200, `"nextToken":`},
		{"maxResults 0", http.MethodGet, "?maxResults=0", fakeSigV4, 400, "Value '0' at 'maxResults'"},
		{"maxResults 1001", http.MethodGet, "?maxResults=1001", fakeSigV4, 400, "Member must have value between 1 and 1000"},
		{"maxResults word", http.MethodGet, "?maxResults=many", fakeSigV4, 400, "Value 'many' at 'maxResults'"},
		{"bad token", http.MethodGet, "?nextToken=bm90LWEtdG9rZW4", fakeSigV4, 400, msgNextToken},
		{"token past the end", http.MethodGet, "?nextToken=" + pageToken(100000), fakeSigV4, 400, msgNextToken},
		{"bad type", http.MethodGet, "?type=CUSTOM", fakeSigV4, 400, "Member must satisfy enum value set: [SYSTEM_DEFINED, APPLICATION]"},
		{"no credentials", http.MethodGet, "", "", 403, msgAuthMissing},
		{"POST", http.MethodPost, "", fakeSigV4, 404, "UnknownOperation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, h.srv.URL()+"/inference-profiles"+tc.query, nil)
			if err != nil {
				t.Fatal(err)
			}
			setAuth(req.Header, tc.auth)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			got := string(body) + " " + resp.Header.Get("x-amzn-ErrorType")
			if resp.StatusCode != tc.status || !strings.Contains(got, tc.want) {
				t.Fatalf("%d %s, want %d containing %q", resp.StatusCode, got, tc.status, tc.want)
			}
		})
	}
}
