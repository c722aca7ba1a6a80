package report

// CacheState is what the service did with one layer of the prompt prefix on
// one call, as the cascade strips show it.
type CacheState string

// The states a layer may be in.
const (
	// StateRead means the layer's tokens were read from the cache: they
	// lie at or before a checkpoint whose entry was read.
	StateRead CacheState = "read"
	// StateWritten means the layer's tokens were written to the cache:
	// they lie at or before a checkpoint whose entry was written.
	StateWritten CacheState = "written"
	// StateUncached means the layer's tokens were neither read nor
	// written: no checkpoint covers them, or the call cached nothing.
	StateUncached CacheState = "uncached"
	// StateRejected means the service rejected the call.
	StateRejected CacheState = "rejected"
)

// CacheStates lists the states in the order legends show them.
var CacheStates = []CacheState{StateRead, StateWritten, StateUncached, StateRejected}

// LayerNames lists the prompt prefix's layers in the order the service
// reads them, as Step.Layers names them (the prefix package's names; this
// package imports no other cachecascade package).
var LayerNames = []string{"tools", "system", "messages"}

// LayerResult is one layer of one step: what the service did with it and
// what the oracle expected.
type LayerResult struct {
	// Layer is the layer's name, one of LayerNames.
	Layer string `json:"layer"`
	// Checkpoint is true when the request put a checkpoint at this layer.
	Checkpoint bool `json:"checkpoint,omitempty"`
	// Did is what the service did, read from the call's usage, its
	// checkpoints and its error.
	Did CacheState `json:"did"`
	// Expected is what the oracle expected; empty when the step was not
	// judged against an expectation.
	Expected CacheState `json:"expected,omitempty"`
}

// Differs reports whether the service did something other than what the
// oracle expected with the layer.
func (l LayerResult) Differs() bool { return l.Expected != "" && l.Did != l.Expected }

// Step is one judged call of a spec: its name, its usage, what the service
// did with each layer of the prefix, and the finding its check made.
type Step struct {
	// Name names the call within the spec, such as "prime", "repeat" or
	// "change system"; any name may appear.
	Name string `json:"name"`
	// Outcome is what the step's check found.
	Outcome Outcome `json:"outcome,omitempty"`
	// Rule is the ID of the rule the check judged.
	Rule string `json:"rule,omitempty"`
	// Finding is the check's reason: what was checked, or why it failed.
	Finding string `json:"finding,omitempty"`
	// InputTokens, OutputTokens, CacheReadTokens and CacheWriteTokens are
	// the call's usage.
	InputTokens      int `json:"inputTokens"`
	OutputTokens     int `json:"outputTokens"`
	CacheReadTokens  int `json:"cacheReadTokens"`
	CacheWriteTokens int `json:"cacheWriteTokens"`
	// Layers are the prefix's layers in LayerNames order; empty when the
	// step's call is not known (a finding concluded without a judged call).
	Layers []LayerResult `json:"layers,omitempty"`
}

// Broken reports whether any layer of the step differs from the oracle's
// expectation.
func (s Step) Broken() bool {
	for _, l := range s.Layers {
		if l.Differs() {
			return true
		}
	}
	return false
}
