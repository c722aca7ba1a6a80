package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
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
	value jv
}

// objectFields splits a JSON object into its fields in order, with
// encoding/json; it fails on anything that is not one object.
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
		out = append(out, field{k, jv{raw: v}})
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
// marker, which is not content, is not part of the key. Keys are written
// as encoding/json marshals them.
func withoutKey(fields []field, key string) []byte {
	size := 2
	for _, f := range fields {
		size += len(f.key) + 4 + len(f.value.raw)
	}
	b := make([]byte, 0, size)
	b = append(b, '{')
	n := 0
	for _, f := range fields {
		if f.key == key {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, f.key)
		b = append(b, ':')
		b = append(b, f.value.raw...)
		n++
	}
	return append(b, '}')
}

// lookup returns the value of the first field named key that is not null.
func lookup(fields []field, key string) (jv, bool) {
	for _, f := range fields {
		if f.key == key && !f.value.isNull() {
			return f.value, true
		}
	}
	return jv{}, false
}

// errUnusualBody is what the decoder returns, from a tree, for a body
// whose tree cannot answer as encoding/json would (see jv.structFields);
// decodeAnthropic then decodes it from its bytes alone. It never leaves
// decodeAnthropic.
var errUnusualBody = &apiError{status: http.StatusInternalServerError, code: "UnusualBody"}

// decodeAnthropic decodes an Anthropic Messages body (InvokeModel on Claude)
// into the request the cache engine works on: each tool, system block and
// content block is a block, and a block carrying cache_control is closed by
// a checkpoint. Failures are *apiErrors with a 4xx status; it never panics.
//
// The body is read once, into a tree (readTree); one the tree cannot stand
// for is decoded with encoding/json, by the same code.
func decodeAnthropic(body []byte) (*request, *apiError) {
	if tree, st := readTree(body); st == scanOK {
		if r, err := decodeAnthropicFields(nodeValue(&tree)); err != errUnusualBody {
			return r, err
		}
	} else if st == scanMalformed {
		return nil, errValidation(msgMalformed)
	}
	return decodeAnthropicFields(jv{raw: body})
}

// decodeAnthropicFields decodes the body top is.
func decodeAnthropicFields(body jv) (*request, *apiError) {
	top, ok := body.fields()
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
func (r *request) addAutomatic(cc jv) *apiError {
	cp, err := parseCacheControl(cc, func() string { return "cache_control" })
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
	var extraneous []string
	for _, f := range top {
		if !anthropicKeys[f.key] {
			extraneous = append(extraneous, f.key)
		}
	}
	if len(extraneous) > 0 {
		return errValidationf(msgExtraneousKey, slices.Min(extraneous))
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
	v, _ := lookup(top, "anthropic_version")
	version, ok := v.string()
	if !ok || version != anthropicVersion && version != anthropicVersionSDK {
		return nil, errValidationf(msgBadVersion, strings.TrimSpace(string(v.raw)))
	}
	r.anthropicVersion = version
	v, _ = lookup(top, "max_tokens")
	maxTokens, ok := v.int64()
	if !ok {
		return nil, errValidation(msgMalformed)
	}
	if maxTokens < 1 {
		return nil, errValidationf(msgModelErr, msgMaxTokens)
	}
	r.maxTokens = int(min(maxTokens, 1<<20))
	if v, ok := lookup(top, "tool_choice"); ok {
		r.toolChoice = v.raw
	}
	if v, ok := lookup(top, "thinking"); ok {
		r.extraFields = v.raw
	}
	if v, ok := lookup(top, "metadata"); ok {
		r.metadata = v.raw
	}
	for _, k := range []string{"max_tokens", "temperature", "top_p", "top_k", "stop_sequences"} {
		if v, ok := lookup(top, k); ok {
			r.inference = append(append(append(r.inference, k...), ':'), v.raw...)
		}
	}
	return r, nil
}

// addAnthropicTools adds one block per tool of the tools field, if any;
// every tool must be an object with a name.
func (r *request) addAnthropicTools(top []field) *apiError {
	v, ok := lookup(top, "tools")
	if !ok {
		return nil
	}
	tools, ok := v.elems()
	if !ok {
		return errValidation(msgMalformed)
	}
	for i, t := range tools {
		fields, ok := t.fields()
		if !ok {
			return errValidation(msgMalformed)
		}
		if _, ok := lookup(fields, "name"); !ok {
			return errValidationf(msgModelErr, fmt.Sprintf(msgNoToolName, i))
		}
		if err := r.addAnthropicBlock(prefix.Tools, -1, "", i, fields, len(t.raw)); err != nil {
			return err
		}
	}
	return nil
}

// addAnthropicSystem adds the blocks of the system field, if any: one for a
// plain string, one per element for an array.
func (r *request) addAnthropicSystem(top []field) *apiError {
	v, ok := lookup(top, "system")
	if !ok {
		return nil
	}
	blocks, err := anthropicContent(v)
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

// anthropicMessage is one element of the messages field as decoded.
type anthropicMessage struct {
	role    string
	content jv
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
		blocks, err := anthropicContent(m.content)
		if err != nil {
			return err
		}
		if len(blocks) == 0 && !(i == len(msgs)-1 && m.role == "assistant") {
			return errValidationf(msgModelErr, fmt.Sprintf(msgEmptyMessage, i))
		}
		for j, b := range blocks {
			if err := r.addAnthropicContent(prefix.Messages, i, m.role, j, b); err != nil {
				return err
			}
		}
	}
	return nil
}

// anthropicMessages decodes the messages field and checks its roles: at
// least one message, each from the user or the assistant, the user first.
func anthropicMessages(top []field) ([]anthropicMessage, *apiError) {
	v, _ := lookup(top, "messages")
	msgs, ok, unusual := v.messages()
	if unusual {
		return nil, errUnusualBody
	}
	if !ok {
		return nil, errValidation(msgMalformed)
	}
	if len(msgs) == 0 {
		return nil, errValidationf(msgModelErr, msgFirstUserAnth)
	}
	for i, m := range msgs {
		if m.role != "user" && m.role != "assistant" {
			return nil, errValidationf(msgModelErr, fmt.Sprintf(msgRoles, i))
		}
	}
	if msgs[0].role != "user" {
		return nil, errValidationf(msgModelErr, msgFirstUserAnth)
	}
	return msgs, nil
}

// messages decodes the messages field as json.Unmarshal into a
// []anthropicInputMessage does; unusual reports a tree that cannot.
func (v jv) messages() (msgs []anthropicMessage, ok, unusual bool) {
	if v.node == nil || v.node.kind != '[' {
		var in []anthropicInputMessage
		if v.node != nil && v.node.kind != 'n' {
			return nil, false, false
		}
		if json.Unmarshal(v.raw, &in) != nil {
			return nil, false, false
		}
		for _, m := range in {
			msgs = append(msgs, anthropicMessage{role: m.Role, content: jv{raw: m.Content}})
		}
		return msgs, true, false
	}
	for _, elem := range v.node.elems {
		values, ok, unusual := nodeValue(&elem).structFields("role", "content")
		if !ok || unusual {
			return nil, ok, unusual
		}
		var m anthropicMessage
		if values[0] != nil {
			if m.role, ok = values[0].string(); !ok {
				return nil, false, false
			}
		}
		if values[1] != nil {
			m.content = *values[1]
		}
		msgs = append(msgs, m)
	}
	return msgs, true, false
}

// anthropicContent returns the blocks of a content value: a plain string is
// one text block (kept as the string's bytes), an array is its elements.
func anthropicContent(v jv) ([]jv, *apiError) {
	if raw := bytes.TrimSpace(v.raw); len(raw) > 0 && raw[0] == '"' {
		return []jv{v}, nil
	}
	blocks, ok := v.elems()
	if !ok {
		return nil, errValidation(msgMalformed)
	}
	return blocks, nil
}

// addAnthropicContent adds one system or message content block.
func (r *request) addAnthropicContent(layer prefix.Layer, msg int, role string, i int, v jv) *apiError {
	if v.raw[0] == '"' {
		n, blank, ok := v.text()
		if !ok {
			return errValidation(msgMalformed)
		}
		if blank && layer == prefix.Messages {
			return errValidationf(msgModelErr, msgEmptyTextBlock)
		}
		r.blocks = append(r.blocks, block{layer: layer, msg: msg, role: role, firstInMsg: i == 0 && layer == prefix.Messages, raw: v.raw, chars: n})
		return nil
	}
	fields, ok := v.fields()
	if !ok {
		return errValidation(msgMalformed)
	}
	chars := len(v.raw)
	t, ok := lookup(fields, "type")
	kind, isString := t.string()
	if !ok || !isString {
		return errValidation(msgMalformed)
	}
	if kind == "text" {
		t, ok := lookup(fields, "text")
		n, blank, isString := t.text()
		if !ok || !isString {
			return errValidation(msgMalformed)
		}
		if blank {
			return errValidationf(msgModelErr, msgEmptyTextBlock)
		}
		chars = n
	}
	return r.addAnthropicBlock(layer, msg, role, i, fields, chars)
}

// addAnthropicBlock adds a block whose fields are known, and the checkpoint
// its cache_control sets, if any.
func (r *request) addAnthropicBlock(layer prefix.Layer, msg int, role string, i int, fields []field, chars int) *apiError {
	var document string
	if layer == prefix.Messages {
		var unusual bool
		if document, unusual = anthropicDocument(fields); unusual {
			return errUnusualBody
		}
	}
	cc, marked := lookup(fields, "cache_control")
	raw := withoutKey(fields, "cache_control")
	if layer == prefix.Tools {
		chars = len(raw)
	}
	kind, _ := lookup(fields, "type")
	typ, _ := kind.string()
	r.blocks = append(r.blocks, block{layer: layer, msg: msg, role: role, firstInMsg: i == 0 && layer == prefix.Messages, raw: raw, chars: chars, document: document, image: typ == "image"})
	if !marked {
		return nil
	}
	cp, err := parseCacheControl(cc, func() string { return modelPath(layer, msg, i) + ".cache_control" })
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
// any other block; unusual reports a tree that cannot tell.
func anthropicDocument(fields []field) (format string, unusual bool) {
	t, ok := lookup(fields, "type")
	if kind, isString := t.string(); !ok || !isString || kind != "document" {
		return "", false
	}
	var mediaType string
	if source, ok := lookup(fields, "source"); ok {
		if mediaType, unusual = source.mediaType(); unusual {
			return "", true
		}
	}
	if mediaType == "application/pdf" {
		return "pdf", false
	}
	return mediaType, false
}

// mediaType returns the media_type of a document's source as json.Unmarshal
// into a struct with that field finds it, ignoring any error; unusual
// reports a tree that cannot.
func (v jv) mediaType() (string, bool) {
	if v.node == nil || v.node.kind != '{' {
		var src struct {
			MediaType string `json:"media_type"`
		}
		_ = json.Unmarshal(v.raw, &src)
		return src.MediaType, false
	}
	values, _, unusual := v.structFields("media_type")
	if unusual || values[0] == nil {
		return "", unusual
	}
	s, _ := values[0].string()
	return s, false
}

// parseCacheControl reads {"type": "ephemeral"[, "ttl": "5m"|"1h"]}; path
// names it for an error message ("messages.0.content.1.cache_control").
func parseCacheControl(v jv, path func() string) (checkpoint, *apiError) {
	fields, ok := v.fields()
	if !ok {
		return checkpoint{}, errValidation(msgMalformed)
	}
	cp := checkpoint{ttl: "5m"}
	t, ok := lookup(fields, "type")
	if typ, isString := t.string(); !ok || !isString || typ != "ephemeral" {
		return checkpoint{}, errValidationf(msgModelErr, fmt.Sprintf(msgCacheType, path()))
	}
	for _, f := range fields {
		switch f.key {
		case "type":
		case "ttl":
			ttl, ok := f.value.string()
			if !ok || ttl != "5m" && ttl != "1h" {
				return checkpoint{}, errValidationf(msgModelErr, fmt.Sprintf(msgCacheTTL, path()))
			}
			cp.ttl, cp.explicitTTL = ttl, true
		default:
			return checkpoint{}, errValidationf(msgModelErr, fmt.Sprintf(msgCacheExtra, path(), f.key))
		}
	}
	return cp, nil
}
