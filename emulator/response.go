package emulator

import (
	"encoding/json"
	"net/http"
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
		counts := &[2]int{read, write}
		u.CacheReadInputTokenCount, u.CacheReadInputTokens = &counts[0], &counts[0]
		u.CacheWriteInputTokenCount, u.CacheWriteInputTokens = &counts[1], &counts[1]
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
	h["Content-Type"] = []string{"application/json"}
	h[wireRequestID] = []string{reqID}
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
	ev.payload = appendMessageStart(ev.payload[:0], ev.pad())
	ev.frame("messageStart")
	for k := 0; k < len(res.words); k += 3 {
		ev.text = ev.text[:0]
		for j, word := range res.words[k:min(k+3, len(res.words))] {
			if k > 0 || j > 0 {
				ev.text = append(ev.text, ' ')
			}
			ev.text = append(ev.text, word...)
		}
		ev.payload = appendContentBlockDelta(ev.payload[:0], ev.text, ev.pad())
		ev.frame("contentBlockDelta")
	}
	ev.payload = appendContentBlockStop(ev.payload[:0], ev.pad())
	ev.frame("contentBlockStop")
	ev.payload = appendMessageStop(ev.payload[:0], ev.pad(), res.stopReason)
	ev.frame("messageStop")
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
	h["Content-Type"] = []string{"application/vnd.amazon.eventstream"}
	h[wireRequestID] = []string{reqID}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(ev.buf)
}

// eventWriter encodes a stream's events into one buffer.
type eventWriter struct {
	buf []byte
	// payload and text are scratch space for the next event's payload and
	// a delta's text.
	payload, text []byte
	seed          [32]byte
	n             int
}

// eventWriterPool holds eventWriters for reuse.
var eventWriterPool = sync.Pool{New: func() any { return new(eventWriter) }}

// newEventWriter returns an empty writer for a reply derived from seed.
func newEventWriter(seed [32]byte) *eventWriter {
	ev := eventWriterPool.Get().(*eventWriter)
	ev.buf, ev.seed, ev.n = ev.buf[:0], seed, 0
	return ev
}

// pad returns the padding of the next event.
func (ev *eventWriter) pad() string { return padding(ev.seed, ev.n) }

// frame adds an event whose payload is ev.payload.
func (ev *eventWriter) frame(eventType string) {
	ev.buf = appendEvent(ev.buf, eventType, ev.payload)
	ev.n++
}

// add adds an event with payload as encoding/json marshals it.
func (ev *eventWriter) add(eventType string, payload any) {
	ev.payload, _ = json.Marshal(payload)
	ev.frame(eventType)
}

// release hands the writer back to the pool once its buffer is written.
func (ev *eventWriter) release() {
	if cap(ev.buf) <= 64<<10 && cap(ev.payload) <= 64<<10 {
		eventWriterPool.Put(ev)
	}
}
