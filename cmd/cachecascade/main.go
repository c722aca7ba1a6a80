// Command cachecascade runs cachecascade's checks on a team's own requests.
//
//	cachecascade check [--json] [--allow RULE]... [--target emulator|aws [--max-usd X]] LOG...
//
// check reads request logs — JSON Lines files (one request a line:
// {"modelId", "operation", "body", "time"?, "account"?}), go-vcr cassettes,
// or directories of either — and explains, request by request, what
// Bedrock's prompt cache will do and why, by the documented rules (package
// forecast): each checkpoint's prefix size and predicted hit or miss, the
// first byte that differs on each miss, checkpoints below the model's
// minimum, predicted rejections, serialization that is not stable, and the
// dollars lost. It prints Markdown (or JSON with --json), appends the
// Markdown to $GITHUB_STEP_SUMMARY when that is set, and exits 1 when a
// finding fails the gate (a predicted rejection, a checkpoint never cached,
// cache-affecting instability) unless --allow names its rule; 2 on bad
// usage or input.
//
// With --target the requests are also sent, in order, each body exactly as
// logged but for a run-unique salt at the start of its first text (so that
// no request reads an entry of an earlier run), and each request's
// predicted usage is shown beside the observed one. --target emulator
// starts an in-process emulator with a random key of its own and moves its
// clock by the log's time gaps; --target aws calls the service as the AWS
// SDK's default configuration finds it (AWS_ENDPOINT_URL_BEDROCK_RUNTIME,
// AWS_BEARER_TOKEN_BEDROCK and AWS_CA_BUNDLE included), back to back, and
// compares with the prediction without times, and only after printing the
// estimated cost and only when --max-usd is above it. A prediction the
// target contradicts fails (exit 1) under the rule of the predicted
// behaviour, whatever --allow says; a target that cannot be used (refused
// credentials, still throttled after the SDK's standard retries) exits 2.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/cachecascade/cachecascade/forecast"
	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/matrix"
)

// The exit statuses.
const (
	exitOK      = 0
	exitFailing = 1
	exitUsage   = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// usage is the command's help.
const usageText = `usage: cachecascade check [--json] [--allow RULE]... [--target emulator|aws [--max-usd X]] LOG...

LOG is a JSON Lines request log (one request a line:
{"modelId", "operation": "converse"|"converse-stream"|"invoke"|"invoke-with-response-stream",
 "body": <the body exactly as sent>, "time": "<RFC 3339>"?, "account": "<label>"?}),
a go-vcr cassette (.yaml), a directory of either, or - for standard input.
Each file is its own sequence: requests in different files never share cache entries.

--target sends the requests, in order, and shows predicted vs observed usage
side by side. Every body gets a run-unique salt ("cachecascade-salt-<10 digits> ")
at the start of its first text (first tool description, else system text, else
the first message's text), and nothing else changes, so no request reads an
entry of an earlier run.
  emulator  a fresh in-process emulator with a random key of its own; its clock
            moves by the gaps between the log's times, so the TTL is honoured.
  aws       the service as the AWS SDK's default configuration finds it (region,
            credential chain, AWS_BEARER_TOKEN_BEDROCK, AWS_CA_BUNDLE, and
            AWS_ENDPOINT_URL_BEDROCK_RUNTIME for another endpoint). Requests go
            back to back: a real service cannot be time-travelled, so they are
            compared with the prediction without times. These calls are paid:
            the estimated cost is printed, and nothing is sent unless --max-usd
            is given and the estimate is under it.

Exit status: 0 no failing finding (warnings allowed), 1 a failing finding
(predicted rejection, never-cached checkpoint, cache-affecting instability, a
prediction the target contradicts), 2 bad usage or input, a refused cost, or a
target that could not be used (unreachable, refused credentials, throttling
after the SDK's retries).
`

// allowList is the repeatable --allow flag.
type allowList []matrix.Rule

func (a *allowList) String() string { return fmt.Sprint(*a) }

func (a *allowList) Set(s string) error {
	r := matrix.Rule(s)
	if _, ok := r.Info(); !ok {
		ids := make([]string, len(matrix.Rules))
		for i, info := range matrix.Rules {
			ids[i] = string(info.Rule)
		}
		return fmt.Errorf("unknown rule %q (one of %s)", s, strings.Join(ids, ", "))
	}
	*a = append(*a, r)
	return nil
}

// run is the command; it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprint(stderr, usageText)
		return exitUsage
	}
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usageText) }
	asJSON := fs.Bool("json", false, "print the report as JSON instead of Markdown")
	var allow allowList
	fs.Var(&allow, "allow", "accept findings of this rule (repeatable)")
	targetName := fs.String("target", "", "send the requests to "+targetEmulator+" or "+targetAWS+" and compare the usage with the prediction")
	maxUSD := fs.Float64("max-usd", 0, "send paid requests (--target "+targetAWS+") only when their estimated cost is under this many US dollars")
	if err := fs.Parse(args[1:]); err != nil {
		return exitUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprint(stderr, usageText)
		return exitUsage
	}
	if *targetName != "" && *targetName != targetEmulator && *targetName != targetAWS {
		fmt.Fprintf(stderr, "cachecascade check: --target %q: want %s or %s\n", *targetName, targetEmulator, targetAWS)
		return exitUsage
	}
	capped := false
	fs.Visit(func(f *flag.Flag) { capped = capped || f.Name == "max-usd" })
	reqs, files, err := readInputs(fs.Args(), stdin)
	if err != nil {
		fmt.Fprintf(stderr, "cachecascade check: %v\n", err)
		return exitUsage
	}
	rep, err := forecast.Check(reqs, forecast.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "cachecascade check: %v\n", err)
		return exitUsage
	}
	failing := rep.Failing(allow)
	var cmp *comparison
	if *targetName != "" {
		if cmp, err = runTarget(context.Background(), *targetName, *maxUSD, capped, reqs, stderr); err != nil {
			fmt.Fprintf(stderr, "cachecascade check: %v\n", err)
			return exitUsage
		}
		// A prediction the target contradicts fails whatever --allow says.
		failing = append(failing, cmp.Disagreements...)
	}
	md := markdown(rep, files, allow, failing, cmp)
	if *asJSON {
		out := struct {
			*forecast.Report
			Failing []forecast.Finding `json:"failing"`
			Allowed []matrix.Rule      `json:"allowed,omitempty"`
			Target  *comparison        `json:"target,omitempty"`
		}{rep, failing, allow, cmp}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(stderr, "cachecascade check: %v\n", err)
			return exitUsage
		}
	} else {
		io.WriteString(stdout, md)
	}
	if err := appendSummary(md); err != nil {
		fmt.Fprintf(stderr, "cachecascade check: step summary: %v\n", err)
	}
	if len(failing) > 0 {
		return exitFailing
	}
	return exitOK
}

// appendSummary appends the Markdown report to the GitHub Actions step
// summary, when the job has one.
func appendSummary(md string) error {
	path := os.Getenv(env.GitHubStepSummary)
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, werr := io.WriteString(f, md+"\n")
	return errors.Join(werr, f.Close())
}

// sortedRules returns rules in matrix.Rules order, for stable output.
func sortedRules(rs []matrix.Rule) []matrix.Rule {
	out := slices.Clone(rs)
	slices.SortFunc(out, func(a, b matrix.Rule) int { return strings.Compare(string(a), string(b)) })
	return slices.Compact(out)
}
