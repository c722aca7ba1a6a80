package suites_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/cachecascade/cachecascade/suites/framework"
)

// run is the run the specs share; BeforeSuite sets it.
var run *framework.Run

func TestSuites(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "cachecascade")
}

var _ = BeforeSuite(func() {
	var err error
	run, err = framework.NewRun()
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
