package matrix

import (
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/cachecascade/cachecascade/prefix"
)

// Checkpoint is one cachePoint block found in a Converse request.
type Checkpoint struct {
	// Layer is the layer the checkpoint sits in.
	Layer prefix.Layer
	// Message is the index of the message holding the checkpoint, or -1
	// outside the messages layer.
	Message int
	// Index is the checkpoint's position in its block list: the tools
	// list, the system list or the message's content.
	Index int
	// Preceding counts the blocks before the checkpoint in the same list
	// that are not themselves checkpoints. Zero means nothing precedes it.
	Preceding int
	// AfterReasoning is true when the block just before the checkpoint is
	// a reasoning block.
	AfterReasoning bool
	// ReasoningEarlier is true when a message before the checkpoint's
	// message (an earlier assistant turn) holds a reasoning block.
	ReasoningEarlier bool
	// AfterDocument is the format of the document block the checkpoint
	// closes (the block just before a cachePoint, or the Anthropic block
	// carrying cache_control): "pdf", "txt", "md", ... as Converse names
	// them; empty when that block is not a document.
	AfterDocument string
	// Automatic is true for automatic caching: the top-level cache_control
	// of an Anthropic InvokeModel body, one breakpoint that moves with the
	// prompt. It behaves like a checkpoint on the last block of the
	// prompt, which Layer, Message, Index and Preceding name, and counts
	// toward the model's checkpoint limit.
	Automatic bool
	// TTL is the checkpoint's TTL.
	TTL TTL
}

// Path returns the checkpoint's JSON path in the Converse request body, as
// in "toolConfig.tools[3]" or "messages[2].content[1]"; automatic caching's
// is the top-level "cache_control".
func (c Checkpoint) Path() string {
	if c.Automatic {
		return "cache_control"
	}
	switch c.Layer {
	case prefix.Tools:
		return fmt.Sprintf("toolConfig.tools[%d]", c.Index)
	case prefix.System:
		return fmt.Sprintf("system[%d]", c.Index)
	}
	return fmt.Sprintf("messages[%d].content[%d]", c.Message, c.Index)
}

// Checkpoints lists the checkpoints in a request in the order the service
// reads them: tools, then system, then messages.
func Checkpoints(in *bedrockruntime.ConverseInput) []Checkpoint {
	var out []Checkpoint
	if in == nil {
		return nil
	}
	if in.ToolConfig != nil {
		preceding := 0
		for i, t := range in.ToolConfig.Tools {
			cp, ok := t.(*types.ToolMemberCachePoint)
			if !ok {
				preceding++
				continue
			}
			out = append(out, Checkpoint{Layer: prefix.Tools, Message: -1, Index: i, Preceding: preceding, TTL: cachePointTTL(cp.Value)})
		}
	}
	preceding := 0
	for i, b := range in.System {
		cp, ok := b.(*types.SystemContentBlockMemberCachePoint)
		if !ok {
			preceding++
			continue
		}
		out = append(out, Checkpoint{Layer: prefix.System, Message: -1, Index: i, Preceding: preceding, TTL: cachePointTTL(cp.Value)})
	}
	earlier := false // a message before this one holds a reasoning block
	for m, msg := range in.Messages {
		out = append(out, messageCheckpoints(m, msg.Content, earlier)...)
		earlier = earlier || slices.ContainsFunc(msg.Content, isReasoning)
	}
	return out
}

// messageCheckpoints lists the checkpoints of message m's content;
// reasoningEarlier says whether an earlier message holds a reasoning block.
func messageCheckpoints(m int, content []types.ContentBlock, reasoningEarlier bool) []Checkpoint {
	var out []Checkpoint
	preceding := 0
	var last types.ContentBlock
	for i, b := range content {
		cp, ok := b.(*types.ContentBlockMemberCachePoint)
		if !ok {
			preceding++
			last = b
			continue
		}
		out = append(out, Checkpoint{Layer: prefix.Messages, Message: m, Index: i, Preceding: preceding,
			AfterReasoning: isReasoning(last), ReasoningEarlier: reasoningEarlier, AfterDocument: documentFormat(last),
			TTL: cachePointTTL(cp.Value)})
	}
	return out
}

// isReasoning reports whether b is a reasoning block.
func isReasoning(b types.ContentBlock) bool {
	_, ok := b.(*types.ContentBlockMemberReasoningContent)
	return ok
}

// documentFormat returns the format of a document block ("pdf", "txt",
// ...), or "" when b is not a document.
func documentFormat(b types.ContentBlock) string {
	if d, ok := b.(*types.ContentBlockMemberDocument); ok {
		return string(d.Value.Format)
	}
	return ""
}
