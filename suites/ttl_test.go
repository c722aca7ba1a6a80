package suites_test

import (
	"context"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/suites/framework"
	"github.com/cachecascade/cachecascade/verdict"
)

// ttlStep is a wait followed by a call expected to hit or miss, and the
// rule the call tests.
type ttlStep struct {
	name string
	wait time.Duration
	hit  bool
	rule matrix.Rule
}

// ttlTouches is how many times a retried TTL sequence re-sends its prime
// (framework.Spec.Touch), so that more of the Regions a later call may land
// in hold the entry, written at the same time as the prime. Later hits are
// not touched: a touch that lands where the entry is not writes it again,
// and a hit after such a write proves nothing about time.
const ttlTouches = 2

// ttlSequence primes a system checkpoint with the given TTL and then, after
// each wait, expects a hit or a miss. It returns the prime. A call that
// must hit and misses the way the service's noise misses (another Region's
// cache) runs the sequence again on fresh material when the call tests
// time (refresh, expiry: framework.Spec.Timed), up to
// framework.SequenceAttempts times: a broken rule misses on every attempt.
// A plain repeat inside the TTL is settled by re-sends instead.
//
// A hit that tests time proves its rule only when the entry it reads was
// written with the prime: when any later call wrote (a re-send or a repeat
// that landed in another Region's cache, an entry written again early),
// a hit may read that younger entry, which is what a TTL that is never
// refreshed would show too. The attempt then ends before the wait and the
// sequence runs again; when no attempt is left, the step is inconclusive.
func ttlSequence(ctx context.Context, cell matrix.Cell, ttl matrix.TTL, steps []ttlStep) framework.Call {
	GinkgoHelper()
	fixture := systemFixture(cell, "ttl/"+string(ttl), 1, 40)
	r, err := newRequest(cell, fixture, matrix.SystemOnly, ttl)
	s := openApplicable(ctx, framework.AreaTTL, cell, map[matrix.TTL]string{matrix.TTLDefault: "five-minutes", matrix.TTLOneHour: "one-hour"}[ttl], r, err)
	for attempt := 1; ; attempt++ {
		if prime, done := ttlAttempt(ctx, s, cell, ttl, fixture, steps, attempt); done {
			return prime
		}
		fixture = systemFixture(cell, fmt.Sprintf("ttl/%s/attempt-%d", ttl, attempt+1), 1, 40)
	}
}

// ttlAttempt runs the sequence once on fixture; it reports false when a
// call that must hit missed with the noise's shape and the sequence is to
// run again.
func ttlAttempt(ctx context.Context, s *framework.Spec, cell matrix.Cell, ttl matrix.TTL, fixture fixtures.Spec, steps []ttlStep, attempt int) (framework.Call, bool) {
	GinkgoHelper()
	r := build(cell, fixture, matrix.SystemOnly, ttl)
	var prime framework.Call
	var e verdict.Expectation
	var obs verdict.Observation
	if _, disputed := cell.Model.Disputed(matrix.FactOneHour); disputed && ttl == matrix.TTLOneHour {
		var accepted bool
		if prime, e, obs, accepted = settledPrime(ctx, s, r, matrix.FactOneHour); !accepted {
			return prime, true // the target has no one-hour TTL on this model: nothing to time
		}
	} else {
		prime, e, obs = primed(ctx, s, r, "prime")
	}
	touches := 0
	if attempt > 1 {
		touches = ttlTouches
	}
	s.Touch(ctx, nil, "prime", r, touches)
	written := s.Written()
	calls := []framework.Call{prime}
	for _, st := range steps {
		timed := st.rule != matrix.RuleRepeat
		if timed && st.hit && s.Written() > written {
			why := fmt.Sprintf("a call after the prime wrote its entry again, so a hit at step %q could read that younger entry", st.name)
			if s.RetrySequence(attempt, why, calls...) {
				return prime, false
			}
			s.Conclude(st.name, verdict.Undecided(st.rule, "%s, on all %d attempts (the service's noise: another Region's cache, an entry written again early); run the spec again, or call an in-Region model ID, whose calls all reach one cache", why, attempt))
			return prime, true
		}
		framework.ExpectNoError(run.Advance(ctx, st.wait), "advancing the clock")
		e.Hits, e.Rule = nil, st.rule
		if st.hit {
			e.Hits = r.Layers()
		}
		c := s.Send(ctx, st.name, build(cell, fixture, matrix.SystemOnly, ttl))
		calls = append(calls, c)
		o := obs
		o.Usage, o.Err = c.Usage, c.Err
		// A repeat inside the TTL is no question of time: a miss of the
		// noise's shape is settled by re-sends. A step about time is not.
		if timed && st.hit && framework.NoiseMiss(e, o) && s.RetrySequence(attempt, "a timed step missed with the noise's shape", calls...) {
			return prime, false
		}
		s.Timed(timed)
		s.Judge(c, e, obs)
		s.Timed(false)
		calls[len(calls)-1] = s.Decided(c) // the others are noise already
	}
	if ttl == matrix.TTLOneHour {
		s.Conclude("prime", verdict.JudgeTTLDetails(prime.Usage, ttl))
	}
	return prime, true
}

// ttlDecorators are the TTL specs' decorators. They move the target's
// clock: an emulator's shared by every process (an endpoint) makes them run
// alone (Serial); against AWS each waits in real time on its own, so their
// waits overlap across processes (a full AWS night's TTL specs fit the
// nightly job that way), and the in-process emulator is each process's own.
// The slow label lets a nightly leave them out.
func ttlDecorators() []any {
	d := []any{Label(framework.LabelSlow)}
	if framework.ClockShared() {
		d = append(d, Serial)
	}
	return d
}

var _ = Describe("ttl", append(ttlDecorators(), func() {
	area := framework.AreaTTL

	DescribeTable("a five-minute entry is refreshed by each hit and expires five minutes after the last", func(ctx context.Context, cell matrix.Cell) {
		ttlSequence(ctx, cell, matrix.TTLDefault, []ttlStep{
			{"after 4m: hit", 4 * time.Minute, true, matrix.RuleRepeat},
			{"after 4m more (8m since the write): hit, because the last hit refreshed it", 4 * time.Minute, true, matrix.RuleTTLRefresh},
			{"after 5m 30s more: expired", 5*time.Minute + 30*time.Second, false, matrix.RuleTTLExpiry},
		})
	}, framework.Entries(area, area.Cells(models(), matrix.SystemOnly), SpecTimeout(20*time.Minute)))

	// The one-hour specs run on the models with one-hour TTLs and on those
	// where sources disagree (FactOneHour), which measure and report it.
	var oneHour []matrix.Model
	for _, m := range models() {
		if _, disputed := m.Disputed(matrix.FactOneHour); disputed || m.SupportsTTL(matrix.TTLOneHour) {
			oneHour = append(oneHour, m)
		}
	}
	DescribeTable("a one-hour entry is reported as a 1h write and outlives five minutes", func(ctx context.Context, cell matrix.Cell) {
		ttlSequence(ctx, cell, matrix.TTLOneHour, []ttlStep{
			{"after 30m: hit", 30 * time.Minute, true, matrix.RuleTTLExpiry},
			{"after 61m more: expired", 61 * time.Minute, false, matrix.RuleTTLExpiry},
		})
	}, framework.Entries(area, area.Cells(oneHour, matrix.SystemOnly), Label(framework.LabelOneHour), SpecTimeout(2*time.Hour)))
})...)
