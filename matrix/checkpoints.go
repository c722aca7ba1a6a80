package matrix

import (
	"fmt"

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
	// TTL is the checkpoint's TTL.
	TTL TTL
}

// Path returns the checkpoint's JSON path in the Converse request body, as
// in "toolConfig.tools[3]" or "messages[2].content[1]".
func (c Checkpoint) Path() string {
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
	for m, msg := range in.Messages {
		preceding := 0
		var last types.ContentBlock
		for i, b := range msg.Content {
			cp, ok := b.(*types.ContentBlockMemberCachePoint)
			if !ok {
				preceding++
				last = b
				continue
			}
			_, reasoning := last.(*types.ContentBlockMemberReasoningContent)
			out = append(out, Checkpoint{Layer: prefix.Messages, Message: m, Index: i, Preceding: preceding, AfterReasoning: reasoning, TTL: cachePointTTL(cp.Value)})
		}
	}
	return out
}
