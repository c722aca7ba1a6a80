package suites_test

import (
	"fmt"
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/cachecascade/cachecascade/suites/framework"
)

// run is the run the specs share; BeforeSuite sets it.
var run *framework.Run

func TestSuites(t *testing.T) {
	RegisterFailHandler(Fail)
	// A run against a target first estimates its cost from the cassettes
	// of the specs it will run, and stops here if that is over budget.
	est, err := framework.CheckBudget(func() Report { return PreviewSpecs("cachecascade") })
	if err != nil {
		t.Fatal(err)
	}
	if est.Specs > 0 {
		fmt.Fprintf(os.Stderr, "cachecascade: estimated from the cassettes: %s\n", est)
	}
	RunSpecs(t, "cachecascade")
}

// Every process of a parallel run resolves its own Run from the start time
// the first process hands out, so that all record one date.
var _ = SynchronizedBeforeSuite(framework.Started, func(started []byte) {
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
