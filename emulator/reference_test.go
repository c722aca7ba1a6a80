package emulator

// The Converse body decoder as it was before the one-pass reader
// (scanConverse), kept verbatim but for its names as the reference that
// FuzzDecodeMatchesReference holds decodeRequestAs to: the same request or
// the same error for every body. And computePrefix as it was before its
// hashing stopped allocating per block, which TestPrefixHashesMatchReference
// holds it to. And the Anthropic Messages body decoder as it was, which
// FuzzDecodeAnthropicMatchesReference holds decodeAnthropic to (the
// checkpoint's location and position are now derived from its message and
// block index, which it sets instead).

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash"
	"sort"
	"strings"

	"github.com/cachecascade/cachecascade/prefix"
)

type refWireRequest struct {
	Messages                     []refWireMessage   `json:"messages"`
	System                       []json.RawMessage  `json:"system"`
	ToolConfig                   *refWireToolConfig `json:"toolConfig"`
	InferenceConfig              *refWireInference  `json:"inferenceConfig"`
	AdditionalModelRequestFields json.RawMessage    `json:"additionalModelRequestFields"`
}

type refWireMessage struct {
	Role    string            `json:"role"`
	Content []json.RawMessage `json:"content"`
}

type refWireToolConfig struct {
	Tools      []json.RawMessage `json:"tools"`
	ToolChoice json.RawMessage   `json:"toolChoice"`
}

type refWireInference struct {
	MaxTokens *int64 `json:"maxTokens"`
}

type refWireCachePoint struct {
	Type *string `json:"type"`
	TTL  *string `json:"ttl"`
}

// refDecodeRequestAs is decodeRequest; dropEmpty (the nothing-to-cache-accepted
// fault) accepts and ignores a cachePoint with nothing before it in its
// block list instead of rejecting the request. (An Anthropic body cannot
// express such a checkpoint: its cache_control sits on the block it closes.)
func refDecodeRequestAs(body []byte, dropEmpty bool) (*request, *apiError) {
	var w refWireRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&w); err != nil {
		return nil, errValidation(msgMalformed)
	}
	if dec.More() {
		return nil, errValidation(msgMalformed)
	}
	r := &request{}
	if w.InferenceConfig != nil && w.InferenceConfig.MaxTokens != nil {
		n := *w.InferenceConfig.MaxTokens
		if n < 1 {
			return nil, errValidationf("1 validation error detected: Value '%d' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1", n)
		}
		if n > 1<<20 {
			n = 1 << 20
		}
		r.maxTokens = int(n)
	}
	if w.ToolConfig != nil {
		if refIsJSONNull(w.ToolConfig.ToolChoice) {
			w.ToolConfig.ToolChoice = nil
		}
		r.toolChoice = w.ToolConfig.ToolChoice
		if len(w.ToolConfig.Tools) == 0 {
			// The front end requires at least one tool when toolConfig is present.
			return nil, errValidation("1 validation error detected: Value '[]' at 'toolConfig.tools' failed to satisfy constraint: Member must have length greater than or equal to 1")
		}
	}
	if !refIsJSONNull(w.AdditionalModelRequestFields) {
		r.extraFields = w.AdditionalModelRequestFields
	}

	// Tools, then system, then messages: the order the model reads them.
	if w.ToolConfig != nil {
		if err := r.refAddList(prefix.Tools, -1, "", w.ToolConfig.Tools, dropEmpty); err != nil {
			return nil, err
		}
	}
	if err := r.refAddList(prefix.System, -1, "", w.System, dropEmpty); err != nil {
		return nil, err
	}

	if len(w.Messages) == 0 {
		return nil, errValidation(msgFirstUser)
	}
	for i, m := range w.Messages {
		if m.Role != "user" && m.Role != "assistant" {
			return nil, errEnum(m.Role, fmt.Sprintf("messages.%d.member.role", i+1), "user, assistant")
		}
	}
	if w.Messages[0].Role != "user" {
		return nil, errValidation(msgFirstUser)
	}
	for i := 1; i < len(w.Messages); i++ {
		if w.Messages[i].Role == w.Messages[i-1].Role {
			return nil, errValidation(msgAlternate)
		}
	}
	for i, m := range w.Messages {
		if len(m.Content) == 0 {
			return nil, errValidationf(msgEmptyContent, i)
		}
		if err := r.refAddList(prefix.Messages, i, m.Role, m.Content, dropEmpty); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// refAddList appends one block list (the tools, the system blocks, or one
// message's content) to the request. dropEmpty ignores a cachePoint with
// nothing before it in the list instead of rejecting it (a fault).
//
// A cachePoint right after a reasoning block is refused, and so is one in a
// message after a message holding a reasoning block (an earlier assistant
// turn: the field report of shared/FACTS.md); a reasoning block earlier in
// the checkpoint's own message but not right before it is not, as nothing
// reports that.
func (r *request) refAddList(layer prefix.Layer, msg int, role string, list []json.RawMessage, dropEmpty bool) *apiError {
	var lastKind string // member name of the previous element in this list
	var lastDoc string  // format of the previous element, if a document
	contentIdx := -1    // index of the previous non-cachePoint element
	first, reasoning := true, false
	for i, raw := range list {
		member, value, err := refUnionMember(raw)
		if err != nil {
			return err
		}
		if member == "cachePoint" {
			cp, err := refParseCachePoint(value, refCoralPath(layer, msg, i)+".cachePoint")
			if err != nil {
				return err
			}
			switch {
			case lastKind == "" && dropEmpty:
				continue // nothing before it, so no checkpoint
			case lastKind == "":
				return errValidation(msgNothingToCache)
			case lastKind == "reasoningContent", layer == prefix.Messages && r.reasoningEarlier:
				return errValidation(msgAfterReasoning)
			}
			cp.layer = layer
			cp.boundary = len(r.blocks)
			cp.listIndex = i
			cp.msg, cp.block = msg, contentIdx // were location and position, now derived from these
			if lastKind == "document" {
				cp.afterDocument = lastDoc
			}
			r.checkpoints = append(r.checkpoints, cp)
			lastKind = member
			continue
		}
		b := block{layer: layer, msg: msg, role: role, firstInMsg: first && layer == prefix.Messages, raw: raw, chars: len(raw)}
		first = false
		if member != "text" && !refIsObject(value) {
			// Every member but text is a structure: {"toolSpec": "x"} is
			// refused by the service's deserializer.
			return errValidation(msgMalformed)
		}
		if member == "text" {
			var s string
			if json.Unmarshal(value, &s) != nil {
				return errValidation(msgMalformed)
			}
			if layer == prefix.Messages && strings.TrimSpace(s) == "" {
				return errValidationf(msgBlankText, msg, i)
			}
			b.chars = len(s)
		}
		b.document = refDocumentFormat(member, value)
		r.blocks = append(r.blocks, b)
		contentIdx++
		lastKind, lastDoc = member, b.document
		reasoning = reasoning || member == "reasoningContent"
	}
	if layer == prefix.Messages && reasoning {
		r.reasoningEarlier = true
	}
	return nil
}

// refDocumentFormat returns the format of a Converse document block ("pdf",
// "txt", ...), or "" for any other member or a document without one.
func refDocumentFormat(member string, value json.RawMessage) string {
	if member != "document" {
		return ""
	}
	var d struct {
		Format string `json:"format"`
	}
	_ = json.Unmarshal(value, &d)
	return d.Format
}

// refUnionMember returns the single member set in a union value (a content
// block, a system block, a tool).
func refUnionMember(raw json.RawMessage) (string, json.RawMessage, *apiError) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return "", nil, errValidation(msgMalformed)
	}
	var name string
	var value json.RawMessage
	n := 0
	for k, v := range m {
		if refIsJSONNull(v) {
			continue
		}
		name, value = k, v
		n++
	}
	if n != 1 {
		return "", nil, errValidation(msgMalformed)
	}
	return name, value, nil
}

func refParseCachePoint(value json.RawMessage, path string) (checkpoint, *apiError) {
	var w refWireCachePoint
	if err := json.Unmarshal(value, &w); err != nil {
		return checkpoint{}, errValidation(msgMalformed)
	}
	if w.Type == nil {
		return checkpoint{}, errNotNull(path + ".type")
	}
	if *w.Type != "default" {
		return checkpoint{}, errEnum(*w.Type, path+".type", "default")
	}
	cp := checkpoint{ttl: "5m"}
	if w.TTL != nil {
		if *w.TTL != "5m" && *w.TTL != "1h" {
			return checkpoint{}, errEnum(*w.TTL, path+".ttl", "5m, 1h")
		}
		cp.ttl = *w.TTL
		cp.explicitTTL = true
	}
	return cp, nil
}

// refCoralPath is the front end's 1-based path to list element i.
func refCoralPath(layer prefix.Layer, msg, i int) string {
	switch layer {
	case prefix.Tools:
		return fmt.Sprintf("toolConfig.tools.%d.member", i+1)
	case prefix.System:
		return fmt.Sprintf("system.%d.member", i+1)
	default:
		return fmt.Sprintf("messages.%d.member.content.%d.member", msg+1, i+1)
	}
}

// refModelPath is the model's 0-based path to the block a checkpoint annotates.
func refModelPath(layer prefix.Layer, msg, i int) string {
	switch layer {
	case prefix.Tools:
		return fmt.Sprintf("tools.%d", i)
	case prefix.System:
		return fmt.Sprintf("system.%d", i)
	default:
		return fmt.Sprintf("messages.%d.content.%d", msg, i)
	}
}

func refIsJSONNull(raw json.RawMessage) bool {
	return len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

// refIsObject reports whether a JSON value is an object.
func refIsObject(v json.RawMessage) bool {
	t := bytes.TrimLeft(v, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}

// computePrefix hashes the prefix at every block boundary. The hash chains
// the exact bytes of each block with its layer and, for the first block of a
// message, the role: the same content in another place is another prefix.
// With noCascade (the fault), the chain restarts at each layer.
func refComputePrefix(r *request, spec *modelSpec, tok tokenizer, noCascade bool) prefixInfo {
	n := len(r.blocks)
	p := prefixInfo{hashes: make([][32]byte, n+1), tokens: make([]int, n+1)}
	h := sha256.New()
	seed := func() [32]byte {
		h.Reset()
		h.Write([]byte("cachecascade/emulator/v1"))
		if !spec.toolChoiceInMessages {
			refWriteField(h, r.toolChoice)
			refWriteField(h, r.extraFields)
		}
		return refSum(h)
	}
	cur := seed()
	p.hashes[0] = cur
	msgStarted := false
	for i, b := range r.blocks {
		if noCascade && (i == 0 || r.blocks[i-1].layer != b.layer) {
			cur = seed()
		}
		h.Reset()
		h.Write(cur[:])
		h.Write([]byte{byte(b.layer)})
		if b.layer == prefix.Messages && !msgStarted {
			msgStarted = true
			if spec.toolChoiceInMessages {
				// Tool choice and model request fields (thinking, ...) sit
				// between system and messages: they affect only the messages
				// cache.
				refWriteField(h, r.toolChoice)
				refWriteField(h, r.extraFields)
			}
		}
		if b.firstInMsg {
			refWriteField(h, []byte("message:"+b.role))
		}
		refWriteField(h, b.raw)
		cur = refSum(h)
		p.hashes[i+1] = cur
		p.tokens[i+1] = p.tokens[i] + tok.count(b.chars)
	}
	p.prompt = p.tokens[n] + spec.tailTokens
	return p
}

func refWriteField(h hash.Hash, b []byte) {
	var l [8]byte
	binary.BigEndian.PutUint64(l[:], uint64(len(b)))
	h.Write(l[:])
	h.Write(b)
}

func refSum(h hash.Hash) [32]byte {
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// refField is one key of a JSON object with its value, in the order received.
type refField struct {
	key   string
	value json.RawMessage
}

// refObjectFields splits a JSON object into its fields in order; it fails on
// anything that is not one object.
func refObjectFields(raw []byte) ([]refField, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	var out []refField
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, false
		}
		k, ok := t.(string)
		if !ok {
			return nil, false
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		out = append(out, refField{k, v})
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, false
	}
	if _, err := dec.Token(); err == nil {
		return nil, false // trailing data
	}
	return out, true
}

// refWithoutKey rebuilds an object from its fields, leaving out key: the bytes
// of every other refField are kept as received, so the cache still keys on
// them exactly (a reordered schema is another prefix), while a checkpoint
// marker, which is not content, is not part of the key.
func refWithoutKey(fields []refField, key string) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	n := 0
	for _, f := range fields {
		if f.key == key {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(f.value)
		n++
	}
	b.WriteByte('}')
	return b.Bytes()
}

func refLookup(fields []refField, key string) (json.RawMessage, bool) {
	for _, f := range fields {
		if f.key == key && !isJSONNull(f.value) {
			return f.value, true
		}
	}
	return nil, false
}

// refDecodeAnthropic decodes an Anthropic Messages body (InvokeModel on Claude)
// into the request the cache engine works on: each tool, system block and
// content block is a block, and a block carrying cache_control is closed by
// a checkpoint. Failures are *apiErrors with a 4xx status; it never panics.
func refDecodeAnthropic(body []byte) (*request, *apiError) {
	top, ok := refObjectFields(body)
	if !ok {
		return nil, errValidation(msgMalformed)
	}
	if err := refCheckAnthropicKeys(top); err != nil {
		return nil, err
	}
	r, err := refDecodeAnthropicSettings(top)
	if err != nil {
		return nil, err
	}
	// Tools, then system, then messages: the order the model reads them.
	if err := r.refAddAnthropicTools(top); err != nil {
		return nil, err
	}
	if err := r.refAddAnthropicSystem(top); err != nil {
		return nil, err
	}
	if err := r.refAddAnthropicMessages(top); err != nil {
		return nil, err
	}
	if cc, ok := refLookup(top, "cache_control"); ok {
		if err := r.refAddAutomatic(cc); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// refAddAutomatic adds automatic caching's breakpoint, the top-level
// cache_control: a checkpoint on the last block of the prompt, after every
// other checkpoint, which counts toward the model's limit. When that block
// already carries cache_control both are counted (nothing documents
// otherwise); they name the same entry.
func (r *request) refAddAutomatic(raw json.RawMessage) *apiError {
	cp, err := refParseCacheControl(raw, "cache_control")
	if err != nil {
		return err
	}
	if len(r.blocks) == 0 {
		return errValidation(msgMalformed) // messages decode to at least one block
	}
	last := r.blocks[len(r.blocks)-1]
	i := -1
	for _, b := range r.blocks {
		if b.layer == last.layer && b.msg == last.msg {
			i++
		}
	}
	cp.layer, cp.boundary, cp.listIndex, cp.automatic = last.layer, len(r.blocks), i, true
	cp.msg, cp.block = last.msg, i // were location and position, now derived from these
	cp.afterDocument = last.document
	r.checkpoints = append(r.checkpoints, cp)
	return nil
}

// refCheckAnthropicKeys runs the schema's key checks on the top-level fields:
// the first extraneous key in sorted order is refused, then the first
// missing required key.
func refCheckAnthropicKeys(top []refField) *apiError {
	keys := make([]string, 0, len(top))
	for _, f := range top {
		keys = append(keys, f.key)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !anthropicKeys[k] {
			return errValidationf(msgExtraneousKey, k)
		}
	}
	for _, k := range []string{"anthropic_version", "max_tokens", "messages"} {
		if _, ok := refLookup(top, k); !ok {
			return errValidationf(msgRequiredKey, k)
		}
	}
	return nil
}

// refDecodeAnthropicSettings checks anthropic_version and max_tokens and
// starts the request with its version, max_tokens and the fields that are
// part of the cache key without being blocks (tool_choice, thinking).
func refDecodeAnthropicSettings(top []refField) (*request, *apiError) {
	r := &request{}
	raw, _ := refLookup(top, "anthropic_version")
	var version string
	if json.Unmarshal(raw, &version) != nil || version != anthropicVersion && version != anthropicVersionSDK {
		return nil, errValidationf(msgBadVersion, strings.TrimSpace(string(raw)))
	}
	r.anthropicVersion = version
	raw, _ = refLookup(top, "max_tokens")
	var maxTokens int64
	if json.Unmarshal(raw, &maxTokens) != nil {
		return nil, errValidation(msgMalformed)
	}
	if maxTokens < 1 {
		return nil, errValidationf(msgModelErr, msgMaxTokens)
	}
	r.maxTokens = int(min(maxTokens, 1<<20))
	if raw, ok := refLookup(top, "tool_choice"); ok {
		r.toolChoice = raw
	}
	if raw, ok := refLookup(top, "thinking"); ok {
		r.extraFields = raw
	}
	return r, nil
}

// refAddAnthropicTools adds one block per tool of the tools refField, if any;
// every tool must be an object with a name.
func (r *request) refAddAnthropicTools(top []refField) *apiError {
	raw, ok := refLookup(top, "tools")
	if !ok {
		return nil
	}
	var tools []json.RawMessage
	if json.Unmarshal(raw, &tools) != nil {
		return errValidation(msgMalformed)
	}
	for i, t := range tools {
		fields, ok := refObjectFields(t)
		if !ok {
			return errValidation(msgMalformed)
		}
		if _, ok := refLookup(fields, "name"); !ok {
			return errValidationf(msgModelErr, fmt.Sprintf(msgNoToolName, i))
		}
		if err := r.refAddAnthropicBlock(prefix.Tools, -1, "", i, fields, len(t)); err != nil {
			return err
		}
	}
	return nil
}

// refAddAnthropicSystem adds the blocks of the system refField, if any: one for a
// plain string, one per element for an array.
func (r *request) refAddAnthropicSystem(top []refField) *apiError {
	raw, ok := refLookup(top, "system")
	if !ok {
		return nil
	}
	blocks, err := refAnthropicContent(raw)
	if err != nil {
		return err
	}
	for i, b := range blocks {
		if err := r.refAddAnthropicContent(prefix.System, -1, "", i, b); err != nil {
			return err
		}
	}
	return nil
}

// refAnthropicInputMessage is one element of the messages refField as received.
type refAnthropicInputMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// refAddAnthropicMessages adds the content blocks of every message, in order,
// once the messages refField has been decoded and its roles checked; only a
// final assistant message may be empty.
func (r *request) refAddAnthropicMessages(top []refField) *apiError {
	msgs, err := refAnthropicMessages(top)
	if err != nil {
		return err
	}
	for i, m := range msgs {
		blocks, err := refAnthropicContent(m.Content)
		if err != nil {
			return err
		}
		if len(blocks) == 0 && !(i == len(msgs)-1 && m.Role == "assistant") {
			return errValidationf(msgModelErr, fmt.Sprintf(msgEmptyMessage, i))
		}
		for j, b := range blocks {
			if err := r.refAddAnthropicContent(prefix.Messages, i, m.Role, j, b); err != nil {
				return err
			}
		}
	}
	return nil
}

// refAnthropicMessages decodes the messages refField and checks its roles: at
// least one message, each from the user or the assistant, the user first.
func refAnthropicMessages(top []refField) ([]refAnthropicInputMessage, *apiError) {
	raw, _ := refLookup(top, "messages")
	var msgs []refAnthropicInputMessage
	if json.Unmarshal(raw, &msgs) != nil {
		return nil, errValidation(msgMalformed)
	}
	if len(msgs) == 0 {
		return nil, errValidationf(msgModelErr, msgFirstUserAnth)
	}
	for i, m := range msgs {
		if m.Role != "user" && m.Role != "assistant" {
			return nil, errValidationf(msgModelErr, fmt.Sprintf(msgRoles, i))
		}
	}
	if msgs[0].Role != "user" {
		return nil, errValidationf(msgModelErr, msgFirstUserAnth)
	}
	return msgs, nil
}

// refAnthropicContent returns the blocks of a content value: a plain string is
// one text block (kept as the string's bytes), an array is its elements.
func refAnthropicContent(raw json.RawMessage) ([]json.RawMessage, *apiError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		return []json.RawMessage{raw}, nil
	}
	var blocks []json.RawMessage
	if json.Unmarshal(raw, &blocks) != nil {
		return nil, errValidation(msgMalformed)
	}
	return blocks, nil
}

// refAddAnthropicContent adds one system or message content block.
func (r *request) refAddAnthropicContent(layer prefix.Layer, msg int, role string, i int, raw json.RawMessage) *apiError {
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return errValidation(msgMalformed)
		}
		if strings.TrimSpace(s) == "" && layer == prefix.Messages {
			return errValidationf(msgModelErr, msgEmptyTextBlock)
		}
		r.blocks = append(r.blocks, block{layer: layer, msg: msg, role: role, firstInMsg: i == 0 && layer == prefix.Messages, raw: raw, chars: len(s)})
		return nil
	}
	fields, ok := refObjectFields(raw)
	if !ok {
		return errValidation(msgMalformed)
	}
	chars := len(raw)
	var kind string
	if t, ok := refLookup(fields, "type"); !ok || json.Unmarshal(t, &kind) != nil {
		return errValidation(msgMalformed)
	}
	if kind == "text" {
		var s string
		t, ok := refLookup(fields, "text")
		if !ok || json.Unmarshal(t, &s) != nil {
			return errValidation(msgMalformed)
		}
		if strings.TrimSpace(s) == "" {
			return errValidationf(msgModelErr, msgEmptyTextBlock)
		}
		chars = len(s)
	}
	return r.refAddAnthropicBlock(layer, msg, role, i, fields, chars)
}

// refAddAnthropicBlock adds a block whose fields are known, and the checkpoint
// its cache_control sets, if any.
func (r *request) refAddAnthropicBlock(layer prefix.Layer, msg int, role string, i int, fields []refField, chars int) *apiError {
	loc := modelPath(layer, msg, i)
	var document string
	if layer == prefix.Messages {
		document = refAnthropicDocument(fields)
	}
	cc, marked := refLookup(fields, "cache_control")
	raw := refWithoutKey(fields, "cache_control")
	if layer == prefix.Tools {
		chars = len(raw)
	}
	r.blocks = append(r.blocks, block{layer: layer, msg: msg, role: role, firstInMsg: i == 0 && layer == prefix.Messages, raw: raw, chars: chars, document: document})
	if !marked {
		return nil
	}
	cp, err := refParseCacheControl(cc, loc+".cache_control")
	if err != nil {
		return err
	}
	cp.layer, cp.boundary, cp.listIndex, cp.msg, cp.block = layer, len(r.blocks), i, msg, i // was location
	// The checkpoint is named as Converse's cachePoint after the block
	// would be, so that one logical request gets one message through both
	// APIs (see checkForModel).
	cp.afterDocument = document // and position
	r.checkpoints = append(r.checkpoints, cp)
	return nil
}

// refAnthropicDocument returns the format of a document block by its source's
// media type ("pdf" for application/pdf, else the media type), or "" for
// any other block.
func refAnthropicDocument(fields []refField) string {
	var kind string
	if t, ok := refLookup(fields, "type"); !ok || json.Unmarshal(t, &kind) != nil || kind != "document" {
		return ""
	}
	var src struct {
		MediaType string `json:"media_type"`
	}
	if raw, ok := refLookup(fields, "source"); ok {
		_ = json.Unmarshal(raw, &src)
	}
	if src.MediaType == "application/pdf" {
		return "pdf"
	}
	return src.MediaType
}

// refParseCacheControl reads {"type": "ephemeral"[, "ttl": "5m"|"1h"]} at
// path, the cache_control's own ("messages.0.content.1.cache_control").
func refParseCacheControl(raw json.RawMessage, path string) (checkpoint, *apiError) {
	fields, ok := refObjectFields(raw)
	if !ok {
		return checkpoint{}, errValidation(msgMalformed)
	}
	cp := checkpoint{ttl: "5m"}
	var typ string
	if t, ok := refLookup(fields, "type"); !ok || json.Unmarshal(t, &typ) != nil || typ != "ephemeral" {
		return checkpoint{}, errValidationf(msgModelErr, fmt.Sprintf(msgCacheType, path))
	}
	for _, f := range fields {
		switch f.key {
		case "type":
		case "ttl":
			var ttl string
			if json.Unmarshal(f.value, &ttl) != nil || ttl != "5m" && ttl != "1h" {
				return checkpoint{}, errValidationf(msgModelErr, fmt.Sprintf(msgCacheTTL, path))
			}
			cp.ttl, cp.explicitTTL = ttl, true
		default:
			return checkpoint{}, errValidationf(msgModelErr, fmt.Sprintf(msgCacheExtra, path, f.key))
		}
	}
	return cp, nil
}
