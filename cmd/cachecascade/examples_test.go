package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/forecast"
	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/matrix"
)

// checkJSON runs `cachecascade check --json` with args and decodes the
// report.
func checkJSON(t *testing.T, args ...string) (report, int) {
	t.Helper()
	t.Setenv(env.GitHubStepSummary, "")
	var out, errb bytes.Buffer
	code := run(append([]string{"check", "--json"}, args...), nil, &out, &errb)
	if code == exitUsage {
		t.Fatalf("check %v: exit %d: %s", args, code, errb.String())
	}
	var r report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("check %v: %v\n%s", args, err, out.String())
	}
	return r, code
}

// report is the JSON report.
type report struct {
	forecast.Report
	Failing []forecast.Finding `json:"failing"`
}

// findings returns the findings of rule r.
func (r report) findings(rule matrix.Rule) []forecast.Finding {
	var out []forecast.Finding
	for _, f := range r.Findings {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

// exampleLog returns the path of an example's log.
func exampleLog(name string) string { return filepath.Join(examplesDir, name+".jsonl") }

// model returns the catalog entry and the prices of a request's model ID.
func model(t *testing.T, id string) (matrix.Model, matrix.Prices) {
	t.Helper()
	m, ok := matrix.Default().Lookup(id)
	if !ok {
		t.Fatalf("%s is not in the catalog", id)
	}
	return m, m.Prices.For(matrix.ProfileKindOf(id))
}

// near reports whether two dollar amounts agree to a millionth of a cent.
func near(a, b float64) bool { return math.Abs(a-b) < 1e-8 }

func TestExampleAgentLoopCachesWell(t *testing.T) {
	r, code := checkJSON(t, exampleLog("agent-loop"))
	if code != exitOK || len(r.Findings) != 0 {
		t.Fatalf("exit %d, findings %+v: want a clean report", code, r.Findings)
	}
	if len(r.Requests) < 3 {
		t.Fatalf("%d requests: the loop needs several turns", len(r.Requests))
	}
	m, _ := model(t, sonnet46)
	for i, req := range r.Requests {
		if len(req.Checkpoints) != 2 || req.Budget != (forecast.Budget{Used: 2, Max: m.MaxCheckpoints}) {
			t.Fatalf("request %d: checkpoints %+v, budget %+v: want the system one and the moving one", i, req.Checkpoints, req.Budget)
		}
		sys, last := req.Checkpoints[0], req.Checkpoints[1]
		if sys.Path != "system[0].cache_control" || !strings.HasSuffix(last.Path, ".cache_control") || !strings.HasPrefix(last.Path, "messages[") {
			t.Errorf("request %d: paths %q, %q", i, sys.Path, last.Path)
		}
		if i == 0 {
			if sys.Outcome != forecast.Write || last.Outcome != forecast.Write || req.Read != 0 {
				t.Errorf("first turn: %+v: want both written, nothing read", req)
			}
			continue
		}
		prev := r.Requests[i-1]
		// Each turn reads exactly what the turn before cached, through the
		// look-back window, and writes only the new turn.
		if sys.Outcome != forecast.Hit || last.Outcome != forecast.LookBack || last.LookBackBlocks > m.LookBackBlocks {
			t.Errorf("turn %d: %+v: want a hit at system and a look-back read at the end", i, req.Checkpoints)
		}
		if req.Read != prev.Read+prev.Written || req.Written != last.Tokens-req.Read || req.Written <= 0 {
			t.Errorf("turn %d: read %d, written %d; the turn before read %d and wrote %d; the prefix is %d", i, req.Read, req.Written, prev.Read, prev.Written, last.Tokens)
		}
	}
	if r.Cost.MissUSD != 0 || r.Cost.UnreadWriteUSD != 0 || r.Cost.PromptUSD >= r.Cost.UncachedUSD {
		t.Errorf("cost %+v: a loop that caches well loses nothing and costs less than no caching", r.Cost)
	}
}

func TestExampleTimestampNamesSystemTextAndDollarsLost(t *testing.T) {
	r, code := checkJSON(t, exampleLog("timestamp-in-system"))
	if code != exitOK {
		t.Errorf("exit %d: misses are warnings, not a failing gate", code)
	}
	misses := r.findings(matrix.RuleCascade)
	if len(misses) != len(r.Requests)-1 {
		t.Fatalf("%d cascade findings for %d requests: want one per request after the first", len(misses), len(r.Requests))
	}
	_, prices := model(t, sonnet46)
	var usd float64
	for i, f := range misses {
		req := r.Requests[i+1]
		if f.Path != "system[0].text" || f.Source != req.Source || f.Severity != forecast.Warning {
			t.Errorf("finding %+v: want system[0].text at %s", f, req.Source)
		}
		// The two sides show the two timestamps.
		prevTime := r.Requests[i].Time.Format("15:04:05Z")
		thisTime := req.Time.Format("15:04:05Z")
		if !strings.Contains(f.Message, prevTime) || !strings.Contains(f.Message, thisTime) {
			t.Errorf("finding %q: want both timestamps, %s and %s", f.Message, prevTime, thisTime)
		}
		cp := req.Checkpoints[0]
		if cp.Outcome != forecast.Write || cp.Miss == nil || cp.Miss.Path != "system[0].text" {
			t.Errorf("request %d checkpoint %+v: want a write explained by system[0].text", i+1, cp)
		}
		// What the miss loses: the prefix written instead of read.
		if f.Tokens != cp.Tokens || !near(f.USD, float64(cp.Tokens)*(prices.CacheWrite-prices.CacheRead)*1e-6) {
			t.Errorf("finding lost %d tokens, $%g: want %d tokens at the write price minus the read price", f.Tokens, f.USD, cp.Tokens)
		}
		usd += f.USD
	}
	if usd <= 0 || !near(r.Cost.MissUSD, usd) {
		t.Errorf("cost lost to misses $%g, findings sum $%g: want equal and positive", r.Cost.MissUSD, usd)
	}
	// Every write but the last is never read.
	unread := r.findings(matrix.RuleRepeat)
	if len(unread) != 1 || unread[0].Tokens != (len(r.Requests)-1)*r.Requests[0].Checkpoints[0].Tokens || !near(unread[0].USD, float64(unread[0].Tokens)*prices.CacheWrite*1e-6) {
		t.Errorf("unread-write findings %+v", unread)
	}
}

func TestExampleKeyOrderNamesTheSchemaPath(t *testing.T) {
	const path = "toolConfig.tools[0].toolSpec.inputSchema.json.properties"
	r, code := checkJSON(t, exampleLog("tool-schema-key-order"))
	if code != exitFailing {
		t.Errorf("exit %d: cache-affecting instability fails the gate", code)
	}
	det := r.findings(matrix.RuleDeterminism)
	if len(det) != 1 || det[0].Path != path || det[0].Severity != forecast.Error || det[0].Source != r.Requests[1].Source {
		t.Fatalf("determinism findings %+v: want one error at %s, first seen in the second request", det, path)
	}
	if !slices.ContainsFunc(r.Failing, func(f forecast.Finding) bool { return f.Rule == matrix.RuleDeterminism }) {
		t.Errorf("failing %+v: want the determinism finding", r.Failing)
	}
	// The requests whose order differs from every cached one miss there;
	// the one that repeats the order before it hits.
	want := []forecast.Outcome{forecast.Write, forecast.Write, forecast.Hit, forecast.Write}
	for i, req := range r.Requests {
		cp := req.Checkpoints[0]
		if cp.Outcome != want[i] {
			t.Errorf("request %d: %s, want %s", i, cp.Outcome, want[i])
		}
		if (i == 1 || i == 3) && (cp.Miss == nil || cp.Miss.Path != path || !cp.Miss.KeyOrder || cp.Miss.Rule != matrix.RuleCascade) {
			t.Errorf("request %d: miss %+v: want a key-order miss at %s", i, cp.Miss, path)
		}
	}
	// A us. profile of Sonnet 4.5 pays the regional premium.
	_, prices := model(t, sonnet45)
	for _, f := range r.findings(matrix.RuleCascade) {
		if !near(f.USD, float64(f.Tokens)*(prices.CacheWrite-prices.CacheRead)*1e-6) || prices.CacheWrite == matrix.Default().Must(sonnet45).Prices.CacheWrite {
			t.Errorf("miss %+v: want the regional write and read prices (%+v)", f, prices)
		}
	}
	// With the rule allowed, the gate passes.
	if _, code := checkJSON(t, "--allow", string(matrix.RuleDeterminism), exampleLog("tool-schema-key-order")); code != exitOK {
		t.Errorf("--allow determinism: exit %d", code)
	}
}

func TestExampleNovaToolCheckpointIsRejected(t *testing.T) {
	r, code := checkJSON(t, exampleLog("nova-tool-checkpoint"))
	if code != exitFailing {
		t.Errorf("exit %d: a predicted rejection fails the gate", code)
	}
	rej := r.findings(matrix.RuleNovaToolCheckpoint)
	if len(rej) != 1 || rej[0].Path != "toolConfig.tools[2].cachePoint" || rej[0].Source != r.Requests[0].Source {
		t.Fatalf("findings %+v: want the first request's toolConfig.tools[2].cachePoint", r.Findings)
	}
	if !strings.Contains(rej[0].Message, "#/toolConfig/tools/2: extraneous key [cachePoint]") {
		t.Errorf("message %q: want the service's message naming the index", rej[0].Message)
	}
	first := r.Requests[0]
	if len(first.Rejections) == 0 || first.Rejections[0].Status != 400 || first.Rejections[0].ErrorCode != "ValidationException" || first.Read+first.Written != 0 {
		t.Errorf("first request %+v: want a 400 ValidationException and no cache use", first)
	}
	// Without the tool checkpoint Nova caches the system prompt: write, then read.
	if got := []forecast.Outcome{r.Requests[1].Checkpoints[0].Outcome, r.Requests[2].Checkpoints[0].Outcome}; !slices.Equal(got, []forecast.Outcome{forecast.Write, forecast.Hit}) {
		t.Errorf("fixed requests: %v, want write then hit", got)
	}
	if len(r.Findings) != 1 {
		t.Errorf("findings %+v: want only the rejection", r.Findings)
	}
}

func TestExampleUnderMinimumIsNeverCached(t *testing.T) {
	r, code := checkJSON(t, exampleLog("under-minimum"))
	if code != exitFailing {
		t.Errorf("exit %d: a never-cached checkpoint fails the gate", code)
	}
	m, _ := model(t, haiku45)
	est := forecast.EstimateFor(m.Family)
	th := r.findings(matrix.RuleThreshold)
	if len(th) != len(r.Requests) {
		t.Fatalf("%d threshold findings for %d requests", len(th), len(r.Requests))
	}
	for i, req := range r.Requests {
		cp := req.Checkpoints[0]
		// Below the minimum even at the top of the estimate's error.
		if float64(cp.Tokens)*(1+est.Error) >= float64(m.MinTokens) {
			t.Fatalf("the example's prefix (%d tokens) is not surely below %d: resize it", cp.Tokens, m.MinTokens)
		}
		if cp.Outcome != forecast.NeverCached || cp.Uncertain || req.Read+req.Written != 0 {
			t.Errorf("request %d: %+v: want never cached, certain, no cache use", i, req)
		}
		if th[i].Path != "system[1].cachePoint" || th[i].Severity != forecast.Error || th[i].Source != req.Source {
			t.Errorf("finding %+v", th[i])
		}
	}
	if r.Cost.PromptUSD != r.Cost.UncachedUSD {
		t.Errorf("cost %+v: nothing cached costs the uncached price", r.Cost)
	}
}

// TestExamplesStraddleTheMinimums checks that every example not about the
// minimum is clear of it by more than the estimate's error, so that its
// findings do not hang on the estimate.
func TestExamplesStraddleTheMinimums(t *testing.T) {
	for _, e := range examples {
		if e.name == "under-minimum" {
			continue
		}
		r, _ := checkJSON(t, e.path())
		for _, req := range r.Requests {
			for _, cp := range req.Checkpoints {
				m, _ := model(t, req.ModelID)
				if cp.Outcome == forecast.Rejected {
					continue
				}
				if cp.Uncertain || float64(cp.Tokens)*(1-forecast.EstimateError) < float64(m.MinTokens) {
					t.Errorf("%s %s %s: %d tokens is within the estimate's error of %d", e.name, req.Source, cp.Path, cp.Tokens, m.MinTokens)
				}
			}
		}
	}
}

func TestMarkdownAndStepSummary(t *testing.T) {
	summary := filepath.Join(t.TempDir(), "summary.md")
	t.Setenv(env.GitHubStepSummary, summary)
	var out, errb bytes.Buffer
	code := run([]string{"check", exampleLog("timestamp-in-system"), exampleLog("nova-tool-checkpoint")}, nil, &out, &errb)
	if code != exitFailing {
		t.Errorf("exit %d, stderr %s", code, errb.String())
	}
	md := out.String()
	for _, want := range []string{"**fail**", "`nova-tool-checkpoint`", "`system[0].text`", "10:00:01Z", "10:00:02Z", "Lost to misses against the ideal: **$0.0"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	got, err := os.ReadFile(summary)
	if err != nil || string(got) != md+"\n" {
		t.Errorf("step summary %q, %v: want the Markdown report", got, err)
	}
}
