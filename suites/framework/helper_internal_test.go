package framework

import (
	"runtime"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

var markedOnce helperMark

// locatedHelper marks itself with markedOnce and returns where Ginkgo would
// report a failure raised inside it, and its caller's line.
func locatedHelper() (types.CodeLocation, int) {
	markedOnce.mark()
	_, _, line, _ := runtime.Caller(1)
	return types.NewCodeLocation(0), line
}

// TestHelperMarkMarksItsCaller checks that a function marked by a
// helperMark is skipped when Ginkgo locates a failure, on its first call
// (which marks it) and on later ones (which do not walk the stack).
func TestHelperMarkMarksItsCaller(t *testing.T) {
	for i := range 3 {
		cl, line := locatedHelper()
		if cl.LineNumber != line {
			t.Fatalf("Expected\n%s\nto be the caller's line (call %d)\n%d", cl, i+1, line)
		}
	}
	if !markedOnce.done.Load() {
		t.Fatal("Expected\nthe helperMark\nto be marked after a call")
	}
}
