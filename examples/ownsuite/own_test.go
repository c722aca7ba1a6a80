package ownsuite_test

import (
	"context"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/suites/builder"
	"github.com/cachecascade/cachecascade/suites/framework"
	"github.com/cachecascade/cachecascade/verdict"
)

// strategies are the built-in five and the team's own STATIC_SYSTEM,
// registered once, before the run, in a set this suite owns.
var strategies = func() *matrix.StrategySet {
	set := matrix.NewStrategySet()
	if err := set.Register("STATIC_SYSTEM", staticSystem); err != nil {
		panic(err)
	}
	return set
}()

// models are the models the team calls.
var models = []matrix.Model{matrix.Default().Must("claude-sonnet-4-5"), matrix.Default().Must("nova-lite")}

// checked are the strategies this suite checks the builders with.
var checked = []matrix.Strategy{matrix.SystemOnly, "STATIC_SYSTEM"}

var good = builder.Check{Name: "support", Build: goodBuilder, Strategies: strategies}

var _ = Describe("the support assistant's requests", func() {
	DescribeTable("cache on every model: a changed layer invalidates the checkpoints at and after it",
		func(ctx context.Context, cell matrix.Cell) { good.Cascade(ctx, run, cell) },
		good.Entries(framework.AreaCascade, models, checked))

	DescribeTable("are cached: the prefix through the last checkpoint is at or above the model's minimum",
		func(ctx context.Context, cell matrix.Cell) { good.Threshold(ctx, run, cell) },
		good.Entries(framework.AreaThreshold, models, checked))

	DescribeTable("serialize to the same bytes every build",
		func(ctx context.Context, cell matrix.Cell) { good.Determinism(ctx, run, cell) },
		good.Entries(framework.AreaDeterminism, models, checked))
})

// areaCaught is the report section of the specs that prove a check
// catches a bad builder, apart from the good builder's cells.
const areaCaught framework.Area = "caught"

// caught concludes that a check caught a bad builder: its finding f failed
// under rule r, and its reason names want.
func caught(f verdict.Finding, r matrix.Rule, want string) verdict.Finding {
	return verdict.Check(r, f.Outcome == verdict.Fail && f.Rule == r && strings.Contains(f.Reason, want),
		"the check must fail under [%s] naming %q; it gave %s [%s]: %s", r, want, f.Outcome, f.Rule, f.Reason)
}

// The timestamp builder must fail, and under the right rule: these specs
// pass when the checks catch it, so that its cassettes are kept and the
// proof replays offline.
var _ = Describe("a builder with the time at the top of its system prompt", func() {
	DescribeTable("fails the determinism check, naming system[0].text",
		func(ctx context.Context, cell matrix.Cell) {
			s := run.Offline(areaCaught, cell)
			bad := builder.Check{Name: "timestamp", Build: timestampBuilder(), Strategies: strategies}
			f := bad.DeterminismFinding(ctx, cell, run.Salt)
			s.Note("%s", f.Reason)
			s.Conclude("serialize", caught(f, matrix.RuleDeterminism, "system[0].text"))
		}, framework.Entries(areaCaught, builder.Check{}.Cells(models[:1], checked...)))

	DescribeTable("fails the cascade check: the repeat does not read what the prime wrote",
		func(ctx context.Context, cell matrix.Cell) {
			bad := builder.Check{Name: "timestamp", Build: timestampBuilder(), Strategies: strategies}
			s := bad.Open(ctx, run, areaCaught, cell)
			fs := bad.CascadeFindings(ctx, s)
			var repeat verdict.Finding
			for _, f := range fs {
				if f.Step == "repeat" {
					repeat = f
				}
			}
			s.Note("%s", repeat.Reason)
			s.Conclude("repeat", caught(repeat, matrix.RuleRepeat, "expected hit at system"))
		}, framework.Entries(areaCaught, builder.Check{}.Cells(models, checked...)))
})

var _ = Describe("a builder whose cached prefix is under the minimum", func() {
	DescribeTable("fails the threshold check, naming the checkpoint and the minimum",
		func(ctx context.Context, cell matrix.Cell) {
			short := builder.Check{Name: "short", Build: shortBuilder, Strategies: strategies}
			s := short.Open(ctx, run, areaCaught, cell)
			f := short.ThresholdFinding(ctx, s)
			s.Note("%s", f.Reason)
			s.Conclude(f.Step, caught(f, matrix.RuleThreshold, "the checkpoint at system is never cached"))
		}, framework.Entries(areaCaught, builder.Check{}.Cells(models, "STATIC_SYSTEM")))
})
