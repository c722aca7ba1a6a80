package suites_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/cachecascade/cachecascade/matchers"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
)

var _ = Describe("isolation", func() {
	// Isolation is a property of the account, not of the model: one model
	// of each family is enough.
	for _, family := range []matrix.Family{matrix.Claude, matrix.Nova} {
		m := matrix.Default().Family(family)[0]
		It(m.Key+": another account does not read this account's entries", Label(modelLabels("isolation", m)...), Label(matrix.StrategyLabel(matrix.SystemOnly)),
			func(ctx context.Context) {
				second, why := run.SecondAccount(ctx)
				if second == nil {
					Skip(why)
				}
				s := run.Open(ctx, "isolation", m, matrix.SystemOnly, "two-accounts")
				other := s.ClientAs(second)
				sp := systemFixture("isolation", m, 1, 40)
				r := build(m, sp, matrix.SystemOnly, matrix.TTLDefault)
				_, e, obs := primed(ctx, s, m, r, "prime in the first account")
				// A miss: the other account has no entry.
				stranger := s.ConverseWith(ctx, other, "the same request from a second account", build(m, sp, matrix.SystemOnly, matrix.TTLDefault).In)
				s.Judge(stranger, e, obs)
				e.Hits = r.Checkpoints // the first account's entry is still there
				again := s.Converse(ctx, "the first account again", build(m, sp, matrix.SystemOnly, matrix.TTLDefault).In)
				s.Judge(again, e, obs)
				Expect(observed(stranger, obs)).To(matchers.HaveCacheMissAt(prefix.System), "the second account")
				Expect(observed(again, obs)).To(matchers.HaveCacheHitAt(prefix.System), "the first account again")
			})
	}
})
