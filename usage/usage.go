// Package usage turns the token usage Bedrock reports into one comparable
// value: tokens read from and written to the prompt cache, other input
// tokens, output tokens, the reported total and the writes by TTL. It is
// the "observed" side of a verdict.
package usage

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

// Usage is the token usage of one call.
type Usage struct {
	// Input counts the input tokens neither read from nor written to the
	// cache.
	Input int `json:"input"`
	// Output counts the output tokens.
	Output int `json:"output"`
	// Read counts the tokens read from the cache (cacheReadInputTokens).
	Read int `json:"read"`
	// Write counts the tokens written to the cache (cacheWriteInputTokens).
	Write int `json:"write"`
	// Total is the reported totalTokens.
	Total int `json:"total"`
	// Writes lists the cache writes by TTL, as usage.cacheDetails reports
	// them; nil when the response had none.
	Writes []TTLWrite `json:"writes,omitempty"`
}

// TTLWrite is one entry of usage.cacheDetails: tokens written with a TTL.
type TTLWrite struct {
	TTL    string `json:"ttl"`
	Tokens int    `json:"tokens"`
}

// FromSDK converts the SDK's usage. A nil usage gives the zero Usage.
func FromSDK(u *types.TokenUsage) Usage {
	if u == nil {
		return Usage{}
	}
	return Usage{
		Input:  deref(u.InputTokens),
		Output: deref(u.OutputTokens),
		Read:   deref(u.CacheReadInputTokens),
		Write:  deref(u.CacheWriteInputTokens),
		Total:  deref(u.TotalTokens),
		Writes: cacheDetails(u),
	}
}

func deref(p *int32) int {
	if p == nil {
		return 0
	}
	return int(*p)
}

// Prompt returns the size of the whole prompt in tokens as the service
// counted it: input + read + write. It is how the suites measure sizes.
func (u Usage) Prompt() int { return u.Input + u.Read + u.Write }

// TotalsAddUp reports whether total = input + output + read + write, as
// every recorded response of the real service has it.
func (u Usage) TotalsAddUp() bool { return u.Total == u.Input+u.Output+u.Read+u.Write }

// WrittenWith returns the tokens written with the given TTL according to
// cacheDetails.
func (u Usage) WrittenWith(ttl string) int {
	n := 0
	for _, w := range u.Writes {
		if w.TTL == ttl {
			n += w.Tokens
		}
	}
	return n
}

// String renders the usage compactly, for failure messages.
func (u Usage) String() string {
	s := fmt.Sprintf("{read %d, write %d, input %d, output %d, total %d", u.Read, u.Write, u.Input, u.Output, u.Total)
	for _, w := range u.Writes {
		s += fmt.Sprintf(", %s write %d", w.TTL, w.Tokens)
	}
	return s + "}"
}

// Add returns the sum of two usages, for totals over a spec.
func (u Usage) Add(v Usage) Usage {
	out := Usage{Input: u.Input + v.Input, Output: u.Output + v.Output, Read: u.Read + v.Read, Write: u.Write + v.Write, Total: u.Total + v.Total}
	out.Writes = append(append(out.Writes, u.Writes...), v.Writes...)
	return out
}
