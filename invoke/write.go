package invoke

import (
	"strconv"

	"github.com/cachecascade/cachecascade/internal/jsonw"
)

// The bodies the suites send are written directly (appendJSON) rather
// than by encoding/json's reflection: a replayed InvokeModel call built its
// body with encoding/json in a twentieth of the offline matrix's time. The
// writers cover the fields the fixtures fill; a body with any other (a
// tool choice, thinking, metadata, a document or image) is left to
// encoding/json, which stays the definition: TestBodiesWrittenAsEncodingJSON
// holds the writers to its bytes.

// appendJSON appends the body's JSON, and reports false (appending
// nothing useful) when it holds a field left to encoding/json.
func (b *Anthropic) appendJSON(dst []byte) ([]byte, bool) {
	if b.ToolChoice != nil || b.Thinking != nil || b.Metadata != nil || b.Messages == nil {
		return dst, false
	}
	ok := true
	dst = append(dst, `{"anthropic_version":`...)
	dst = jsonw.String(dst, b.AnthropicVersion)
	dst = append(dst, `,"max_tokens":`...)
	dst = strconv.AppendInt(dst, int64(b.MaxTokens), 10)
	if b.Temperature != nil {
		dst = append(dst, `,"temperature":`...)
		dst, ok = jsonw.Float(dst, *b.Temperature)
	}
	if len(b.Tools) > 0 {
		dst = append(dst, `,"tools":[`...)
		for i, t := range b.Tools {
			dst = comma(dst, i)
			dst = append(dst, `{"name":`...)
			dst = jsonw.String(dst, t.Name)
			if t.Description != "" {
				dst = append(dst, `,"description":`...)
				dst = jsonw.String(dst, t.Description)
			}
			dst = append(dst, `,"input_schema":`...)
			var rawOK bool
			dst, rawOK = jsonw.Raw(dst, t.InputSchema)
			ok = ok && rawOK
			dst = appendCacheControl(dst, t.CacheControl)
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	if len(b.System) > 0 {
		dst = append(dst, `,"system":`...)
		dst, ok = appendAnthropicBlocks(dst, b.System, ok)
	}
	dst, ok = appendMessages(dst, len(b.Messages), func(i int) (string, []AnthropicBlock) {
		return b.Messages[i].Role, b.Messages[i].Content
	}, appendAnthropicBlocks, ok)
	dst = appendCacheControl(dst, b.CacheControl)
	return append(dst, '}'), ok
}

// appendAnthropicBlocks appends a list of text blocks; ok turns false on a
// block with a source.
func appendAnthropicBlocks(dst []byte, blocks []AnthropicBlock, ok bool) ([]byte, bool) {
	dst = append(dst, '[')
	for i, bl := range blocks {
		ok = ok && bl.Source == nil
		dst = comma(dst, i)
		dst = append(dst, `{"type":`...)
		dst = jsonw.String(dst, bl.Type)
		if bl.Text != "" {
			dst = append(dst, `,"text":`...)
			dst = jsonw.String(dst, bl.Text)
		}
		dst = appendCacheControl(dst, bl.CacheControl)
		dst = append(dst, '}')
	}
	return append(dst, ']'), ok
}

// appendCacheControl appends a cache_control member, if c is not nil.
func appendCacheControl(dst []byte, c *CacheControl) []byte {
	if c == nil {
		return dst
	}
	dst = append(dst, `,"cache_control":{"type":`...)
	dst = jsonw.String(dst, c.Type)
	if c.TTL != "" {
		dst = append(dst, `,"ttl":`...)
		dst = jsonw.String(dst, c.TTL)
	}
	return append(dst, '}')
}

// appendJSON appends the body's JSON, and reports false (appending
// nothing useful) when it holds a field left to encoding/json.
func (b *Nova) appendJSON(dst []byte) ([]byte, bool) {
	if b.Messages == nil || b.ToolConfig != nil && (b.ToolConfig.ToolChoice != nil || b.ToolConfig.Tools == nil) {
		return dst, false
	}
	ok := true
	dst = append(dst, `{"schemaVersion":`...)
	dst = jsonw.String(dst, b.SchemaVersion)
	if len(b.System) > 0 {
		dst = append(dst, `,"system":`...)
		dst, ok = appendNovaBlocks(dst, b.System, ok)
	}
	dst, ok = appendMessages(dst, len(b.Messages), func(i int) (string, []NovaBlock) {
		return b.Messages[i].Role, b.Messages[i].Content
	}, appendNovaBlocks, ok)
	if c := b.ToolConfig; c != nil {
		dst = append(dst, `,"toolConfig":{"tools":[`...)
		for i, t := range c.Tools {
			dst = comma(dst, i)
			dst = append(dst, '{')
			if s := t.ToolSpec; s != nil {
				dst = append(dst, `"toolSpec":{"name":`...)
				dst = jsonw.String(dst, s.Name)
				if s.Description != "" {
					dst = append(dst, `,"description":`...)
					dst = jsonw.String(dst, s.Description)
				}
				dst = append(dst, `,"inputSchema":{"json":`...)
				var rawOK bool
				dst, rawOK = jsonw.Raw(dst, s.InputSchema.JSON)
				ok = ok && rawOK
				dst = append(dst, "}}"...)
			}
			dst = appendCachePoint(dst, t.CachePoint, t.ToolSpec != nil)
			dst = append(dst, '}')
		}
		dst = append(dst, "]}"...)
	}
	if in := b.InferenceConfig; in != nil {
		dst = append(dst, `,"inferenceConfig":{"maxTokens":`...)
		dst = strconv.AppendInt(dst, int64(in.MaxTokens), 10)
		if in.Temperature != nil {
			var fOK bool
			dst = append(dst, `,"temperature":`...)
			dst, fOK = jsonw.Float(dst, *in.Temperature)
			ok = ok && fOK
		}
		dst = append(dst, '}')
	}
	return append(dst, '}'), ok
}

// appendNovaBlocks appends a list of text and cache point blocks; ok turns
// false on an image or a document.
func appendNovaBlocks(dst []byte, blocks []NovaBlock, ok bool) ([]byte, bool) {
	dst = append(dst, '[')
	for i, bl := range blocks {
		ok = ok && bl.Image == nil && bl.Document == nil
		dst = comma(dst, i)
		dst = append(dst, '{')
		if bl.Text != nil {
			dst = append(dst, `"text":`...)
			dst = jsonw.String(dst, *bl.Text)
		}
		dst = appendCachePoint(dst, bl.CachePoint, bl.Text != nil)
		dst = append(dst, '}')
	}
	return append(dst, ']'), ok
}

// appendCachePoint appends a cachePoint member, if c is not nil, after a
// comma if another member came before it.
func appendCachePoint(dst []byte, c *CachePoint, after bool) []byte {
	if c == nil {
		return dst
	}
	if after {
		dst = append(dst, ',')
	}
	dst = append(dst, `"cachePoint":{"type":`...)
	dst = jsonw.String(dst, c.Type)
	if c.TTL != "" {
		dst = append(dst, `,"ttl":`...)
		dst = jsonw.String(dst, c.TTL)
	}
	return append(dst, '}')
}

// appendMessages appends a body's "messages" member: n messages, each its
// role and content (from message), the content written by blocks. ok turns
// false on a message without content (which encoding/json writes as null)
// and wherever blocks turns it false.
func appendMessages[B any](dst []byte, n int, message func(i int) (string, []B), blocks func([]byte, []B, bool) ([]byte, bool), ok bool) ([]byte, bool) {
	dst = append(dst, `,"messages":[`...)
	for i := range n {
		role, content := message(i)
		ok = ok && content != nil
		dst = comma(dst, i)
		dst = append(dst, `{"role":`...)
		dst = jsonw.String(dst, role)
		dst = append(dst, `,"content":`...)
		dst, ok = blocks(dst, content, ok)
		dst = append(dst, '}')
	}
	return append(dst, ']'), ok
}

// comma appends the comma before element i of a list, unless it is the
// first.
func comma(dst []byte, i int) []byte {
	if i > 0 {
		return append(dst, ',')
	}
	return dst
}
