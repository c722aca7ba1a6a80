package forecast

import (
	"slices"
	"time"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
)

// Severity is how a finding weighs on a CI gate.
type Severity string

// The severities. Errors fail the check (unless their rule is allowed);
// warnings are reported and pass.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Outcome is what a checkpoint is predicted to do.
type Outcome string

// The outcomes of a checkpoint.
const (
	// Hit: the prefix through the checkpoint is read from the cache.
	Hit Outcome = "hit"
	// LookBack: the checkpoint's own prefix is not cached, but an entry
	// at an earlier block boundary within the look-back window is read and
	// the rest is written.
	LookBack Outcome = "look-back"
	// Write: the prefix through the checkpoint is written (a first write,
	// or a miss: see CheckpointResult.Miss).
	Write Outcome = "write"
	// NeverCached: the prefix is below the model's minimum (or above its
	// cache cap), so nothing is cached there and the request succeeds.
	NeverCached Outcome = "never-cached"
	// Rejected: the request is predicted to be rejected, so nothing is
	// read or written.
	Rejected Outcome = "rejected"
	// Unknown: the model is not in the catalog; only the checkpoint's
	// place is known.
	Unknown Outcome = "unknown-model"
)

// Report is what Check predicts for a log.
type Report struct {
	// Requests are the requests, in log order.
	Requests []RequestResult `json:"requests"`
	// Findings are every finding, in log order, then the sequence-wide
	// ones (unread writes).
	Findings []Finding `json:"findings"`
	// Cost is the predicted cost and what the findings lose.
	Cost Cost `json:"cost"`
	// Estimates are the token estimates used, one per family seen.
	Estimates []Estimate `json:"estimates"`
	// Notes say what the prediction assumed (no times in the log, models
	// not in the catalog).
	Notes []string `json:"notes,omitempty"`
}

// RequestResult is the prediction for one request.
type RequestResult struct {
	// Source says where the request was read ("file:line").
	Source string `json:"source"`
	// ModelID is the ID the request named; Model the catalog key it
	// resolves to ("" when unknown).
	ModelID string `json:"modelId"`
	Model   string `json:"model,omitempty"`
	// Operation, Account and Time are the request's own.
	Operation Operation `json:"operation"`
	Account   string    `json:"account,omitempty"`
	Time      time.Time `json:"time,omitzero"`
	// Checkpoints are the request's checkpoints in prefix order.
	Checkpoints []CheckpointResult `json:"checkpoints"`
	// Budget is how many checkpoints the request uses of the model's
	// maximum.
	Budget Budget `json:"budget"`
	// Rejections are matrix.Validate's predicted rejections, the one the
	// service reports first.
	Rejections []Rejection `json:"rejections,omitempty"`
	// PromptTokens is the estimated prompt (every block); Read and Written
	// the predicted cache read and write, in estimated tokens.
	PromptTokens int `json:"promptTokens"`
	Read         int `json:"read"`
	Written      int `json:"written"`
}

// Budget is a request's checkpoint count against the model's maximum.
type Budget struct {
	Used int `json:"used"`
	Max  int `json:"max"`
}

// Rejection is a predicted rejection, located by the body's own JSON path.
type Rejection struct {
	Rule      matrix.Rule `json:"rule"`
	Path      string      `json:"path"`
	Status    int         `json:"status"`
	ErrorCode string      `json:"errorCode"`
	// Message is the service's message, empty where it is not documented.
	Message string `json:"message,omitempty"`
}

// CheckpointResult is the prediction for one checkpoint.
type CheckpointResult struct {
	// Path is the checkpoint's JSON path ("system[1].cachePoint").
	Path  string       `json:"path"`
	Layer prefix.Layer `json:"layer"`
	TTL   matrix.TTL   `json:"ttl,omitempty"`
	// Tokens is the estimated prefix size through the checkpoint.
	Tokens  int     `json:"tokens"`
	Outcome Outcome `json:"outcome"`
	// Uncertain is set when the size is within the estimate's stated
	// error of the model's minimum: the outcome may be the other one.
	Uncertain bool `json:"uncertain,omitempty"`
	// LookBackBlocks is how many blocks back a LookBack outcome read.
	LookBackBlocks int `json:"lookBackBlocks,omitempty"`
	// Miss explains a Write (or LookBack) that should have read more.
	Miss *Miss `json:"miss,omitempty"`
}

// Miss explains why a checkpoint that an earlier request cached missed.
type Miss struct {
	// Rule is the rule that makes it miss: matrix.RuleCascade (the prefix
	// changed), matrix.RuleTTLExpiry or matrix.RuleLookBack.
	Rule matrix.Rule `json:"rule"`
	// Path is the JSON path of the first byte that differs from the
	// nearest earlier prefix (cascade), or of the entry that expired or
	// sits beyond the look-back window.
	Path string `json:"path"`
	// Old and New are short excerpts of the earlier and this request's
	// bytes around the first difference (cascade only).
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`
	// KeyOrder is set when the two differing blocks are the same JSON
	// with other bytes.
	KeyOrder bool `json:"keyOrder,omitempty"`
	// Against is the source of the earlier request.
	Against string `json:"against"`
	// Detail says more in a sentence.
	Detail string `json:"detail"`
	// Change names the kind of change a cascade miss comes from
	// ("toolChoice", "tool definition", "image", ...; see changeKind), and
	// Invalidates what that kind invalidates on the model ("messages",
	// "everything"); both empty for other misses.
	Change      string `json:"change,omitempty"`
	Invalidates string `json:"invalidates,omitempty"`
}

// Finding is one thing the check reports, under its rule.
type Finding struct {
	Rule     matrix.Rule `json:"rule"`
	Severity Severity    `json:"severity"`
	// Source is the request it is about ("file:line"), or the first of
	// them for a finding about a sequence.
	Source string `json:"source"`
	// Path is the JSON path it is about.
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
	// Tokens and USD are what it costs: for a miss, the tokens written or
	// sent again instead of read and the dollars above reading them; for
	// unread writes, the tokens written and the dollars paid for them.
	Tokens int     `json:"tokens,omitempty"`
	USD    float64 `json:"usd,omitempty"`
}

// Cost sums the predicted cost of the prompts (input side only: output is
// not in a request log) and what the findings lose.
type Cost struct {
	// PromptUSD is the predicted input-side cost with the cache as
	// predicted; UncachedUSD the same prompts with nothing cached.
	PromptUSD   float64 `json:"promptUSD"`
	UncachedUSD float64 `json:"uncachedUSD"`
	// MissTokens and MissUSD are what misses lose against the ideal, in
	// which each would have read the entry it missed.
	MissTokens int     `json:"missTokens"`
	MissUSD    float64 `json:"missUSD"`
	// UnreadWriteTokens and UnreadWriteUSD are the writes no later request
	// read although later requests came, and what they cost.
	UnreadWriteTokens int     `json:"unreadWriteTokens"`
	UnreadWriteUSD    float64 `json:"unreadWriteUSD"`
	// PendingWriteTokens are writes of each sequence's last requests,
	// which no later request in the log could read (not counted as lost).
	PendingWriteTokens int `json:"pendingWriteTokens"`
}

// Failing returns the findings that fail a CI gate: the errors whose rule
// is not allowed.
func (r *Report) Failing(allow []matrix.Rule) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Severity == Error && !slices.Contains(allow, f.Rule) {
			out = append(out, f)
		}
	}
	return out
}
