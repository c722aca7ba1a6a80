package emulator

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
)

// The response types below list their fields in alphabetical order of their
// JSON keys, as the service writes them.

type cacheDetailJSON struct {
	InputTokens int    `json:"inputTokens"`
	TTL         string `json:"ttl"`
}

type usageJSON struct {
	CacheDetails              []cacheDetailJSON `json:"cacheDetails,omitempty"`
	CacheReadInputTokenCount  *int              `json:"cacheReadInputTokenCount,omitempty"`
	CacheReadInputTokens      *int              `json:"cacheReadInputTokens,omitempty"`
	CacheWriteInputTokenCount *int              `json:"cacheWriteInputTokenCount,omitempty"`
	CacheWriteInputTokens     *int              `json:"cacheWriteInputTokens,omitempty"`
	// FutureTokenBucket is an unknown key (extra-response-fields profile).
	FutureTokenBucket *int      `json:"futureTokenBucket,omitempty"`
	InputTokens       int       `json:"inputTokens"`
	OutputTokens      int       `json:"outputTokens"`
	ServerToolUsage   *struct{} `json:"serverToolUsage,omitempty"`
	TotalTokens       int       `json:"totalTokens"`
}

type metricsJSON struct {
	LatencyMs int `json:"latencyMs"`
}

type textJSON struct {
	Text string `json:"text"`
}

type messageJSON struct {
	Content []textJSON `json:"content"`
	Role    string     `json:"role"`
}

type outputJSON struct {
	Message messageJSON `json:"message"`
}

type extensionJSON struct {
	Emulator string `json:"emulator"`
}

type converseJSON struct {
	Metrics    metricsJSON    `json:"metrics"`
	Output     outputJSON     `json:"output"`
	StopReason string         `json:"stopReason"`
	Usage      usageJSON      `json:"usage"`
	Zextension *extensionJSON `json:"zExtension,omitempty"`
}

// accounting returns the cache figures of a response, its total, and
// whether the cache figures are shown at all. Each fault breaks one rule:
// under stream-drops-cache-usage a stream leaves the cache figures out and
// its total adds up what it does show; under totals-dont-add-up the total
// leaves the cache out while the figures are shown.
func (e *Emulator) accounting(res *result, stream bool) (read, write, total int, shown bool) {
	read, write = res.cache.read, res.cache.write
	shown = !(stream && e.fault(FaultStreamDropsCacheUsage))
	total = res.input + res.output + read + write
	if !shown || e.fault(FaultTotalsDontAddUp) {
		total = res.input + res.output
	}
	return read, write, total, shown
}

// usage builds the usage object; stream selects the ConverseStream variant
// (no serverToolUsage, and the stream-drops-cache-usage fault applies).
func (e *Emulator) usage(res *result, stream bool) usageJSON {
	read, write, total, shown := e.accounting(res, stream)
	u := usageJSON{InputTokens: res.input, OutputTokens: res.output, TotalTokens: total}
	if res.spec.caching && shown {
		u.CacheReadInputTokenCount, u.CacheReadInputTokens = intp(read), intp(read)
		u.CacheWriteInputTokenCount, u.CacheWriteInputTokens = intp(write), intp(write)
		if res.spec.cacheDetails {
			// Writes by TTL, 1h first.
			if res.cache.write1h > 0 {
				u.CacheDetails = append(u.CacheDetails, cacheDetailJSON{InputTokens: res.cache.write1h, TTL: "1h"})
			}
			if res.cache.write5m > 0 {
				u.CacheDetails = append(u.CacheDetails, cacheDetailJSON{InputTokens: res.cache.write5m, TTL: "5m"})
			}
		}
	}
	if !stream {
		u.ServerToolUsage = &struct{}{}
	}
	if e.fault(BenignExtraResponseFields) {
		u.FutureTokenBucket = intp(0)
	}
	return u
}

func intp(v int) *int { return &v }

func (e *Emulator) writeConverse(w http.ResponseWriter, reqID string, res *result) {
	out := converseJSON{
		Metrics:    metricsJSON{LatencyMs: res.latencyMs},
		Output:     outputJSON{Message: messageJSON{Content: []textJSON{{Text: res.text}}, Role: "assistant"}},
		StopReason: res.stopReason,
		Usage:      e.usage(res, false),
	}
	if e.fault(BenignExtraResponseFields) {
		out.Zextension = &extensionJSON{Emulator: "extra-response-fields"}
	}
	body, _ := json.Marshal(out)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("x-amzn-RequestId", reqID)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// Stream event payloads. Every one carries "p", a padding field of varying
// length, as the service's do.

type messageStartJSON struct {
	P    string `json:"p"`
	Role string `json:"role"`
}

type deltaJSON struct {
	Text string `json:"text"`
}

type contentBlockDeltaJSON struct {
	ContentBlockIndex int       `json:"contentBlockIndex"`
	Delta             deltaJSON `json:"delta"`
	P                 string    `json:"p"`
}

type contentBlockStopJSON struct {
	ContentBlockIndex int    `json:"contentBlockIndex"`
	P                 string `json:"p"`
}

type messageStopJSON struct {
	P          string `json:"p"`
	StopReason string `json:"stopReason"`
}

type metadataJSON struct {
	Metrics    metricsJSON    `json:"metrics"`
	P          string         `json:"p"`
	Usage      usageJSON      `json:"usage"`
	Zextension *extensionJSON `json:"zExtension,omitempty"`
}

type extraEventJSON struct {
	P          string         `json:"p"`
	Zextension *extensionJSON `json:"zExtension,omitempty"`
}

const padAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// padding returns the "p" value of event i: a prefix of the alphabet whose
// length varies with the request and the event.
func padding(seed [32]byte, i int) string {
	n := 1 + (int(seed[(i+5)%32])+i*11)%len(padAlphabet)
	return padAlphabet[:n]
}

// writeStream writes a ConverseStream response in AWS event-stream framing.
// The reply is complete before its first event, so every event is encoded
// into one buffer and written at once: a flush per event would cost a
// write per event and show the client nothing sooner.
func (e *Emulator) writeStream(w http.ResponseWriter, reqID string, res *result) {
	ev := newEventWriter(res.seed)
	defer ev.release()
	ev.add("messageStart", messageStartJSON{P: ev.pad(), Role: "assistant"})
	for k := 0; k < len(res.words); k += 3 {
		end := min(k+3, len(res.words))
		chunk := strings.Join(res.words[k:end], " ")
		if k > 0 {
			chunk = " " + chunk
		}
		ev.add("contentBlockDelta", contentBlockDeltaJSON{ContentBlockIndex: 0, Delta: deltaJSON{Text: chunk}, P: ev.pad()})
	}
	ev.add("contentBlockStop", contentBlockStopJSON{ContentBlockIndex: 0, P: ev.pad()})
	ev.add("messageStop", messageStopJSON{P: ev.pad(), StopReason: res.stopReason})
	if e.fault(BenignExtraResponseFields) {
		// An event type the SDK does not know: it must be skipped.
		ev.add("futureEvent", extraEventJSON{P: ev.pad(), Zextension: &extensionJSON{Emulator: "extra-response-fields"}})
	}
	md := metadataJSON{Metrics: metricsJSON{LatencyMs: res.latencyMs}, P: ev.pad(), Usage: e.usage(res, true)}
	if e.fault(BenignExtraResponseFields) {
		md.Zextension = &extensionJSON{Emulator: "extra-response-fields"}
	}
	ev.add("metadata", md)
	h := w.Header()
	h.Set("Content-Type", "application/vnd.amazon.eventstream")
	h.Set("x-amzn-RequestId", reqID)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(ev.buf)
}

// eventWriter encodes a stream's events into one buffer.
type eventWriter struct {
	buf  []byte
	seed [32]byte
	n    int
}

// eventBufPool holds event buffers (*[]byte) for reuse.
var eventBufPool sync.Pool

func newEventWriter(seed [32]byte) *eventWriter {
	ev := &eventWriter{seed: seed}
	if p, ok := eventBufPool.Get().(*[]byte); ok {
		ev.buf = (*p)[:0]
	}
	return ev
}

// pad returns the padding of the next event.
func (ev *eventWriter) pad() string { return padding(ev.seed, ev.n) }

// add encodes one event with payload as its JSON.
func (ev *eventWriter) add(eventType string, payload any) {
	body, _ := json.Marshal(payload)
	ev.buf = appendEvent(ev.buf, eventType, body)
	ev.n++
}

// release hands the buffer back to the pool once it is written.
func (ev *eventWriter) release() {
	if cap(ev.buf) <= 64<<10 {
		eventBufPool.Put(&ev.buf)
	}
}
