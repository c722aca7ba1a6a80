package suites_test

import (
	"fmt"
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/suites/framework"
)

// run is the run the specs share; BeforeSuite sets it.
var run *framework.Run

// budgetEstimate and budgetErr are the first process's estimate of a run
// against a target, from the cassettes of the specs it will run (see
// framework.CheckBudget).
var (
	budgetEstimate framework.Estimate
	budgetErr      error
)

// checkModels and checkModelsErr are the models the first process's
// pre-flight probes: those of the specs the run will call (see
// framework.PreviewModels).
var (
	checkModels    []matrix.Model
	checkModelsErr error
)

func TestSuites(t *testing.T) {
	framework.TuneGC()
	RegisterFailHandler(Fail)
	// A run against a target first estimates its cost from the cassettes
	// of the specs it will run; one estimate serves every process, so only
	// the first makes it (reading the cassettes is most of a process's
	// start), and its SynchronizedBeforeSuite refuses a run over budget.
	if GinkgoParallelProcess() == 1 {
		var previewed *Report
		preview := func() Report {
			if previewed == nil {
				rep := PreviewSpecs("cachecascade")
				previewed = &rep
			}
			return *previewed
		}
		budgetEstimate, budgetErr = framework.CheckBudget(preview)
		checkModels, checkModelsErr = framework.PreviewModels(preview)
	}
	RunSpecs(t, "cachecascade")
}

// The first process checks the target once (framework.Preflight: nothing
// in replay), stops a run that cannot reach it or is estimated over
// budget, each with one message, and hands out the run's start data; every
// process of a parallel run resolves its own Run from it, so that all
// record one date and charge one tally.
var _ = SynchronizedBeforeSuite(func(ctx SpecContext) []byte {
	framework.ExpectNoError(checkModelsErr)
	framework.ExpectNoError(framework.Preflight(ctx, checkModels))
	framework.ExpectNoError(budgetErr)
	if budgetEstimate.Specs > 0 {
		fmt.Fprintf(os.Stderr, "cachecascade: estimated from the cassettes: %s\n", budgetEstimate)
	}
	return framework.Started()
}, func(started []byte) {
	var err error
	run, err = framework.NewRun(started)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(run.Close)
})

var _ = ReportAfterSuite("matrix report", func(rep Report) {
	if run == nil {
		return
	}
	md, files, err := run.WriteReport(rep)
	Expect(err).NotTo(HaveOccurred())
	framework.PrintReport(md, files)
})
