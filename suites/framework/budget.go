package framework

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
	"gopkg.in/dnaeon/go-vcr.v2/cassette"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/internal/modroot"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/recorder"
	"github.com/cachecascade/cachecascade/request"
	"github.com/cachecascade/cachecascade/usage"
)

// budget is what a run may spend (env.BudgetUSD, env.BudgetTokens), at the
// catalog's prices: a run estimated over it is refused before it starts,
// and once it is spent the spec that would send the next call fails (so its
// recording is discarded) and specs that would start are skipped. A zero
// field means no cap on it. It is the whole run's, in every process: all of
// them charge one tally (see ledger), and none sends a call once the run's
// total reaches the budget; the total can pass it only by the calls already
// in flight at that moment, at most one per process.
type budget struct {
	usd    float64
	tokens int
}

// budgetFromEnv reads env.BudgetUSD and env.BudgetTokens.
func budgetFromEnv() (budget, error) {
	var b budget
	if v := os.Getenv(env.BudgetUSD); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f > 0) || math.IsInf(f, 0) { // NaN is not > 0
			return b, fmt.Errorf("framework: %s=%q: want a positive number of dollars", env.BudgetUSD, v)
		}
		b.usd = f
	}
	if v := os.Getenv(env.BudgetTokens); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return b, fmt.Errorf("framework: %s=%q: want a positive number of tokens", env.BudgetTokens, v)
		}
		b.tokens = n
	}
	return b, nil
}

// over reports whether spending usd dollars and tokens tokens reaches the
// budget.
func (b budget) over(usd float64, tokens int) bool {
	return b.usd > 0 && usd >= b.usd || b.tokens > 0 && tokens >= b.tokens
}

// String names the caps.
func (b budget) String() string {
	var parts []string
	if b.usd > 0 {
		parts = append(parts, fmt.Sprintf("%s=$%g", env.BudgetUSD, b.usd))
	}
	if b.tokens > 0 {
		parts = append(parts, fmt.Sprintf("%s=%d", env.BudgetTokens, b.tokens))
	}
	return strings.Join(parts, ", ")
}

// tokensOf counts a usage against a token budget.
func tokensOf(u usage.Usage) int { return u.Prompt() + u.Output }

// Estimate is what running some specs against a target would cost, read off
// their cassettes: the calls and the usage they recorded, priced by the
// catalog.
type Estimate struct {
	// Specs counts the specs estimated; Unrecorded names those without a
	// cassette (not priced).
	Specs      int
	Unrecorded []string
	// Unreadable names the cassettes the manifest lists that are missing
	// or corrupt: their specs are not priced, and a record run writes them
	// anew (it is the way to repair them), so they do not stop the run.
	Unreadable []string
	// Calls and Usage add up the recorded calls.
	Calls int
	Usage usage.Usage
	// USD is the cost with caching; WithoutCacheUSD as if nothing were
	// cached.
	USD, WithoutCacheUSD float64
}

func (e Estimate) String() string {
	s := fmt.Sprintf("%d specs, %d calls, %d tokens read from cache, %d written, %d other input, %d output: about $%.2f ($%.2f without caching)",
		e.Specs, e.Calls, e.Usage.Read, e.Usage.Write, e.Usage.Input, e.Usage.Output, e.USD, e.WithoutCacheUSD)
	if len(e.Unrecorded) > 0 {
		s += fmt.Sprintf("; %d specs have no cassette and are not included", len(e.Unrecorded))
	}
	if len(e.Unreadable) > 0 {
		s += fmt.Sprintf("; %d cassettes are missing or corrupt and are not included (%s)", len(e.Unreadable), strings.Join(e.Unreadable, ", "))
	}
	return s
}

// EstimateSpecs estimates the cost of the specs with the given texts from
// the cassettes the manifest of dir lists for them. Recorded usage is the
// best predictor there is: a live run sends the same requests.
func EstimateSpecs(dir string, specs []string, cat *matrix.Catalog) (Estimate, error) {
	m, err := recorder.ReadManifest(dir)
	if err != nil {
		return Estimate{}, err
	}
	bySpec := map[string][]string{}
	for path, p := range m.Cassettes {
		bySpec[p.Spec] = append(bySpec[p.Spec], path)
	}
	var e Estimate
	for _, spec := range specs {
		e.Specs++
		paths := bySpec[spec]
		if len(paths) == 0 {
			e.Unrecorded = append(e.Unrecorded, spec)
			continue
		}
		for _, rel := range paths {
			model, ok := cat.Lookup(m.Cassettes[rel].Model)
			if !ok {
				return e, fmt.Errorf("framework: estimating %s: its model %q is not in the catalog, so it cannot be priced", rel, m.Cassettes[rel].Model)
			}
			c, err := cassette.Load(strings.TrimSuffix(filepath.Join(dir, filepath.FromSlash(rel)), ".yaml"))
			if err != nil {
				e.Unreadable = append(e.Unreadable, rel)
				continue
			}
			for _, i := range c.Interactions {
				u, ok := recordedUsage(i, model.Family)
				if !ok {
					continue
				}
				e.Calls++
				e.Usage = e.Usage.Add(u)
				with, without := model.InvokedPrices().Cost(u)
				e.USD += with
				e.WithoutCacheUSD += without
			}
		}
	}
	slices.Sort(e.Unreadable)
	return e, nil
}

// recordedUsage reads the usage of a recorded response of a model of
// family f with request.Recorded, the API told by the request's path.
func recordedUsage(i *cassette.Interaction, f matrix.Family) (usage.Usage, bool) {
	api, ok := request.APIOfPath(i.Request.URL)
	if !ok {
		return usage.Usage{}, false
	}
	u, err := request.Recorded(api, f, []byte(i.Response.Body))
	return u, err == nil
}

// PreviewedSpecs returns the texts of the specs a Ginkgo preview says will
// run (see ginkgo.PreviewSpecs).
func PreviewedSpecs(rep types.Report) []string {
	var out []string
	for _, sr := range rep.SpecReports {
		if sr.LeafNodeType == types.NodeTypeIt && !sr.State.Is(types.SpecStateSkipped|types.SpecStatePending) {
			out = append(out, sr.FullText())
		}
	}
	return out
}

// CheckBudget estimates a record or live run before it starts and refuses
// it when the estimate is over CACHECASCADE_BUDGET_USD. preview lists the
// specs that will run (ginkgo.PreviewSpecs); it is called only for runs
// against a target. It returns the estimate, for the run to print. Replay
// costs nothing and is not checked.
func CheckBudget(preview func() types.Report) (Estimate, error) {
	mode, err := recorder.ModeFromEnv()
	if err != nil || !mode.CallsTarget() {
		return Estimate{}, err
	}
	root, err := modroot.Find()
	if err != nil {
		return Estimate{}, err
	}
	e, err := EstimateSpecs(envOr(env.Cassettes, filepath.Join(root, "cassettes")), PreviewedSpecs(preview()), matrix.Default())
	if err != nil {
		return e, err
	}
	b, err := budgetFromEnv()
	if err != nil {
		return e, err
	}
	if b.over(e.USD, tokensOf(e.Usage)) {
		return e, fmt.Errorf("framework: the run is estimated at $%.2f and %d tokens, over the budget %s (%s); narrow it with a label filter or raise the budget", e.USD, tokensOf(e.Usage), b, e)
	}
	return e, nil
}

// charge adds a call's usage and cost to the run's tally, shared by all of
// its processes. Replay keeps no tally.
func (r *Run) charge(u usage.Usage, usd float64) error {
	if r.ledger == nil {
		return nil
	}
	_, err := r.ledger.Charge(usd, tokensOf(u))
	return err
}

// spent returns the run's spending so far, over all of its processes.
func (r *Run) spent() (Spend, error) {
	if r.ledger == nil {
		return Spend{}, nil
	}
	return r.ledger.Read()
}

// exhausted reports whether the run has spent its budget, and the figures.
// A tally that cannot be read counts as spent: the budget could not be
// kept.
func (r *Run) exhausted() (bool, string) {
	if r.budget == (budget{}) {
		return false, ""
	}
	s, err := r.spent()
	if err != nil {
		return true, err.Error()
	}
	if !r.budget.over(s.USD, s.Tokens) {
		return false, ""
	}
	return true, fmt.Sprintf("the run's budget is spent: $%.4f and %d tokens over %d calls of all its processes, against %s", s.USD, s.Tokens, s.Calls, r.budget)
}

// progressTotal renders the run's spending so far, over all of its
// processes, and its budget, for progress lines.
func (r *Run) progressTotal() string {
	s, err := r.spent()
	if err != nil {
		return "run total unknown: " + err.Error()
	}
	out := fmt.Sprintf("run $%.4f, %d calls", s.USD, s.Calls)
	if r.budget != (budget{}) {
		out += "; budget " + r.budget.String()
	}
	return out
}
