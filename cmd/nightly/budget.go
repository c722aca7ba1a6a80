package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cachecascade/cachecascade/internal/env"
)

// spendFile is the tally the suites keep in a run's report directory,
// charged by every process of the run (suites/framework's ledger).
const spendFile = "spend.json"

// Spend is what a phase, or the night, spent against the target.
type Spend struct {
	USD    float64 `json:"usd"`
	Tokens int     `json:"tokens"`
	Calls  int     `json:"calls"`
}

// parseBudgetUSD reads a budget in dollars: empty is none; anything else
// must be a finite positive number (NaN, infinities, zero, negative and
// unparsable values are refused, never taken for "no budget").
func parseBudgetUSD(v string) (float64, error) {
	if v == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 {
		return 0, fmt.Errorf("budget %q: want a positive number of US dollars, such as 25", v)
	}
	return f, nil
}

// parseBudgetTokens reads a token budget: empty is none; anything else
// must be a positive whole number.
func parseBudgetTokens(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive number of tokens", env.BudgetTokens, v)
	}
	return n, nil
}

// budgeted reports whether the night has a budget.
func (n *nightly) budgeted() bool { return n.budgetUSD > 0 || n.budgetTokens > 0 }

// left returns what the night's budget leaves after what its phases spent:
// dollars and tokens (zero where there is no cap).
func (n *nightly) left() (usd float64, tokens int) {
	if n.budgetUSD > 0 {
		usd = n.budgetUSD - n.sum.Spent.USD
	}
	if n.budgetTokens > 0 {
		tokens = n.budgetTokens - n.sum.Spent.Tokens
	}
	return usd, tokens
}

// budgetEnv is the budget a phase against the target gets: what the night
// has left, so that all phases together keep the one budget.
func (n *nightly) budgetEnv() []string {
	usd, tokens := n.left()
	var out []string
	if n.budgetUSD > 0 {
		out = append(out, fmt.Sprintf("%s=%f", env.BudgetUSD, usd))
	}
	if n.budgetTokens > 0 {
		out = append(out, fmt.Sprintf("%s=%d", env.BudgetTokens, tokens))
	}
	return out
}

// refuseOverBudget says to stop the night with ExitBudget, before a phase
// against the target runs the specs of changes, when the cassettes price
// those specs (their replayed rows) over what the budget has left, or
// when nothing is left. It runs only after phases guarded against
// changing the cassettes, so nothing needs restoring.
func (n *nightly) refuseOverBudget(phase string, changes []Change) (int, bool) {
	if !n.budgeted() {
		return 0, false
	}
	var est Spend
	for _, c := range changes {
		est.USD += c.Replay.CostUSD
		est.Tokens += c.Replay.InputTokens + c.Replay.OutputTokens + c.Replay.CacheReadTokens + c.Replay.CacheWriteTokens
		est.Calls += c.Replay.Calls
	}
	usd, tokens := n.left()
	over := n.budgetUSD > 0 && (usd <= 0 || est.USD > usd) || n.budgetTokens > 0 && (tokens <= 0 || est.Tokens > tokens)
	if !over {
		return 0, false
	}
	var left []string
	if n.budgetUSD > 0 {
		left = append(left, fmt.Sprintf("$%.4f", usd))
	}
	if n.budgetTokens > 0 {
		left = append(left, fmt.Sprintf("%d tokens", tokens))
	}
	n.problem(fmt.Sprintf("budget: the %s phase (%d specs, %d calls) is estimated from the cassettes at $%.4f and %d tokens, over the night's budget: %s left of %s after $%.4f spent; not run",
		phase, len(changes), est.Calls, est.USD, est.Tokens, strings.Join(left, " and "), n.describeBudget(), n.sum.Spent.USD))
	return ExitBudget, true
}

// describeBudget names the night's budget.
func (n *nightly) describeBudget() string {
	switch {
	case n.budgetUSD > 0 && n.budgetTokens > 0:
		return fmt.Sprintf("$%g and %d tokens", n.budgetUSD, n.budgetTokens)
	case n.budgetUSD > 0:
		return fmt.Sprintf("$%g", n.budgetUSD)
	case n.budgetTokens > 0:
		return fmt.Sprintf("%d tokens", n.budgetTokens)
	}
	return "no budget"
}

// charge reads a phase's tally, adds it to the night's and reports
// whether the budget stopped the phase: the night's spending reached the
// budget, or the suites refused the phase over its estimate.
func (n *nightly) charge(p *Phase, log string) {
	var s Spend
	if b, err := os.ReadFile(filepath.Join(p.Dir, spendFile)); err == nil && json.Unmarshal(b, &s) == nil {
		p.Spend = s
		n.sum.Spent.USD += s.USD
		n.sum.Spent.Tokens += s.Tokens
		n.sum.Spent.Calls += s.Calls
	}
	if !n.budgeted() {
		return
	}
	spent := n.budgetUSD > 0 && n.sum.Spent.USD >= n.budgetUSD || n.budgetTokens > 0 && n.sum.Spent.Tokens >= n.budgetTokens
	refused := budgetRefusal(log)
	if spent || refused {
		p.BudgetStop = true
		what := "spent"
		if refused && !spent {
			what = "refused by the suites' own estimate"
		}
		n.problem(fmt.Sprintf("budget: the night's budget %s is %s: $%.4f and %d tokens over %d calls of all phases; the %s phase stopped before all its specs ran", n.describeBudget(), what, n.sum.Spent.USD, n.sum.Spent.Tokens, n.sum.Spent.Calls, p.Name))
	}
}

// budgetRefusal reports whether a phase's log holds the suites' refusal
// of a run estimated over its budget (suites/framework.CheckBudget).
func budgetRefusal(log string) bool {
	b, err := os.ReadFile(log)
	return err == nil && containsAll(string(b), "is estimated at", "over the budget")
}

// containsAll reports whether s contains every one of subs.
func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
