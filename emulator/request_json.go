package emulator

import (
	"bytes"
	"encoding/json"
	"strings"
)

// The Converse body decoded with encoding/json: the reference for what the
// one-pass reader (scanConverse) finds, and the decoder of the bodies it
// leaves to encoding/json (scanUnusual). Each content block is decoded
// several times here; that is the price of the unusual.

// jsonRequest is the Converse body's structure as encoding/json sees it.
type jsonRequest struct {
	Messages                     []jsonMessage     `json:"messages"`
	System                       []json.RawMessage `json:"system"`
	ToolConfig                   *jsonToolConfig   `json:"toolConfig"`
	InferenceConfig              *jsonInference    `json:"inferenceConfig"`
	AdditionalModelRequestFields json.RawMessage   `json:"additionalModelRequestFields"`
	RequestMetadata              json.RawMessage   `json:"requestMetadata"`
}

type jsonMessage struct {
	Role    string            `json:"role"`
	Content []json.RawMessage `json:"content"`
}

type jsonToolConfig struct {
	Tools      []json.RawMessage `json:"tools"`
	ToolChoice json.RawMessage   `json:"toolChoice"`
}

type jsonInference struct {
	MaxTokens *int64 `json:"maxTokens"`
}

type jsonCachePoint struct {
	Type *string `json:"type"`
	TTL  *string `json:"ttl"`
}

// decodeConverseJSON decodes a Converse body with encoding/json; the status
// is scanOK or scanMalformed.
func decodeConverseJSON(body []byte) (*wireRequest, scanStatus) {
	var j jsonRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&j); err != nil || dec.More() {
		return nil, scanMalformed
	}
	w := &wireRequest{system: blocksFromJSON(j.System)}
	if j.InferenceConfig != nil {
		w.maxTokens = j.InferenceConfig.MaxTokens
		var raw struct {
			InferenceConfig json.RawMessage `json:"inferenceConfig"`
		}
		_ = json.Unmarshal(body, &raw)
		w.inference = raw.InferenceConfig
	}
	if !isJSONNull(j.RequestMetadata) {
		w.metadata = j.RequestMetadata
	}
	if tc := j.ToolConfig; tc != nil {
		w.toolConfig = &wireToolConfig{tools: blocksFromJSON(tc.Tools)}
		if !isJSONNull(tc.ToolChoice) {
			w.toolConfig.toolChoice = tc.ToolChoice
		}
	}
	if !isJSONNull(j.AdditionalModelRequestFields) {
		w.extraFields = j.AdditionalModelRequestFields
	}
	for _, m := range j.Messages {
		w.messages = append(w.messages, wireMessage{role: m.Role, content: blocksFromJSON(m.Content)})
	}
	return w, scanOK
}

// blocksFromJSON decodes each element of a block list.
func blocksFromJSON(list []json.RawMessage) []wireBlock {
	if list == nil {
		return nil
	}
	out := make([]wireBlock, len(list))
	for i, raw := range list {
		out[i] = blockFromJSON(raw)
	}
	return out
}

// blockFromJSON decodes one element of a block list.
func blockFromJSON(raw json.RawMessage) wireBlock {
	b := wireBlock{raw: raw}
	member, value, ok := unionMember(raw)
	if !ok {
		return b
	}
	b.union, b.member, b.value = true, member, value
	switch member {
	case "text":
		var s string
		if json.Unmarshal(value, &s) == nil {
			b.text = textFacts{ok: true, n: len(s), blank: strings.TrimSpace(s) == ""}
		}
	case "cachePoint":
		var c jsonCachePoint
		if json.Unmarshal(value, &c) == nil {
			b.cachePoint.ok = true
			if c.Type != nil {
				b.cachePoint.typ, b.cachePoint.hasType = *c.Type, true
			}
			if c.TTL != nil {
				b.cachePoint.ttl, b.cachePoint.hasTTL = *c.TTL, true
			}
		}
	case "document":
		if isObject(value) {
			b.document = documentFormat(value)
		}
	}
	return b
}

// documentFormat returns the format of a Converse document block's value
// ("pdf", "txt", ...), or "" without one.
func documentFormat(value json.RawMessage) string {
	var d struct {
		Format string `json:"format"`
	}
	_ = json.Unmarshal(value, &d)
	return d.Format
}

// unionMember returns the single member set in a union value (a content
// block, a system block, a tool), or false when there is not exactly one.
func unionMember(raw json.RawMessage) (string, json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return "", nil, false
	}
	var name string
	var value json.RawMessage
	n := 0
	for k, v := range m {
		if isJSONNull(v) {
			continue
		}
		name, value = k, v
		n++
	}
	if n != 1 {
		return "", nil, false
	}
	return name, value, true
}
