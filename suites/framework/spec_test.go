package framework_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/recorder"
	"github.com/cachecascade/cachecascade/request"
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
	cell := matrix.Cell{Model: model, Strategy: matrix.SystemOnly}
	input := func(s *framework.Spec, salt fixtures.Salt) *request.Request {
		sp := fixtures.Spec{Seed: "framework", Estimate: fixtures.EstimateFor("claude"), SystemBlocks: 1, SystemTokens: 1500, Turns: 1, TurnTokens: 30, Salt: salt}
		r := s.Request(fixtures.Build(sp))
		_, err := r.Apply(matrix.SystemOnly, matrix.TTLDefault)
		Expect(err).NotTo(HaveOccurred())
		return r
	}
	newRun := func(mode, target string) *framework.Run {
		GinkgoT().Setenv(env.Mode, mode)
		GinkgoT().Setenv(env.Target, target)
		GinkgoT().Setenv(env.Cassettes, dir)
		GinkgoT().Setenv(env.ReportDir, GinkgoT().TempDir())
		r, err := framework.NewRun(framework.Started())
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(r.Close)
		return r
	}

	BeforeAll(func() { dir = GinkgoT().TempDir() })

	It("records a cassette against the emulator and names its source in the manifest", func(ctx context.Context) {
		r := newRun("record", "emulator")
		// Runs after the spec's own cleanup has saved the cassette and
		// filed its provenance.
		DeferCleanup(func() error {
			ps := []framework.Provenance{}
			for _, e := range CurrentSpecReport().ReportEntries {
				if p, ok := e.GetRawValue().(framework.Provenance); ok {
					ps = append(ps, p)
				}
			}
			if len(ps) != 1 {
				return fmt.Errorf("the spec filed %d provenance entries, want 1", len(ps))
			}
			return r.WriteManifest(ps)
		})
		s := r.Open(ctx, "selftest", cell, "roundtrip")
		req := input(s, r.Salt)
		c := s.Send(ctx, "prime", req)
		s.Judge(c, verdict.Expectation{Prime: true, MinTokens: model.MinTokens}, verdict.Observation{Checkpoints: req.Layers()})
		recorded = c.Usage
		// Against a target each call is a step of the spec's timeline.
		Expect(CurrentSpecReport().SpecEvents.WithType(types.SpecEventByStart)).To(ContainElement(HaveField("Message", "prime (Converse)")))
	})

	It("replays it, with the manifest naming the emulator", func(ctx context.Context) {
		path := filepath.Join(dir, "selftest", model.Key, "roundtrip.yaml")
		Expect(path).To(BeAnExistingFile())
		m, err := recorder.ReadManifest(dir)
		Expect(err).NotTo(HaveOccurred())
		Expect(m.Cassettes).To(HaveKeyWithValue("selftest/claude-sonnet-4-5/roundtrip.yaml",
			HaveField("Source", HavePrefix("emulator "))))

		r := newRun("replay", "")
		s := r.Open(ctx, "selftest", cell, "roundtrip")
		c := s.Send(ctx, "prime", input(s, r.Salt))
		Expect(c.Err).NotTo(HaveOccurred())
		Expect(c.Usage).To(Equal(recorded))
		Expect(os.Getenv(env.Mode)).To(Equal("replay"))
		// A replayed call is not a step of the timeline unless the run is
		// verbose (see Spec.step).
		if _, rc := GinkgoConfiguration(); !rc.Verbose && !rc.VeryVerbose {
			Expect(CurrentSpecReport().SpecEvents.WithType(types.SpecEventByStart)).To(BeEmpty())
		}
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
