package framework

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	. "github.com/onsi/ginkgo/v2"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/recorder"
	"github.com/cachecascade/cachecascade/report"
	"github.com/cachecascade/cachecascade/request"
	"github.com/cachecascade/cachecascade/usage"
	"github.com/cachecascade/cachecascade/verdict"
)

// The names of the Ginkgo report entries a spec files.
const (
	// ReportEntry holds the spec's report row.
	ReportEntry = "cachecascade-row"
	// ProvenanceEntry holds, in record mode, where the cassette the spec
	// wrote came from; the manifest is built from these entries of the
	// whole run, whichever process ran the spec.
	ProvenanceEntry = "cachecascade-provenance"
)

// Spec is one running spec's connection to the target and its tally.
type Spec struct {
	// Run is the run the spec belongs to.
	Run *Run
	// Client is the Bedrock runtime client of the spec.
	Client *bedrockruntime.Client
	// Area is the spec's area.
	Area Area
	// Cell is the spec's cell: its model, strategy (if any) and API.
	Cell matrix.Cell

	session *recorder.Session
	row     report.Row
	total   usage.Usage
	started time.Time
	// waited is how long the spec's calls waited for a slot of the model
	// (see slots).
	waited time.Duration
	// judged is the call Judge checked, until Conclude files its step.
	judged *judgedCall
	// noise is the spec's account of the calls it spent on the service's
	// noise (see resend.go); sent numbers its calls; written adds up
	// the cache writes of every call, noise included (see Written).
	noise   specNoise
	sent    int
	written int
}

var openHelper helperMark

// Open starts a spec of an area on a cell: it opens the recorder session on
// the spec's cassette, cassettes/<area>/<model>/<name>.yaml (named
// invoke-<name> through the InvokeModel APIs), and registers the cleanup
// that saves or discards a recording and files the report row. It fails the
// spec at once if the cassette is missing or corrupt or the target cannot
// be reached.
func (r *Run) Open(ctx context.Context, area Area, cell matrix.Cell, name string) *Spec {
	openHelper.mark()
	if spent, why := r.exhausted(); spent {
		Skip(why)
	}
	if why, out := r.leftOut(cell.Model); out {
		r.Offline(area, cell).Conclude("", verdict.Finding{Outcome: verdict.Skipped, Rule: matrix.RuleLifecycle, Reason: why})
	}
	s := r.newSpec(area, cell)
	// Registered first, so that a spec whose session cannot open (a missing
	// cassette, an unreachable target) still files its failing row.
	DeferCleanup(s.finish)
	path := recorder.CassettePath(r.Cassettes, string(area), cell.Model.Key, CassetteName(cell.Via(), name))
	opts := r.sessionOptions(path, s.row.Spec)
	// The cassette directory is tidied of what a killed record run left, and
	// a recording's manifest entry is written as it is put in place.
	opts.Manifest = r.Cassettes
	if r.Mode == recorder.Record {
		p := s.provenance()
		opts.Provenance = &p
	}
	session, err := recorder.Open(ctx, opts)
	ExpectNoError(err)
	s.Client, s.session = session.Client, session
	return s
}

// CassetteName is the name of a spec's cassette through api: name, or
// invoke-<name> through InvokeModel and its stream.
func CassetteName(api matrix.API, name string) string {
	if api.InvokesModel() {
		return "invoke-" + name
	}
	return name
}

// Offline starts a spec that calls no target (it checks something locally,
// such as serialization or the cassettes) but files a report row like any
// other.
func (r *Run) Offline(area Area, cell matrix.Cell) *Spec {
	s := r.newSpec(area, cell)
	DeferCleanup(s.finish)
	return s
}

// newSpec returns a spec with its report row started.
func (r *Run) newSpec(area Area, cell matrix.Cell) *Spec {
	m := cell.Model
	return &Spec{Run: r, Area: area, Cell: cell, started: time.Now(),
		row: report.Row{Area: string(area), API: string(cell.Via()), Model: m.Key, ModelName: m.Name, Family: string(m.Family),
			Strategy: string(cell.Strategy), Spec: CurrentSpecReport().FullText(), Outcome: report.Pass}}
}

// finish saves or discards the recording, files its provenance, and files
// the report row.
func (s *Spec) finish() error {
	failed := CurrentSpecReport().Failed()
	// A spec that ends as not applicable keeps nothing it may have begun.
	keep := !failed && s.row.Outcome != report.NotApplicable
	err := s.session.Finish(keep)
	if err == nil && keep && s.session != nil && s.Run.Mode == recorder.Record {
		s.fileProvenance()
	}
	if (failed || err != nil) && s.row.Outcome != report.Inconclusive {
		s.row.Outcome = report.Fail
		if s.row.Message == "" {
			s.row.Message = CurrentSpecReport().Failure.Message
			if err != nil {
				s.row.Message = err.Error()
			}
		}
	}
	// Reports are published (step summaries, artifacts): an error message
	// naming a role ARN must not carry the account ID.
	s.row.Message = recorder.RedactText(s.row.Message)
	s.row.Duration = time.Since(s.started)
	s.row.InputTokens, s.row.OutputTokens = s.total.Input, s.total.Output
	s.row.CacheReadTokens, s.row.CacheWriteTokens = s.total.Read, s.total.Write
	s.row.CostUSD, s.row.CostWithoutCacheUSD = s.Cell.Model.InvokedPrices().Cost(s.total)
	AddReportEntry(ReportEntry, s.row, ReportEntryVisibilityNever)
	if s.Run.Mode.CallsTarget() && s.session != nil {
		s.progress()
	}
	return err
}

// progress prints the progress line of a spec against a target: its
// outcome, time, calls and cost, the time it waited for a model's call
// slot, and the run's spending so far over all of its processes.
func (s *Spec) progress() {
	waited := ""
	if s.waited >= time.Millisecond {
		waited = fmt.Sprintf(" (%s waiting for a slot of the model)", s.waited.Round(time.Millisecond))
	}
	noise := ""
	if s.row.NoiseCalls > 0 {
		noise = fmt.Sprintf(" (+%d, $%.4f, to tell the service's noise from a broken rule)", s.row.NoiseCalls, s.row.NoiseUSD)
	}
	fmt.Fprintf(os.Stderr, "cachecascade: %-8s %s: %s%s, %d calls%s, $%.4f (%s)\n",
		s.row.Outcome, s.cell(), s.row.Duration.Round(time.Millisecond), waited, s.row.Calls, noise, s.row.CostUSD, s.Run.progressTotal())
}

// fileProvenance files where the spec's new cassette came from as a report
// entry, for the manifest (see Run.WriteManifest).
func (s *Spec) fileProvenance() {
	rel, err := filepath.Rel(s.Run.Cassettes, s.session.Cassette)
	ExpectNoError(err)
	AddReportEntry(ProvenanceEntry, Provenance{Cassette: filepath.ToSlash(rel), Provenance: s.provenance()}, ReportEntryVisibilityNever)
}

// provenance is the manifest entry of the spec's new cassette.
func (s *Spec) provenance() recorder.Provenance {
	return recorder.Provenance{Spec: s.row.Spec, Model: s.Cell.Model.ModelID(), Source: s.Run.provenanceSource(s.Cell.Model), SDK: s.Run.SDKVersions(), Recorded: s.Run.Started.Format(time.RFC3339)}
}

// Call is one call's result.
type Call struct {
	// Step names the call within the spec ("prime", "change system").
	Step string
	// Usage is the reported usage; zero when the call failed.
	Usage usage.Usage
	// Err is the call's error, with a hint where the framework has one.
	Err error

	// seq, ctx, client and req are the call's number in its spec and how
	// it was sent, and twin its twins, for Settle (see resend.go).
	seq    int
	ctx    context.Context
	client *bedrockruntime.Client
	req    *request.Request
	twin   func(n int) *request.Request
}

// Written returns the cache-write tokens of every call the spec has sent,
// the extra calls spent on the service's noise included: a timed step can
// tell from it whether any call since a point wrote an entry again.
func (s *Spec) Written() int { return s.written }

var requestHelper helperMark

// Request builds the spec's request from material: for the cell's model,
// through the cell's API, with no checkpoints.
func (s *Spec) Request(set fixtures.Set) *request.Request {
	requestHelper.mark()
	r, err := request.Build(s.Cell.Model, s.Cell.Via(), set)
	ExpectNoError(err, "building the request")
	return r
}

var sendHelper helperMark

// Send sends a request as the named step and tallies its usage.
func (s *Spec) Send(ctx context.Context, step string, r *request.Request) Call {
	sendHelper.mark()
	return s.SendAs(ctx, s.Client, step, r)
}

var sendAsHelper helperMark

// SendAs is Send through another client of the spec's session, such as one
// from ClientAs.
func (s *Spec) SendAs(ctx context.Context, client *bedrockruntime.Client, step string, r *request.Request) Call {
	sendAsHelper.mark()
	if spent, why := s.Run.exhausted(); spent {
		// A failure, not a skip: the recording so far is discarded.
		Fail(fmt.Sprintf("%s, step %q: not sent: %s", s.cell(), step, why))
	}
	s.step("%s (%s)", step, r.API.Operation())
	release := s.holdSlot(ctx)
	u, err := request.Send(ctx, client, r)
	release()
	s.sent++
	s.written += u.Write
	c := Call{Step: step, Usage: u, Err: explain(err, s.Cell.Model, s.Run.Region), seq: s.sent, ctx: ctx, client: client, req: r}
	s.row.Calls++
	s.total = s.total.Add(u)
	with, _ := s.Cell.Model.InvokedPrices().Cost(u)
	ExpectNoError(s.Run.charge(u, with), "charging the call to the run's tally")
	return c
}

// step marks a step in the spec's Ginkgo timeline (By) where it helps:
// against a target, where a call takes seconds and a verbose run shows
// progress, and in a verbose replay. A replayed call takes about a tenth of
// a millisecond, of which By, which walks the stack for its location, took
// a twentieth; a failing finding names its step either way.
func (s *Spec) step(format string, args ...any) {
	if s.Run.Mode != recorder.Replay || verboseRun() {
		By(fmt.Sprintf(format, args...))
	}
}

// verboseRun reports whether Ginkgo reports this run verbosely (-v, -vv).
var verboseRun = sync.OnceValue(func() bool {
	_, rc := GinkgoConfiguration()
	return rc.Verbose || rc.VeryVerbose
})

var holdSlotHelper helperMark

// holdSlot takes one of the model's call slots for a call against a target
// (see slots), waiting while all are taken, and returns the function that
// gives it back. Replay takes none.
func (s *Spec) holdSlot(ctx context.Context) (release func()) {
	holdSlotHelper.mark()
	if s.Run.slots == nil {
		return func() {}
	}
	release, waited, err := s.Run.slots.acquire(ctx, s.Cell.Model.Key)
	s.waited += waited
	ExpectNoError(err)
	return release
}

// Count asks the target for r's prompt size through CountTokens
// (request.Count) as the named step. It is free: it adds a call to the row
// and the run's tally but no cost. The target's error is returned, never
// failed on, so that the caller can fall back to paid calls; only the
// harness's own (a model's call slot, the tally) fails the spec.
func (s *Spec) Count(ctx context.Context, step string, r *request.Request) (int, error) {
	s.step("%s (CountTokens)", step)
	release := s.holdSlot(ctx)
	n, err := request.Count(ctx, s.Client, r)
	release()
	s.row.Calls++
	ExpectNoError(s.Run.charge(usage.Usage{}, 0), "counting the call in the run's tally")
	return n, err
}

// ClientAs returns a client of the spec's session that signs with other
// credentials, as a second account (see Run.SecondAccount).
func (s *Spec) ClientAs(p aws.CredentialsProvider) *bedrockruntime.Client {
	return s.session.ClientAs(p)
}

var judgeHelper helperMark

// Judge checks a call against an expectation with verdict.Judge and
// concludes the finding (see Conclude).
func (s *Spec) Judge(c Call, e verdict.Expectation, o verdict.Observation) verdict.Finding {
	judgeHelper.mark()
	c, unsettled := s.settleStep(c, e, o)
	o.Usage, o.Err = c.Usage, c.Err
	f := verdict.Judge(e, o)
	if !f.OK() {
		f.Reason += unsettled
	}
	s.judged = &judgedCall{call: c, e: e, o: o}
	return s.Conclude(c.Step, f)
}

var concludeHelper helperMark

// Conclude applies a finding of the spec's step: it is the one way a check
// passes or fails a spec. A failure fails the spec with the finding (cell,
// step, rule, expected and observed); an inconclusive finding fails it too,
// marked inconclusive, with how to fix the fixtures; an expected error marks
// the row as such. The row keeps the deciding finding's rule, which the
// report and the mutation run read. A not-applicable finding skips the
// spec, keeping nothing it recorded.
func (s *Spec) Conclude(step string, f verdict.Finding) verdict.Finding {
	concludeHelper.mark()
	f.Cell, f.Step = s.cell(), step
	s.fileStep(step, f)
	if f.ImplicitRead > 0 {
		s.implicitRead(step, f.ImplicitRead)
	}
	switch f.Outcome {
	case verdict.ExpectedError:
		s.row.Outcome, s.row.Rule, s.row.Message = report.ExpectedError, string(f.Rule), f.Reason
	case verdict.Inconclusive:
		s.row.Outcome, s.row.Rule, s.row.Message = report.Inconclusive, string(f.Rule), fmt.Sprintf("step %q: %s", step, f.Reason)
		Fail(f.String())
	case verdict.Fail:
		s.row.Rule = string(f.Rule)
		Fail(f.String())
	case verdict.NotApplicable:
		s.row.Outcome, s.row.Message = report.NotApplicable, f.Reason
		Skip(f.Reason)
	case verdict.Skipped:
		s.row.Outcome, s.row.Rule, s.row.Message = report.Skipped, string(f.Rule), f.Reason
		Skip(f.Reason)
	}
	return f
}

// implicitRead files an implicit read of n tokens in the row and its
// message, with its cost at the read price.
func (s *Spec) implicitRead(step string, n int) {
	usd := float64(n) * s.Cell.Model.InvokedPrices().CacheRead * 1e-6
	s.row.ImplicitReadTokens += n
	s.row.ImplicitReadUSD += usd
	s.Note("step %q: %d tokens read implicitly, without an explicit entry ($%.6f at the read price) [%s]", step, n, usd, matrix.RuleImplicitRead)
}

var notApplicableHelper helperMark

// NotApplicable ends the spec as not applicable to its cell, saying why (a
// TTL this SDK cannot express, a checkpoint the API's body cannot carry).
func (s *Spec) NotApplicable(reason string) {
	notApplicableHelper.mark()
	s.Conclude("", verdict.Finding{Outcome: verdict.NotApplicable, Reason: "not applicable: " + reason})
}

// Note adds a finding to the report row's message (for example which
// reading of the minimum the target applies).
func (s *Spec) Note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if s.row.Message != "" {
		s.row.Message += "\n"
	}
	s.row.Message += msg
	AddReportEntry("finding", msg, ReportEntryVisibilityFailureOrVerbose)
}

// cell names the spec's area and cell for messages.
func (s *Spec) cell() string {
	if s.Cell.Model.Key == "" {
		return string(s.Area)
	}
	return string(s.Area) + " " + s.Cell.Name()
}

var requireHelper helperMark

// Require fails the spec, at the caller's line, unless ok: a precondition
// of the harness, such as a fixture that must carry five checkpoints to
// test the limit, never a check of the target.
func Require(ok bool, format string, args ...any) {
	requireHelper.mark()
	if !ok {
		Fail("harness: " + fmt.Sprintf(format, args...))
	}
}

// ExpectNoError fails the spec, at the caller's line, if err is not nil.
// It is for the harness (a fixture that cannot be built, a clock that
// cannot be moved), never for a check of the target: those go through
// Conclude.
func ExpectNoError(err error, explain ...any) {
	if err != nil {
		// Marked here, not on every call: finding the caller is a stack
		// walk, and most calls pass.
		GinkgoHelper()
		msg := err.Error()
		if len(explain) > 0 {
			msg = fmt.Sprint(explain...) + ": " + msg
		}
		Fail(msg)
	}
}
