package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/google/go-cmp/cmp"
)

// TestStreamUsageMatchesConverse checks that ConverseStream's metadata event
// reports the same usage as Converse for the same sequence of requests (on
// two fresh emulators), and the same text.
func TestStreamUsageMatchesConverse(t *testing.T) {
	l := defaultLayered()
	changed := l
	changed.msgSeed = "changed"
	oneHour := &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45),
		System:   []types.SystemContentBlock{sysText(txt("s", 1500)), sysCPTTL("1h")},
		Messages: msgs(user(text(txt("m", 300)), cp()))}
	nova := &bedrockruntime.ConverseInput{ModelId: aws.String(novaLite),
		System:   []types.SystemContentBlock{sysText(txt("s", 1500)), sysCP()},
		Messages: msgs(user(text("hi")))}
	seq := []*bedrockruntime.ConverseInput{l.input(), l.input(), changed.input(), oneHour, oneHour, nova, nova}

	conv := startHarness(t, Options{})
	strm := startHarness(t, Options{})
	for i, in := range seq {
		out, err := conv.c.Converse(t.Context(), in)
		if err != nil {
			t.Fatal(err)
		}
		s, err := callStream(t, strm.c, in)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(usageString(out.Usage), usageString(s.usage)); diff != "" {
			t.Errorf("request %d: usage differs (-converse +stream):\n%s", i, diff)
		}
		if i == 0 && i32(s.usage.CacheWriteInputTokens) == 0 {
			t.Errorf("request 0: stream wrote nothing")
		}
		text := out.Output.(*types.ConverseOutputMemberMessage).Value.Content[0].(*types.ContentBlockMemberText).Value
		if text != s.text || out.StopReason != s.stop {
			t.Errorf("request %d: converse %q/%s, stream %q/%s", i, text, out.StopReason, s.text, s.stop)
		}
	}
}

// TestStreamWireFormat decodes a raw ConverseStream body: event-stream
// framing, headers, event order, and the varying "p" padding.
func TestStreamWireFormat(t *testing.T) {
	h := startHarness(t, Options{})
	path := "/model/" + strings.ReplaceAll(sonnet45, ":", "%3A") + "/converse-stream"
	body := `{"messages":[{"content":[{"text":"` + txt("x", 1400) + `"},{"cachePoint":{"type":"default"}}],"role":"user"}]}`
	resp, raw := rawPost(t, h.srv.URL(), path, fakeSigV4, []byte(body))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.amazon.eventstream" {
		t.Fatalf("status %d content-type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	dec := eventstream.NewDecoder()
	r := bytes.NewReader(raw)
	var types []string
	pads := map[int]bool{}
	var last map[string]json.RawMessage
	for {
		msg, err := dec.Decode(r, nil)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if v := msg.Headers.Get(":message-type"); v == nil || v.String() != "event" {
			t.Fatalf(":message-type %v", v)
		}
		if v := msg.Headers.Get(":content-type"); v == nil || v.String() != "application/json" {
			t.Fatalf(":content-type %v", v)
		}
		et := msg.Headers.Get(":event-type").String()
		types = append(types, et)
		var payload map[string]json.RawMessage
		if err := json.Unmarshal(msg.Payload, &payload); err != nil {
			t.Fatalf("%s payload: %v", et, err)
		}
		var p string
		if err := json.Unmarshal(payload["p"], &p); err != nil || p == "" || !strings.HasPrefix(padAlphabet, p) {
			t.Fatalf("%s: bad padding %s", et, payload["p"])
		}
		pads[len(p)] = true
		last = payload
	}
	if types[0] != "messageStart" || types[len(types)-1] != "metadata" || types[len(types)-2] != "messageStop" ||
		types[len(types)-3] != "contentBlockStop" || types[1] != "contentBlockDelta" {
		t.Fatalf("event order %v", types)
	}
	if len(pads) < 3 {
		t.Errorf("padding lengths do not vary: %v", pads)
	}
	usage := string(last["usage"])
	if !strings.HasPrefix(usage, `{"cacheDetails":[{"inputTokens":1400,"ttl":"5m"}],"cacheReadInputTokenCount":0,"cacheReadInputTokens":0,"cacheWriteInputTokenCount":1400,"cacheWriteInputTokens":1400,"inputTokens":3,`) ||
		strings.Contains(usage, "serverToolUsage") {
		t.Errorf("metadata usage %s", usage)
	}
	if !strings.HasPrefix(string(last["metrics"]), `{"latencyMs":`) {
		t.Errorf("metadata metrics %s", last["metrics"])
	}
}

// TestStreamErrorsBeforeStream checks that a bad ConverseStream request gets
// the same typed error as Converse.
func TestStreamErrorsBeforeStream(t *testing.T) {
	h := startHarness(t, Options{})
	_, err := callStream(t, h.c, &bedrockruntime.ConverseInput{ModelId: aws.String(novaLite),
		ToolConfig: &types.ToolConfiguration{Tools: []types.Tool{tool("t", "d"), toolCP()}}, Messages: msgs(user(text("q")))})
	var ve *types.ValidationException
	if !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(), "#/toolConfig/tools/1:") {
		t.Fatalf("got %v, want the Nova tool-checkpoint ValidationException", err)
	}
}

// TestClockInterface checks the in-process clock API.
func TestClockInterface(t *testing.T) {
	base := NewManualClock(DefaultStart)
	emu, err := New(Options{Clock: base})
	if err != nil {
		t.Fatal(err)
	}
	emu.Advance(time.Minute)
	base.Advance(time.Minute)
	if got := emu.Clock().Now(); !got.Equal(DefaultStart.Add(2 * time.Minute)) {
		t.Fatalf("Now = %v", got)
	}
	if _, err := New(Options{Profiles: []string{"no-such-profile"}}); err == nil {
		t.Fatal("unknown profile accepted")
	}
	if _, err := New(Options{CharsPerToken: -1}); err == nil {
		t.Fatal("negative ratio accepted")
	}
}
