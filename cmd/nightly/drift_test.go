package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cachecascade/cachecascade/emulator"
	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/report"
)

// driftCatalog is a two-model catalog, with one model known not to cache,
// for the drift tables, independent of the embedded one.
var driftCatalog = &matrix.Catalog{Models: []matrix.Model{
	{Key: "claude-sonnet-4-5", BaseID: "anthropic.claude-sonnet-4-5-20250929-v1:0",
		Profiles: []string{"us.anthropic.claude-sonnet-4-5-20250929-v1:0", "eu.anthropic.claude-sonnet-4-5-20250929-v1:0"}},
	{Key: "nova-lite", BaseID: "amazon.nova-lite-v1:0", Profiles: []string{"us.amazon.nova-lite-v1:0"}},
}, Uncached: []matrix.Uncached{{BaseID: "anthropic.claude-3-haiku-20240307-v1:0", Source: "test"}}}

// system is a system-defined profile summary with its ID and the ARN of
// its model in us-east-1 and us-west-2, as the service lists them.
func system(id string) types.InferenceProfileSummary {
	model := withoutGeoPrefix(id)
	return types.InferenceProfileSummary{
		InferenceProfileId:  aws.String(id),
		InferenceProfileArn: aws.String("arn:aws:bedrock:us-east-1:123456789012:inference-profile/" + id),
		Type:                types.InferenceProfileTypeSystemDefined,
		Models: []types.InferenceProfileModel{
			{ModelArn: aws.String("arn:aws:bedrock:us-east-1::foundation-model/" + model)},
			{ModelArn: aws.String("arn:aws:bedrock:us-west-2::foundation-model/" + model)},
		},
	}
}

// application is an application profile summary: an opaque ID and the
// foundation-model ARN of its model.
func application(id, model string) types.InferenceProfileSummary {
	return types.InferenceProfileSummary{
		InferenceProfileId:  aws.String(id),
		InferenceProfileArn: aws.String("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/" + id),
		Type:                types.InferenceProfileTypeApplication,
		Models:              []types.InferenceProfileModel{{ModelArn: aws.String("arn:aws:bedrock:us-east-1::foundation-model/" + model)}},
	}
}

// TestFindUncatalogued lists profiles of each kind and checks which models
// the drift check reports, with their profiles and discover commands.
func TestFindUncatalogued(t *testing.T) {
	arnOnly := system("us.anthropic.claude-haiku-5-5")
	arnOnly.InferenceProfileId, arnOnly.Models = nil, nil
	escaped := application("app1", "x")
	escaped.Models = []types.InferenceProfileModel{{ModelArn: aws.String("arn%3Aaws%3Abedrock%3Aus-east-1%3A%3Afoundation-model%2Famazon.nova-premier-2-v1%3A0")}}
	catalogedByARN := system("eu.anthropic.claude-sonnet-4-5-20250929-v1:0")
	catalogedByARN.InferenceProfileId = nil
	noModels := system("apac.amazon.nova-2-pro-v1:0")
	noModels.Models = nil
	unknownType := system("us.anthropic.claude-opus-9")
	unknownType.Type = "PROVISIONED"
	cases := []struct {
		name     string
		profiles []types.InferenceProfileSummary
		want     []Uncatalogued
	}{
		{"catalogued model via its profile", []types.InferenceProfileSummary{system("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), system("us.amazon.nova-lite-v1:0")}, nil},
		{"catalogued model via a profile the catalog does not list", []types.InferenceProfileSummary{system("global.anthropic.claude-sonnet-4-5-20250929-v1:0")}, nil},
		{"uncatalogued Claude", []types.InferenceProfileSummary{system("global.anthropic.claude-opus-5-5"), system("us.anthropic.claude-opus-5-5")},
			[]Uncatalogued{{"anthropic.claude-opus-5-5", []string{"global.anthropic.claude-opus-5-5", "us.anthropic.claude-opus-5-5"}, "scripts/discover us.anthropic.claude-opus-5-5"}}},
		{"uncatalogued Claude, global profile only", []types.InferenceProfileSummary{system("global.anthropic.claude-sonnet-5-5")},
			[]Uncatalogued{{"anthropic.claude-sonnet-5-5", []string{"global.anthropic.claude-sonnet-5-5"}, "scripts/discover global.anthropic.claude-sonnet-5-5"}}},
		{"uncatalogued Nova", []types.InferenceProfileSummary{system("us.amazon.nova-2-pro-v1:0"), system("eu.amazon.nova-2-pro-v1:0")},
			[]Uncatalogued{{"amazon.nova-2-pro-v1:0", []string{"eu.amazon.nova-2-pro-v1:0", "us.amazon.nova-2-pro-v1:0"}, "scripts/discover us.amazon.nova-2-pro-v1:0"}}},
		{"an unknown geographic prefix before global", []types.InferenceProfileSummary{system("global.amazon.nova-2-pro-v1:0"), system("zz.amazon.nova-2-pro-v1:0")},
			[]Uncatalogued{{"amazon.nova-2-pro-v1:0", []string{"global.amazon.nova-2-pro-v1:0", "zz.amazon.nova-2-pro-v1:0"}, "scripts/discover zz.amazon.nova-2-pro-v1:0"}}},
		{"discover names the profile the catalog would list first", []types.InferenceProfileSummary{system("global.amazon.nova-2-pro-v1:0"), system("zz.amazon.nova-2-pro-v1:0"), system("apac.amazon.nova-2-pro-v1:0"), system("au.amazon.nova-2-pro-v1:0")},
			[]Uncatalogued{{"amazon.nova-2-pro-v1:0", []string{"apac.amazon.nova-2-pro-v1:0", "au.amazon.nova-2-pro-v1:0", "global.amazon.nova-2-pro-v1:0", "zz.amazon.nova-2-pro-v1:0"}, "scripts/discover apac.amazon.nova-2-pro-v1:0"}}},
		{"uncatalogued Nova, from the profile ID alone", []types.InferenceProfileSummary{noModels},
			[]Uncatalogued{{"amazon.nova-2-pro-v1:0", []string{"apac.amazon.nova-2-pro-v1:0"}, "scripts/discover apac.amazon.nova-2-pro-v1:0"}}},
		{"models the catalog knows do not cache ignored", []types.InferenceProfileSummary{system("us.anthropic.claude-3-haiku-20240307-v1:0"),
			application("app8", "anthropic.claude-3-haiku-20240307-v1:0")}, nil},
		{"Nova models without text prompts ignored", []types.InferenceProfileSummary{system("us.amazon.nova-canvas-v1:0"), system("us.amazon.nova-reel-v1:1"),
			system("us.amazon.nova-sonic-v1:0"), system("us.amazon.nova-2-multimodal-embeddings-v1:0")}, nil},
		{"other providers ignored", []types.InferenceProfileSummary{system("us.meta.llama4-maverick-17b-instruct-v1:0"), system("us.mistral.pixtral-large-2502-v1:0"),
			system("us.amazon.titan-text-premier-v1:0"), application("app9", "meta.llama3-3-70b-instruct-v1:0")}, nil},
		{"application profile of an uncatalogued model", []types.InferenceProfileSummary{application("a1b2c3d4e5f6", "anthropic.claude-fable-5")},
			[]Uncatalogued{{"anthropic.claude-fable-5", []string{"a1b2c3d4e5f6"}, "scripts/discover anthropic.claude-fable-5"}}},
		{"application profile of a catalogued model", []types.InferenceProfileSummary{application("a1b2c3d4e5f6", "amazon.nova-lite-v1:0")}, nil},
		{"application and system profiles of one model", []types.InferenceProfileSummary{application("zz9", "anthropic.claude-fable-5"), system("us.anthropic.claude-fable-5")},
			[]Uncatalogued{{"anthropic.claude-fable-5", []string{"us.anthropic.claude-fable-5", "zz9"}, "scripts/discover us.anthropic.claude-fable-5"}}},
		{"ARN form: a profile known only by its ARN", []types.InferenceProfileSummary{arnOnly},
			[]Uncatalogued{{"anthropic.claude-haiku-5-5", []string{"us.anthropic.claude-haiku-5-5"}, "scripts/discover us.anthropic.claude-haiku-5-5"}}},
		{"ARN form: an escaped foundation-model ARN", []types.InferenceProfileSummary{escaped},
			[]Uncatalogued{{"amazon.nova-premier-2-v1:0", []string{"app1"}, "scripts/discover amazon.nova-premier-2-v1:0"}}},
		{"ARN form: a catalogued profile known only by its ARN", []types.InferenceProfileSummary{catalogedByARN}, nil},
		{"profile types the check does not read", []types.InferenceProfileSummary{unknownType}, nil},
		{"several models, sorted", []types.InferenceProfileSummary{system("us.anthropic.claude-opus-5-5"), system("us.amazon.nova-2-pro-v1:0"), system("us.anthropic.claude-opus-5-5")},
			[]Uncatalogued{{"amazon.nova-2-pro-v1:0", []string{"us.amazon.nova-2-pro-v1:0"}, "scripts/discover us.amazon.nova-2-pro-v1:0"},
				{"anthropic.claude-opus-5-5", []string{"us.anthropic.claude-opus-5-5"}, "scripts/discover us.anthropic.claude-opus-5-5"}}},
	}
	for _, c := range cases {
		got := FindUncatalogued(c.profiles, driftCatalog)
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", append([]Uncatalogued{}, c.want...)) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
}

// TestDriftLine checks the summary line in each case: not run, not
// checked, nothing missing, one and several models missing.
func TestDriftLine(t *testing.T) {
	one := Uncatalogued{Model: "anthropic.claude-hidden-9"}
	cases := []struct {
		d    Drift
		want string
	}{
		{Drift{}, "catalog drift: not checked (the check did not run)"},
		{Drift{Reason: "no permission: HTTP 403 AccessDeniedException: denied"}, "catalog drift: not checked (no permission: HTTP 403 AccessDeniedException: denied)"},
		{Drift{Checked: true, Profiles: 40}, "catalog drift: none (every Anthropic and Nova model of the account's 40 inference profiles is in the catalog)"},
		{Drift{Checked: true, Uncatalogued: []Uncatalogued{one}}, "catalog drift: 1 model the account can call is not in the catalog: anthropic.claude-hidden-9"},
		{Drift{Checked: true, Uncatalogued: []Uncatalogued{{Model: "amazon.nova-9"}, one}}, "catalog drift: 2 models the account can call are not in the catalog: amazon.nova-9, anthropic.claude-hidden-9"},
	}
	for _, c := range cases {
		if got := c.d.Line(); got != c.want {
			t.Errorf("Line() = %q, want %q", got, c.want)
		}
	}
}

// TestListingReason checks how a failed listing is told in the line.
func TestListingReason(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	cases := []struct {
		err  error
		want string
	}{
		{&smithy.GenericAPIError{Code: "AccessDeniedException", Message: "User: x is not authorized to perform: bedrock:ListInferenceProfiles"},
			"no permission: AccessDeniedException: User: x is not authorized to perform: bedrock:ListInferenceProfiles"},
		{fmt.Errorf("exceeded maximum number of attempts, 3: %w", &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Too many requests"}),
			"throttled: ThrottlingException: Too many requests"},
		{&smithy.GenericAPIError{Code: "NotFound"}, "NotFound"},
		{&smithyhttp.RequestSendError{Err: dial}, "no endpoint: dial tcp: connect: connection refused"},
		{&smithy.OperationError{ServiceID: "Bedrock", OperationName: "ListInferenceProfiles", Err: errors.New("get identity: no credentials")}, "get identity: no credentials"},
		{errors.New("failed to load\n  configuration"), "failed to load configuration"},
		{errors.New(strings.Repeat("x", 400)), strings.Repeat("x", 300) + "…"},
	}
	for _, c := range cases {
		if got := listingReason(c.err); got != c.want {
			t.Errorf("listingReason(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

// fakeControlPlane serves GET /inference-profiles as Bedrock's control
// plane does: system-defined profiles unless the type says APPLICATION,
// in pages of two, or the error it is told to answer.
type fakeControlPlane struct {
	system, application []types.InferenceProfileSummary
	status              int    // an error status to answer, or 0
	code                string // the error's x-amzn-ErrorType
	mu                  sync.Mutex
	queries, auth       []string // each request's query and Authorization
}

// ServeHTTP answers one request and records its query and Authorization.
func (f *fakeControlPlane) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.queries = append(f.queries, r.URL.RawQuery)
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	f.mu.Unlock()
	if r.Method != http.MethodGet || r.URL.Path != "/inference-profiles" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if f.status != 0 {
		w.Header().Set("X-Amzn-ErrorType", f.code)
		w.WriteHeader(f.status)
		fmt.Fprintf(w, `{"message":"fake %s"}`, f.code)
		return
	}
	all := f.system
	if r.URL.Query().Get("type") == string(types.InferenceProfileTypeApplication) {
		all = f.application
	}
	start := 0
	fmt.Sscan(r.URL.Query().Get("nextToken"), &start)
	end := min(start+2, len(all))
	page := map[string]any{"inferenceProfileSummaries": wireSummaries(all[start:end])}
	if end < len(all) {
		page["nextToken"] = fmt.Sprint(end)
	}
	json.NewEncoder(w).Encode(page)
}

// wireSummaries renders summaries as the service's JSON does.
func wireSummaries(ps []types.InferenceProfileSummary) []map[string]any {
	out := []map[string]any{}
	for _, p := range ps {
		var models []map[string]string
		for _, m := range p.Models {
			models = append(models, map[string]string{"modelArn": aws.ToString(m.ModelArn)})
		}
		out = append(out, map[string]any{"inferenceProfileId": aws.ToString(p.InferenceProfileId), "inferenceProfileArn": aws.ToString(p.InferenceProfileArn),
			"inferenceProfileName": aws.ToString(p.InferenceProfileId), "type": string(p.Type), "status": "ACTIVE", "models": models})
	}
	return out
}

// awsAt points the SDK's shared configuration at a control plane at url
// with fake credentials and nothing read from the machine's own AWS
// configuration.
func awsAt(t *testing.T, url string) {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_BEDROCK": url, "AWS_ENDPOINT_URL": "", "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "",
		"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
		"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_BEARER_TOKEN_BEDROCK": "", "AWS_EC2_METADATA_DISABLED": "true", "AWS_MAX_ATTEMPTS": "1",
	} {
		t.Setenv(k, v)
	}
}

// TestDriftThroughTheSDK lists a fake control plane through the AWS
// target's client (the endpoint from AWS_ENDPOINT_URL_BEDROCK): every page
// of both profile types is read, and the embedded catalog's models are not
// reported while an unknown one is.
func TestDriftThroughTheSDK(t *testing.T) {
	fake := &fakeControlPlane{
		system: []types.InferenceProfileSummary{system("us.anthropic.claude-hidden-9"), system("global.anthropic.claude-hidden-9"),
			system("us.amazon.nova-lite-v1:0"), system("us.meta.llama4-maverick-17b-instruct-v1:0"), system(matrix.Default().Models[0].ModelID())},
		application: []types.InferenceProfileSummary{application("appprofile1", "amazon.nova-hidden-8-v1:0"), application("appprofile2", matrix.Default().Models[0].BaseID)},
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	awsAt(t, srv.URL)
	n := &nightly{options: options{target: "aws"}, stderr: &bytes.Buffer{}}
	n.checkDrift(context.Background())
	d := n.sum.Drift
	if !d.Checked || d.Profiles != 7 || len(d.Uncatalogued) != 2 {
		t.Fatalf("drift = %+v; requests %q", d, fake.queries)
	}
	want := []Uncatalogued{
		{"amazon.nova-hidden-8-v1:0", []string{"appprofile1"}, "scripts/discover amazon.nova-hidden-8-v1:0"},
		{"anthropic.claude-hidden-9", []string{"global.anthropic.claude-hidden-9", "us.anthropic.claude-hidden-9"}, "scripts/discover us.anthropic.claude-hidden-9"},
	}
	if fmt.Sprintf("%+v", d.Uncatalogued) != fmt.Sprintf("%+v", want) {
		t.Errorf("uncatalogued = %+v, want %+v", d.Uncatalogued, want)
	}
	if q := strings.Join(fake.queries, " "); !strings.Contains(q, "type=SYSTEM_DEFINED") || !strings.Contains(q, "type=APPLICATION") || !strings.Contains(q, "nextToken=2") {
		t.Errorf("queries %q: want both types and the next pages", q)
	}
}

// TestDriftNotChecked: when the listing fails the line says why, never
// nothing.
func TestDriftNotChecked(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	cases := []struct {
		name  string
		fake  *fakeControlPlane
		url   string
		unset string // an AWS variable to clear
		want  string
	}{
		{"no permission", &fakeControlPlane{status: 403, code: "AccessDeniedException"}, "", "",
			"catalog drift: not checked (no permission: HTTP 403 AccessDeniedException: fake AccessDeniedException)"},
		{"throttled", &fakeControlPlane{status: 429, code: "ThrottlingException"}, "", "",
			"catalog drift: not checked (throttled: HTTP 429 ThrottlingException: fake ThrottlingException)"},
		{"no endpoint", nil, closedURL, "", "catalog drift: not checked (no endpoint: Get \"" + closedURL + "/inference-profiles?type=SYSTEM_DEFINED\": dial tcp "},
		{"no credentials", &fakeControlPlane{}, "", "AWS_ACCESS_KEY_ID", "catalog drift: not checked (get identity: get credentials: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			url := c.url
			if c.fake != nil {
				srv := httptest.NewServer(c.fake)
				defer srv.Close()
				url = srv.URL
			}
			awsAt(t, url)
			if c.unset != "" {
				t.Setenv(c.unset, "")
			}
			n := &nightly{options: options{target: "aws"}, stderr: &bytes.Buffer{}}
			n.checkDrift(context.Background())
			got := n.sum.Drift.Line()
			if n.sum.Drift.Checked || !strings.HasPrefix(got, c.want) {
				t.Errorf("line %q, want it to start %q", got, c.want)
			}
		})
	}
	t.Run("interrupted", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		n := &nightly{stderr: &bytes.Buffer{}, lister: func(ctx context.Context) ([]types.InferenceProfileSummary, error) { return nil, ctx.Err() }}
		n.checkDrift(ctx)
		if got := n.sum.Drift.Line(); got != "catalog drift: not checked (interrupted)" {
			t.Errorf("line %q", got)
		}
	})
}

// TestDriftNeverChangesTheExitStatus runs the phases with the drift check
// finding a model, failing and finding nothing: the exit status is the
// phases' own each time, and summary.md and summary.json carry the line.
func TestDriftNeverChangesTheExitStatus(t *testing.T) {
	const spec = "spec a"
	old, changed := row(spec, report.Pass, 2, 100, 100), row(spec, report.Pass, 2, 0, 200)
	nights := []struct {
		name string
		sc   doScenario
		exit int
	}{
		{"nothing differs", doScenario{rows: map[string][]report.Row{"replay": {old}, "live": {old}}}, ExitSame},
		{"service changed", doScenario{rows: map[string][]report.Row{"replay": {old}, "live": {changed}, "confirm": {changed}, "rerecord": {changed}, "verify": {changed}},
			touches: map[string]bool{"rerecord": true}}, ExitServiceChanged},
	}
	listers := []struct {
		name   string
		lister profileLister
		want   []string // in summary.md
	}{
		{"found", func(context.Context) ([]types.InferenceProfileSummary, error) {
			return []types.InferenceProfileSummary{system("us.anthropic.claude-hidden-9")}, nil
		}, []string{"catalog drift: 1 model the account can call is not in the catalog: anthropic.claude-hidden-9",
			"| `anthropic.claude-hidden-9` | `us.anthropic.claude-hidden-9` | `scripts/discover us.anthropic.claude-hidden-9` |"}},
		{"not checked", func(context.Context) ([]types.InferenceProfileSummary, error) {
			return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "denied"}
		}, []string{"catalog drift: not checked (no permission: AccessDeniedException: denied)"}},
		{"none", func(context.Context) ([]types.InferenceProfileSummary, error) {
			return []types.InferenceProfileSummary{system("us.amazon.nova-lite-v1:0")}, nil
		}, []string{"catalog drift: none (every Anthropic and Nova model of the account's 1 inference profiles is in the catalog)"}},
	}
	for _, night := range nights {
		for _, l := range listers {
			t.Run(night.name+"/"+l.name, func(t *testing.T) {
				sc := night.sc
				sc.lister = l.lister
				code, n, _ := runDo(t, sc)
				n.sum.Exit = code // as run does
				var stdout bytes.Buffer
				if final := n.finish(&stdout); code != night.exit || final != night.exit {
					t.Fatalf("exit %d, finish %d, want %d; problems %q", code, final, night.exit, n.sum.Problems)
				}
				md := readFile(t, filepath.Join(n.reports, "summary.md"))
				for _, want := range append([]string{"## Catalog drift", fmt.Sprintf("## Exit status %d", night.exit)}, l.want...) {
					if !strings.Contains(md, want) || !strings.Contains(stdout.String(), want) {
						t.Errorf("summary lacks %q:\n%s", want, md)
					}
				}
				var js struct {
					Exit         int
					CatalogDrift struct {
						Line         string
						Checked      bool
						Uncatalogued []Uncatalogued
					}
				}
				if err := json.Unmarshal([]byte(readFile(t, filepath.Join(n.reports, "summary.json"))), &js); err != nil {
					t.Fatal(err)
				}
				if js.Exit != night.exit || js.CatalogDrift.Line != l.want[0] || js.CatalogDrift.Checked != (l.name != "not checked") {
					t.Errorf("summary.json: %+v", js)
				}
			})
		}
	}
}

// TestDriftMarkdownTable: a model's row has three cells, pipes escaped,
// and a summary whose check never ran still says so.
func TestDriftMarkdownTable(t *testing.T) {
	s := Summary{Drift: Drift{Checked: true, Uncatalogued: []Uncatalogued{{Model: "anthropic.a|b", Profiles: []string{"us.anthropic.a|b", "zz"}, Command: "scripts/discover 'us.anthropic.a|b'"}}}}
	md := s.Markdown()
	var rows int
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| `anthropic.a") {
			rows++
			if n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|"); n != 4 {
				t.Errorf("row has %d cell separators, want 4: %s", n, line)
			}
		}
	}
	if rows != 1 || !strings.Contains(md, "Not a failure") {
		t.Errorf("drift table:\n%s", md)
	}
	if md := (Summary{}).Markdown(); !strings.Contains(md, "catalog drift: not checked (the check did not run)") {
		t.Errorf("a summary without the check does not say so:\n%s", md)
	}
	if got := shellWord("us.anthropic.a|b"); got != "'us.anthropic.a|b'" {
		t.Errorf("shellWord = %s", got)
	}
}

// hiddenModel is a model the catalog lacks, served by the emulator from
// Options.Models or a models file.
var hiddenModel = emulator.ModelSpec{ID: "anthropic.claude-hidden-9", Family: emulator.FamilyClaude, Caching: true, MinTokens: 1024, Profiles: []string{"us", "global"}}

// checkEmulatorDrift checks a drift check against an emulator serving
// hiddenModel: it is reported with both profiles and its discover command,
// in the line and the Markdown, and no catalogued model or profile is.
func checkEmulatorDrift(t *testing.T, s Summary) {
	t.Helper()
	d := s.Drift
	if !d.Checked || d.Profiles == 0 {
		t.Fatalf("drift %+v", d)
	}
	want := Uncatalogued{"anthropic.claude-hidden-9", []string{"global.anthropic.claude-hidden-9", "us.anthropic.claude-hidden-9"}, "scripts/discover us.anthropic.claude-hidden-9"}
	found := false
	for _, u := range d.Uncatalogued {
		if _, ok := matrix.Default().Lookup(u.Model); ok {
			t.Errorf("catalogued model %s reported", u.Model)
		}
		for _, p := range u.Profiles {
			if _, ok := matrix.Default().Lookup(p); ok {
				t.Errorf("catalogued profile %s reported", p)
			}
		}
		found = found || fmt.Sprintf("%+v", u) == fmt.Sprintf("%+v", want)
	}
	md := s.Markdown()
	if !found || !strings.Contains(d.Line(), want.Model) || !strings.Contains(md, "`"+want.Command+"`") {
		t.Errorf("%s is not reported as %+v: %+v\n%s", want.Model, want, d.Uncatalogued, md)
	}
}

// TestDriftAgainstTheEmulator lists the emulator's inference profiles with
// a model the catalog lacks: through the nightly's own in-process emulator
// for the emulator target (the models file of the suites' emulator), and
// through emulator.Start with Options.Models reached as the AWS target's
// endpoint (AWS_ENDPOINT_URL_BEDROCK).
func TestDriftAgainstTheEmulator(t *testing.T) {
	t.Run("emulator target, models file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "models.json")
		b, err := json.Marshal(map[string]any{"models": []emulator.ModelSpec{hiddenModel}})
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, path, string(b))
		t.Setenv(env.EmulatorModels, path)
		n := &nightly{options: options{target: "emulator", profile: "no-cascade"}, stderr: &bytes.Buffer{}}
		n.checkDrift(context.Background())
		checkEmulatorDrift(t, n.sum)
		t.Log(n.sum.Drift.Line())
		if !slices.Contains(n.env("live", t.TempDir()), env.EmulatorModels+"="+path) {
			t.Errorf("the suites do not get the models file %s", path)
		}
	})
	t.Run("emulator.Start with Options.Models as the AWS endpoint", func(t *testing.T) {
		srv, err := emulator.Start(emulator.Options{Models: []emulator.ModelSpec{hiddenModel}})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		profiles, err := listProfiles(context.Background(), emulatorClient(srv.URL()))
		catalogued := 0
		for _, p := range profiles {
			if _, ok := matrix.Default().Lookup(profileID(p)); ok {
				catalogued++
			}
		}
		if err != nil || catalogued == 0 {
			t.Fatalf("listing: %v; %d catalogued of %d profiles", err, catalogued, len(profiles))
		}
		awsAt(t, srv.URL())
		n := &nightly{options: options{target: "aws"}, stderr: &bytes.Buffer{}}
		n.checkDrift(context.Background())
		checkEmulatorDrift(t, n.sum)
		if n.sum.Drift.Profiles != len(profiles) {
			t.Errorf("the AWS path listed %d profiles, the emulator client %d", n.sum.Drift.Profiles, len(profiles))
		}
	})
}

// TestEmulatorClientSignsWithoutTheBearerKey: the emulator's client signs
// with fake SigV4 credentials even when a Bedrock API key is in the
// environment, so the key never travels to the emulator.
func TestEmulatorClientSignsWithoutTheBearerKey(t *testing.T) {
	t.Setenv(env.BearerToken, "bedrock-api-key-secret")
	fake := &fakeControlPlane{system: []types.InferenceProfileSummary{system("us.anthropic.claude-hidden-9")}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	if _, err := listProfiles(context.Background(), emulatorClient(srv.URL)); err != nil {
		t.Fatal(err)
	}
	for _, a := range fake.auth {
		if !strings.HasPrefix(a, "AWS4-HMAC-SHA256 Credential=AKIDEMULATOR/") || strings.Contains(a, "secret") {
			t.Errorf("Authorization %q", a)
		}
	}
}
