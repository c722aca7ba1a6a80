package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/internal/modroot"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/suites/framework"
)

// TestContributorsMap keeps README.md's map true: every area the suites run
// has a row in "What is checked", and every area that calls a model says
// which APIs it runs through; every rule the verifier judges is named there
// or in the rules it lists, by its ID.
func TestContributorsMap(t *testing.T) {
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, a := range framework.Areas {
		if !strings.Contains(readme, "| `"+string(a)+"`") {
			t.Errorf("README.md's table of areas has no row for area %q", a)
		}
		if _, ok := framework.AreaAPIs[a]; !ok && a != framework.AreaHygiene {
			t.Errorf("area %q has no APIs in framework.AreaAPIs", a)
		}
	}
	for _, r := range matrix.Rules {
		if !strings.Contains(readme, "`"+string(r.Rule)+"`") && !r.Rejects {
			t.Errorf("README.md does not name rule %q (%s)", r.Rule, r.Summary)
		}
	}
}
