package emulator

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
)

// hiddenModelFile is the models file of the format's documentation: one
// model the built-in table lacks.
const hiddenModelFile = `{"models": [{"id": "anthropic.claude-hidden-1", "family": "claude", "caching": true, "minTokens": 1536,
  "maxCheckpoints": 4, "toolCheckpoints": true, "ttl1h": true, "lookBack": 20, "maxCachedTokens": 0,
  "implicitCaching": false, "countTokens": true, "profiles": ["us", "global"], "profileOnly": false,
  "lifecycle": "active", "legacyIntegration": false, "contextTokens": 200000}]}`

// writeModels writes a models file into the test's directory.
func writeModels(t *testing.T, doc string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "models.json")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// converseOnce sends one user message of tokens tokens with a checkpoint
// and returns what it wrote.
func converseOnce(t *testing.T, c *bedrockruntime.Client, model string, tokens int) int {
	t.Helper()
	u := mustCall(t, c, &bedrockruntime.ConverseInput{ModelId: aws.String(model),
		Messages: msgs(user(text(txt("models-file", tokens)), cp()))})
	return i32(u.CacheWriteInputTokens)
}

// TestModelsFileAddsAModel serves the hidden model under its profiles and
// base ID with the file's minimum, and refuses a prefix the file does not
// list.
func TestModelsFileAddsAModel(t *testing.T) {
	h := startHarness(t, Options{ModelsFile: writeModels(t, hiddenModelFile)})
	for _, tc := range []struct {
		model         string
		tokens, write int
	}{
		{"us.anthropic.claude-hidden-1", 1500, 0},
		{"global.anthropic.claude-hidden-1", 1600, 1600},
		{"anthropic.claude-hidden-1", 1700, 1700},
	} {
		if got := converseOnce(t, h.c, tc.model, tc.tokens); got != tc.write {
			t.Errorf("%s, %d tokens: wrote %d, want %d", tc.model, tc.tokens, got, tc.write)
		}
	}
	_, err := call(t, h.c, &bedrockruntime.ConverseInput{ModelId: aws.String("eu.anthropic.claude-hidden-1"),
		Messages: msgs(user(text("hello")))})
	if apiCode(err) != "ValidationException" {
		t.Errorf("eu. profile of the hidden model: %v, want a ValidationException", err)
	}
}

// TestModelsOverrideBuiltin raises Sonnet 4.5's minimum from 1,024 to 2,048
// through Options.Models: a 1,500-token prefix no longer caches.
func TestModelsOverrideBuiltin(t *testing.T) {
	override := ModelSpec{ID: "anthropic.claude-sonnet-4-5-20250929-v1:0", Family: FamilyClaude, Caching: true,
		MinTokens: 2048, ToolCheckpoints: true, TTL1h: true, Profiles: []string{"us"}}
	for _, tc := range []struct {
		name  string
		opts  Options
		write int
	}{
		{"built-in", Options{}, 1500},
		{"Options.Models", Options{Models: []ModelSpec{override}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := startHarness(t, tc.opts)
			if got := converseOnce(t, h.c, sonnet45, 1500); got != tc.write {
				t.Errorf("wrote %d, want %d", got, tc.write)
			}
		})
	}
}

// TestModelsFileDefaults: omitted fields take the family's defaults, a
// negative lookBack or maxCachedTokens means none.
func TestModelsFileDefaults(t *testing.T) {
	path := writeModels(t, `{"models": [
		{"id": "x.claude-min", "family": "claude", "caching": true, "minTokens": 100},
		{"id": "x.nova-min", "family": "nova", "caching": true, "minTokens": 100},
		{"id": "x.nova-uncapped", "family": "nova", "caching": true, "minTokens": 100, "maxCachedTokens": -1, "lookBack": -5},
		{"id": "x.other", "family": "other"}]}`)
	e, err := New(Options{ModelsFile: path})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id                                  string
		checkpoints, lookBack, cap, context int
		lifecycle                           string
		tail                                int
	}{
		{"x.claude-min", 4, 20, 0, 200000, LifecycleActive, 3},
		{"x.nova-min", 4, 0, 20000, 300000, LifecycleActive, 10},
		{"x.nova-uncapped", 4, 0, 0, 300000, LifecycleActive, 10},
		{"x.other", 4, 0, 0, 128000, LifecycleActive, 5},
	} {
		s := e.models[tc.id]
		if s == nil {
			t.Errorf("%s: not in the table", tc.id)
			continue
		}
		got := []any{s.maxCheckpoints, s.lookBack, s.maxCachedTokens, s.contextTokens, s.lifecycle, s.tailTokens}
		want := []any{tc.checkpoints, tc.lookBack, tc.cap, tc.context, tc.lifecycle, tc.tail}
		if !slices.Equal(got, want) {
			t.Errorf("%s: checkpoints, lookBack, cap, context, lifecycle, tail = %v, want %v", tc.id, got, want)
		}
	}
}

// TestLoadModelsErrors: every bad file is refused with an error that says
// what is wrong, and New refuses the same problems in Options.Models.
func TestLoadModelsErrors(t *testing.T) {
	model := func(fields string) string {
		return `{"models": [{"id": "anthropic.claude-x", "family": "claude", "caching": true, "minTokens": 1024` + fields + `}]}`
	}
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"missing file", "", "no such file"},
		{"not JSON", `{"models": [`, "unexpected EOF"},
		{"unknown field", model(`, "minToken": 5`), `unknown field "minToken"`},
		{"unknown top-level field", `{"model": []}`, `unknown field "model"`},
		{"trailing data", model("") + `{}`, "data after the JSON object"},
		{"no models", `{"models": []}`, "no models"},
		{"missing id", `{"models": [{"family": "claude"}]}`, `models[0] "": id is missing`},
		{"profile id", `{"models": [{"id": "us.anthropic.claude-x", "family": "claude"}]}`, "without an inference-profile prefix"},
		{"bad family", `{"models": [{"id": "x", "family": "gpt"}]}`, `family "gpt": want claude, nova or other`},
		{"missing family", `{"models": [{"id": "x"}]}`, `family "": want claude, nova or other`},
		{"zero minTokens", `{"models": [{"id": "x", "family": "claude", "caching": true}]}`, "minTokens must be positive on a caching model, got 0"},
		{"negative minTokens", model(`, "minTokens": -1`), "minTokens must be positive on a caching model, got -1"},
		{"negative maxCheckpoints", model(`, "maxCheckpoints": -1`), "maxCheckpoints must not be negative"},
		{"negative contextTokens", model(`, "contextTokens": -1`), "contextTokens must not be negative"},
		{"bad lifecycle", model(`, "lifecycle": "retired"`), `lifecycle "retired": want active, legacy, gated or end-of-life`},
		{"profile with a dot", model(`, "profiles": ["us."]`), `profiles[0] "us.": want one of global, us, eu, jp, au, apac`},
		{"profile twice", model(`, "profiles": ["us", "us"]`), `profiles[1] "us" is listed twice`},
		{"profileOnly without profiles", model(`, "profileOnly": true`), "profileOnly needs at least one profile"},
		{"model twice", `{"models": [{"id": "x", "family": "other"}, {"id": "x", "family": "other"}]}`, `models[1] "x": the model is listed twice`},
		{"wrong type", `{"models": [{"id": 7}]}`, "cannot unmarshal number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "missing.json")
			if tc.doc != "" {
				path = writeModels(t, tc.doc)
			}
			_, err := LoadModels(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("LoadModels: %v, want an error naming %s and containing %q", err, path, tc.want)
			}
			if _, err := New(Options{ModelsFile: path}); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New with ModelsFile: %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if _, err := New(Options{Models: []ModelSpec{{ID: "x", Family: "nova", Caching: true}}}); err == nil ||
		!strings.Contains(err.Error(), "minTokens must be positive") {
		t.Errorf("New with a bad Options.Models: %v", err)
	}
}
