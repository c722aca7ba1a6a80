package emulator

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// serveInvoke answers InvokeModel and InvokeModelWithResponseStream. The
// body is the model's own: the Anthropic Messages body on Claude, the
// native body (schemaVersion "messages-v1", shaped like Converse's) on
// Nova. Both decode to the request Converse's body decodes to and go
// through the same run: the same validation, cache engine and faults.
func (e *Emulator) serveInvoke(w http.ResponseWriter, reqID, account, modelID string, body []byte, stream bool) {
	spec, aerr := e.resolveModel(modelID)
	if aerr != nil {
		writeError(w, reqID, aerr)
		return
	}
	req, aerr := e.decodeInvokeBody(spec, body)
	if aerr != nil {
		writeError(w, reqID, aerr)
		return
	}
	req.viaProfile = viaProfile(modelID)
	res, aerr := e.run(account, spec, req, body)
	if aerr != nil {
		writeError(w, reqID, aerr)
		return
	}
	if e.fault(BenignLatency) {
		time.Sleep(e.opts.Latency)
		res.latencyMs += int(e.opts.Latency / time.Millisecond)
	}
	if stream {
		e.writeInvokeStream(w, reqID, res)
		return
	}
	var out any
	if spec.family == "claude" {
		out = e.anthropicMessage(res)
	} else {
		out = e.novaResponse(res)
	}
	b, _ := json.Marshal(out)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("x-amzn-RequestId", reqID)
	h.Set("X-Amzn-Bedrock-Input-Token-Count", strconv.Itoa(res.input))
	h.Set("X-Amzn-Bedrock-Output-Token-Count", strconv.Itoa(res.output))
	h.Set("X-Amzn-Bedrock-Invocation-Latency", strconv.Itoa(res.latencyMs))
	if spec.caching {
		h.Set("X-Amzn-Bedrock-Cache-Read-Input-Token-Count", strconv.Itoa(res.cache.read))
		h.Set("X-Amzn-Bedrock-Cache-Write-Input-Token-Count", strconv.Itoa(res.cache.write))
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// decodeInvokeBody decodes the model's native InvokeModel body (which
// CountTokens's invokeModel form carries too): the Anthropic Messages body
// on Claude, Converse's shape on Nova.
func (e *Emulator) decodeInvokeBody(spec *modelSpec, body []byte) (*request, *apiError) {
	switch spec.family {
	case "claude":
		return decodeAnthropic(body)
	case "nova":
		return e.decodeConverse(body)
	}
	return nil, errValidation("The emulator does not implement the native InvokeModel body of " + spec.id + ".")
}

// Anthropic Messages response shapes, keys in the order Anthropic writes
// them.

type anthropicCacheCreationJSON struct {
	Ephemeral5m int `json:"ephemeral_5m_input_tokens"`
	Ephemeral1h int `json:"ephemeral_1h_input_tokens"`
}

type anthropicUsageJSON struct {
	InputTokens              int                         `json:"input_tokens"`
	CacheCreationInputTokens *int                        `json:"cache_creation_input_tokens,omitempty"`
	CacheReadInputTokens     *int                        `json:"cache_read_input_tokens,omitempty"`
	CacheCreation            *anthropicCacheCreationJSON `json:"cache_creation,omitempty"`
	OutputTokens             int                         `json:"output_tokens"`
}

type anthropicTextJSON struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type anthropicMessageJSON struct {
	ID           string              `json:"id"`
	Type         string              `json:"type"`
	Role         string              `json:"role"`
	Model        string              `json:"model"`
	Content      []anthropicTextJSON `json:"content"`
	StopReason   *string             `json:"stop_reason"`
	StopSequence *string             `json:"stop_sequence"`
	Usage        anthropicUsageJSON  `json:"usage"`
	Zextension   *extensionJSON      `json:"zExtension,omitempty"`
}

// anthropicUsage is the usage object of an Anthropic response; stream
// selects the stream's message_start (where the stream-drops-cache-usage
// fault applies) with the output so far.
func (e *Emulator) anthropicUsage(res *result, stream bool) anthropicUsageJSON {
	u := anthropicUsageJSON{InputTokens: res.input, OutputTokens: res.output}
	if stream {
		u.OutputTokens = 1
	}
	if !(stream && e.fault(FaultStreamDropsCacheUsage)) {
		u.CacheCreationInputTokens, u.CacheReadInputTokens = intp(res.cache.write), intp(res.cache.read)
		u.CacheCreation = &anthropicCacheCreationJSON{Ephemeral5m: res.cache.write5m, Ephemeral1h: res.cache.write1h}
	}
	return u
}

func (e *Emulator) anthropicMessage(res *result) anthropicMessageJSON {
	stop := res.stopReason
	m := anthropicMessageJSON{
		ID: "msg_bdrk_" + hex.EncodeToString(res.seed[:12]), Type: "message", Role: "assistant",
		Model: anthropicModelName(res.spec.id), Content: []anthropicTextJSON{{Type: "text", Text: res.text}},
		StopReason: &stop, Usage: e.anthropicUsage(res, false),
	}
	if e.fault(BenignExtraResponseFields) {
		m.Zextension = &extensionJSON{Emulator: "extra-response-fields"}
	}
	return m
}

// anthropicModelName is the model name Anthropic responses carry:
// "anthropic.claude-sonnet-4-5-20250929-v1:0" → "claude-sonnet-4-5-20250929".
func anthropicModelName(id string) string {
	name := strings.TrimPrefix(id, "anthropic.")
	if i := strings.LastIndex(name, "-v"); i > 0 {
		name = name[:i]
	}
	return name
}

// Nova native response shapes.

type novaUsageJSON struct {
	InputTokens               int  `json:"inputTokens"`
	OutputTokens              int  `json:"outputTokens"`
	TotalTokens               int  `json:"totalTokens"`
	CacheReadInputTokenCount  *int `json:"cacheReadInputTokenCount,omitempty"`
	CacheWriteInputTokenCount *int `json:"cacheWriteInputTokenCount,omitempty"`
}

type novaResponseJSON struct {
	Output     outputJSON     `json:"output"`
	StopReason string         `json:"stopReason"`
	Usage      novaUsageJSON  `json:"usage"`
	Zextension *extensionJSON `json:"zExtension,omitempty"`
}

func (e *Emulator) novaUsage(res *result, stream bool) novaUsageJSON {
	read, write, total, shown := e.accounting(res, stream)
	u := novaUsageJSON{InputTokens: res.input, OutputTokens: res.output, TotalTokens: total}
	if shown {
		u.CacheReadInputTokenCount, u.CacheWriteInputTokenCount = intp(read), intp(write)
	}
	return u
}

func (e *Emulator) novaResponse(res *result) novaResponseJSON {
	out := novaResponseJSON{
		Output:     outputJSON{Message: messageJSON{Content: []textJSON{{Text: res.text}}, Role: "assistant"}},
		StopReason: res.stopReason, Usage: e.novaUsage(res, false),
	}
	if e.fault(BenignExtraResponseFields) {
		out.Zextension = &extensionJSON{Emulator: "extra-response-fields"}
	}
	return out
}

// invocationMetricsJSON is "amazon-bedrock-invocationMetrics", which
// Bedrock adds to the last chunk of an InvokeModelWithResponseStream.
type invocationMetricsJSON struct {
	InputTokenCount           int  `json:"inputTokenCount"`
	OutputTokenCount          int  `json:"outputTokenCount"`
	InvocationLatency         int  `json:"invocationLatency"`
	FirstByteLatency          int  `json:"firstByteLatency"`
	CacheReadInputTokenCount  *int `json:"cacheReadInputTokenCount,omitempty"`
	CacheWriteInputTokenCount *int `json:"cacheWriteInputTokenCount,omitempty"`
}

func (e *Emulator) invocationMetrics(res *result) invocationMetricsJSON {
	m := invocationMetricsJSON{InputTokenCount: res.input, OutputTokenCount: res.output,
		InvocationLatency: res.latencyMs, FirstByteLatency: res.latencyMs / 3}
	if read, write, _, shown := e.accounting(res, true); res.spec.caching && shown {
		m.CacheReadInputTokenCount, m.CacheWriteInputTokenCount = intp(read), intp(write)
	}
	return m
}

// chunkJSON is the payload of a "chunk" event: the model's event, base64
// encoded, and the padding every stream event carries.
type chunkJSON struct {
	Bytes string `json:"bytes"`
	P     string `json:"p"`
}

// writeInvokeStream writes an InvokeModelWithResponseStream response: AWS
// event-stream framing, one "chunk" event per model event, all written at
// once (see writeStream).
func (e *Emulator) writeInvokeStream(w http.ResponseWriter, reqID string, res *result) {
	ev := newEventWriter(res.seed)
	defer ev.release()
	for _, event := range e.invokeEvents(res) {
		inner, _ := json.Marshal(event)
		ev.add("chunk", chunkJSON{Bytes: base64.StdEncoding.EncodeToString(inner), P: ev.pad()})
	}
	h := w.Header()
	h.Set("Content-Type", "application/vnd.amazon.eventstream")
	h.Set("X-Amzn-Bedrock-Content-Type", "application/json")
	h.Set("x-amzn-RequestId", reqID)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(ev.buf)
}

// invokeEvents returns the model's stream events for a reply: Anthropic's
// on Claude, Nova's native ones on Nova.
func (e *Emulator) invokeEvents(res *result) []any {
	chunks := func() []string {
		var out []string
		for k := 0; k < len(res.words); k += 3 {
			c := strings.Join(res.words[k:min(k+3, len(res.words))], " ")
			if k > 0 {
				c = " " + c
			}
			out = append(out, c)
		}
		return out
	}()
	var events []any
	if res.spec.family == "claude" {
		start := e.anthropicMessage(res)
		start.Content, start.StopReason, start.Usage = []anthropicTextJSON{}, nil, e.anthropicUsage(res, true)
		events = append(events,
			map[string]any{"type": "message_start", "message": start},
			map[string]any{"type": "content_block_start", "index": 0, "content_block": anthropicTextJSON{Type: "text"}})
		for _, c := range chunks {
			events = append(events, map[string]any{"type": "content_block_delta", "index": 0, "delta": map[string]string{"type": "text_delta", "text": c}})
		}
		events = append(events,
			map[string]any{"type": "content_block_stop", "index": 0},
			map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": res.stopReason, "stop_sequence": nil},
				"usage": map[string]int{"output_tokens": res.output}},
			map[string]any{"type": "message_stop", "amazon-bedrock-invocationMetrics": e.invocationMetrics(res)})
	} else {
		events = append(events, map[string]any{"messageStart": map[string]string{"role": "assistant"}})
		for _, c := range chunks {
			events = append(events, map[string]any{"contentBlockDelta": map[string]any{"delta": map[string]string{"text": c}, "contentBlockIndex": 0}})
		}
		events = append(events,
			map[string]any{"contentBlockStop": map[string]int{"contentBlockIndex": 0}},
			map[string]any{"messageStop": map[string]string{"stopReason": res.stopReason}},
			map[string]any{"metadata": map[string]any{"usage": e.novaUsage(res, true), "metrics": map[string]any{}, "trace": map[string]any{}},
				"amazon-bedrock-invocationMetrics": e.invocationMetrics(res)})
	}
	if e.fault(BenignExtraResponseFields) {
		events = append(events, map[string]any{"type": "future_event", "zExtension": extensionJSON{Emulator: "extra-response-fields"}})
	}
	return events
}
