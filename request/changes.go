package request

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/cachecascade/cachecascade/invoke"
)

// The changes a request takes beside its material (matrix.ChangeKinds):
// each is written once here for Converse, the Anthropic body and the Nova
// body, so that a spec applies a change kind whatever the cell's API.

// LastMessage returns the index of the request's last message (the last
// user turn), or -1 when it has none.
func (r *Request) LastMessage() int {
	switch b := r.Body.(type) {
	case *invoke.Anthropic:
		return len(b.Messages) - 1
	case *invoke.Nova:
		return len(b.Messages) - 1
	}
	return len(r.Converse.Messages) - 1
}

// SetToolChoice sets the tool choice: "auto", "any", or "tool" naming a
// tool (toolConfig.toolChoice, or the Anthropic body's tool_choice).
func (r *Request) SetToolChoice(choice, name string) error {
	switch b := r.Body.(type) {
	case *invoke.Anthropic:
		return b.SetToolChoice(choice, name)
	case *invoke.Nova:
		return b.SetToolChoice(choice, name)
	}
	if r.Converse.ToolConfig == nil {
		return fmt.Errorf("request: a tool choice in a request without tools")
	}
	var c types.ToolChoice
	switch choice {
	case "auto":
		c = &types.ToolChoiceMemberAuto{}
	case "any":
		c = &types.ToolChoiceMemberAny{}
	case "tool":
		if name == "" {
			return fmt.Errorf("request: tool choice %q needs a tool name", choice)
		}
		c = &types.ToolChoiceMemberTool{Value: types.SpecificToolChoice{Name: aws.String(name)}}
	default:
		return fmt.Errorf("request: unknown tool choice %q (want auto, any or tool)", choice)
	}
	r.Converse.ToolConfig.ToolChoice = c
	return nil
}

// AddImage puts a PNG image holding png first in message i, before its
// text, as applications attach a screenshot: the message's prefix changes
// from its start, where an image appended after the text would leave the
// text's cached prefix intact (a checkpoint's look-back would read it).
func (r *Request) AddImage(i int, png []byte) error {
	var err error
	switch b := r.Body.(type) {
	case *invoke.Anthropic:
		err = b.AddImage(i, png)
	case *invoke.Nova:
		err = b.AddImage(i, png)
	default:
		if i < 0 || i >= len(r.Converse.Messages) {
			return fmt.Errorf("request: no message %d", i)
		}
		img := &types.ContentBlockMemberImage{Value: types.ImageBlock{Format: types.ImageFormatPng, Source: &types.ImageSourceMemberBytes{Value: png}}}
		m := &r.Converse.Messages[i]
		m.Content = append(m.Content, img)
	}
	if err != nil {
		return err
	}
	return r.lastFirst(i)
}

// InsertDocument is AddDocument with the document put first in message
// i, before its text (see AddImage), so that no checkpoint closes it.
func (r *Request) InsertDocument(i int, f, data string) error {
	if err := r.AddDocument(i, f, data); err != nil {
		return err
	}
	return r.lastFirst(i)
}

// lastFirst moves the last block of message i to the front.
func (r *Request) lastFirst(i int) error {
	switch b := r.Body.(type) {
	case *invoke.Anthropic:
		c := b.Messages[i].Content
		b.Messages[i].Content = append(c[len(c)-1:], c[:len(c)-1]...)
	case *invoke.Nova:
		c := b.Messages[i].Content
		b.Messages[i].Content = append(c[len(c)-1:], c[:len(c)-1]...)
	default:
		c := r.Converse.Messages[i].Content
		r.Converse.Messages[i].Content = append(c[len(c)-1:], c[:len(c)-1]...)
	}
	return nil
}

// ThinkingMaxAfter is how many tokens past the thinking budget SetThinking
// allows the answer: the service wants maxTokens above the budget.
const ThinkingMaxAfter = 64

// SetThinking turns on extended thinking with a budget of budget tokens
// (Claude: additionalModelRequestFields {"thinking": ...} through
// Converse, the Anthropic body's thinking field through InvokeModel),
// with maxTokens budget + ThinkingMaxAfter and no temperature, which the
// service wants with thinking. A Nova body has no thinking field here:
// invoke.ErrNotExpressible.
func (r *Request) SetThinking(budget int) error {
	switch b := r.Body.(type) {
	case *invoke.Anthropic:
		b.SetThinking(budget, ThinkingMaxAfter)
		return nil
	case *invoke.Nova:
		return fmt.Errorf("%w: thinking in the Nova body", invoke.ErrNotExpressible)
	}
	r.Converse.AdditionalModelRequestFields = document.NewLazyDocument(map[string]any{
		"thinking": map[string]any{"type": "enabled", "budget_tokens": budget}})
	ic := r.Converse.InferenceConfig
	if ic == nil {
		ic = &types.InferenceConfiguration{}
		r.Converse.InferenceConfig = ic
	}
	ic.MaxTokens, ic.Temperature = aws.Int32(int32(budget+ThinkingMaxAfter)), nil
	return nil
}

// SetInference sets the temperature and the output limit.
func (r *Request) SetInference(temperature float64, maxTokens int) {
	switch b := r.Body.(type) {
	case *invoke.Anthropic:
		b.SetInference(temperature, maxTokens)
		return
	case *invoke.Nova:
		b.SetInference(temperature, maxTokens)
		return
	}
	r.Converse.InferenceConfig = &types.InferenceConfiguration{MaxTokens: aws.Int32(int32(maxTokens)), Temperature: aws.Float32(float32(temperature))}
}

// SetMetadata tags the request with value: Converse's requestMetadata
// {"cachecascade": value}, or the Anthropic body's metadata.user_id. A
// Nova body has no metadata: invoke.ErrNotExpressible.
func (r *Request) SetMetadata(value string) error {
	switch b := r.Body.(type) {
	case *invoke.Anthropic:
		b.SetMetadata(value)
		return nil
	case *invoke.Nova:
		return fmt.Errorf("%w: metadata in the Nova body", invoke.ErrNotExpressible)
	}
	r.Converse.RequestMetadata = map[string]string{"cachecascade": value}
	return nil
}
