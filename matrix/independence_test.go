package matrix_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestOracleAndEmulatorStayIndependent keeps the matrix oracle and the
// emulator from importing each other, tests included, directly or not:
// each is the other's check, which only works while neither can borrow the
// other's idea of the rules.
func TestOracleAndEmulatorStayIndependent(t *testing.T) {
	for pkg, forbidden := range map[string]string{
		"github.com/cachecascade/cachecascade/matrix":   "github.com/cachecascade/cachecascade/emulator",
		"github.com/cachecascade/cachecascade/emulator": "github.com/cachecascade/cachecascade/matrix",
	} {
		out, err := exec.Command("go", "list", "-deps", "-test", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps -test %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == forbidden || strings.HasPrefix(dep, forbidden+" ") {
				t.Errorf("%s depends on %s", pkg, forbidden)
			}
		}
	}
}
