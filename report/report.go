// Package report renders cachecascade's verification matrix: the rows the
// Ginkgo suites produce, one per spec, as Markdown for terminals and CI step
// summaries, as stable JSON for machines, and as one self-contained HTML
// page. It also totals the rows (Summary), writes the three files
// atomically (WriteFiles) and appends the Markdown to a GitHub Actions step
// summary (AppendGitHubSummary).
//
// The package is a pure renderer: everything it shows comes from the Matrix
// value, including model names, strategy order and costs, which the caller
// computes from the catalog's prices. It imports no other cachecascade
// package.
package report

import (
	"slices"
	"time"
)

// Outcome is what one spec found.
type Outcome string

// The outcomes a row may carry.
const (
	// Pass means the spec's expectations held.
	Pass Outcome = "pass"
	// Fail means an expectation did not hold.
	Fail Outcome = "fail"
	// ExpectedError means the service rejected the request exactly as the
	// rules predicted; it counts as a pass.
	ExpectedError Outcome = "expected-error"
	// Inconclusive means the spec ran but could not decide, for example
	// because a best-effort cache did not engage.
	Inconclusive Outcome = "inconclusive"
	// NotApplicable means the spec does not apply to the cell, for example a
	// strategy a model family cannot use.
	NotApplicable Outcome = "not-applicable"
	// Skipped means the spec did not run.
	Skipped Outcome = "skipped"
)

// Outcomes lists every known outcome, worst first; reports order mixed
// cells and the legend this way.
var Outcomes = []Outcome{Fail, Inconclusive, Pass, ExpectedError, Skipped, NotApplicable}

// Valid reports whether o is one of the known outcomes.
func (o Outcome) Valid() bool { return slices.Contains(Outcomes, o) }

// Passed reports whether o counts as a pass: Pass or ExpectedError.
func (o Outcome) Passed() bool { return o == Pass || o == ExpectedError }

// Symbol returns the short mark the Markdown and HTML tables show for o:
// ✅ pass, ❌ fail, ⛔ expected-error, ⚠️ inconclusive, — not applicable,
// ⏭️ skipped, and ❓ for an unknown outcome.
func (o Outcome) Symbol() string {
	switch o {
	case Pass:
		return "✅"
	case Fail:
		return "❌"
	case ExpectedError:
		return "⛔"
	case Inconclusive:
		return "⚠️"
	case NotApplicable:
		return "—"
	case Skipped:
		return "⏭️"
	}
	return "❓"
}

// rank orders outcomes by severity: lower is worse. Unknown outcomes rank
// just below Fail.
func (o Outcome) rank() int {
	if i := slices.Index(Outcomes, o); i >= 0 {
		if i == 0 {
			return 0
		}
		return i + 1
	}
	return 1
}

// The areas the suites report, in the order the reports show them. Rows may
// use other areas; those follow in alphabetical order.
const (
	// AreaCascade holds the model × strategy cascade specs, rendered as
	// the main table.
	AreaCascade = "cascade"
	// AreaThreshold holds the minimum-prefix-size specs.
	AreaThreshold = "threshold"
	// AreaNova holds the Nova-specific specs.
	AreaNova = "nova"
	// AreaLimits holds the checkpoint-limit specs.
	AreaLimits = "limits"
	// AreaTTL holds the time-to-live specs.
	AreaTTL = "ttl"
	// AreaAccounting holds the token- and cost-accounting specs.
	AreaAccounting = "accounting"
	// AreaStreaming holds the ConverseStream specs.
	AreaStreaming = "streaming"
	// AreaConversation holds the multi-turn conversation specs.
	AreaConversation = "conversation"
	// AreaDeterminism holds the request-determinism specs.
	AreaDeterminism = "determinism"
	// AreaChanges holds the specs of what each kind of change
	// invalidates, rendered also as the "what invalidates what" table.
	AreaChanges = "changes"
)

// Areas lists the known areas in report order. AreaCascade is the one
// rendered as the model × strategy matrix.
var Areas = []string{
	AreaCascade, AreaThreshold, AreaNova, AreaLimits, AreaTTL,
	AreaAccounting, AreaStreaming, AreaConversation, AreaDeterminism, AreaChanges,
}

// The APIs a row may name. An empty Row.API means APIConverse.
const (
	// APIConverse is the Converse API, the default.
	APIConverse = "converse"
	// APIConverseStream is the ConverseStream API.
	APIConverseStream = "converse-stream"
	// APIInvoke is the InvokeModel API.
	APIInvoke = "invoke"
	// APIInvokeStream is the InvokeModelWithResponseStream API.
	APIInvokeStream = "invoke-stream"
)

// DefaultStrategies is the strategy column order used when Matrix.Strategies
// is empty. It matches matrix.Strategies.
var DefaultStrategies = []string{"NONE", "SYSTEM_ONLY", "TOOLS_ONLY", "SYSTEM_AND_TOOLS", "CONVERSATION_HISTORY"}

// Row is the result of one spec.
type Row struct {
	// Area groups the spec: one of Areas, usually.
	Area string `json:"area"`
	// Rule is the ID of the rule whose check decided the row: the one a
	// failure or an inconclusive check broke, or the rejection an expected
	// error matched; empty for a plain pass and for failures that are not
	// a check's (a missing cassette, a broken fixture).
	Rule string `json:"rule,omitempty"`
	// API is the Bedrock API the spec called; empty means APIConverse.
	// Reports add an API dimension only when rows use more than one.
	API string `json:"api,omitempty"`
	// Model is the catalog key of the model, such as "claude-sonnet-4-5";
	// empty for model-independent specs.
	Model string `json:"model"`
	// ModelName is the model's display name; reports fall back to
	// Matrix.Models and then to Model when it is empty.
	ModelName string `json:"modelName,omitempty"`
	// Family is the model's family, such as "claude" or "nova".
	Family string `json:"family,omitempty"`
	// Strategy is the strategy's name, such as "SYSTEM_ONLY"; empty when
	// the spec is not run per strategy.
	Strategy string `json:"strategy"`
	// Spec is the full Ginkgo spec text.
	Spec string `json:"spec"`
	// Outcome is what the spec found.
	Outcome Outcome `json:"outcome"`
	// Message says why the spec failed or was inconclusive, or what it
	// found; it may span several lines.
	Message string `json:"message,omitempty"`
	// Calls counts the Bedrock calls the spec made.
	Calls int `json:"calls"`
	// InputTokens counts uncached input tokens over all calls.
	InputTokens int `json:"inputTokens"`
	// OutputTokens counts output tokens over all calls.
	OutputTokens int `json:"outputTokens"`
	// CacheReadTokens counts tokens read from the cache over all calls.
	CacheReadTokens int `json:"cacheReadTokens"`
	// CacheWriteTokens counts tokens written to the cache over all calls.
	CacheWriteTokens int `json:"cacheWriteTokens"`
	// ImplicitReadTokens counts the cache reads, among CacheReadTokens,
	// that had no explicit entry to read: the service's implicit caching
	// (rule implicit-read), reported apart and never judged as a hit.
	ImplicitReadTokens int `json:"implicitReadTokens,omitempty"`
	// ImplicitReadUSD is what the implicit reads cost at the read price.
	ImplicitReadUSD float64 `json:"implicitReadUSD,omitempty"`
	// CostUSD is what the calls cost in US dollars, cache prices applied.
	CostUSD float64 `json:"costUSD"`
	// CostWithoutCacheUSD is what the same tokens would have cost with no
	// caching: cache reads and writes priced as plain input.
	CostWithoutCacheUSD float64 `json:"costWithoutCacheUSD"`
	// Steps are the spec's judged calls, in order, with what the service
	// did with each layer (see Step); the HTML report draws them.
	Steps []Step `json:"steps,omitempty"`
	// Changes are what the spec observed each kind of change to a primed
	// request invalidate (the changes area), in the order it made them.
	Changes []Change `json:"changes,omitempty"`
	// NoiseCalls counts the extra calls the spec spent telling the
	// service's noise (a call routed to another Region's cache, an extra
	// write) from a broken rule: re-sends, twins and retried sequences.
	// They are not among Calls, nor their usage among the token counts and
	// CostUSD, so that a row that survived noise compares equal with its
	// cassette; the run's budget and progress line count them.
	NoiseCalls int `json:"noiseCalls,omitempty"`
	// NoiseUSD is what the NoiseCalls cost.
	NoiseUSD float64 `json:"noiseUSD,omitempty"`
	// RoutingMisses counts the unexpected misses the extra calls showed to
	// be the service's noise: an entry not found in the Region that served
	// the call (cross-region routing, an extra write), not a broken rule.
	RoutingMisses int `json:"routingMisses,omitempty"`
	// Duration is how long the spec took.
	Duration time.Duration `json:"-"`
}

// api returns the row's API with the default applied.
func (r Row) api() string {
	if r.API == "" {
		return APIConverse
	}
	return r.API
}

// ModelInfo names a model for the reports.
type ModelInfo struct {
	// Key is the catalog key, matching Row.Model.
	Key string `json:"key"`
	// Name is the display name.
	Name string `json:"name"`
	// Family is the model family.
	Family string `json:"family,omitempty"`
	// Lifecycle is where the model stands on Bedrock (active, legacy,
	// gated, end-of-life); empty when unknown.
	Lifecycle string `json:"lifecycle,omitempty"`
	// Standing says it in words for the reports, with dates ("end of life
	// since 2026-06-19", "on Bedrock since 2026-04-16").
	Standing string `json:"standing,omitempty"`
	// ID is the model ID the run invoked.
	ID string `json:"id,omitempty"`
}

// Title is the model's name as the tables show it: with its lifecycle in
// brackets unless it is active ("Claude 3.5 Haiku (end-of-life)").
func (mi ModelInfo) Title() string {
	if mi.Lifecycle == "" || mi.Lifecycle == "active" {
		return mi.Name
	}
	return mi.Name + " (" + mi.Lifecycle + ")"
}

// Matrix is everything one report shows.
type Matrix struct {
	// Title heads the report; empty means "cachecascade verification
	// matrix".
	Title string
	// Generated is when the run finished; the zero time is left out.
	Generated time.Time
	// Mode is the recorder mode: "replay", "record" or "live".
	Mode string
	// Target says what the calls went to, such as "cassettes (recorded
	// against emulator v0.1)".
	Target string
	// Models gives the order of the tables' rows and the models' names.
	// Models that rows name but this list lacks follow in the order the
	// rows first name them.
	Models []ModelInfo
	// Strategies gives the order of the main table's columns; empty means
	// DefaultStrategies. Strategies that rows name but this list lacks
	// follow in the order the rows first name them.
	Strategies []string
	// Rows are the specs' results, one per spec.
	Rows []Row
	// History is the nightly run's last nights, oldest first, which the
	// HTML report plots; empty outside the nightly run. The JSON report
	// leaves it out (the nightly keeps it in its own history file).
	History []Night
}

// DefaultTitle is the title used when Matrix.Title is empty.
const DefaultTitle = "cachecascade verification matrix"

// Summary totals a matrix's rows.
type Summary struct {
	// Specs counts the rows.
	Specs int `json:"specs"`
	// Pass, Fail, ExpectedError, Inconclusive, NotApplicable and Skipped
	// count the rows with each outcome; Other counts rows whose outcome is
	// none of these.
	Pass          int `json:"pass"`
	Fail          int `json:"fail"`
	ExpectedError int `json:"expectedError"`
	Inconclusive  int `json:"inconclusive"`
	NotApplicable int `json:"notApplicable"`
	Skipped       int `json:"skipped"`
	Other         int `json:"other"`
	// Calls, InputTokens, OutputTokens, CacheReadTokens and
	// CacheWriteTokens are the rows' sums.
	Calls            int `json:"calls"`
	InputTokens      int `json:"inputTokens"`
	OutputTokens     int `json:"outputTokens"`
	CacheReadTokens  int `json:"cacheReadTokens"`
	CacheWriteTokens int `json:"cacheWriteTokens"`
	// ImplicitReadTokens and ImplicitReadUSD are the rows' sums of the
	// reads made by implicit caching, and their cost.
	ImplicitReadTokens int     `json:"implicitReadTokens"`
	ImplicitReadUSD    float64 `json:"implicitReadUSD"`
	// NoiseCalls, NoiseUSD and RoutingMisses are the rows' sums of the
	// extra calls spent telling the service's noise from a broken rule,
	// their cost, and the misses they showed to be noise.
	NoiseCalls    int     `json:"noiseCalls,omitempty"`
	NoiseUSD      float64 `json:"noiseUSD,omitempty"`
	RoutingMisses int     `json:"routingMisses,omitempty"`
	// CostUSD and CostWithoutCacheUSD are the rows' sums.
	CostUSD             float64 `json:"costUSD"`
	CostWithoutCacheUSD float64 `json:"costWithoutCacheUSD"`
	// SavingsUSD is CostWithoutCacheUSD minus CostUSD; it is negative when
	// cache writes cost more than the reads saved.
	SavingsUSD float64 `json:"savingsUSD"`
	// SavingsPercent is SavingsUSD as a percentage of CostWithoutCacheUSD,
	// or zero when that is zero.
	SavingsPercent float64 `json:"savingsPercent"`
	// Duration is the sum of the rows' durations, not wall-clock time.
	Duration time.Duration `json:"-"`
}

// OK reports whether no row failed and no row has an unknown outcome.
func (s Summary) OK() bool { return s.Fail == 0 && s.Other == 0 }

// Summary counts the rows per outcome and sums their tokens and costs.
func (m Matrix) Summary() Summary {
	var s Summary
	for _, r := range m.Rows {
		s.Specs++
		switch r.Outcome {
		case Pass:
			s.Pass++
		case Fail:
			s.Fail++
		case ExpectedError:
			s.ExpectedError++
		case Inconclusive:
			s.Inconclusive++
		case NotApplicable:
			s.NotApplicable++
		case Skipped:
			s.Skipped++
		default:
			s.Other++
		}
		s.Calls += r.Calls
		s.NoiseCalls += r.NoiseCalls
		s.NoiseUSD += r.NoiseUSD
		s.RoutingMisses += r.RoutingMisses
		s.InputTokens += r.InputTokens
		s.OutputTokens += r.OutputTokens
		s.CacheReadTokens += r.CacheReadTokens
		s.CacheWriteTokens += r.CacheWriteTokens
		s.ImplicitReadTokens += r.ImplicitReadTokens
		s.ImplicitReadUSD += r.ImplicitReadUSD
		s.CostUSD += r.CostUSD
		s.CostWithoutCacheUSD += r.CostWithoutCacheUSD
		s.Duration += r.Duration
	}
	s.SavingsUSD = s.CostWithoutCacheUSD - s.CostUSD
	if s.CostWithoutCacheUSD != 0 {
		s.SavingsPercent = s.SavingsUSD / s.CostWithoutCacheUSD * 100
	}
	return s
}
