package preflight_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/cachecascade/cachecascade/internal/preflight"
)

// TestProbeModelsClassifiesEachAnswer serves each probed model a canned
// answer and checks what the model check makes of it: a problem with its
// fix for a model that cannot be used, one problem for an identity every
// call is refused with, a warning (and no problem) for an answer that does
// not prove the model unusable, and the usage of the probes that passed.
func TestProbeModelsClassifiesEachAnswer(t *testing.T) {
	answers := map[string]struct {
		status int
		code   string
		msg    string
	}{
		"denied":    {403, "AccessDeniedException", "You don't have access to the model with the specified model ID."},
		"gone":      {404, "ResourceNotFoundException", "This model version has reached the end of its life."},
		"bad-id":    {400, "ValidationException", "The provided model identifier is invalid."},
		"on-demand": {400, "ValidationException", "Invocation of model ID m with on-demand throughput isn't supported. Retry your request with the ID or ARN of an inference profile that contains this model."},
		"probe":     {400, "ValidationException", "maxTokens: must be at least 16"},
		"busy":      {429, "ThrottlingException", "Too many requests, please wait before trying again."},
		"who-a":     {403, "UnrecognizedClientException", "The security token included in the request is invalid."},
		"who-b":     {403, "UnrecognizedClientException", "The security token included in the request is invalid."},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/model/"), "/")
		a, ok := answers[id]
		if !ok {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"output":{"message":{"role":"assistant","content":[{"text":"O"}]}},"stopReason":"max_tokens","usage":{"inputTokens":8,"outputTokens":1,"totalTokens":9},"metrics":{"latencyMs":1}}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-ErrorType", a.code)
		w.WriteHeader(a.status)
		fmt.Fprintf(w, `{"message":%q}`, a.msg)
	}))
	defer srv.Close()
	client := bedrockruntime.NewFromConfig(aws.Config{Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIAPREFLIGHTTEST000", "preflight-test-secret", "")},
		func(o *bedrockruntime.Options) { o.BaseEndpoint = aws.String(srv.URL); o.Retryer = aws.NopRetryer{} })
	var models []preflight.Model
	for _, id := range []string{"fine", "denied", "gone", "bad-id", "on-demand", "probe", "busy", "who-a", "who-b", "fine-too"} {
		models = append(models, preflight.Model{Name: "M-" + id, ID: id, Label: "model:" + id, ViaProfile: id == "denied"})
	}
	res := preflight.ProbeModels(context.Background(), client, models)

	var got []string
	for _, p := range res.Problems {
		got = append(got, p.What)
	}
	want := []string{
		"no access to M-denied (denied)",
		"M-gone (gone) is not found",
		"this Region does not accept the ID of M-bad-id (bad-id)",
		"this Region does not accept the ID of M-on-demand (on-demand)",
		"the service rejects the credentials (UnrecognizedClientException)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Expected\n%s\nto be\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if fix := res.Problems[0].Fix; !strings.Contains(fix, "inference-profile/denied") || !strings.Contains(fix, "!model:denied") {
		t.Errorf("the access fix does not name the profile ARN and the label: %s", fix)
	}
	if len(res.Warnings) != 2 || !strings.Contains(res.Warnings[0], "M-probe") || !strings.Contains(res.Warnings[1], "ThrottlingException") {
		t.Errorf("warnings = %q, want one for the refused probe and one for throttling", res.Warnings)
	}
	if res.Calls != 10 || res.InputTokens != 16 || res.OutputTokens != 2 {
		t.Errorf("calls %d, usage %d in / %d out; want 10 calls, 16 in / 2 out", res.Calls, res.InputTokens, res.OutputTokens)
	}
	if err := res.Err("http://x"); err == nil || !strings.Contains(err.Error(), "M-gone") {
		t.Errorf("Err = %v", err)
	}
	if err := (preflight.ModelResult{}).Err(""); err != nil {
		t.Errorf("no problems: Err = %v, want nil", err)
	}
}
