package framework_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/recorder"
	"github.com/cachecascade/cachecascade/suites/framework"
	"github.com/cachecascade/cachecascade/usage"
	"github.com/cachecascade/cachecascade/verdict"
)

// The framework tests itself: a spec records a cassette against the
// emulator through Open, and the next replays it.
func TestFramework(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "framework")
}

var _ = Describe("a spec's session", Ordered, func() {
	var (
		dir      string
		recorded usage.Usage
		model    = matrix.Default().Must("claude-sonnet-4-5")
	)
	input := func(salt fixtures.Salt) request {
		sp := fixtures.Spec{Seed: "framework", Estimate: fixtures.EstimateFor("claude"), SystemBlocks: 1, SystemTokens: 1500, Turns: 1, TurnTokens: 30, Salt: salt}
		in := fixtures.Build(sp).Input(model.ModelID())
		_, err := matrix.SystemOnly.Apply(in, matrix.TTLDefault)
		Expect(err).NotTo(HaveOccurred())
		return request{in, model.Effective(matrix.Checkpoints(in))}
	}
	newRun := func(mode, target string) *framework.Run {
		GinkgoT().Setenv(recorder.ModeEnv, mode)
		GinkgoT().Setenv(framework.TargetEnv, target)
		GinkgoT().Setenv(framework.CassettesEnv, dir)
		r, err := framework.NewRun()
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(r.Close)
		return r
	}

	BeforeAll(func() { dir = GinkgoT().TempDir() })

	It("records a cassette against the emulator and names its source in the manifest", func(ctx context.Context) {
		r := newRun("record", "emulator")
		DeferCleanup(r.WriteManifest) // runs after the spec's own cleanup has saved the cassette
		s := r.Open(ctx, "selftest", model, matrix.SystemOnly, "roundtrip")
		req := input(r.Salt)
		c := s.Converse(ctx, "prime", req.in)
		s.Judge(c, verdict.Expectation{Prime: true, MinTokens: model.MinTokens}, verdict.Observation{Checkpoints: req.cps})
		recorded = c.Usage
	})

	It("replays it, with the manifest naming the emulator", func(ctx context.Context) {
		path := filepath.Join(dir, "selftest", model.Key, "roundtrip.yaml")
		Expect(path).To(BeAnExistingFile())
		m, err := framework.ReadManifest(dir)
		Expect(err).NotTo(HaveOccurred())
		Expect(m.Cassettes).To(HaveKeyWithValue("selftest/claude-sonnet-4-5/roundtrip.yaml",
			HaveField("Source", HavePrefix("emulator "))))

		r := newRun("replay", "")
		s := r.Open(ctx, "selftest", model, matrix.SystemOnly, "roundtrip")
		c := s.Converse(ctx, "prime", input(r.Salt).in)
		Expect(c.Err).NotTo(HaveOccurred())
		Expect(c.Usage).To(Equal(recorded))
		Expect(os.Getenv(recorder.ModeEnv)).To(Equal("replay"))
	})
})

var _ = ReportAfterSuite("rows", func(rep Report) {
	rows, err := framework.Rows(rep)
	Expect(err).NotTo(HaveOccurred())
	Expect(rows).To(HaveLen(2))
	for _, row := range rows {
		Expect(row.Area).To(Equal("selftest"))
		Expect(row.Calls).To(Equal(1))
		Expect(row.CacheWriteTokens).To(BeNumerically(">", 0))
		Expect(row.CostUSD).To(BeNumerically("<", row.CostWithoutCacheUSD*1.3))
	}
})

type request struct {
	in  *bedrockruntime.ConverseInput
	cps []prefix.Layer
}
