package framework

import (
	"sync/atomic"

	"github.com/onsi/ginkgo/v2/types"
)

// helperMark marks as a Ginkgo helper (as GinkgoHelper does) the function
// that calls its mark method, the first time only. Ginkgo keeps helpers by
// function name for the whole process, so once is enough; finding the caller
// is a stack walk, which the framework's helpers paid on every call: about
// 3% of the offline matrix. A function marks itself before anything in it
// can fail, so a failure is still reported at the line that called it.
type helperMark struct{ done atomic.Bool }

// mark marks the caller as a Ginkgo helper unless it is marked already.
func (h *helperMark) mark() {
	if !h.done.Load() {
		types.MarkAsHelper(1)
		h.done.Store(true)
	}
}
