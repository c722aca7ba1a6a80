package matrix

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/cachecascade/cachecascade/prefix"
)

// Strategy is a checkpoint-placement strategy. The names are Spring AI's;
// the placement follows Bedrock's Converse semantics.
type Strategy string

// The five strategies.
const (
	// None places no checkpoint.
	None Strategy = "NONE"
	// SystemOnly places one checkpoint after the last system block.
	SystemOnly Strategy = "SYSTEM_ONLY"
	// ToolsOnly places one checkpoint after the last tool; with no tools
	// it places nothing.
	ToolsOnly Strategy = "TOOLS_ONLY"
	// SystemAndTools places both of the above.
	SystemAndTools Strategy = "SYSTEM_AND_TOOLS"
	// ConversationHistory places one checkpoint at the end of the last
	// user message, so each turn reads the previous turn's prefix.
	ConversationHistory Strategy = "CONVERSATION_HISTORY"
)

// Strategies lists every strategy in the order reports show them.
var Strategies = []Strategy{None, SystemOnly, ToolsOnly, SystemAndTools, ConversationHistory}

// ParseStrategy returns the strategy with the given name, in any case and
// with '-' or '_' between words.
func ParseStrategy(name string) (Strategy, error) {
	n := Strategy(strings.ToUpper(strings.ReplaceAll(name, "-", "_")))
	for _, s := range Strategies {
		if s == n {
			return s, nil
		}
	}
	return "", fmt.Errorf("matrix: unknown strategy %q (want one of NONE, SYSTEM_ONLY, TOOLS_ONLY, SYSTEM_AND_TOOLS, CONVERSATION_HISTORY)", name)
}

// Layers returns the layers the strategy places a checkpoint in, in prefix
// order.
func (s Strategy) Layers() []prefix.Layer {
	switch s {
	case SystemOnly:
		return []prefix.Layer{prefix.System}
	case ToolsOnly:
		return []prefix.Layer{prefix.Tools}
	case SystemAndTools:
		return []prefix.Layer{prefix.Tools, prefix.System}
	case ConversationHistory:
		return []prefix.Layer{prefix.Messages}
	}
	return nil
}

// Slug returns the strategy's name in lower case, as used in labels and
// cassette paths ("system_only").
func (s Strategy) Slug() string { return strings.ToLower(string(s)) }

// Placement reports what Apply did.
type Placement struct {
	// Placed are the checkpoints Apply added, in prefix order.
	Placed []Checkpoint
	// Existing counts the checkpoints the caller had already placed.
	Existing int
	// Skipped names the layers the strategy covers that had nothing to
	// put a checkpoint after (no tools, no system blocks, no user message).
	Skipped []prefix.Layer
}

// Total returns the number of checkpoints the request carries after Apply.
func (p Placement) Total() int { return p.Existing + len(p.Placed) }

// MaxCheckpoints is the most checkpoints Apply will leave on a request. It is
// the service's limit for every model in the catalog.
const MaxCheckpoints = 4

// TooManyCheckpointsError is returned by Apply when placing the strategy's
// checkpoints would exceed MaxCheckpoints. The request is left unchanged.
type TooManyCheckpointsError struct {
	Strategy Strategy
	Existing int
	Adding   int
}

func (e *TooManyCheckpointsError) Error() string {
	return fmt.Sprintf("matrix: %s would place %d checkpoint(s) on a request that already has %d; Bedrock allows at most %d",
		e.Strategy, e.Adding, e.Existing, MaxCheckpoints)
}

// Apply places the strategy's checkpoints into a Converse request, each
// with the given TTL (TTLDefault for none), by Place's rules.
//
// Apply appends to in's slices in place; callers that reuse a request
// across turns should build each turn's request afresh, as the fixtures
// package does, or the previous turn's checkpoints stay and count.
func (s Strategy) Apply(in *bedrockruntime.ConverseInput, ttl TTL) (Placement, error) {
	if in == nil {
		return Placement{}, fmt.Errorf("matrix: %s: nil ConverseInput", s)
	}
	if _, err := newCachePoint(ttl); err != nil {
		return Placement{}, err
	}
	return s.Place(ConverseBody{in}, ttl)
}

// lastUserMessage returns the index of the last message from the user, or -1.
func lastUserMessage(msgs []types.Message) int {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == types.ConversationRoleUser {
			return i
		}
	}
	return -1
}
