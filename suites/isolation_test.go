package suites_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/suites/framework"
)

var _ = Describe("isolation", func() {
	// Isolation is a property of the account, not of the model: one model
	// of each family is enough.
	area := framework.AreaIsolation
	DescribeTable("another account does not read this account's entries", func(ctx context.Context, cell matrix.Cell) {
		second, why := run.SecondAccount(ctx)
		if second == nil {
			Skip(why)
		}
		s := run.Open(ctx, area, cell, "two-accounts")
		sp := systemFixture(cell, "isolation", 1, 40)
		r := build(cell, sp, matrix.SystemOnly, matrix.TTLDefault)
		_, e, obs := primed(ctx, s, r, "prime in the first account")
		// A miss: the other account has no entry.
		e.Rule = matrix.RuleIsolation
		s.Judge(s.SendAs(ctx, s.ClientAs(second), "the same request from a second account", build(cell, sp, matrix.SystemOnly, matrix.TTLDefault)), e, obs)
		// The first account's entry is still there.
		e.Hits, e.Rule = r.Layers(), ""
		s.Judge(s.Send(ctx, "the first account again", build(cell, sp, matrix.SystemOnly, matrix.TTLDefault)), e, obs)
	}, framework.Entries(area, area.Cells(firstOfEachFamily(), matrix.SystemOnly)))
})
