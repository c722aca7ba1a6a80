package ownsuite_test

import (
	"path/filepath"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/suites/framework"
)

// run is the run the specs share.
var run *framework.Run

// probed are the models the pre-flight probes in a run against a target:
// those of the specs the run will call.
var (
	probed    []matrix.Model
	probedErr error
)

func TestOwnSuite(t *testing.T) {
	RegisterFailHandler(Fail)
	if GinkgoParallelProcess() == 1 {
		probed, probedErr = framework.PreviewModels(func() Report { return PreviewSpecs("ownsuite") })
	}
	RunSpecs(t, "ownsuite")
}

// The team's cassettes live beside its suite, in cassettes/ (recorded with
// CACHECASCADE_MODE=record CACHECASCADE_TARGET=emulator go test .), unless
// CACHECASCADE_CASSETTES names another directory; reports go to a
// temporary directory unless CACHECASCADE_REPORT_DIR names one.
var _ = SynchronizedBeforeSuite(func(ctx SpecContext) []byte {
	framework.ExpectNoError(probedErr)
	framework.ExpectNoError(framework.Preflight(ctx, probed))
	return framework.Started()
}, func(started []byte) {
	var err error
	run, err = framework.NewRun(started)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(run.Close)
	// The defaults are the project's own directories: a team's suite
	// keeps its cassettes beside it.
	if run.Cassettes == filepath.Join(run.Root, "cassettes") {
		run.Cassettes, err = filepath.Abs("cassettes")
		Expect(err).NotTo(HaveOccurred())
	}
	if run.Reports == filepath.Join(run.Root, "reports") {
		run.Reports = GinkgoT().TempDir()
	}
})

// The team's report is the project's matrix report, its own strategy a
// column of the cascade table beside the built-in ones.
var _ = ReportAfterSuite("ownsuite report", func(rep Report) {
	if run == nil {
		return
	}
	rows, err := framework.Rows(rep)
	Expect(err).NotTo(HaveOccurred())
	md := run.Matrix(rows).Markdown()
	Expect(md).To(MatchRegexp(`\| Model \|[^\n]*\| SYSTEM_ONLY \|[^\n]*\| STATIC_SYSTEM \|`), "the team's strategy is a report column")
	_, _, err = run.WriteReport(rep)
	Expect(err).NotTo(HaveOccurred())
})
