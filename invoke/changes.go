package invoke

import (
	"encoding/base64"
	"fmt"
)

// AnthropicToolChoice is an Anthropic body's tool_choice: type "auto",
// "any" or "tool" (with the tool's name).
type AnthropicToolChoice struct {
	Type string `json:"type"`
	Name string `json:"name,omitempty"`
}

// AnthropicThinking is an Anthropic body's thinking field: {"type":
// "enabled", "budget_tokens": n}.
type AnthropicThinking struct {
	Type         string `json:"type"`
	BudgetTokens int    `json:"budget_tokens"`
}

// AnthropicMetadata is an Anthropic body's metadata: a user ID.
type AnthropicMetadata struct {
	UserID string `json:"user_id"`
}

// NovaMedia is a Nova image or document entry: its format, a name for a
// document, and its bytes (base64 in JSON, as Converse carries them).
type NovaMedia struct {
	Format string          `json:"format"`
	Name   string          `json:"name,omitempty"`
	Source NovaMediaSource `json:"source"`
}

// NovaMediaSource holds a media entry's bytes, base64-encoded.
type NovaMediaSource struct {
	Bytes string `json:"bytes"`
}

// ToolChoices are the tool choices SetToolChoice takes.
var ToolChoices = []string{"auto", "any", "tool"}

// checkChoice returns an error for a tool choice not in ToolChoices, or a
// "tool" choice without a name.
func checkChoice(choice, name string) error {
	switch choice {
	case "auto", "any":
		return nil
	case "tool":
		if name != "" {
			return nil
		}
		return fmt.Errorf("invoke: tool choice %q needs a tool name", choice)
	}
	return fmt.Errorf("invoke: unknown tool choice %q (want auto, any or tool)", choice)
}

// SetToolChoice sets tool_choice: "auto", "any", or "tool" naming a tool.
func (b *Anthropic) SetToolChoice(choice, name string) error {
	if err := checkChoice(choice, name); err != nil {
		return err
	}
	if choice != "tool" {
		name = ""
	}
	b.ToolChoice = &AnthropicToolChoice{Type: choice, Name: name}
	return nil
}

// AddImage appends a base64 image block of media type image/png holding
// png to message i.
func (b *Anthropic) AddImage(i int, png []byte) error {
	if i < 0 || i >= len(b.Messages) {
		return fmt.Errorf("invoke: no message %d", i)
	}
	src := &AnthropicSource{Type: "base64", MediaType: "image/png", Data: base64.StdEncoding.EncodeToString(png)}
	b.Messages[i].Content = append(b.Messages[i].Content, AnthropicBlock{Type: "image", Source: src})
	return nil
}

// SetThinking turns on extended thinking with a budget of budget tokens.
// The service wants max_tokens above the budget and no temperature other
// than 1 with thinking, so max_tokens becomes budget + maxAfter and the
// temperature is left out.
func (b *Anthropic) SetThinking(budget, maxAfter int) {
	b.Thinking = &AnthropicThinking{Type: "enabled", BudgetTokens: budget}
	b.MaxTokens, b.Temperature = budget+maxAfter, nil
}

// SetInference sets temperature and max_tokens.
func (b *Anthropic) SetInference(temperature float64, maxTokens int) {
	b.Temperature, b.MaxTokens = &temperature, maxTokens
}

// SetMetadata sets the metadata's user_id.
func (b *Anthropic) SetMetadata(userID string) { b.Metadata = &AnthropicMetadata{UserID: userID} }

// SetToolChoice sets toolConfig.toolChoice: "auto", "any", or "tool"
// naming a tool. A body without tools cannot carry one.
func (b *Nova) SetToolChoice(choice, name string) error {
	if err := checkChoice(choice, name); err != nil {
		return err
	}
	if b.ToolConfig == nil {
		return fmt.Errorf("invoke: a tool choice in a Nova body without tools")
	}
	v := map[string]any{}
	if choice == "tool" {
		v["name"] = name
	}
	b.ToolConfig.ToolChoice = map[string]any{choice: v}
	return nil
}

// addMedia appends a media entry to message i.
func (b *Nova) addMedia(i int, e NovaBlock) error {
	if i < 0 || i >= len(b.Messages) {
		return fmt.Errorf("invoke: no message %d", i)
	}
	b.Messages[i].Content = append(b.Messages[i].Content, e)
	return nil
}

// AddImage appends a PNG image entry holding png to message i.
func (b *Nova) AddImage(i int, png []byte) error {
	return b.addMedia(i, NovaBlock{Image: &NovaMedia{Format: "png", Source: NovaMediaSource{Bytes: base64.StdEncoding.EncodeToString(png)}}})
}

// AddDocument appends a document entry of format f ("pdf", "txt", ...)
// holding data to message i.
func (b *Nova) AddDocument(i int, f, data string) error {
	return b.addMedia(i, NovaBlock{Document: &NovaMedia{Format: f, Name: "document", Source: NovaMediaSource{Bytes: base64.StdEncoding.EncodeToString([]byte(data))}}})
}

// SetInference sets temperature and maxTokens.
func (b *Nova) SetInference(temperature float64, maxTokens int) {
	b.InferenceConfig = &NovaInference{MaxTokens: maxTokens, Temperature: &temperature}
}
