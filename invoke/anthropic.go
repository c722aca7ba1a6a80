package invoke

import (
	"fmt"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
)

// AnthropicVersion is the anthropic_version Bedrock requires in an Anthropic
// Messages body.
const AnthropicVersion = "bedrock-2023-05-31"

// CacheControl is an Anthropic checkpoint: {"type": "ephemeral"} with an
// optional "ttl" of "5m" or "1h".
type CacheControl struct {
	Type string `json:"type"`
	TTL  string `json:"ttl,omitempty"`
}

// NewCacheControl returns the ephemeral cache_control for ttl (none for
// matrix.TTLDefault).
func NewCacheControl(ttl matrix.TTL) *CacheControl {
	return &CacheControl{Type: "ephemeral", TTL: string(ttl)}
}

func (c *CacheControl) ttl() matrix.TTL { return matrix.TTL(c.TTL) }

// Anthropic is the Anthropic Messages body of InvokeModel on Claude.
type Anthropic struct {
	AnthropicVersion string             `json:"anthropic_version"`
	MaxTokens        int                `json:"max_tokens"`
	Temperature      *float64           `json:"temperature,omitempty"`
	Tools            []AnthropicTool    `json:"tools,omitempty"`
	System           []AnthropicBlock   `json:"system,omitempty"`
	Messages         []AnthropicMessage `json:"messages"`
}

// AnthropicTool is one tool: name, description and JSON input schema.
type AnthropicTool struct {
	Name         string         `json:"name"`
	Description  string         `json:"description,omitempty"`
	InputSchema  map[string]any `json:"input_schema"`
	CacheControl *CacheControl  `json:"cache_control,omitempty"`
}

// AnthropicBlock is a text content block (of system or of a message).
type AnthropicBlock struct {
	Type         string        `json:"type"`
	Text         string        `json:"text"`
	CacheControl *CacheControl `json:"cache_control,omitempty"`
}

// AnthropicMessage is one message with its content blocks.
type AnthropicMessage struct {
	Role    string           `json:"role"`
	Content []AnthropicBlock `json:"content"`
}

// NewAnthropic converts a fixtures.Set into an Anthropic Messages body with
// no checkpoints: each tool with its schema (a new map per call), each
// system text as a text block, each message as one text block, and
// fixtures.MaxTokens output tokens at temperature 0, as Set.Input does for
// Converse.
func NewAnthropic(s fixtures.Set) *Anthropic {
	zero := 0.0
	b := &Anthropic{AnthropicVersion: AnthropicVersion, MaxTokens: fixtures.MaxTokens, Temperature: &zero}
	for _, t := range s.Tools {
		b.Tools = append(b.Tools, AnthropicTool{Name: t.Name, Description: t.Description, InputSchema: t.Schema()})
	}
	for _, text := range s.System {
		b.System = append(b.System, textBlock(text))
	}
	for _, m := range s.Messages {
		b.Messages = append(b.Messages, AnthropicMessage{Role: string(m.Role), Content: []AnthropicBlock{textBlock(m.Text)}})
	}
	return b
}

func textBlock(text string) AnthropicBlock { return AnthropicBlock{Type: "text", Text: text} }

// Marshal returns the body as JSON.
func (b *Anthropic) Marshal() ([]byte, error) { return marshal(b) }

// Checkpoints lists the blocks carrying cache_control, tools first, then
// system, then messages.
func (b *Anthropic) Checkpoints() []matrix.Checkpoint {
	var out []matrix.Checkpoint
	at := func(l prefix.Layer, msg, i int, c *CacheControl) {
		if c != nil {
			out = append(out, matrix.Checkpoint{Layer: l, Message: msg, Index: i, Preceding: i + 1, TTL: c.ttl()})
		}
	}
	for i, t := range b.Tools {
		at(prefix.Tools, -1, i, t.CacheControl)
	}
	for i, s := range b.System {
		at(prefix.System, -1, i, s.CacheControl)
	}
	for m, msg := range b.Messages {
		for i, c := range msg.Content {
			at(prefix.Messages, m, i, c.CacheControl)
		}
	}
	return out
}

// Mark returns how cache_control with ttl closing layer l would be set: on
// the last tool, the last system block, or the last block of the last user
// message.
func (b *Anthropic) Mark(l prefix.Layer, ttl matrix.TTL) matrix.Marking {
	var slot **CacheControl
	where := matrix.Checkpoint{Layer: l, Message: -1, TTL: ttl}
	switch l {
	case prefix.Tools:
		if len(b.Tools) == 0 {
			return matrix.Marking{Skipped: true}
		}
		where.Index = len(b.Tools) - 1
		slot = &b.Tools[where.Index].CacheControl
	case prefix.System:
		if len(b.System) == 0 {
			return matrix.Marking{Skipped: true}
		}
		where.Index = len(b.System) - 1
		slot = &b.System[where.Index].CacheControl
	default:
		m := lastUser(b.Messages)
		if m < 0 || len(b.Messages[m].Content) == 0 {
			return matrix.Marking{Skipped: true}
		}
		where.Message, where.Index = m, len(b.Messages[m].Content)-1
		slot = &b.Messages[m].Content[where.Index].CacheControl
	}
	if *slot != nil {
		return matrix.Marking{Done: true}
	}
	where.Preceding = where.Index + 1
	return matrix.Marking{Where: where, Place: func() { *slot = NewCacheControl(ttl) }}
}

// MarkSystem puts cache_control with ttl on system block i (for specs that
// place checkpoints by hand, beyond a strategy).
func (b *Anthropic) MarkSystem(i int, ttl matrix.TTL) error {
	if i < 0 || i >= len(b.System) {
		return fmt.Errorf("invoke: no system block %d", i)
	}
	b.System[i].CacheControl = NewCacheControl(ttl)
	return nil
}

// MarkMessage puts cache_control with ttl on the last content block of
// message i.
func (b *Anthropic) MarkMessage(i int, ttl matrix.TTL) error {
	if i < 0 || i >= len(b.Messages) || len(b.Messages[i].Content) == 0 {
		return fmt.Errorf("invoke: no message %d with content", i)
	}
	c := b.Messages[i].Content
	c[len(c)-1].CacheControl = NewCacheControl(ttl)
	return nil
}

// MarkSystemFirst returns ErrNotExpressible: cache_control closes the block
// it sits on, so an Anthropic body cannot carry a checkpoint with nothing
// before it.
func (b *Anthropic) MarkSystemFirst(matrix.TTL) error { return ErrNotExpressible }

func lastUser[M interface{ role() string }](msgs []M) int {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].role() == "user" {
			return i
		}
	}
	return -1
}

func (m AnthropicMessage) role() string { return m.Role }
