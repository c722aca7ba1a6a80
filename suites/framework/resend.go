package framework

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/cachecascade/cachecascade/emulator"
	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/recorder"
	"github.com/cachecascade/cachecascade/request"
	"github.com/cachecascade/cachecascade/verdict"
)

// How a verdict survives the service's noise (README: "How a verdict
// survives the service's noise").
//
// The real service is best effort: a call through an inference profile
// may land in another Region, with its own cache, and miss an entry that
// exists at home; now and then a call that would hit writes again. Both
// show as an unexpected miss of the same shape: fewer tokens read than
// the rules expect, and the rest of the same prompt written. So do some
// broken rules (no look-back, no refresh on a hit), so a miss is never
// excused by a re-send that simply hits: the miss itself wrote the entry
// the re-send reads. Settle looks for evidence a broken rule cannot give:
//
//   - a step that must read every checkpoint (a repeat) is re-sent as it
//     is, until it reads what the first call wrote: the same bytes have
//     the same entries under any rule, so the only thing a re-send can
//     show is whether the service reads this prefix at all. Steps whose
//     rule is about time (a TTL refreshed, expired) are never re-sent: a
//     spec that moves the clock (Spec.Timed) retries its whole sequence
//     on fresh material instead (RetrySequence);
//   - a step that must read some checkpoints and write the rest (a
//     cascade step, a conversation turn) is settled by twins: the same
//     prefix up to the checkpoints that must hit, new material after
//     them, so that a twin can never read what the missed call wrote. A
//     twin that shows the expected pattern proves the rule; a twin that
//     misses writes the checkpoints that must hit in the Region it landed
//     in (or the re-sent previous step does, for a look-back read), so
//     every Region it can land in warms and the re-sends end.
//
// The extra calls are capped per step (StepResends), per spec
// (SpecResends) and per run, over all of its processes (env.NoiseResends,
// RunResends by default); they go through the recorder like any other
// call, so a cassette replays the same decision, and are charged to the
// run's budget. A miss the cap does not settle is judged as it stands: a
// broken rule.

// StepResends caps the extra calls one step may spend on the service's
// noise, and SpecResends those of one spec, its reruns of a sequence
// included: one broken rule cannot spend the run's cap (RunResends) and
// leave the noise of other specs unsettled. A TTL attempt under noise sends
// about five calls, so 64 leave room for the SequenceAttempts a timed spec
// may need (the most a spec spent under all noise, over 40 runs: 31).
//
// For StepResends: a twin after a re-sent previous step failed to land in
// a Region that held the entry about one time in four under heavy noise
// (three Regions weighted 0.8/0.1/0.1, one extra write in 12: 3 of some
// 700 settled misses needed more than four rounds), so eight rounds leave
// a noise miss unsettled about once in 65,000.
const (
	StepResends = 16
	SpecResends = 64
)

// RunResends is the default cap on the extra calls of a run, over all of
// its processes (env.NoiseResends overrides it). A full run under all the
// emulator's noise profiles spends about 650 and under heavier routing
// about 750; one broken rule that reruns every TTL spec to its cap spends
// about 46 × SpecResends ≈ 2,900 more, and the noise elsewhere must still
// be settled.
const RunResends = 5000

// runResends is a run's count of extra calls against its cap: used counts
// them where the run has no tally shared by its processes (see
// Run.takeResends).
type runResends struct {
	used atomic.Int64
	cap  int64
}

// takeResends reserves n extra calls under the run's cap and reports
// whether it could. The processes of a run share the cap through the
// run's tally (the ledger); a tally that cannot be read or written refuses
// them (the next charge reports why). Replay takes nothing from the cap:
// the cassette holds what the recorded run sent, whatever other specs
// spent.
func (r *Run) takeResends(n int) bool {
	switch {
	case r.Mode == recorder.Replay || r.resends == nil:
		return true
	case r.ledger != nil:
		ok, err := r.ledger.Reserve(n, int(r.resends.cap))
		return ok && err == nil
	default:
		if r.resends.used.Add(int64(n)) > r.resends.cap {
			r.resends.used.Add(-int64(n))
			return false
		}
		return true
	}
}

// runResendsFromEnv reads env.NoiseResends.
func runResendsFromEnv() (*runResends, error) {
	r := &runResends{cap: RunResends}
	if v := os.Getenv(env.NoiseResends); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("framework: %s=%q: want a positive number of calls", env.NoiseResends, v)
		}
		r.cap = int64(n)
	}
	return r, nil
}

// specNoise is a spec's account of the calls it spent on noise.
type specNoise struct {
	// extra counts the extra calls (re-sends, twins, retried sequences).
	extra int
	// timed marks a spec that moves the clock (see Timed).
	timed bool
	// settled maps a call's sequence number to the call that decided it.
	settled map[int]Call
}

// Timed marks the spec's next steps as ones that test time (TTL expiry
// and refresh), or, with false, as ones that do not: Settle never
// re-sends a timed step, since a re-sent call reads the entry its own miss
// just wrote, fresh; a timed spec retries its whole sequence on fresh
// material instead (see RetrySequence).
func (s *Spec) Timed(on bool) { s.noise.timed = on }

// spend reserves one extra call under the spec's and the run's caps. In
// replay only the spec's cap applies: the cassette holds what the recorded
// run sent, whatever other specs spent.
func (s *Spec) spend(step *int) bool {
	if *step >= StepResends || s.noise.extra >= SpecResends {
		return false
	}
	if !s.Run.takeResends(1) {
		return false
	}
	s.noise.extra++
	*step++
	return true
}

// NoiseMiss reports whether a call that must read some checkpoints shows
// the one shape the service's noise gives: it succeeded, its usage adds
// up, it read less than the expected hits and wrote the rest of the
// prefix (a step that must read every checkpoint read less than the
// baseline and read + write is the baseline exactly; a partial step read
// nothing and wrote about the baseline). An unexpected hit, an error or
// usage that does not add up is never noise.
func NoiseMiss(e verdict.Expectation, o verdict.Observation) bool {
	u, b := o.Usage, o.Baseline
	if e.Reject != nil || e.Prime || o.Err != nil || len(e.Hits) == 0 || len(o.Checkpoints) == 0 || b <= 0 || !u.TotalsAddUp() || u.Write <= 0 {
		return false
	}
	if len(e.Hits) == len(o.Checkpoints) {
		return u.Read < b && verdict.WithinRun.Same(u.Read+u.Write, b)
	}
	return u.Read == 0 && verdict.Variant.Same(u.Write, b)
}

// TurnMiss reports whether a conversation turn that must read the previous
// turn's previous tokens shows the shape of the service's noise: it
// succeeded, its usage adds up, it read less than previous and wrote the
// rest of a prompt at least as long.
func TurnMiss(previous int, o verdict.Observation) bool {
	u := o.Usage
	return o.Err == nil && u.TotalsAddUp() && u.Read < previous && u.Write > 0 && u.Read+u.Write >= previous
}

// Evidence says how Settle looks for the pattern that tells the service's
// noise from a broken rule.
type Evidence struct {
	// Twin, when set, returns the n-th twin of the call (n from 1): the
	// same prefix through the checkpoints that must hit, new material
	// after them. Without it the call itself is re-sent.
	Twin func(n int) *request.Request
	// Source, when set, is re-sent before each twin: the previous step,
	// whose entry the twin must read at an earlier block boundary (look-
	// back), so that the Region it lands in holds that entry.
	Source *request.Request
	// Miss reports whether a call still shows the noise's shape (or
	// another pattern that proves nothing, such as a full read of what an
	// earlier re-send wrote): Settle sends on while it does.
	Miss func(Call) bool
}

var settleHelper helperMark

// Settle returns the call that decides a step: c itself, unless it is an
// unexpected miss of the shape the service's noise gives (NoiseMiss), in
// which case it re-sends (see Evidence) until a call no longer shows that
// shape, within the caps, and returns that call, named as c's step. The
// calls that did not decide move from the row's counts to its noise
// counts. A timed spec's steps are never re-sent (see Timed).
func (s *Spec) Settle(c Call, e verdict.Expectation, o verdict.Observation) Call {
	settleHelper.mark()
	d, _ := s.settleStep(c, e, o)
	return d
}

var settleStepHelper helperMark

// settleStep is Settle, also returning what the re-sends showed, for a
// failing finding's reason ("" when nothing was re-sent).
func (s *Spec) settleStep(c Call, e verdict.Expectation, o verdict.Observation) (Call, string) {
	settleStepHelper.mark()
	if d, ok := s.noise.settled[c.seq]; ok {
		return d, ""
	}
	observe := func(x Call) verdict.Observation {
		o.Usage, o.Err = x.Usage, x.Err
		return o
	}
	if c.req == nil || s.noise.timed || !NoiseMiss(e, observe(c)) {
		return c, ""
	}
	ev := Evidence{Twin: c.twin, Miss: func(x Call) bool { return NoiseMiss(e, observe(x)) }}
	if len(e.Hits) < len(o.Checkpoints) && c.twin == nil {
		// Without twins a re-send may read all of what the missed call
		// wrote: that proves nothing of the checkpoints that must miss.
		ev.Miss = func(x Call) bool {
			u := x.Usage
			return NoiseMiss(e, observe(x)) || x.Err == nil && u.Write == 0 && u.Read == o.Baseline
		}
	}
	return s.SettleWith(c, ev)
}

var settleWithHelper helperMark

// SettleWith re-sends for c as ev says while ev.Miss holds, within the
// caps, and returns the deciding call (named as c's step) and a note on
// what the extra calls showed.
func (s *Spec) SettleWith(c Call, ev Evidence) (Call, string) {
	settleWithHelper.mark()
	if s.noise.settled == nil {
		s.noise.settled = map[int]Call{}
	}
	if !ev.Miss(c) || c.req == nil {
		return c, ""
	}
	sent := []Call{c}
	misses := 1
	cur := c
	capped, spent := false, 0
	for n := 1; ev.Miss(cur); n++ {
		if ev.Source != nil {
			if !s.spend(&spent) {
				capped = true
				break
			}
			sent = append(sent, s.sendExtra(c, fmt.Sprintf("%s: the previous step again (%d)", c.Step, n), ev.Source))
		}
		if !s.spend(&spent) {
			capped = true
			break
		}
		r, what := c.req, "re-send"
		if ev.Twin != nil {
			r, what = ev.Twin(n), "twin"
		}
		cur = s.sendExtra(c, fmt.Sprintf("%s: %s %d", c.Step, what, n), r)
		sent = append(sent, cur)
		if ev.Miss(cur) {
			misses++
		}
	}
	for _, x := range sent {
		if x.seq != cur.seq {
			s.toNoise(x)
		}
	}
	cur.Step = c.Step
	s.noise.settled[c.seq], s.noise.settled[cur.seq] = cur, cur
	if ev.Miss(cur) {
		why := "the step's or the spec's cap"
		if capped && spent < StepResends && s.noise.extra < SpecResends {
			why = "the run's cap (" + env.NoiseResends + ")"
		}
		return cur, fmt.Sprintf("; %d extra calls did not settle the miss (stopped by %s): it is not the service's noise", len(sent)-1, why)
	}
	s.row.RoutingMisses += misses
	s.Note("step %q: %d unexpected miss(es) of the noise's shape (an entry not found in the Region that served the call); %d extra calls showed the expected pattern, so it is the service's noise, not a broken rule", c.Step, misses, len(sent)-1)
	return cur, ""
}

var sendExtraHelper helperMark

// SendExtra sends r as an extra call of the spec, spent on the service's
// noise: it is recorded in the cassette like any call, but counted among
// the row's noise calls, not its calls, tokens and cost (see toNoise), so
// that a row that survived noise still compares equal with its cassette.
// A retried sequence primes its fresh material with it.
func (s *Spec) SendExtra(ctx context.Context, step string, r *request.Request) Call {
	sendExtraHelper.mark()
	c := s.Send(ctx, step, r)
	s.toNoise(c)
	s.noise.extra++
	return c
}

var sendExtraCallHelper helperMark

// sendExtra sends an extra call for c's step through c's client.
func (s *Spec) sendExtra(c Call, step string, r *request.Request) Call {
	sendExtraCallHelper.mark()
	return s.SendAs(c.ctx, c.client, step, r)
}

// toNoise moves a call from the row's counts to its noise counts.
func (s *Spec) toNoise(x Call) {
	with, _ := s.Cell.Model.InvokedPrices().Cost(x.Usage)
	s.row.Calls--
	s.row.NoiseCalls++
	s.row.NoiseUSD += with
	u := x.Usage
	s.total.Input -= u.Input
	s.total.Output -= u.Output
	s.total.Read -= u.Read
	s.total.Write -= u.Write
	s.total.Total -= u.Total
}

// RetrySequence reports whether a spec may run a sequence again on fresh
// material after attempt (from 1) ended for why (a step of the noise's
// shape, or one that could not prove its rule), and if so moves the calls
// of the attempt that ends here to the row's noise counts (counting one
// routing miss) and notes why. It may when the spec's caps on attempts
// (SequenceAttempts) and on extra calls (SpecResends) and the run's cap
// allow; a broken rule misses on every attempt, the noise does not.
func (s *Spec) RetrySequence(attempt int, why string, calls ...Call) bool {
	if attempt >= SequenceAttempts || s.noise.extra >= SpecResends {
		return false
	}
	if !s.Run.takeResends(len(calls)) {
		return false
	}
	s.noise.extra += len(calls)
	for _, c := range calls {
		s.toNoise(c)
	}
	s.row.RoutingMisses++
	s.Note("attempt %d: %s; the sequence runs again on fresh material", attempt, why)
	return true
}

// SequenceAttempts caps how many times a spec runs a sequence again on
// fresh material (a timed spec's whole sequence, a change step's prime and
// change). Under the emulator's noise profiles all together an attempt
// misses with the noise's shape about one time in four (measured: 142 of
// 538 second attempts, scripts/mutation -noise-seeds); a run meets about a
// hundred first misses, so 12 attempts put its chance of a false alarm
// near 100 × 0.27^11 ≈ 5e-5. Eight (about 1e-2) failed a CI run.
const SequenceAttempts = 12

var touchHelper helperMark

// Touch re-sends r n times as extra calls (noise counts) after a step that
// hit, so that the Regions a later timed step may land in hold the entry
// (read, and so refreshed, or written). A retried sequence (see
// RetrySequence) touches; a first attempt does not.
func (s *Spec) Touch(ctx context.Context, client *bedrockruntime.Client, step string, r *request.Request, n int) {
	touchHelper.mark()
	if client == nil {
		client = s.Client
	}
	for i := 1; i <= n; i++ {
		if s.noise.extra >= SpecResends || !s.Run.takeResends(1) {
			return
		}
		s.noise.extra++
		s.toNoise(s.SendAs(ctx, client, fmt.Sprintf("%s: touch %d", step, i), r))
	}
}

// Decided returns the call that decided c's step (see Settle): c itself
// when nothing was re-sent.
func (s *Spec) Decided(c Call) Call {
	if d, ok := s.noise.settled[c.seq]; ok {
		return d
	}
	return c
}

// WithTwin returns c with the twins Settle sends for a step that must read
// some checkpoints and write the rest (see Evidence.Twin).
func (c Call) WithTwin(twin func(n int) *request.Request) Call {
	c.twin = twin
	return c
}

// noiseOptionsFromEnv sets the in-process emulator's noise seed and Region
// weights from env.EmulatorNoiseSeed and env.EmulatorRegions.
func noiseOptionsFromEnv(opts *emulator.Options) error {
	if v := os.Getenv(env.EmulatorNoiseSeed); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			return fmt.Errorf("framework: %s=%q: want a positive integer", env.EmulatorNoiseSeed, v)
		}
		opts.NoiseSeed = n
	}
	if v := os.Getenv(env.EmulatorRegions); v != "" {
		w, err := emulator.ParseRegionWeights(v)
		if err != nil {
			return fmt.Errorf("framework: %s: %w", env.EmulatorRegions, err)
		}
		opts.Regions = w
	}
	return nil
}
