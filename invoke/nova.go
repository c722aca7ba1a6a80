package invoke

import (
	"encoding/json"
	"fmt"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
)

// NovaSchemaVersion is the schemaVersion of Nova's native body.
const NovaSchemaVersion = "messages-v1"

// CachePoint is a Nova checkpoint: {"type": "default"} with an optional ttl.
type CachePoint struct {
	Type string `json:"type"`
	TTL  string `json:"ttl,omitempty"`
}

// NewCachePoint returns the default cachePoint for ttl (none for
// matrix.TTLDefault).
func NewCachePoint(ttl matrix.TTL) *CachePoint { return &CachePoint{Type: "default", TTL: string(ttl)} }

// Nova is Nova's native InvokeModel body.
type Nova struct {
	SchemaVersion   string          `json:"schemaVersion"`
	System          []NovaBlock     `json:"system,omitempty"`
	Messages        []NovaMessage   `json:"messages"`
	ToolConfig      *NovaToolConfig `json:"toolConfig,omitempty"`
	InferenceConfig *NovaInference  `json:"inferenceConfig,omitempty"`
}

// NovaBlock is a system or content entry: text, or a cachePoint.
type NovaBlock struct {
	Text       *string     `json:"text,omitempty"`
	CachePoint *CachePoint `json:"cachePoint,omitempty"`
	// Image and Document are media entries (see AddImage, AddDocument).
	Image    *NovaMedia `json:"image,omitempty"`
	Document *NovaMedia `json:"document,omitempty"`
}

// NovaMessage is one message with its content entries.
type NovaMessage struct {
	Role    string      `json:"role"`
	Content []NovaBlock `json:"content"`
}

// NovaToolConfig holds the tools.
type NovaToolConfig struct {
	Tools []NovaTool `json:"tools"`
	// ToolChoice is {"auto": {}}, {"any": {}} or {"tool": {"name": ...}}
	// (see SetToolChoice); nil leaves it out.
	ToolChoice map[string]any `json:"toolChoice,omitempty"`
}

// NovaTool is a tools entry: a toolSpec, or a cachePoint (which Nova
// rejects).
type NovaTool struct {
	ToolSpec   *NovaToolSpec `json:"toolSpec,omitempty"`
	CachePoint *CachePoint   `json:"cachePoint,omitempty"`
}

// NovaToolSpec is a tool's name, description and JSON input schema.
type NovaToolSpec struct {
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	InputSchema NovaToolSchema `json:"inputSchema"`
}

// NovaToolSchema wraps the JSON schema.
type NovaToolSchema struct {
	JSON json.RawMessage `json:"json"`
}

// NovaInference is the inference configuration.
type NovaInference struct {
	MaxTokens   int      `json:"maxTokens"`
	Temperature *float64 `json:"temperature,omitempty"`
}

// NewNova converts a fixtures.Set into a Nova native body with no
// checkpoints and fixtures.MaxTokens output tokens at temperature 0.
func NewNova(s fixtures.Set) *Nova {
	zero := 0.0
	b := &Nova{SchemaVersion: NovaSchemaVersion, InferenceConfig: &NovaInference{MaxTokens: fixtures.MaxTokens, Temperature: &zero}}
	if len(s.Tools) > 0 {
		b.ToolConfig = &NovaToolConfig{}
		for _, t := range s.Tools {
			b.ToolConfig.Tools = append(b.ToolConfig.Tools, NovaTool{ToolSpec: &NovaToolSpec{Name: t.Name, Description: t.Description, InputSchema: NovaToolSchema{JSON: t.SchemaJSON()}}})
		}
	}
	for _, text := range s.System {
		b.System = append(b.System, novaText(text))
	}
	for _, m := range s.Messages {
		b.Messages = append(b.Messages, NovaMessage{Role: string(m.Role), Content: []NovaBlock{novaText(m.Text)}})
	}
	return b
}

func novaText(s string) NovaBlock { return NovaBlock{Text: &s} }

// Marshal returns the body as JSON.
func (b *Nova) Marshal() ([]byte, error) { return marshalWritten(b) }

// size estimates the body's JSON size: its texts and schemas, and room
// for the rest.
func (b *Nova) size() int {
	n := 256
	if b.ToolConfig != nil {
		for _, t := range b.ToolConfig.Tools {
			if t.ToolSpec != nil {
				n += 128 + len(t.ToolSpec.Name) + len(t.ToolSpec.Description) + len(t.ToolSpec.InputSchema.JSON)
			}
		}
	}
	for _, bl := range b.System {
		if bl.Text != nil {
			n += 96 + len(*bl.Text)
		}
	}
	for _, m := range b.Messages {
		for _, bl := range m.Content {
			if bl.Text != nil {
				n += 96 + len(*bl.Text)
			}
		}
	}
	return n
}

// Envelope returns the zero envelope: a Nova body carries nothing the
// service validates beside its checkpoints.
func (b *Nova) Envelope() matrix.Envelope { return matrix.Envelope{} }

// Checkpoints lists the cachePoint entries, tools first, then system, then
// messages, with the positions a ConverseInput's would have.
func (b *Nova) Checkpoints() []matrix.Checkpoint {
	var out []matrix.Checkpoint
	if b.ToolConfig != nil {
		n := 0
		for i, t := range b.ToolConfig.Tools {
			if t.CachePoint == nil {
				n++
				continue
			}
			out = append(out, matrix.Checkpoint{Layer: prefix.Tools, Message: -1, Index: i, Preceding: n, TTL: matrix.TTL(t.CachePoint.TTL)})
		}
	}
	list := func(l prefix.Layer, msg int, blocks []NovaBlock) {
		n := 0
		for i, bl := range blocks {
			if bl.CachePoint == nil {
				n++
				continue
			}
			out = append(out, matrix.Checkpoint{Layer: l, Message: msg, Index: i, Preceding: n, TTL: matrix.TTL(bl.CachePoint.TTL)})
		}
	}
	list(prefix.System, -1, b.System)
	for m, msg := range b.Messages {
		list(prefix.Messages, m, msg.Content)
	}
	return out
}

// Mark returns how a cachePoint entry with ttl closing layer l would be
// appended: after the last tool, the last system block, or the last block
// of the last user message.
func (b *Nova) Mark(l prefix.Layer, ttl matrix.TTL) matrix.Marking {
	where := matrix.Checkpoint{Layer: l, Message: -1, TTL: ttl}
	switch l {
	case prefix.Tools:
		if b.ToolConfig == nil || len(b.ToolConfig.Tools) == 0 {
			return matrix.Marking{Skipped: true}
		}
		tools := &b.ToolConfig.Tools
		if (*tools)[len(*tools)-1].CachePoint != nil {
			return matrix.Marking{Done: true}
		}
		where.Index = len(*tools)
		for _, t := range *tools {
			if t.CachePoint == nil {
				where.Preceding++
			}
		}
		return matrix.Marking{Where: where, Place: func() { *tools = append(*tools, NovaTool{CachePoint: NewCachePoint(ttl)}) }}
	case prefix.System:
		return appendPoint(&b.System, where, ttl)
	}
	m := lastUser(b.Messages)
	if m < 0 || len(b.Messages[m].Content) == 0 {
		return matrix.Marking{Skipped: true}
	}
	where.Message = m
	return appendPoint(&b.Messages[m].Content, where, ttl)
}

// appendPoint is the marking that appends a cachePoint to a block list.
func appendPoint(list *[]NovaBlock, where matrix.Checkpoint, ttl matrix.TTL) matrix.Marking {
	if len(*list) == 0 {
		return matrix.Marking{Skipped: true}
	}
	if (*list)[len(*list)-1].CachePoint != nil {
		return matrix.Marking{Done: true}
	}
	where.Index = len(*list)
	for _, b := range *list {
		if b.CachePoint == nil {
			where.Preceding++
		}
	}
	return matrix.Marking{Where: where, Place: func() { *list = append(*list, NovaBlock{CachePoint: NewCachePoint(ttl)}) }}
}

func (m NovaMessage) role() string { return m.Role }

// MarkSystem inserts a cachePoint with ttl after system text block i.
func (b *Nova) MarkSystem(i int, ttl matrix.TTL) error {
	list, err := insertAfterText(b.System, i, ttl)
	b.System = list
	return err
}

// MarkMessage appends a cachePoint with ttl to message i.
func (b *Nova) MarkMessage(i int, ttl matrix.TTL) error {
	if i < 0 || i >= len(b.Messages) {
		return fmt.Errorf("invoke: no message %d", i)
	}
	b.Messages[i].Content = append(b.Messages[i].Content, NovaBlock{CachePoint: NewCachePoint(ttl)})
	return nil
}

// MarkSystemFirst puts a cachePoint with ttl before every system block,
// where it has nothing before it.
func (b *Nova) MarkSystemFirst(ttl matrix.TTL) error {
	b.System = append([]NovaBlock{{CachePoint: NewCachePoint(ttl)}}, b.System...)
	return nil
}

// insertAfterText returns list with a cachePoint after its i-th text block,
// or list unchanged and an error when there is none.
func insertAfterText(list []NovaBlock, i int, ttl matrix.TTL) ([]NovaBlock, error) {
	n := -1
	for pos, bl := range list {
		if bl.CachePoint != nil {
			continue
		}
		if n++; n == i {
			out := append(append([]NovaBlock(nil), list[:pos+1]...), NovaBlock{CachePoint: NewCachePoint(ttl)})
			return append(out, list[pos+1:]...), nil
		}
	}
	return list, fmt.Errorf("invoke: no system text block %d", i)
}
