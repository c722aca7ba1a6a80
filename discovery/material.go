package discovery

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/cachecascade/cachecascade/prefix"
)

// instruction is the closing user text of every probe. It is the same in
// every request, so the tokens after a probe's checkpoint are the same in
// every request of one layout.
const instruction = "Reply with one word."

// maxOutputTokens caps every reply: discovery reads usage, not answers.
const maxOutputTokens = 4

// words is the vocabulary of the filler text: common short English words,
// which every tokenizer splits into about one token each, so that a
// prefix's size in tokens grows steadily with its length in characters.
var words = strings.Fields(`the of and to in is was for on that with as by at from
	this be are or it an which one all had not but were they have more has been
	when there can its who time some may would about into only other new two
	these first also over after any most such what them then made where well
	part each many under those both same while since three between world state
	city small right point house water river light market garden letter number`)

// newNonce returns a random run nonce, so that no run reads an entry that an
// earlier run left in the cache.
func newNonce() string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "000000000000"
	}
	return hex.EncodeToString(b[:])
}

// filler returns deterministic text of exactly n bytes (none for n ≤ 0):
// words of the vocabulary in a pseudo-random order, separated by spaces.
func filler(n int) string {
	if n <= 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(n + 16)
	x := uint32(2463534242)
	for b.Len() < n {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b.WriteString(words[x%uint32(len(words))])
		b.WriteByte(' ')
	}
	return b.String()[:n]
}

// piece is one text block of a probe and whether a checkpoint follows it.
type piece struct {
	text string
	cp   bool
	ttl  types.CacheTTL
}

// shape is the layout of one probe request. The head pieces go into the
// probe layer (the system prompt, or the start of the one user message);
// the tail pieces follow them at the start of the user message; the
// instruction closes the user message.
type shape struct {
	layer prefix.Layer
	head  []piece
	tail  []piece
	// tool adds one tool to toolConfig, followed by a checkpoint when
	// toolCP is set.
	tool, toolCP bool
}

// input builds the Converse request of the shape for the model.
func (s shape) input(model string) *bedrockruntime.ConverseInput {
	in := &bedrockruntime.ConverseInput{
		ModelId:         aws.String(model),
		InferenceConfig: &types.InferenceConfiguration{MaxTokens: aws.Int32(maxOutputTokens)},
	}
	var content []types.ContentBlock
	if s.layer == prefix.Messages {
		content = messageBlocks(s.head)
	} else {
		in.System = systemBlocks(s.head)
	}
	content = append(content, messageBlocks(s.tail)...)
	content = append(content, &types.ContentBlockMemberText{Value: instruction})
	in.Messages = []types.Message{{Role: types.ConversationRoleUser, Content: content}}
	if s.tool {
		in.ToolConfig = probeTools(s.toolCP)
	}
	return in
}

// countInput is the CountTokens request for the same prompt as in.
func countInput(in *bedrockruntime.ConverseInput) *bedrockruntime.CountTokensInput {
	return &bedrockruntime.CountTokensInput{
		ModelId: in.ModelId,
		Input: &types.CountTokensInputMemberConverse{Value: types.ConverseTokensRequest{
			Messages: in.Messages, System: in.System, ToolConfig: in.ToolConfig,
		}},
	}
}

// cachePoint returns a checkpoint; ttl "" leaves the field out.
func cachePoint(ttl types.CacheTTL) types.CachePointBlock {
	return types.CachePointBlock{Type: types.CachePointTypeDefault, Ttl: ttl}
}

// systemBlocks renders pieces as system blocks.
func systemBlocks(ps []piece) []types.SystemContentBlock {
	var out []types.SystemContentBlock
	for _, p := range ps {
		out = append(out, &types.SystemContentBlockMemberText{Value: p.text})
		if p.cp {
			out = append(out, &types.SystemContentBlockMemberCachePoint{Value: cachePoint(p.ttl)})
		}
	}
	return out
}

// messageBlocks renders pieces as message content blocks.
func messageBlocks(ps []piece) []types.ContentBlock {
	var out []types.ContentBlock
	for _, p := range ps {
		out = append(out, &types.ContentBlockMemberText{Value: p.text})
		if p.cp {
			out = append(out, &types.ContentBlockMemberCachePoint{Value: cachePoint(p.ttl)})
		}
	}
	return out
}

// toolSchema is the probe tool's input schema, a struct so that its keys
// always serialize in the same order.
type toolSchema struct {
	Type       string              `document:"type"`
	Properties map[string]toolProp `document:"properties"`
	Required   []string            `document:"required"`
}

// toolProp is one property of toolSchema.
type toolProp struct {
	Type        string `document:"type"`
	Description string `document:"description"`
}

// probeTools is a tool configuration with one small tool, and a checkpoint
// after it when cp is set.
func probeTools(cp bool) *types.ToolConfiguration {
	spec := &types.ToolMemberToolSpec{Value: types.ToolSpecification{
		Name:        aws.String("lookup_word"),
		Description: aws.String("Looks a word up in a dictionary and returns its meaning."),
		InputSchema: &types.ToolInputSchemaMemberJson{Value: document.NewLazyDocument(toolSchema{
			Type:       "object",
			Properties: map[string]toolProp{"word": {Type: "string", Description: "The word to look up."}},
			Required:   []string{"word"},
		})},
	}}
	tools := []types.Tool{spec}
	if cp {
		tools = append(tools, &types.ToolMemberCachePoint{Value: cachePoint("")})
	}
	return &types.ToolConfiguration{Tools: tools}
}

// smallPieces returns n short distinct pieces named by tag, each followed
// by a checkpoint when cp is set: material for checkpoint counts and
// look-back extensions, far below any minimum.
func smallPieces(tag string, n int, cp bool) []piece {
	out := make([]piece, n)
	for i := range out {
		out[i] = piece{text: fmt.Sprintf("Note %s-%d: %s.", tag, i+1, words[i%len(words)]), cp: cp}
	}
	return out
}
