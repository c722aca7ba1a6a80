package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/discovery"
	"github.com/cachecascade/cachecascade/emulator"
	"github.com/cachecascade/cachecascade/internal/env"
)

func TestMain(m *testing.M) {
	// The tests choose their target; a developer's settings must not leak
	// in.
	os.Unsetenv(env.BearerToken)
	os.Unsetenv(env.Endpoint)
	os.Exit(m.Run())
}

// modelsFile writes a models file with a hidden caching model (minimum
// 1536, look-back 20, 1h, CountTokens) and one that does not cache, and
// returns its path.
func modelsFile(t *testing.T) string {
	t.Helper()
	f := map[string][]emulator.ModelSpec{"models": {
		{ID: "anthropic.claude-hidden-1", Family: "claude", Caching: true, MinTokens: 1536, MaxCheckpoints: 4,
			ToolCheckpoints: true, TTL1h: true, LookBack: 20, CountTokens: true, Profiles: []string{"us", "global"},
			Lifecycle: "active", ContextTokens: 200000},
		{ID: "meta.hidden-plain-1", Family: "other", Profiles: []string{"us"}},
	}}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "models.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// discoverRun runs the command and returns its exit status and output.
func discoverRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestCachingModelPrintsItsEntry(t *testing.T) {
	code, out, errOut := discoverRun(t, "-emulator", "-models", modelsFile(t), "-q", "anthropic.claude-hidden-1")
	if code != ExitCaches {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, errOut)
	}
	for _, want := range []string{`"key": "claude-hidden-1"`, `"minTokens": 1536`, `"lookBackBlocks": 20`, `"1h"`,
		"### evidence", "### calls", "cost unknown: no prices given", `"source": "FILL IN"`, "Catalog check: "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if errOut != "" {
		t.Errorf("-q, yet standard error says:\n%s", errOut)
	}
}

func TestJSONWithPrices(t *testing.T) {
	code, out, _ := discoverRun(t, "-emulator", "-models", modelsFile(t), "-q", "-json", "-price-input", "3", "-price-output", "15",
		"-price-cache-write", "3.75", "-price-cache-write-1h", "6", "-price-cache-read", "0.3", "-price-date", "2026-11-25",
		"anthropic.claude-hidden-1", "us.meta.hidden-plain-1")
	if code != ExitNoCache {
		t.Fatalf("exit %d, want 1 (the second model does not cache)", code)
	}
	var results []discovery.Result
	if err := json.Unmarshal([]byte(out), &results); err != nil {
		t.Fatalf("not a JSON array of results: %v\n%s", err, out)
	}
	if len(results) != 2 {
		t.Fatalf("%d results, want 2", len(results))
	}
	hidden, plain := results[0], results[1]
	if hidden.Entry == nil || hidden.Entry.Prices.Input != 3 || hidden.CatalogCheck != "ok" || hidden.Totals.CostUSD == nil {
		t.Errorf("the caching model: entry %+v, catalog check %q, cost %v", hidden.Entry, hidden.CatalogCheck, hidden.Totals.CostUSD)
	}
	if plain.Caches || plain.Entry != nil {
		t.Errorf("the plain model: caches %v, entry %+v", plain.Caches, plain.Entry)
	}
}

func TestEndpointFromTheEnvironment(t *testing.T) {
	// The emulator checks the signing region, as the service does: it
	// serves the one the environment names.
	srv, err := emulator.Start(emulator.Options{ModelsFile: modelsFile(t), Region: "us-west-2"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	t.Setenv(env.Endpoint, srv.URL())
	t.Setenv("AWS_REGION", "us-west-2")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	code, out, errOut := discoverRun(t, "-q", "meta.hidden-plain-1")
	if code != ExitNoCache || !strings.Contains(out, env.Endpoint+"="+srv.URL()) {
		t.Errorf("exit %d, want 1 through %s; stdout:\n%s\nstderr:\n%s", code, srv.URL(), out, errOut)
	}
	if !strings.Contains(out, `{"baseId": "meta.hidden-plain-1", "source": "scripts/discover: answers Converse, caches nothing"}`) {
		t.Errorf("a model that does not cache: no uncached entry to paste; stdout:\n%s", out)
	}
}

func TestUsageErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"models": [{"id": "x", "family": "martian"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no model", []string{"-emulator"}, "name at least one model ID"},
		{"models without emulator", []string{"-models", bad, "x"}, "add -emulator"},
		{"half the prices", []string{"-emulator", "-price-input", "3", "x"}, "prices: give"},
		{"a bad models file", []string{"-emulator", "-models", bad, "x"}, "martian"},
		{"an unknown flag", []string{"-frobnicate", "x"}, "flag provided but not defined"},
		{"no region", []string{"x"}, "no AWS region"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("AWS_REGION", "")
			t.Setenv("AWS_DEFAULT_REGION", "")
			t.Setenv("AWS_PROFILE", "")
			t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
			code, _, errOut := discoverRun(t, c.args...)
			if code != ExitUsage || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, stderr %q; want 2 saying %q", code, errOut, c.want)
			}
		})
	}
}

func TestExitStatusWorstWins(t *testing.T) {
	caches := &discovery.Result{Answers: true, Caches: true}
	noCache := &discovery.Result{Answers: true}
	failed := &discovery.Result{Answers: true, Caches: true, Failure: "throttled"}
	for _, c := range []struct {
		results []*discovery.Result
		want    int
	}{
		{[]*discovery.Result{caches}, ExitCaches},
		{[]*discovery.Result{caches, noCache}, ExitNoCache},
		{[]*discovery.Result{failed, noCache}, ExitIncomplete},
		{[]*discovery.Result{noCache, failed, caches}, ExitIncomplete},
	} {
		if got := exitStatus(c.results); got != c.want {
			t.Errorf("exitStatus = %d, want %d", got, c.want)
		}
	}
}
