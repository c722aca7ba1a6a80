package request

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/cachecascade/cachecascade/invoke"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/usage"
)

// APIOfPath returns the API of a Bedrock runtime request path, such as
// /model/<id>/converse-stream, and false for a path of no operation this
// package sends.
func APIOfPath(path string) (matrix.API, bool) {
	suffixes := map[string]matrix.API{
		"/converse": matrix.Converse, "/converse-stream": matrix.ConverseStream,
		"/invoke": matrix.Invoke, "/invoke-with-response-stream": matrix.InvokeStream,
	}
	for s, api := range suffixes {
		if strings.HasSuffix(path, s) {
			return api, true
		}
	}
	return "", false
}

// Recorded reads the usage of a response body as the wire carried it, such
// as a cassette holds it: Converse's JSON, the metadata event of a
// ConverseStream, an InvokeModel body of family f, or the chunks of an
// InvokeModelWithResponseStream. It decodes each with the code a live call
// uses (the SDK's TokenUsage and usage.FromSDK, invoke.Usage and
// invoke.StreamUsage), so a recorded and a live call are read alike.
func Recorded(api matrix.API, f matrix.Family, body []byte) (usage.Usage, error) {
	switch api {
	case matrix.Converse:
		return converseUsage(body)
	case matrix.Invoke:
		return invoke.Usage(f, body)
	}
	var payloads [][]byte
	dec := eventstream.NewDecoder()
	r := bytes.NewReader(body)
	for {
		msg, err := dec.Decode(r, nil)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return usage.Usage{}, fmt.Errorf("request: undecodable event stream: %w", err)
		}
		if h := msg.Headers.Get(":event-type"); h != nil && (h.String() == "metadata" || h.String() == "chunk") {
			payloads = append(payloads, msg.Payload)
		}
	}
	if api == matrix.ConverseStream {
		if len(payloads) == 0 {
			return usage.Usage{}, fmt.Errorf("%w: no metadata event", ErrNoUsage)
		}
		return converseUsage(payloads[len(payloads)-1])
	}
	var chunks [][]byte
	for _, p := range payloads {
		var c struct {
			Bytes []byte `json:"bytes"`
		}
		if err := json.Unmarshal(p, &c); err != nil {
			return usage.Usage{}, fmt.Errorf("request: undecodable chunk: %w", err)
		}
		chunks = append(chunks, c.Bytes)
	}
	if len(chunks) == 0 {
		return usage.Usage{}, fmt.Errorf("%w: no chunk", ErrNoUsage)
	}
	return invoke.StreamUsage(f, chunks)
}

// converseUsage reads the usage object of a Converse response or a
// ConverseStream metadata event into the SDK's TokenUsage, whose field
// names are the wire's.
func converseUsage(body []byte) (usage.Usage, error) {
	var r struct {
		Usage *types.TokenUsage `json:"usage"`
	}
	if err := json.Unmarshal(body, &r); err != nil || r.Usage == nil {
		return usage.Usage{}, fmt.Errorf("request: the response has no usage object")
	}
	return usage.FromSDK(r.Usage), nil
}
