package forecast

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
)

// block is one content block of the prompt prefix: a tool, a system block
// or a message's content block. Checkpoints are not blocks: they sit at
// block boundaries and carry no tokens.
type block struct {
	layer prefix.Layer
	// path is the block's JSON path in the body ("system[0]",
	// "messages[2].content[1]", "tools[3]").
	path string
	// raw is the block's exact bytes; for an Anthropic block, without its
	// cache_control member, which marks a checkpoint and is not content.
	raw []byte
	// chars is what the estimate counts: the characters of a text block's
	// text, the bytes of the raw JSON of any other block.
	chars int
	// msg is the message index (-1 outside messages) and role its role;
	// first marks a message's first block, so that message boundaries are
	// part of the prefix.
	msg   int
	role  string
	first bool
}

// point is one checkpoint of a request.
type point struct {
	// path is the checkpoint's JSON path: the cachePoint member
	// ("system[1].cachePoint") or the cache_control member
	// ("messages[0].content[2].cache_control"; the top-level
	// "cache_control" for automatic caching).
	path string
	// boundary is the number of blocks before the checkpoint in prefix
	// order: its entry is the prefix of that many blocks.
	boundary int
	// cp is the checkpoint as matrix.ValidateRequest takes it.
	cp matrix.Checkpoint
}

// extra is a request field outside the blocks that is part of the cache
// key (tool choice, thinking and other model request fields).
type extra struct {
	path string
	raw  []byte
}

// prompt is a request body taken apart into what the cache keys on.
type prompt struct {
	blocks []block
	points []point
	// extras are the request fields beside the blocks that the cache keys
	// on; where they enter the prefix depends on the family (see
	// extrasInMessages).
	extras []extra
	env    matrix.Envelope
}

// bodyKind is the shape of a request body.
type bodyKind int

const (
	converseBody  bodyKind = iota // Converse's, and Nova's InvokeModel body
	anthropicBody                 // the Anthropic Messages body of InvokeModel on Claude
)

// kindOf returns the shape of a body sent through op to a model of family
// f (empty when the model is unknown: the body's own keys decide).
func kindOf(op Operation, f matrix.Family, body []byte) bodyKind {
	if !op.IsInvoke() {
		return converseBody
	}
	switch f {
	case matrix.Claude:
		return anthropicBody
	case matrix.Nova:
		return converseBody
	}
	var probe struct {
		Version json.RawMessage `json:"anthropic_version"`
	}
	if json.Unmarshal(body, &probe) == nil && probe.Version != nil {
		return anthropicBody
	}
	return converseBody
}

// parseBody takes a body apart. Errors name the JSON path that is wrong.
// valid says the body is known to be valid JSON.
func parseBody(kind bodyKind, body []byte, valid bool) (*prompt, error) {
	if !valid && !json.Valid(body) {
		return nil, fmt.Errorf("not valid JSON")
	}
	if kind == anthropicBody {
		return parseAnthropic(body)
	}
	return parseConverse(body)
}

// parseConverse takes a Converse body (or Nova's native body) apart.
func parseConverse(body []byte) (*prompt, error) {
	var toolConfig, system, messages, extraFields []byte
	err := eachField(body, func(k string, v []byte) error {
		switch k {
		case "toolConfig":
			toolConfig = v
		case "system":
			system = v
		case "messages":
			messages = v
		case "additionalModelRequestFields":
			extraFields = v
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("not a Converse request body: %w", err)
	}
	p := &prompt{}
	if !isNull(toolConfig) {
		var tools, choice []byte
		if err := eachField(toolConfig, func(k string, v []byte) error {
			switch k {
			case "tools":
				tools = v
			case "toolChoice":
				choice = v
			}
			return nil
		}); err != nil {
			return nil, fmt.Errorf("toolConfig: %w", err)
		}
		list, err := elems(tools)
		if err != nil {
			return nil, fmt.Errorf("toolConfig.tools: %w", err)
		}
		if _, err := p.converseList(prefix.Tools, -1, "", "toolConfig.tools", list, false); err != nil {
			return nil, err
		}
		if !isNull(choice) {
			p.extras = append(p.extras, extra{"toolConfig.toolChoice", choice})
		}
	}
	list, err := elems(system)
	if err != nil {
		return nil, fmt.Errorf("system: %w", err)
	}
	if _, err := p.converseList(prefix.System, -1, "", "system", list, false); err != nil {
		return nil, err
	}
	if err := p.converseMessages(messages); err != nil {
		return nil, err
	}
	if !isNull(extraFields) {
		p.extras = append(p.extras, extra{"additionalModelRequestFields", extraFields})
	}
	return p, nil
}

// converseMessages adds the content of every message.
func (p *prompt) converseMessages(messages []byte) error {
	msgs, err := elems(messages)
	if err != nil {
		return fmt.Errorf("messages: %w", err)
	}
	earlier := false
	for i, m := range msgs {
		base := "messages[" + strconv.Itoa(i) + "]"
		role, content, err := roleAndContent(m)
		if err != nil {
			return fmt.Errorf("%s: %w", base, err)
		}
		list, err := elems(content)
		if err != nil {
			return fmt.Errorf("%s.content: %w", base, err)
		}
		reasoning, err := p.converseList(prefix.Messages, i, role, base+".content", list, earlier)
		if err != nil {
			return err
		}
		earlier = earlier || reasoning
	}
	return nil
}

// converseList adds one block list of a Converse body: each element is a
// union with one member, a cachePoint member being a checkpoint. It
// reports whether the list holds a reasoning block.
func (p *prompt) converseList(l prefix.Layer, msg int, role, base string, list [][]byte, reasoningEarlier bool) (reasoning bool, err error) {
	preceding := 0
	lastMember, lastDoc := "", ""
	first := true
	for i, raw := range list {
		path := base + "[" + strconv.Itoa(i) + "]"
		name, value, err := member(raw)
		if err != nil {
			return false, fmt.Errorf("%s: %w", path, err)
		}
		reasoning = reasoning || name == "reasoningContent"
		if name == "cachePoint" {
			var cp struct {
				Type string `json:"type"`
				TTL  string `json:"ttl"`
			}
			if err := json.Unmarshal(value, &cp); err != nil {
				return false, fmt.Errorf("%s.cachePoint: %w", path, err)
			}
			mc := matrix.Checkpoint{Layer: l, Message: msg, Index: i, Preceding: preceding, TTL: matrix.TTL(cp.TTL),
				AfterReasoning: lastMember == "reasoningContent", ReasoningEarlier: l == prefix.Messages && reasoningEarlier}
			if lastMember == "document" {
				mc.AfterDocument = lastDoc
			}
			p.points = append(p.points, point{path: path + ".cachePoint", boundary: len(p.blocks), cp: mc})
			lastMember = name
			continue
		}
		b := block{layer: l, path: path, raw: raw, chars: utf8.RuneCount(raw), msg: msg, role: role, first: first && l == prefix.Messages}
		if name == "text" {
			n, err := textChars(value)
			if err != nil {
				return false, fmt.Errorf("%s.text: %w", path, err)
			}
			b.chars = n
		}
		lastDoc = ""
		if name == "document" {
			var d struct {
				Format string `json:"format"`
			}
			_ = json.Unmarshal(value, &d)
			lastDoc = d.Format
		}
		p.blocks = append(p.blocks, b)
		preceding++
		first = false
		lastMember = name
	}
	return reasoning, nil
}

// parseAnthropic takes an Anthropic Messages body apart: each tool, system
// block and content block is a block, and a block carrying cache_control
// is closed by a checkpoint; a top-level cache_control (automatic caching)
// is a checkpoint on the last block.
func parseAnthropic(body []byte) (*prompt, error) {
	p := &prompt{}
	var tools, system, messages, choice, thinking, cacheControl []byte
	err := eachField(body, func(k string, v []byte) error {
		switch k {
		case "anthropic_version":
			_ = json.Unmarshal(v, &p.env.AnthropicVersion)
		case "tools":
			tools = v
		case "system":
			system = v
		case "messages":
			messages = v
		case "tool_choice":
			choice = v
		case "thinking":
			thinking = v
		case "cache_control":
			cacheControl = v
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("not an Anthropic Messages body: %w", err)
	}
	if !isNull(choice) {
		p.extras = append(p.extras, extra{"tool_choice", choice})
	}
	if !isNull(thinking) {
		p.extras = append(p.extras, extra{"thinking", thinking})
	}
	list, err := elems(tools)
	if err != nil {
		return nil, fmt.Errorf("tools: %w", err)
	}
	for i, raw := range list {
		if err := p.anthropicBlock(prefix.Tools, -1, "", "tools["+strconv.Itoa(i)+"]", i, raw, false); err != nil {
			return nil, err
		}
	}
	if err := p.anthropicContent(prefix.System, -1, "", "system", system); err != nil {
		return nil, err
	}
	if err := p.anthropicMessages(messages); err != nil {
		return nil, err
	}
	if !isNull(cacheControl) {
		if err := p.automatic(cacheControl); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// anthropicMessages adds the content of every message of an Anthropic
// body.
func (p *prompt) anthropicMessages(messages []byte) error {
	msgs, err := elems(messages)
	if err != nil {
		return fmt.Errorf("messages: %w", err)
	}
	for i, m := range msgs {
		base := "messages[" + strconv.Itoa(i) + "]"
		role, content, err := roleAndContent(m)
		if err != nil {
			return fmt.Errorf("%s: %w", base, err)
		}
		if err := p.anthropicContent(prefix.Messages, i, role, base+".content", content); err != nil {
			return err
		}
	}
	return nil
}

// automatic adds automatic caching's checkpoint, on the last block.
func (p *prompt) automatic(cacheControl []byte) error {
	ttl, err := cacheControlTTL(cacheControl)
	if err != nil {
		return fmt.Errorf("cache_control: %w", err)
	}
	if len(p.blocks) == 0 {
		return fmt.Errorf("cache_control: the body has no block to cache")
	}
	last := p.blocks[len(p.blocks)-1]
	idx := 0
	for _, b := range p.blocks {
		if b.layer == last.layer && b.msg == last.msg {
			idx++
		}
	}
	mc := matrix.Checkpoint{Layer: last.layer, Message: last.msg, Index: idx - 1, Preceding: idx, Automatic: true, TTL: ttl}
	p.points = append(p.points, point{path: "cache_control", boundary: len(p.blocks), cp: mc})
	return nil
}

// anthropicContent adds a system or message content value: a plain string
// is one text block, an array one block per element.
func (p *prompt) anthropicContent(l prefix.Layer, msg int, role, base string, raw []byte) error {
	raw = bytes.TrimSpace(raw)
	if isNull(raw) {
		return nil
	}
	if raw[0] == '"' {
		n, err := textChars(raw)
		if err != nil {
			return fmt.Errorf("%s: %w", base, err)
		}
		p.blocks = append(p.blocks, block{layer: l, path: base, raw: raw, chars: n, msg: msg, role: role, first: l == prefix.Messages})
		return nil
	}
	list, err := elems(raw)
	if err != nil {
		return fmt.Errorf("%s: want a string or an array of blocks", base)
	}
	for i, b := range list {
		if err := p.anthropicBlock(l, msg, role, base+"["+strconv.Itoa(i)+"]", i, b, i == 0 && l == prefix.Messages); err != nil {
			return err
		}
	}
	return nil
}

// anthropicBlock adds one tool or content block of an Anthropic body and
// the checkpoint its cache_control sets, if any.
func (p *prompt) anthropicBlock(l prefix.Layer, msg int, role, path string, i int, raw []byte, first bool) error {
	fields, err := objectFields(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var cc, typ, text, source []byte
	for _, f := range fields {
		switch f.key {
		case "cache_control":
			cc = f.value
		case "type":
			typ = f.value
		case "text":
			text = f.value
		case "source":
			source = f.value
		}
	}
	b := block{layer: l, path: path, raw: raw, msg: msg, role: role, first: first}
	if cc != nil {
		b.raw = withoutKey(fields, "cache_control")
	}
	b.chars = utf8.RuneCount(b.raw)
	if l != prefix.Tools && string(typ) == `"text"` && text != nil {
		n, err := textChars(text)
		if err != nil {
			return fmt.Errorf("%s.text: %w", path, err)
		}
		b.chars = n
	}
	p.blocks = append(p.blocks, b)
	if isNull(cc) {
		return nil
	}
	ttl, err := cacheControlTTL(cc)
	if err != nil {
		return fmt.Errorf("%s.cache_control: %w", path, err)
	}
	mc := matrix.Checkpoint{Layer: l, Message: msg, Index: i, Preceding: i + 1, TTL: ttl}
	if string(typ) == `"document"` && source != nil {
		var s struct {
			MediaType string `json:"media_type"`
		}
		_ = json.Unmarshal(source, &s)
		mc.AfterDocument = s.MediaType
		if s.MediaType == "application/pdf" {
			mc.AfterDocument = "pdf"
		}
	}
	p.points = append(p.points, point{path: path + ".cache_control", boundary: len(p.blocks), cp: mc})
	return nil
}

// cacheControlTTL reads an Anthropic cache_control's ttl.
func cacheControlTTL(raw []byte) (matrix.TTL, error) {
	var cc struct {
		Type string `json:"type"`
		TTL  string `json:"ttl"`
	}
	if err := json.Unmarshal(raw, &cc); err != nil {
		return "", err
	}
	return matrix.TTL(cc.TTL), nil
}

// field is one member of a JSON object, as written.
type field struct {
	key   string
	value []byte
}

// objectFields splits a JSON object into its members, in order.
func objectFields(raw []byte) ([]field, error) {
	var out []field
	err := eachField(raw, func(k string, v []byte) error {
		out = append(out, field{k, v})
		return nil
	})
	return out, err
}

// withoutKey writes an object's members again without key, every other
// member's bytes as received, so that a reordered schema stays another
// prefix while a checkpoint marker is not part of it.
func withoutKey(fields []field, key string) []byte {
	b := []byte{'{'}
	n := 0
	for _, f := range fields {
		if f.key == key {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		k, _ := json.Marshal(f.key)
		b = append(append(append(b, k...), ':'), f.value...)
		n++
	}
	return append(b, '}')
}

// member returns the one member of a union element {"name": value}.
func member(raw []byte) (string, []byte, error) {
	var name string
	var value []byte
	n := 0
	err := eachField(raw, func(k string, v []byte) error {
		if !isNull(v) {
			name, value = k, v
			n++
		}
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	if n != 1 {
		return "", nil, fmt.Errorf("want an object with exactly one member, found %d", n)
	}
	return name, value, nil
}

// textChars returns the number of characters of a JSON string.
func textChars(raw []byte) (int, error) {
	if !bytes.ContainsRune(raw, '\\') {
		if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
			return 0, fmt.Errorf("want a string")
		}
		return utf8.RuneCount(raw[1 : len(raw)-1]), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, fmt.Errorf("want a string")
	}
	return utf8.RuneCountInString(s), nil
}

// isNull reports whether a raw value is absent or null.
func isNull(raw []byte) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

// roleAndContent returns a message's role and its content's raw JSON.
func roleAndContent(m []byte) (role string, content []byte, err error) {
	err = eachField(m, func(k string, v []byte) error {
		switch k {
		case "role":
			return json.Unmarshal(v, &role)
		case "content":
			content = v
		}
		return nil
	})
	return role, content, err
}
