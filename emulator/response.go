package emulator

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
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

// writeStream writes a ConverseStream response in AWS event-stream framing,
// encoded with the SDK's own codec.
func (e *Emulator) writeStream(w http.ResponseWriter, reqID string, res *result) {
	h := w.Header()
	h.Set("Content-Type", "application/vnd.amazon.eventstream")
	h.Set("x-amzn-RequestId", reqID)
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	enc := eventstream.NewEncoder()
	i := 0
	send := func(eventType string, payload any) bool {
		body, _ := json.Marshal(payload)
		var msg eventstream.Message
		msg.Headers.Set(":event-type", eventstream.StringValue(eventType))
		msg.Headers.Set(":content-type", eventstream.StringValue("application/json"))
		msg.Headers.Set(":message-type", eventstream.StringValue("event"))
		msg.Payload = body
		i++
		if err := enc.Encode(w, msg); err != nil {
			return false
		}
		if flusher != nil {
			flusher.Flush()
		}
		return true
	}
	if !send("messageStart", messageStartJSON{P: padding(res.seed, i), Role: "assistant"}) {
		return
	}
	for k := 0; k < len(res.words); k += 3 {
		end := min(k+3, len(res.words))
		chunk := strings.Join(res.words[k:end], " ")
		if k > 0 {
			chunk = " " + chunk
		}
		if !send("contentBlockDelta", contentBlockDeltaJSON{ContentBlockIndex: 0, Delta: deltaJSON{Text: chunk}, P: padding(res.seed, i)}) {
			return
		}
	}
	if !send("contentBlockStop", contentBlockStopJSON{ContentBlockIndex: 0, P: padding(res.seed, i)}) {
		return
	}
	if !send("messageStop", messageStopJSON{P: padding(res.seed, i), StopReason: res.stopReason}) {
		return
	}
	if e.fault(BenignExtraResponseFields) {
		// An event type the SDK does not know: it must be skipped.
		if !send("futureEvent", extraEventJSON{P: padding(res.seed, i), Zextension: &extensionJSON{Emulator: "extra-response-fields"}}) {
			return
		}
	}
	md := metadataJSON{Metrics: metricsJSON{LatencyMs: res.latencyMs}, P: padding(res.seed, i), Usage: e.usage(res, true)}
	if e.fault(BenignExtraResponseFields) {
		md.Zextension = &extensionJSON{Emulator: "extra-response-fields"}
	}
	send("metadata", md)
}
