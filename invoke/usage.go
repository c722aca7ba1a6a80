package invoke

import (
	"encoding/json"
	"fmt"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/usage"
)

// AnthropicUsage is the usage object of an Anthropic Messages response (and
// of the stream's message_start and message_delta events).
type AnthropicUsage struct {
	InputTokens              *int `json:"input_tokens"`
	OutputTokens             *int `json:"output_tokens"`
	CacheCreationInputTokens *int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     *int `json:"cache_read_input_tokens"`
	CacheCreation            *struct {
		Ephemeral5m int `json:"ephemeral_5m_input_tokens"`
		Ephemeral1h int `json:"ephemeral_1h_input_tokens"`
	} `json:"cache_creation"`
}

// Usage converts the Anthropic usage: read = cache_read_input_tokens, write
// = cache_creation_input_tokens, input = input_tokens, output =
// output_tokens; the Anthropic body has no total, so Total is computed (a
// totals check on it is vacuous). Writes come from cache_creation, 1h
// first, as Converse's cacheDetails lists them.
func (a AnthropicUsage) Usage() usage.Usage {
	u := usage.Usage{Input: deref(a.InputTokens), Output: deref(a.OutputTokens), Read: deref(a.CacheReadInputTokens), Write: deref(a.CacheCreationInputTokens)}
	u.Total = u.Input + u.Output + u.Read + u.Write
	if c := a.CacheCreation; c != nil {
		if c.Ephemeral1h > 0 {
			u.Writes = append(u.Writes, usage.TTLWrite{TTL: "1h", Tokens: c.Ephemeral1h})
		}
		if c.Ephemeral5m > 0 {
			u.Writes = append(u.Writes, usage.TTLWrite{TTL: "5m", Tokens: c.Ephemeral5m})
		}
	}
	return u
}

// NovaUsage is the usage object of a Nova native response (and of the
// stream's metadata event).
type NovaUsage struct {
	InputTokens               int `json:"inputTokens"`
	OutputTokens              int `json:"outputTokens"`
	TotalTokens               int `json:"totalTokens"`
	CacheReadInputTokenCount  int `json:"cacheReadInputTokenCount"`
	CacheWriteInputTokenCount int `json:"cacheWriteInputTokenCount"`
}

// Usage converts the Nova usage, keeping the reported total.
func (n NovaUsage) Usage() usage.Usage {
	return usage.Usage{Input: n.InputTokens, Output: n.OutputTokens, Read: n.CacheReadInputTokenCount,
		Write: n.CacheWriteInputTokenCount, Total: n.TotalTokens}
}

// Usage reads the usage of an InvokeModel response body from a model of
// family f.
func Usage(f matrix.Family, body []byte) (usage.Usage, error) {
	switch f {
	case matrix.Claude:
		var r struct {
			Usage *AnthropicUsage `json:"usage"`
		}
		if err := json.Unmarshal(body, &r); err != nil || r.Usage == nil {
			return usage.Usage{}, fmt.Errorf("invoke: the Claude response has no usage object: %s", clip(body))
		}
		return r.Usage.Usage(), nil
	case matrix.Nova:
		var r struct {
			Usage *NovaUsage `json:"usage"`
		}
		if err := json.Unmarshal(body, &r); err != nil || r.Usage == nil {
			return usage.Usage{}, fmt.Errorf("invoke: the Nova response has no usage object: %s", clip(body))
		}
		return r.Usage.Usage(), nil
	}
	return usage.Usage{}, fmt.Errorf("invoke: unknown family %q", f)
}

// StreamUsage reads the usage of an InvokeModelWithResponseStream response
// from the decoded bytes of its chunks, in order. Claude reports the
// input side in message_start and the output in message_delta; Nova
// reports all of it in the metadata event.
func StreamUsage(f matrix.Family, chunks [][]byte) (usage.Usage, error) {
	switch f {
	case matrix.Claude:
		var in, out *AnthropicUsage
		for _, c := range chunks {
			var ev struct {
				Type    string `json:"type"`
				Message *struct {
					Usage *AnthropicUsage `json:"usage"`
				} `json:"message"`
				Usage *AnthropicUsage `json:"usage"`
			}
			if err := json.Unmarshal(c, &ev); err != nil {
				return usage.Usage{}, fmt.Errorf("invoke: undecodable stream chunk: %s", clip(c))
			}
			switch {
			case ev.Type == "message_start" && ev.Message != nil && ev.Message.Usage != nil:
				in = ev.Message.Usage
			case ev.Type == "message_delta" && ev.Usage != nil:
				out = ev.Usage
			}
		}
		if in == nil || out == nil {
			return usage.Usage{}, fmt.Errorf("invoke: the stream lacks the usage of message_start or message_delta")
		}
		merged := *in
		merged.OutputTokens = out.OutputTokens
		return merged.Usage(), nil
	case matrix.Nova:
		for i := len(chunks) - 1; i >= 0; i-- {
			var ev struct {
				Metadata *struct {
					Usage *NovaUsage `json:"usage"`
				} `json:"metadata"`
			}
			if json.Unmarshal(chunks[i], &ev) == nil && ev.Metadata != nil && ev.Metadata.Usage != nil {
				return ev.Metadata.Usage.Usage(), nil
			}
		}
		return usage.Usage{}, fmt.Errorf("invoke: the stream has no metadata event with usage")
	}
	return usage.Usage{}, fmt.Errorf("invoke: unknown family %q", f)
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func clip(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}
