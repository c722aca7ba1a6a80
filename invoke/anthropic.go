package invoke

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
)

// AnthropicVersion is the anthropic_version Bedrock documents for an
// Anthropic Messages body, and the one every body starts with.
const AnthropicVersion = matrix.AnthropicVersionBedrock

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
// CacheControl, when set, is automatic caching: one top-level breakpoint
// that moves with the prompt (see Automatic).
type Anthropic struct {
	AnthropicVersion string             `json:"anthropic_version"`
	MaxTokens        int                `json:"max_tokens"`
	Temperature      *float64           `json:"temperature,omitempty"`
	Tools            []AnthropicTool    `json:"tools,omitempty"`
	System           []AnthropicBlock   `json:"system,omitempty"`
	Messages         []AnthropicMessage `json:"messages"`
	CacheControl     *CacheControl      `json:"cache_control,omitempty"`
	// ToolChoice, Thinking and Metadata are set by SetToolChoice,
	// SetThinking and SetMetadata (see changes.go).
	ToolChoice *AnthropicToolChoice `json:"tool_choice,omitempty"`
	Thinking   *AnthropicThinking   `json:"thinking,omitempty"`
	Metadata   *AnthropicMetadata   `json:"metadata,omitempty"`
}

// AnthropicTool is one tool: name, description and JSON input schema.
type AnthropicTool struct {
	Name         string          `json:"name"`
	Description  string          `json:"description,omitempty"`
	InputSchema  json.RawMessage `json:"input_schema"`
	CacheControl *CacheControl   `json:"cache_control,omitempty"`
}

// AnthropicBlock is a content block (of system or of a message): a text
// block, or a document block with its source.
type AnthropicBlock struct {
	Type         string           `json:"type"`
	Text         string           `json:"text,omitempty"`
	Source       *AnthropicSource `json:"source,omitempty"`
	CacheControl *CacheControl    `json:"cache_control,omitempty"`
}

// AnthropicSource is a document's source: {"type": "text", "media_type":
// "text/plain", "data": the text}, or {"type": "base64", "media_type":
// "application/pdf", "data": the base64 of the file}.
type AnthropicSource struct {
	Type      string `json:"type"`
	MediaType string `json:"media_type"`
	Data      string `json:"data"`
}

// documentMediaTypes maps the document formats an Anthropic body carries
// here, as Converse names them, to their media types.
var documentMediaTypes = map[string]string{"pdf": "application/pdf", "txt": "text/plain"}

// format returns the Converse document format of a document block ("pdf",
// "txt", or the media type when it has no Converse name), and "" for any
// other block.
func (b AnthropicBlock) format() string {
	if b.Type != "document" || b.Source == nil {
		return ""
	}
	for f, mt := range documentMediaTypes {
		if mt == b.Source.MediaType {
			return f
		}
	}
	return b.Source.MediaType
}

// AnthropicMessage is one message with its content blocks.
type AnthropicMessage struct {
	Role    string           `json:"role"`
	Content []AnthropicBlock `json:"content"`
}

// NewAnthropic converts a fixtures.Set into an Anthropic Messages body with
// no checkpoints: each tool with its schema's JSON, each
// system text as a text block, each message as one text block, and
// fixtures.MaxTokens output tokens at temperature 0, as Set.Input does for
// Converse.
func NewAnthropic(s fixtures.Set) *Anthropic {
	zero := 0.0
	b := &Anthropic{AnthropicVersion: AnthropicVersion, MaxTokens: fixtures.MaxTokens, Temperature: &zero}
	for _, t := range s.Tools {
		b.Tools = append(b.Tools, AnthropicTool{Name: t.Name, Description: t.Description, InputSchema: t.SchemaJSON()})
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
func (b *Anthropic) Marshal() ([]byte, error) { return marshalWritten(b) }

// size estimates the body's JSON size: its texts and schemas, and room
// for the rest.
func (b *Anthropic) size() int {
	n := 256
	for _, t := range b.Tools {
		n += 128 + len(t.Name) + len(t.Description) + len(t.InputSchema)
	}
	for _, bl := range b.System {
		n += 96 + len(bl.Text)
	}
	for _, m := range b.Messages {
		for _, bl := range m.Content {
			n += 128 + len(bl.Text)
		}
	}
	return n
}

// Checkpoints lists the blocks carrying cache_control, tools first, then
// system, then messages, and last automatic caching's breakpoint, on the
// last block of the prompt.
func (b *Anthropic) Checkpoints() []matrix.Checkpoint {
	var out []matrix.Checkpoint
	at := func(l prefix.Layer, msg, i int, c *CacheControl, document string) {
		if c != nil {
			out = append(out, matrix.Checkpoint{Layer: l, Message: msg, Index: i, Preceding: i + 1, AfterDocument: document, TTL: c.ttl()})
		}
	}
	for i, t := range b.Tools {
		at(prefix.Tools, -1, i, t.CacheControl, "")
	}
	for i, s := range b.System {
		at(prefix.System, -1, i, s.CacheControl, "")
	}
	for m, msg := range b.Messages {
		for i, c := range msg.Content {
			at(prefix.Messages, m, i, c.CacheControl, c.format())
		}
	}
	if b.CacheControl != nil {
		cp := b.lastBlock()
		cp.Automatic, cp.TTL = true, b.CacheControl.ttl()
		out = append(out, cp)
	}
	return out
}

// lastBlock returns where the last block of the prompt is, as a checkpoint
// closing it: the last block of the last message, or else the last system
// block or tool.
func (b *Anthropic) lastBlock() matrix.Checkpoint {
	for m := len(b.Messages) - 1; m >= 0; m-- {
		if c := b.Messages[m].Content; len(c) > 0 {
			return matrix.Checkpoint{Layer: prefix.Messages, Message: m, Index: len(c) - 1, Preceding: len(c), AfterDocument: c[len(c)-1].format()}
		}
	}
	if n := len(b.System); n > 0 {
		return matrix.Checkpoint{Layer: prefix.System, Message: -1, Index: n - 1, Preceding: n}
	}
	n := len(b.Tools)
	return matrix.Checkpoint{Layer: prefix.Tools, Message: -1, Index: n - 1, Preceding: n}
}

// Envelope returns the body's anthropic_version, which the service
// validates with its checkpoints.
func (b *Anthropic) Envelope() matrix.Envelope {
	return matrix.Envelope{AnthropicVersion: b.AnthropicVersion}
}

// Automatic turns on automatic caching with ttl: a top-level cache_control,
// one breakpoint that the service moves to the last block of the prompt.
// It counts as a checkpoint (Checkpoints lists it last).
func (b *Anthropic) Automatic(ttl matrix.TTL) { b.CacheControl = NewCacheControl(ttl) }

// AddDocument appends a document block of format f ("txt" as a text
// source, "pdf" as base64) holding data to message i. A checkpoint placed
// on message i afterwards closes the document.
func (b *Anthropic) AddDocument(i int, f, data string) error {
	mt, ok := documentMediaTypes[f]
	if !ok {
		return fmt.Errorf("%w: a %q document in an Anthropic body", ErrNotExpressible, f)
	}
	if i < 0 || i >= len(b.Messages) {
		return fmt.Errorf("invoke: no message %d", i)
	}
	src := &AnthropicSource{Type: "text", MediaType: mt, Data: data}
	if f == "pdf" {
		src.Type, src.Data = "base64", base64.StdEncoding.EncodeToString([]byte(data))
	}
	b.Messages[i].Content = append(b.Messages[i].Content, AnthropicBlock{Type: "document", Source: src})
	return nil
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
