package emulator

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// awsCLI runs the AWS CLI (a client nobody here wrote) against the
// emulator with fake credentials and decodes its JSON answer into out. It
// skips the test where the CLI is not installed.
func awsCLI(t *testing.T, url string, out any, args ...string) error {
	t.Helper()
	bin, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("the AWS CLI is not installed")
	}
	cmd := exec.Command(bin, append(args, "--endpoint-url", url, "--output", "json")...)
	// Only fake credentials: none of the developer's AWS settings.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=x", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	b, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return &cliError{stderr: string(ee.Stderr)}
		}
		return err
	}
	return json.Unmarshal(b, out)
}

// cliError is a failed AWS CLI call, with what it printed.
type cliError struct{ stderr string }

func (e *cliError) Error() string { return strings.TrimSpace(e.stderr) }

// TestAWSCLIOn2026Operations: the AWS CLI counts tokens, lists inference
// profiles and converses with a 2026 model through its global profile,
// and gets the service's error for counting through a profile.
func TestAWSCLIOn2026Operations(t *testing.T) {
	h := startHarness(t, Options{})
	url := h.srv.URL()
	messages := `{"converse":{"messages":[{"role":"user","content":[{"text":"` + txt("count me", 300) + `"}]}]}}`
	var count struct{ InputTokens int }
	if err := awsCLI(t, url, &count, "bedrock-runtime", "count-tokens", "--model-id", "anthropic.claude-sonnet-4-6", "--input", messages); err != nil || count.InputTokens <= 300 {
		t.Errorf("count-tokens: %+v, %v; want the prompt's tokens (over 300)", count, err)
	}
	err := awsCLI(t, url, &count, "bedrock-runtime", "count-tokens", "--model-id", "global.anthropic.claude-sonnet-4-6", "--input", messages)
	if err == nil || !strings.Contains(err.Error(), "ValidationException") || !strings.Contains(err.Error(), "doesn't support counting tokens") {
		t.Errorf("count-tokens through a profile: %v, want the ValidationException", err)
	}
	var profiles struct {
		InferenceProfileSummaries []struct{ InferenceProfileID string }
	}
	if err := awsCLI(t, url, &profiles, "bedrock", "list-inference-profiles"); err != nil {
		t.Fatalf("list-inference-profiles: %v", err)
	}
	ids := map[string]bool{}
	for _, p := range profiles.InferenceProfileSummaries {
		ids[p.InferenceProfileID] = true
	}
	for _, id := range []string{"global.anthropic.claude-opus-5-5", "us.anthropic.claude-opus-4-7", "au.anthropic.claude-sonnet-4-6"} {
		if !ids[id] {
			t.Errorf("list-inference-profiles (every page, as the CLI pages) lacks %s among %d profiles", id, len(ids))
		}
	}
	if ids["us.anthropic.claude-3-5-haiku-20241022-v1:0"] {
		t.Error("an end-of-life model is listed")
	}
	var conv struct {
		Usage struct{ InputTokens, TotalTokens int }
	}
	if err := awsCLI(t, url, &conv, "bedrock-runtime", "converse", "--model-id", "global.anthropic.claude-opus-5-5",
		"--messages", `[{"role":"user","content":[{"text":"hello"}]}]`); err != nil || conv.Usage.TotalTokens == 0 {
		t.Errorf("converse with global.anthropic.claude-opus-5-5: %+v, %v", conv, err)
	}
}
