package framework_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/internal/modroot"
	"github.com/cachecascade/cachecascade/report"
)

// disputedModels gives three models the other sources' value of a
// disputed fact: Opus 4.7 a 2,048-token minimum (the catalog holds the AWS
// page's 4,096), Sonnet 4.6 no one-hour TTL (the February copy of the page)
// and Nova Lite no explicit ttl at all (two codebases). minOpus replaces
// Opus 4.7's minimum.
func disputedModels(minOpus string) string {
	profiles := `"profiles":["global","us","eu","jp","au","apac"],"profileOnly":true,"implicitCaching":true,"lifecycle":"active"`
	return `{"models":[
		{"id":"anthropic.claude-opus-4-7","family":"claude","caching":true,"toolCheckpoints":true,"minTokens":` + minOpus + `,"ttl1h":true,` + profiles + `},
		{"id":"anthropic.claude-sonnet-4-6","family":"claude","caching":true,"toolCheckpoints":true,"minTokens":1024,"ttl1h":false,"countTokens":true,"legacyIntegration":true,` + profiles + `},
		{"id":"amazon.nova-lite-v1:0","family":"nova","caching":true,"minTokens":1000,"rejectsExplicitTTL":true,"profiles":["us","eu","apac"],"profileOnly":true,"implicitCaching":true}]}`
}

// runDisputed runs the threshold specs of Opus 4.7, the TTL specs of
// Sonnet 4.6 and the Nova specs of Nova Lite live against an emulator given the models file, and returns
// the report's rows and whether the suite passed.
func runDisputed(t *testing.T, root, models string) ([]report.Row, bool) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "models.json")
	if err := os.WriteFile(file, []byte(models), 0o644); err != nil {
		t.Fatal(err)
	}
	reports := t.TempDir()
	cmd := exec.Command("go", "tool", "ginkgo", "run", "--no-color", "--succinct",
		"--label-filter=(area:threshold && model:claude-opus-4-7) || (area:ttl && model:claude-sonnet-4-6) || (area:nova && model:nova-lite)", "./suites")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env.Mode+"=live", env.Target+"=emulator", env.EmulatorModels+"="+file,
		env.ReportDir+"="+reports, env.Quiet+"=1", env.Endpoint+"=", env.BearerToken+"=")
	out, err := cmd.CombinedOutput()
	data, rerr := os.ReadFile(filepath.Join(reports, "matrix.json"))
	if rerr != nil {
		t.Fatalf("no report (%v): %v\n%s", rerr, err, out)
	}
	var doc struct{ Rows []report.Row }
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Rows, err == nil
}

// TestDisputesAreMeasured runs the specs of two disputed facts against a
// target that shows the other sources' value: they pass and say so. A
// target that shows neither value fails.
func TestDisputesAreMeasured(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the Ginkgo CLI and runs the suites against the emulator")
	}
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	rows, ok := runDisputed(t, root, disputedModels("2048"))
	if !ok {
		t.Fatalf("the suite failed against a target showing the other values: %+v", rows)
	}
	seen := map[string]int{}
	for _, r := range rows {
		switch {
		case r.Area == "threshold" && strings.Contains(r.Message, "the target applies 2048 tokens, another source's value"):
			seen["minimum"]++
		case r.Area == "ttl" && strings.Contains(r.Spec, "one-hour") && strings.Contains(r.Message, "disputed ttl:1h measured: the target shows the other sources' value"):
			seen["1h"]++
		case r.Area == "nova" && strings.Contains(r.Message, "disputed ttl:5m-explicit measured: the target shows the other sources' value"):
			seen["5m"]++
		}
	}
	if seen["minimum"] != 2 || seen["1h"] != 2 || seen["5m"] != 2 {
		t.Errorf("rows reporting the other value: %v, want the minimum, 1h and Nova's explicit 5m through both APIs (2 each); rows: %+v", seen, rows)
	}

	rows, ok = runDisputed(t, root, disputedModels("3000"))
	failed := 0
	for _, r := range rows {
		if r.Area == "threshold" && r.Outcome == report.Fail && r.Rule == "threshold" && strings.Contains(r.Message, "none of the documented minimums") {
			failed++
		}
	}
	if ok || failed != 2 {
		t.Errorf("a 3,000-token minimum, neither documented value: suite passed %v, %d threshold rows failed naming the rule; want a failure through both APIs", ok, failed)
	}
}
