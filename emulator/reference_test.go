package emulator

// The Converse body decoder as it was before the one-pass reader
// (scanConverse), kept verbatim but for its names as the reference that
// FuzzDecodeMatchesReference holds decodeRequestAs to: the same request or
// the same error for every body. And computePrefix as it was before its
// hashing stopped allocating per block, which TestPrefixHashesMatchReference
// holds it to.

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash"
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
