package framework

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/onsi/ginkgo/v2/types"
	"gopkg.in/dnaeon/go-vcr.v2/cassette"

	"github.com/cachecascade/cachecascade/internal/modroot"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/recorder"
	"github.com/cachecascade/cachecascade/usage"
)

// BudgetEnv caps what a record or live run may spend, in US dollars at the
// catalog's prices. The run is refused before it starts when its estimate
// is over the cap, and specs that would start after the cap is reached are
// skipped (the spec that crosses it fails, so its recording is discarded).
const BudgetEnv = "CACHECASCADE_BUDGET_USD"

// budgetUSD reads BudgetEnv; zero means no cap.
func budgetUSD() (float64, error) {
	v := os.Getenv(BudgetEnv)
	if v == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("framework: %s=%q: want a positive number of dollars", BudgetEnv, v)
	}
	return f, nil
}

// Estimate is what running some specs against a target would cost, read off
// their cassettes: the calls and the usage they recorded, priced by the
// catalog.
type Estimate struct {
	// Specs counts the specs estimated; Unrecorded names those without a
	// cassette (not priced).
	Specs      int
	Unrecorded []string
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
	return s
}

// EstimateSpecs estimates the cost of the specs with the given texts from
// the cassettes the manifest of dir lists for them. Recorded usage is the
// best predictor there is: a live run sends the same requests.
func EstimateSpecs(dir string, specs []string, cat *matrix.Catalog) (Estimate, error) {
	m, err := ReadManifest(dir)
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
			model, _ := cat.Lookup(m.Cassettes[rel].Model)
			c, err := cassette.Load(strings.TrimSuffix(filepath.Join(dir, filepath.FromSlash(rel)), ".yaml"))
			if err != nil {
				return e, fmt.Errorf("framework: estimating %s: %w", rel, err)
			}
			for _, i := range c.Interactions {
				u, ok := recordedUsage(i)
				if !ok {
					continue
				}
				e.Calls++
				e.Usage = e.Usage.Add(u)
				with, without := model.Prices.Cost(u)
				e.USD += with
				e.WithoutCacheUSD += without
			}
		}
	}
	return e, nil
}

// recordedUsage reads the usage of a recorded response: the JSON body of a
// Converse answer, or the metadata event of a ConverseStream answer.
func recordedUsage(i *cassette.Interaction) (usage.Usage, bool) {
	var body struct {
		Usage *struct {
			InputTokens           int `json:"inputTokens"`
			OutputTokens          int `json:"outputTokens"`
			CacheReadInputTokens  int `json:"cacheReadInputTokens"`
			CacheWriteInputTokens int `json:"cacheWriteInputTokens"`
			TotalTokens           int `json:"totalTokens"`
			// InvokeModel: Nova's native usage and Claude's Anthropic usage.
			CacheReadInputTokenCount  int `json:"cacheReadInputTokenCount"`
			CacheWriteInputTokenCount int `json:"cacheWriteInputTokenCount"`
			AnthropicInput            int `json:"input_tokens"`
			AnthropicOutput           int `json:"output_tokens"`
			AnthropicRead             int `json:"cache_read_input_tokens"`
			AnthropicWrite            int `json:"cache_creation_input_tokens"`
		} `json:"usage"`
	}
	payload := []byte(i.Response.Body)
	if strings.HasPrefix(i.Response.Headers.Get("Content-Type"), "application/vnd.amazon.eventstream") {
		payload = nil
		dec := eventstream.NewDecoder()
		r := bytes.NewReader([]byte(i.Response.Body))
		for {
			msg, err := dec.Decode(r, nil)
			if errors.Is(err, io.EOF) || err != nil {
				break
			}
			if h := msg.Headers.Get(":event-type"); h != nil && h.String() == "metadata" {
				payload = msg.Payload
			}
		}
	}
	if json.Unmarshal(payload, &body) != nil || body.Usage == nil {
		return usage.Usage{}, false
	}
	u := body.Usage
	// Each response shape sets one spelling (Converse sets both twins, equal).
	out := usage.Usage{Input: max(u.InputTokens, u.AnthropicInput), Output: max(u.OutputTokens, u.AnthropicOutput),
		Read:  max(u.CacheReadInputTokens, u.CacheReadInputTokenCount, u.AnthropicRead),
		Write: max(u.CacheWriteInputTokens, u.CacheWriteInputTokenCount, u.AnthropicWrite), Total: u.TotalTokens}
	if out.Total == 0 {
		out.Total = out.Input + out.Output + out.Read + out.Write
	}
	return out, true
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
	e, err := EstimateSpecs(envOr(CassettesEnv, filepath.Join(root, "cassettes")), PreviewedSpecs(preview()), matrix.Default())
	if err != nil {
		return e, err
	}
	cap, err := budgetUSD()
	if err != nil {
		return e, err
	}
	if cap > 0 && e.USD > cap {
		return e, fmt.Errorf("framework: the run is estimated at $%.2f, over the %s=$%g budget (%s); narrow it with a label filter or raise the budget", e.USD, BudgetEnv, cap, e)
	}
	return e, nil
}

// charge adds what a call cost to the run's spending and returns the total.
func (r *Run) charge(usd float64) float64 {
	r.spendMu.Lock()
	defer r.spendMu.Unlock()
	r.spent += usd
	return r.spent
}

// exhausted reports whether the run has spent its budget, and the figures.
func (r *Run) exhausted() (bool, string) {
	r.spendMu.Lock()
	defer r.spendMu.Unlock()
	if r.budget <= 0 || r.spent < r.budget {
		return false, ""
	}
	return true, fmt.Sprintf("the run's budget is spent: $%.4f of %s=$%g", r.spent, BudgetEnv, r.budget)
}

// budgetNote renders the budget for progress lines.
func (r *Run) budgetNote() string {
	if r.budget <= 0 {
		return ""
	}
	return fmt.Sprintf(" of $%.2f", r.budget)
}
