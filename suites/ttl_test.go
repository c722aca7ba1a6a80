package suites_test

import (
	"context"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/suites/framework"
)

var _ = Describe("ttl", func() {
	for _, m := range matrix.Default().Models {
		fixture := func(name string) fixtures.Spec { return systemFixture("ttl/"+name, m, 1, 40) }
		// Against AWS these specs wait for real; the slow label lets a
		// nightly run leave them out.
		labels := Label(append(modelLabels("ttl", m), "slow", matrix.StrategyLabel(matrix.SystemOnly))...)

		// sequence primes a system checkpoint with the given TTL and then,
		// after each wait, expects a hit or a miss.
		sequence := func(ctx context.Context, s *framework.Spec, ttl matrix.TTL, steps []ttlStep) framework.Call {
			r := build(m, fixture(string(ttl)), matrix.SystemOnly, ttl)
			prime, e, obs := primed(ctx, s, m, r, "prime")
			for _, st := range steps {
				framework.ExpectNoError(run.Advance(ctx, st.wait), "advancing the clock")
				e.Hits = nil
				if st.hit {
					e.Hits = r.Checkpoints
				}
				s.Judge(s.Converse(ctx, st.name, build(m, fixture(string(ttl)), matrix.SystemOnly, ttl).In), e, obs)
			}
			return prime
		}

		It(m.Key+": a five-minute entry is refreshed by each hit and expires five minutes after the last", labels, func(ctx context.Context) {
			s := run.Open(ctx, "ttl", m, matrix.SystemOnly, "five-minutes")
			sequence(ctx, s, matrix.TTLDefault, []ttlStep{
				{"after 4m: hit", 4 * time.Minute, true},
				{"after 4m more (8m since the write): hit, because the last hit refreshed it", 4 * time.Minute, true},
				{"after 5m 30s more: expired", 5*time.Minute + 30*time.Second, false},
			})
		}, SpecTimeout(20*time.Minute))

		if !m.SupportsTTL(matrix.TTLOneHour) {
			continue
		}
		It(m.Key+": a one-hour entry is reported as a 1h write and outlives five minutes", labels, Label("ttl:1h"), func(ctx context.Context) {
			if !matrix.TTLSupported {
				Skip("this SDK has no CachePointBlock.Ttl (bedrockruntime before v1.48.0): not applicable")
			}
			s := run.Open(ctx, "ttl", m, matrix.SystemOnly, "one-hour")
			prime := sequence(ctx, s, matrix.TTLOneHour, []ttlStep{
				{"after 30m: hit", 30 * time.Minute, true},
				{"after 61m more: expired", 61 * time.Minute, false},
			})
			if got := prime.Usage.WrittenWith(string(matrix.TTLOneHour)); got != prime.Usage.Write {
				Fail(fmt.Sprintf("ttl %s, step %q: usage.cacheDetails must list the whole write (%d) under ttl 1h; observed %v", m.Key, "prime", prime.Usage.Write, prime.Usage))
			}
		}, SpecTimeout(2*time.Hour))
	}
})

// ttlStep is a wait followed by a call expected to hit or miss.
type ttlStep struct {
	name string
	wait time.Duration
	hit  bool
}
