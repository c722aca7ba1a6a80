package framework

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	. "github.com/onsi/ginkgo/v2"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/recorder"
	"github.com/cachecascade/cachecascade/report"
	"github.com/cachecascade/cachecascade/usage"
	"github.com/cachecascade/cachecascade/verdict"
)

// ReportEntry is the name of the Ginkgo report entry holding a spec's row.
const ReportEntry = "cachecascade-row"

// Spec is one running spec's connection to the target and its tally.
type Spec struct {
	// Run is the run the spec belongs to.
	Run *Run
	// Client is the Bedrock runtime client of the spec.
	Client *bedrockruntime.Client
	// Model is the spec's model.
	Model matrix.Model

	session *recorder.Session
	row     report.Row
	total   usage.Usage
	started time.Time
}

// Open starts a spec: it opens the recorder session on the spec's cassette,
// cassettes/<area>/<model>/<name>.yaml, and registers the cleanup that
// saves or discards a recording and files the report row. strategy may be
// empty for specs that are not per strategy. It fails the spec at once if
// the cassette is missing or corrupt or the target cannot be reached.
func (r *Run) Open(ctx context.Context, area string, model matrix.Model, strategy matrix.Strategy, name string) *Spec {
	GinkgoHelper()
	if spent, why := r.exhausted(); spent {
		Skip(why)
	}
	text := CurrentSpecReport().FullText()
	path := recorder.CassettePath(r.Cassettes, area, model.Key, name)
	session, err := recorder.Open(ctx, r.sessionOptions(path, text))
	ExpectNoError(err)
	s := &Spec{Run: r, Client: session.Client, Model: model, session: session, started: time.Now(),
		row: report.Row{Area: area, API: "converse", Model: model.Key, ModelName: model.Name, Family: string(model.Family),
			Strategy: string(strategy), Spec: text, Outcome: report.Pass}}
	DeferCleanup(s.finish)
	return s
}

// Offline starts a spec that calls no target (it checks something locally,
// such as serialization) but files a report row like any other.
func (r *Run) Offline(area string, model matrix.Model, strategy matrix.Strategy) *Spec {
	s := &Spec{Run: r, Model: model, started: time.Now(),
		row: report.Row{Area: area, Model: model.Key, ModelName: model.Name, Family: string(model.Family),
			Strategy: string(strategy), Spec: CurrentSpecReport().FullText(), Outcome: report.Pass}}
	DeferCleanup(s.finish)
	return s
}

// finish saves or discards the recording, records it in the manifest, and
// files the report row.
func (s *Spec) finish() error {
	failed := CurrentSpecReport().Failed()
	err := s.session.Finish(!failed)
	if err == nil && !failed && s.session != nil && s.Run.Mode == recorder.Record {
		s.Run.rec.add(s.session.Cassette, s.row.Spec, s.Model)
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
	s.row.CostUSD, s.row.CostWithoutCacheUSD = s.Model.Prices.Cost(s.total)
	AddReportEntry(ReportEntry, s.row, ReportEntryVisibilityNever)
	if s.Run.Mode.CallsTarget() && s.session != nil {
		// Progress for long runs against a target: each spec's calls and
		// cost, and the run's spending so far.
		fmt.Fprintf(os.Stderr, "cachecascade: %-8s %s: %s, %d calls, $%.4f (run $%.4f%s)\n",
			s.row.Outcome, s.cell(), s.row.Duration.Round(time.Millisecond), s.row.Calls, s.row.CostUSD, s.Run.charge(usage.Usage{}, 0), s.Run.budgetNote())
	}
	return err
}

// Call is one call's result.
type Call struct {
	// Step names the call within the spec ("prime", "change system").
	Step string
	// Usage is the reported usage; zero when the call failed.
	Usage usage.Usage
	// Err is the call's error.
	Err error
	// Output is the Converse output (nil for a stream or an error).
	Output *bedrockruntime.ConverseOutput
}

// Converse sends a Converse request as the named step and tallies its
// usage.
func (s *Spec) Converse(ctx context.Context, step string, in *bedrockruntime.ConverseInput) Call {
	return s.ConverseWith(ctx, s.Client, step, in)
}

// ConverseWith is Converse through another client of the spec's session,
// such as one from ClientAs.
func (s *Spec) ConverseWith(ctx context.Context, client *bedrockruntime.Client, step string, in *bedrockruntime.ConverseInput) Call {
	GinkgoHelper()
	s.checkBudget(step)
	By(step)
	out, err := client.Converse(ctx, in)
	c := Call{Step: step, Err: explain(err, s.Model, s.Run.Region), Output: out}
	if err == nil {
		c.Usage = usage.FromSDK(out.Usage)
	}
	s.tally(c)
	return c
}

// ConverseStream sends the request through ConverseStream as the named
// step, reads the whole stream and returns the usage of its metadata
// event.
func (s *Spec) ConverseStream(ctx context.Context, step string, in *bedrockruntime.ConverseInput) Call {
	GinkgoHelper()
	s.checkBudget(step)
	By(step + " (stream)")
	c := Call{Step: step}
	out, err := s.Client.ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{
		ModelId: in.ModelId, Messages: in.Messages, System: in.System, ToolConfig: in.ToolConfig,
		InferenceConfig: in.InferenceConfig, AdditionalModelRequestFields: in.AdditionalModelRequestFields,
	})
	if err != nil {
		c.Err = explain(err, s.Model, s.Run.Region)
		s.tally(c)
		return c
	}
	stream := out.GetStream()
	defer stream.Close()
	metadata := false
	for ev := range stream.Events() {
		if m, ok := ev.(*types.ConverseStreamOutputMemberMetadata); ok {
			c.Usage, metadata = usage.FromSDK(m.Value.Usage), true
		}
	}
	if err := stream.Err(); err != nil {
		c.Err = err
	} else if !metadata {
		c.Err = fmt.Errorf("the stream ended without a metadata event")
	}
	s.tally(c)
	return c
}

// ClientAs returns a client of the spec's session that signs with other
// credentials, as a second account (see Run.SecondAccount).
func (s *Spec) ClientAs(p aws.CredentialsProvider) *bedrockruntime.Client {
	return s.session.ClientAs(p)
}

// tally adds a call to the spec's row and its cost to the run's spending.
func (s *Spec) tally(c Call) {
	s.row.Calls++
	s.total = s.total.Add(c.Usage)
	with, _ := s.Model.Prices.Cost(c.Usage)
	s.Run.charge(c.Usage, with)
}

// checkBudget fails the spec before a call once the run's budget is spent.
func (s *Spec) checkBudget(step string) {
	GinkgoHelper()
	if spent, why := s.Run.exhausted(); spent {
		Fail(fmt.Sprintf("%s, step %q: not sent: %s", s.cell(), step, why))
	}
}

// Judge checks a call against an expectation with verdict.Judge. A failure
// fails the spec with a message naming the cell, the step, the expected and
// the observed usage; an inconclusive finding fails it too, marked
// inconclusive in the report, with how to fix the fixtures; an expected
// error marks the row as such.
func (s *Spec) Judge(c Call, e verdict.Expectation, o verdict.Observation) verdict.Finding {
	GinkgoHelper()
	o.Usage, o.Err = c.Usage, c.Err
	f := verdict.Judge(e, o)
	s.Conclude(c.Step, f)
	return f
}

// Conclude applies a finding to the spec: see Judge.
func (s *Spec) Conclude(step string, f verdict.Finding) {
	GinkgoHelper()
	switch f.Outcome {
	case verdict.ExpectedError:
		s.row.Outcome, s.row.Message = report.ExpectedError, f.Reason
	case verdict.Inconclusive:
		s.Inconclusive(step, f.Reason)
	case verdict.Fail:
		Fail(fmt.Sprintf("%s, step %q: %s", s.cell(), step, f.Reason))
	}
}

// Inconclusive fails the spec as inconclusive: the fixtures could not
// decide what the spec tests. reason must say how to fix them.
func (s *Spec) Inconclusive(step, reason string) {
	GinkgoHelper()
	s.row.Outcome = report.Inconclusive
	s.row.Message = fmt.Sprintf("step %q: %s", step, reason)
	Fail(fmt.Sprintf("INCONCLUSIVE %s, step %q: %s", s.cell(), step, reason))
}

// Note adds a finding to the report row's message (for example which
// minimum reading the target applies).
func (s *Spec) Note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if s.row.Message != "" {
		s.row.Message += "\n"
	}
	s.row.Message += msg
	AddReportEntry("finding", msg, ReportEntryVisibilityFailureOrVerbose)
}

// cell names the spec's cell for messages.
func (s *Spec) cell() string {
	name := s.row.Area + " " + s.Model.Key
	if s.row.Strategy != "" {
		name += "/" + strings.ToLower(s.row.Strategy)
	}
	if s.row.API != "" && s.row.API != report.APIConverse {
		name += " via " + s.row.API
	}
	return name
}

// ExpectNoError fails the spec, at the caller's line, if err is not nil.
func ExpectNoError(err error, explain ...any) {
	GinkgoHelper()
	if err != nil {
		msg := err.Error()
		if len(explain) > 0 {
			msg = fmt.Sprint(explain...) + ": " + msg
		}
		Fail(msg)
	}
}
