package emulator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
)

// opCountTokens is the CountTokens operation: POST /model/{modelId}/count-tokens.
const opCountTokens = "count-tokens"

// msgNoCountTokens is the service's answer to CountTokens on a model (or an
// inference profile) that does not count tokens.
const msgNoCountTokens = "The provided model doesn't support counting tokens."

// countTokensWire is the CountTokens body: input is a union whose converse
// member has Converse's body shape (messages, system, toolConfig,
// additionalModelRequestFields) and whose invokeModel member carries the
// model's native InvokeModel body, base64-encoded.
type countTokensWire struct {
	Input *struct {
		Converse    json.RawMessage `json:"converse"`
		InvokeModel json.RawMessage `json:"invokeModel"`
	} `json:"input"`
}

type invokeModelTokensWire struct {
	Body *string `json:"body"`
}

type countTokensOutJSON struct {
	InputTokens int `json:"inputTokens"`
}

// serveCountTokens answers CountTokens with {"inputTokens": N}.
func (e *Emulator) serveCountTokens(w http.ResponseWriter, reqID, modelID string, body []byte) {
	n, aerr := e.countTokens(modelID, body)
	if aerr != nil {
		writeError(w, reqID, aerr)
		return
	}
	b, _ := json.Marshal(countTokensOutJSON{InputTokens: n})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("x-amzn-RequestId", reqID)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// countTokens returns what the equivalent Converse or InvokeModel call
// would be charged as prompt — its input plus cache read plus cache write —
// without touching the cache. Only a model with countTokens, called by its
// bare base ID (or foundation-model ARN), counts; the request must pass the
// same decoding and checkpoint rules as the call it stands for, but not the
// context-window check (counting is how a caller learns it is too long).
func (e *Emulator) countTokens(modelID string, body []byte) (int, *apiError) {
	spec, ref, aerr := e.lookupModel(modelID)
	if aerr != nil {
		return 0, aerr
	}
	if ref.profile != "" || !spec.countTokens {
		return 0, errValidation(msgNoCountTokens)
	}
	req, aerr := e.decodeCountTokens(spec, body)
	if aerr != nil {
		return 0, aerr
	}
	if aerr := e.checkForModel(spec, req); aerr != nil {
		return 0, aerr
	}
	p := computePrefix(req, spec, e.tok, e.prefixFaults())
	e.applyDrift(spec, req, &p)
	return p.prompt, nil
}

// decodeCountTokens decodes the CountTokens body into the request its
// converse or invokeModel member stands for.
func (e *Emulator) decodeCountTokens(spec *modelSpec, body []byte) (*request, *apiError) {
	var wire countTokensWire
	dec := json.NewDecoder(bytes.NewReader(body))
	if dec.Decode(&wire) != nil || dec.More() {
		return nil, errValidation(msgMalformed)
	}
	if wire.Input == nil {
		return nil, errNotNull("input")
	}
	converse, invoke := !isJSONNull(wire.Input.Converse), !isJSONNull(wire.Input.InvokeModel)
	switch {
	case converse && !invoke:
		if !isObject(wire.Input.Converse) {
			return nil, errValidation(msgMalformed)
		}
		return e.decodeConverse(wire.Input.Converse)
	case invoke && !converse:
		native, aerr := invokeModelBody(wire.Input.InvokeModel)
		if aerr != nil {
			return nil, aerr
		}
		return e.decodeInvokeBody(spec, native)
	}
	return nil, errValidation(msgMalformed) // a union sets exactly one member
}

// invokeModelBody returns the native body the invokeModel member carries.
func invokeModelBody(raw json.RawMessage) ([]byte, *apiError) {
	var w invokeModelTokensWire
	if json.Unmarshal(raw, &w) != nil {
		return nil, errValidation(msgMalformed)
	}
	if w.Body == nil {
		return nil, errNotNull("input.invokeModel.body")
	}
	native, err := base64.StdEncoding.DecodeString(*w.Body)
	if err != nil {
		return nil, errValidation(msgMalformed)
	}
	return native, nil
}
