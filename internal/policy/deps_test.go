package policy

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/internal/modroot"
)

// module is this module's path.
const module = "github.com/cachecascade/cachecascade/"

// allowed states the whole dependency policy, in the style of Go's own
// go/build/deps_test.go: for every package of the module, the module's
// packages it may import directly. A package missing here, or an import not
// listed, fails the test: a new edge is a decision, made here.
//
// The layers, bottom up: prefix and usage (values); fixtures (material);
// matrix (the documented rules: catalog, strategies, Validate, the oracle);
// invoke and request (request bodies for every API), verdict (judging an
// observation against the rules), wire and jsondiff (serialization);
// recorder (cassettes); report (rendering); emulator (the service's
// stand-in, which shares nothing with the rules' side); then the suites'
// framework and the commands. The rules' side and the emulator never import
// each other (see TestOracleAndEmulatorStayIndependent).
var allowed = map[string][]string{
	"prefix":                {},
	"usage":                 {},
	"jsondiff":              {},
	"internal/atomicfile":   {},
	"internal/env":          {},
	"internal/modroot":      {},
	"internal/safebody":     {},
	"internal/arnredact":    {},
	"internal/jsonw":        {},
	"internal/preflight":    {"internal/env"},
	"internal/policy":       {},
	"fixtures":              {"internal/jsonw", "prefix"},
	"matrix":                {"prefix", "usage"},
	"verdict":               {"matrix", "prefix", "usage"},
	"invoke":                {"fixtures", "internal/jsonw", "matrix", "prefix", "usage"},
	"wire":                  {"internal/safebody", "jsondiff", "prefix"},
	"forecast":              {"fixtures", "jsondiff", "matrix", "prefix", "wire"},
	"request":               {"fixtures", "invoke", "matrix", "prefix", "usage", "wire"},
	"matchers":              {"matrix", "prefix", "usage", "verdict"},
	"recorder":              {"fixtures", "internal/arnredact", "internal/atomicfile", "internal/env", "internal/safebody", "jsondiff"},
	"report":                {"internal/atomicfile", "internal/env"},
	"sdkcheck":              {"recorder", "wire"},
	"emulator":              {"internal/safebody", "prefix"},
	"suites":                {},
	"suites/builder":        {"fixtures", "matrix", "prefix", "request", "suites/framework", "verdict", "wire"},
	"examples/ownsuite":     {},
	"suites/framework":      {"emulator", "fixtures", "internal/env", "internal/modroot", "internal/preflight", "matrix", "prefix", "recorder", "report", "request", "usage", "verdict"},
	"discovery":             {"matrix", "prefix", "usage"},
	"schedule":              {},
	"capture":               {"internal/arnredact"},
	"cmd/bedrock-emulator":  {"emulator"},
	"cmd/cachecascade":      {"emulator", "forecast", "internal/env", "jsondiff", "matrix", "request"},
	"cmd/conformance":       {"internal/modroot"},
	"cmd/discover":          {"discovery", "emulator", "internal/env", "internal/safebody", "matrix"},
	"cmd/projection":        {"report", "schedule"},
	"cmd/mutation":          {"emulator", "internal/env", "internal/modroot", "matrix", "suites/framework"},
	"cmd/nightly":           {"emulator", "internal/atomicfile", "internal/env", "internal/modroot", "internal/preflight", "matrix", "recorder", "report", "verdict"},
	"cmd/sdk-upgrade":       {"internal/env", "internal/modroot", "recorder", "sdkcheck"},
	"cmd/sdk-upgrade/probe": {"fixtures", "matrix", "sdkcheck", "wire"},
}

// frameworkFree are the packages an application imports to check its own
// requests: none may depend on a test framework, directly or not, so that
// importing them never drags Ginkgo or Gomega into a program.
var frameworkFree = []string{"prefix", "usage", "fixtures", "matrix", "verdict", "invoke", "request", "wire",
	"jsondiff", "forecast", "capture", "recorder", "report", "emulator", "sdkcheck", "discovery", "schedule"}

// goList runs go list in the module root and returns its lines.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

func TestImportPolicy(t *testing.T) {
	seen := map[string]bool{}
	for _, line := range goList(t, "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", "./...") {
		f := strings.Fields(line)
		pkg := strings.TrimPrefix(f[0], module)
		seen[pkg] = true
		allow, ok := allowed[pkg]
		if !ok {
			t.Errorf("package %s is not in the dependency policy: add it to allowed in internal/policy/deps_test.go with the module packages it may import", pkg)
			continue
		}
		for _, imp := range f[1:] {
			if dep, ours := strings.CutPrefix(imp, module); ours && !slices.Contains(allow, dep) {
				t.Errorf("%s imports %s, which the policy does not allow", pkg, dep)
			}
		}
	}
	for pkg := range allowed {
		if !seen[pkg] {
			t.Errorf("the policy names %s, which is not a package of the module", pkg)
		}
	}
}

func TestLibrariesImportNoTestFramework(t *testing.T) {
	for _, pkg := range frameworkFree {
		for _, dep := range goList(t, "-deps", "./"+pkg) {
			if strings.HasPrefix(dep, "github.com/onsi/") {
				t.Errorf("%s depends on %s: an application importing it would inherit a test framework", pkg, dep)
				break
			}
		}
	}
}

// TestOracleAndEmulatorStayIndependent keeps the rules' side and the
// emulator from importing each other, tests included, directly or not: each
// is the other's check, which only works while neither can borrow the
// other's idea of the rules.
func TestOracleAndEmulatorStayIndependent(t *testing.T) {
	oracle := []string{"matrix", "verdict", "invoke", "forecast"}
	for _, pkg := range oracle {
		if slices.Contains(goList(t, "-deps", "-test", "./"+pkg), module+"emulator") {
			t.Errorf("%s depends on the emulator", pkg)
		}
	}
	deps := goList(t, "-deps", "-test", "./emulator")
	for _, pkg := range append(oracle, "request", "fixtures") {
		if slices.Contains(deps, module+pkg) {
			t.Errorf("the emulator depends on %s", pkg)
		}
	}
}
