package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/cachecascade/cachecascade/prefix"
)

// The InvokeModel operations.
const (
	opInvoke       = "invoke"
	opInvokeStream = "invoke-with-response-stream"
)

// The anthropic_version values Bedrock takes: its own, on every Claude
// model, and the one current Anthropic SDKs send by default, which only the
// current integration takes (the legacy one, Claude Opus 4.6 and earlier,
// answers it with a 400: see checkForModel).
const (
	anthropicVersion    = "bedrock-2023-05-31"
	anthropicVersionSDK = "2026-10-21"
)

// anthropicKeys are the top-level keys an Anthropic Messages body on Bedrock
// may carry; any other is an extraneous key. cache_control (automatic
// caching) is a key of the current integration only: checkForModel refuses
// it on the legacy one.
var anthropicKeys = map[string]bool{
	"anthropic_version": true, "anthropic_beta": true, "max_tokens": true, "system": true, "messages": true,
	"tools": true, "tool_choice": true, "temperature": true, "top_p": true, "top_k": true,
	"stop_sequences": true, "thinking": true, "metadata": true, "cache_control": true,
}

// Messages of the Anthropic body's validation: the schema check Bedrock
// runs before the model ("Malformed input request: #...") and the model's
// own ("The model returned the following errors: ...").
const (
	msgExtraneousKey  = "Malformed input request: #: extraneous key [%s] is not permitted, please reformat your input and try again."
	msgRequiredKey    = "Malformed input request: #: required key [%s] not found, please reformat your input and try again."
	msgBadVersion     = "Malformed input request: #/anthropic_version: %s is not a valid enum value, please reformat your input and try again."
	msgModelErr       = "The model returned the following errors: %s"
	msgCacheType      = "%s.type: Input should be 'ephemeral'"
	msgCacheTTL       = "%s.ttl: Input should be '5m' or '1h'"
	msgCacheExtra     = "%s.%s: Extra inputs are not permitted"
	msgMaxTokens      = "max_tokens: Input should be greater than or equal to 1"
	msgRoles          = "messages.%d.role: Input should be 'user' or 'assistant'"
	msgFirstUserAnth  = "messages: first message must use the \"user\" role"
	msgEmptyMessage   = "messages.%d: all messages must have non-empty content except for the optional final assistant message"
	msgEmptyTextBlock = "messages: text content blocks must be non-empty"
	msgNoToolName     = "tools.%d.name: Field required"
)

// field is one key of a JSON object with its value, in the order received.
type field struct {
	key   string
	value json.RawMessage
}

// objectFields splits a JSON object into its fields in order; it fails on
// anything that is not one object.
func objectFields(raw []byte) ([]field, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	var out []field
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
		out = append(out, field{k, v})
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, false
	}
	if _, err := dec.Token(); err == nil {
		return nil, false // trailing data
	}
	return out, true
}

// withoutKey rebuilds an object from its fields, leaving out key: the bytes
// of every other field are kept as received, so the cache still keys on
// them exactly (a reordered schema is another prefix), while a checkpoint
// marker, which is not content, is not part of the key.
func withoutKey(fields []field, key string) []byte {
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

func lookup(fields []field, key string) (json.RawMessage, bool) {
	for _, f := range fields {
		if f.key == key && !isJSONNull(f.value) {
			return f.value, true
		}
	}
	return nil, false
}

// decodeAnthropic decodes an Anthropic Messages body (InvokeModel on Claude)
// into the request the cache engine works on: each tool, system block and
// content block is a block, and a block carrying cache_control is closed by
// a checkpoint. Failures are *apiErrors with a 4xx status; it never panics.
func decodeAnthropic(body []byte) (*request, *apiError) {
	top, ok := objectFields(body)
	if !ok {
		return nil, errValidation(msgMalformed)
	}
	if err := checkAnthropicKeys(top); err != nil {
		return nil, err
	}
	r, err := decodeAnthropicSettings(top)
	if err != nil {
		return nil, err
	}
	// Tools, then system, then messages: the order the model reads them.
	if err := r.addAnthropicTools(top); err != nil {
		return nil, err
	}
	if err := r.addAnthropicSystem(top); err != nil {
		return nil, err
	}
	if err := r.addAnthropicMessages(top); err != nil {
		return nil, err
	}
	if cc, ok := lookup(top, "cache_control"); ok {
		if err := r.addAutomatic(cc); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// addAutomatic adds automatic caching's breakpoint, the top-level
// cache_control: a checkpoint on the last block of the prompt, after every
// other checkpoint, which counts toward the model's limit. When that block
// already carries cache_control both are counted (nothing documents
// otherwise); they name the same entry.
func (r *request) addAutomatic(raw json.RawMessage) *apiError {
	cp, err := parseCacheControl(raw, "cache_control")
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
	cp.msg, cp.block = last.msg, i
	cp.afterDocument = last.document
	r.checkpoints = append(r.checkpoints, cp)
	return nil
}

// checkAnthropicKeys runs the schema's key checks on the top-level fields:
// the first extraneous key in sorted order is refused, then the first
// missing required key.
func checkAnthropicKeys(top []field) *apiError {
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
		if _, ok := lookup(top, k); !ok {
			return errValidationf(msgRequiredKey, k)
		}
	}
	return nil
}

// decodeAnthropicSettings checks anthropic_version and max_tokens and
// starts the request with its version, max_tokens and the fields that are
// part of the cache key without being blocks (tool_choice, thinking).
func decodeAnthropicSettings(top []field) (*request, *apiError) {
	r := &request{}
	raw, _ := lookup(top, "anthropic_version")
	var version string
	if json.Unmarshal(raw, &version) != nil || version != anthropicVersion && version != anthropicVersionSDK {
		return nil, errValidationf(msgBadVersion, strings.TrimSpace(string(raw)))
	}
	r.anthropicVersion = version
	raw, _ = lookup(top, "max_tokens")
	var maxTokens int64
	if json.Unmarshal(raw, &maxTokens) != nil {
		return nil, errValidation(msgMalformed)
	}
	if maxTokens < 1 {
		return nil, errValidationf(msgModelErr, msgMaxTokens)
	}
	r.maxTokens = int(min(maxTokens, 1<<20))
	if raw, ok := lookup(top, "tool_choice"); ok {
		r.toolChoice = raw
	}
	if raw, ok := lookup(top, "thinking"); ok {
		r.extraFields = raw
	}
	return r, nil
}

// addAnthropicTools adds one block per tool of the tools field, if any;
// every tool must be an object with a name.
func (r *request) addAnthropicTools(top []field) *apiError {
	raw, ok := lookup(top, "tools")
	if !ok {
		return nil
	}
	var tools []json.RawMessage
	if json.Unmarshal(raw, &tools) != nil {
		return errValidation(msgMalformed)
	}
	for i, t := range tools {
		fields, ok := objectFields(t)
		if !ok {
			return errValidation(msgMalformed)
		}
		if _, ok := lookup(fields, "name"); !ok {
			return errValidationf(msgModelErr, fmt.Sprintf(msgNoToolName, i))
		}
		if err := r.addAnthropicBlock(prefix.Tools, -1, "", i, fields, len(t)); err != nil {
			return err
		}
	}
	return nil
}

// addAnthropicSystem adds the blocks of the system field, if any: one for a
// plain string, one per element for an array.
func (r *request) addAnthropicSystem(top []field) *apiError {
	raw, ok := lookup(top, "system")
	if !ok {
		return nil
	}
	blocks, err := anthropicContent(raw)
	if err != nil {
		return err
	}
	for i, b := range blocks {
		if err := r.addAnthropicContent(prefix.System, -1, "", i, b); err != nil {
			return err
		}
	}
	return nil
}

// anthropicInputMessage is one element of the messages field as received.
type anthropicInputMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// addAnthropicMessages adds the content blocks of every message, in order,
// once the messages field has been decoded and its roles checked; only a
// final assistant message may be empty.
func (r *request) addAnthropicMessages(top []field) *apiError {
	msgs, err := anthropicMessages(top)
	if err != nil {
		return err
	}
	for i, m := range msgs {
		blocks, err := anthropicContent(m.Content)
		if err != nil {
			return err
		}
		if len(blocks) == 0 && !(i == len(msgs)-1 && m.Role == "assistant") {
			return errValidationf(msgModelErr, fmt.Sprintf(msgEmptyMessage, i))
		}
		for j, b := range blocks {
			if err := r.addAnthropicContent(prefix.Messages, i, m.Role, j, b); err != nil {
				return err
			}
		}
	}
	return nil
}

// anthropicMessages decodes the messages field and checks its roles: at
// least one message, each from the user or the assistant, the user first.
func anthropicMessages(top []field) ([]anthropicInputMessage, *apiError) {
	raw, _ := lookup(top, "messages")
	var msgs []anthropicInputMessage
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

// anthropicContent returns the blocks of a content value: a plain string is
// one text block (kept as the string's bytes), an array is its elements.
func anthropicContent(raw json.RawMessage) ([]json.RawMessage, *apiError) {
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

// addAnthropicContent adds one system or message content block.
func (r *request) addAnthropicContent(layer prefix.Layer, msg int, role string, i int, raw json.RawMessage) *apiError {
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
	fields, ok := objectFields(raw)
	if !ok {
		return errValidation(msgMalformed)
	}
	chars := len(raw)
	var kind string
	if t, ok := lookup(fields, "type"); !ok || json.Unmarshal(t, &kind) != nil {
		return errValidation(msgMalformed)
	}
	if kind == "text" {
		var s string
		t, ok := lookup(fields, "text")
		if !ok || json.Unmarshal(t, &s) != nil {
			return errValidation(msgMalformed)
		}
		if strings.TrimSpace(s) == "" {
			return errValidationf(msgModelErr, msgEmptyTextBlock)
		}
		chars = len(s)
	}
	return r.addAnthropicBlock(layer, msg, role, i, fields, chars)
}

// addAnthropicBlock adds a block whose fields are known, and the checkpoint
// its cache_control sets, if any.
func (r *request) addAnthropicBlock(layer prefix.Layer, msg int, role string, i int, fields []field, chars int) *apiError {
	loc := modelPath(layer, msg, i)
	var document string
	if layer == prefix.Messages {
		document = anthropicDocument(fields)
	}
	cc, marked := lookup(fields, "cache_control")
	raw := withoutKey(fields, "cache_control")
	if layer == prefix.Tools {
		chars = len(raw)
	}
	r.blocks = append(r.blocks, block{layer: layer, msg: msg, role: role, firstInMsg: i == 0 && layer == prefix.Messages, raw: raw, chars: chars, document: document})
	if !marked {
		return nil
	}
	cp, err := parseCacheControl(cc, loc+".cache_control")
	if err != nil {
		return err
	}
	cp.layer, cp.boundary, cp.listIndex, cp.msg, cp.block = layer, len(r.blocks), i, msg, i
	// The checkpoint is named as Converse's cachePoint after the block
	// would be, so that one logical request gets one message through both
	// APIs (see checkForModel).
	cp.afterDocument = document
	r.checkpoints = append(r.checkpoints, cp)
	return nil
}

// anthropicDocument returns the format of a document block by its source's
// media type ("pdf" for application/pdf, else the media type), or "" for
// any other block.
func anthropicDocument(fields []field) string {
	var kind string
	if t, ok := lookup(fields, "type"); !ok || json.Unmarshal(t, &kind) != nil || kind != "document" {
		return ""
	}
	var src struct {
		MediaType string `json:"media_type"`
	}
	if raw, ok := lookup(fields, "source"); ok {
		_ = json.Unmarshal(raw, &src)
	}
	if src.MediaType == "application/pdf" {
		return "pdf"
	}
	return src.MediaType
}

// parseCacheControl reads {"type": "ephemeral"[, "ttl": "5m"|"1h"]} at
// path, the cache_control's own ("messages.0.content.1.cache_control").
func parseCacheControl(raw json.RawMessage, path string) (checkpoint, *apiError) {
	fields, ok := objectFields(raw)
	if !ok {
		return checkpoint{}, errValidation(msgMalformed)
	}
	cp := checkpoint{ttl: "5m"}
	var typ string
	if t, ok := lookup(fields, "type"); !ok || json.Unmarshal(t, &typ) != nil || typ != "ephemeral" {
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
