package framework

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/cachecascade/cachecascade/internal/preflight"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/recorder"
)

// Preflight checks the run's target once, before any spec, so that a run
// that cannot work stops at once with one message instead of failing every
// spec: a record or live run against AWS or a named endpoint needs a
// region, credentials (or a Bedrock API key, over HTTPS only) and an
// endpoint that answers (see package preflight, which costs nothing on
// AWS), and then access to each of the models it will call: one Converse
// call per model, a one-word prompt and one output token (see
// preflight.CheckModels; models comes from PreviewModels). Every problem
// found is in the one message, each with what to do. Replay touches no
// network and checks nothing; neither does a run against the in-process
// emulator, which the run starts itself.
func Preflight(ctx context.Context, models []matrix.Model) error {
	checks, err := checksTarget()
	if err != nil || !checks {
		return err
	}
	if err := preflight.Check(ctx); err != nil {
		return err
	}
	if len(models) == 0 {
		return nil
	}
	probes := make([]preflight.Model, len(models))
	for i, m := range models {
		probes[i] = preflight.Model{Name: m.Name, ID: m.ModelID(), Label: ModelLabel(m), ViaProfile: matrix.ProfileKindOf(m.ModelID()) != matrix.InRegion}
	}
	res, err := preflight.CheckModels(ctx, probes)
	if err != nil {
		return fmt.Errorf("pre-flight: cannot check model access: %w", err)
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(os.Stderr, "cachecascade: pre-flight: "+w)
	}
	if err := res.Err(""); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "cachecascade: pre-flight: %d models answered a one-token probe (%d input and %d output tokens billed)\n",
		res.Calls, res.InputTokens, res.OutputTokens)
	return nil
}

// checksTarget reports whether the run's pre-flight checks a target: a
// record or live run against AWS or a named endpoint.
func checksTarget() (bool, error) {
	mode, err := recorder.ModeFromEnv()
	if err != nil || !mode.CallsTarget() {
		return false, err
	}
	target, err := targetFromEnv()
	if err != nil || target == TargetEmulator {
		return false, err
	}
	return true, nil
}

// PreviewModels returns the models whose specs a run will call, for
// Preflight: the catalog models named by the "model:" labels of the specs
// a Ginkgo preview says will run (preview is ginkgo.PreviewSpecs, which
// must be called before RunSpecs), leaving out end-of-life models, whose
// specs a run against a target skips. It calls preview only when the
// pre-flight checks a target, so replay pays nothing for it.
func PreviewModels(preview func() types.Report) ([]matrix.Model, error) {
	checks, err := checksTarget()
	if err != nil || !checks {
		return nil, err
	}
	return selectedModels(preview(), matrix.Default()), nil
}

// selectedModels returns the models of c, in catalog order, that label a
// spec of rep that will run and have not reached end of life.
func selectedModels(rep types.Report, c *matrix.Catalog) []matrix.Model {
	keys := map[string]bool{}
	for _, sr := range rep.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt || sr.State.Is(types.SpecStateSkipped|types.SpecStatePending) {
			continue
		}
		for _, l := range sr.Labels() {
			if k, ok := strings.CutPrefix(l, "model:"); ok {
				keys[k] = true
			}
		}
	}
	return slices.DeleteFunc(slices.Clone(c.Models), func(m matrix.Model) bool {
		return !keys[m.Key] || m.Lifecycle == matrix.EndOfLife
	})
}
