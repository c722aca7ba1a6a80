package framework_test

import (
	"runtime/debug"
	"testing"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/suites/framework"
)

// TestTuneGC: the suites' target when GOGC is unset, the user's when set.
func TestTuneGC(t *testing.T) {
	before := debug.SetGCPercent(123)
	defer debug.SetGCPercent(before)
	t.Setenv(env.GoGC, "77")
	framework.TuneGC()
	if got := debug.SetGCPercent(123); got != 123 {
		t.Errorf("Expected\n%d\nto be left as it was with GOGC set\n123", got)
	}
	t.Setenv(env.GoGC, "")
	framework.TuneGC()
	if got := debug.SetGCPercent(123); got != framework.GCPercent {
		t.Errorf("Expected\n%d\nto be the suites' target\n%d", got, framework.GCPercent)
	}
}
