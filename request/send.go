package request

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/cachecascade/cachecascade/invoke"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/usage"
)

// ErrNoUsage is returned when a stream ended without reporting usage (no
// metadata event, no chunk).
var ErrNoUsage = errors.New("request: the stream ended without reporting usage")

// Send sends r through its API with client and returns the usage the
// response reports: Converse's usage, the final metadata event of a
// ConverseStream, the usage of an InvokeModel body, or the chunks of an
// InvokeModelWithResponseStream (see invoke.Usage and invoke.StreamUsage).
// Streams are read to their end. The error is the SDK's, unchanged, so
// that errors.As finds the service's typed exceptions.
func Send(ctx context.Context, client *bedrockruntime.Client, r *Request) (usage.Usage, error) {
	switch r.API {
	case matrix.Converse:
		out, err := client.Converse(ctx, r.Converse)
		if err != nil {
			return usage.Usage{}, err
		}
		return usage.FromSDK(out.Usage), nil
	case matrix.ConverseStream:
		return converseStream(ctx, client, r.Converse)
	case matrix.Invoke:
		return invokeModel(ctx, client, r)
	case matrix.InvokeStream:
		return invokeStream(ctx, client, r)
	}
	return usage.Usage{}, fmt.Errorf("request: unknown API %q", r.API)
}

// converseStream sends in through ConverseStream and returns the usage of
// the stream's metadata event.
func converseStream(ctx context.Context, client *bedrockruntime.Client, in *bedrockruntime.ConverseInput) (usage.Usage, error) {
	out, err := client.ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{
		ModelId: in.ModelId, Messages: in.Messages, System: in.System, ToolConfig: in.ToolConfig,
		InferenceConfig: in.InferenceConfig, AdditionalModelRequestFields: in.AdditionalModelRequestFields,
	})
	if err != nil {
		return usage.Usage{}, err
	}
	stream := out.GetStream()
	defer stream.Close()
	var u usage.Usage
	metadata := false
	for ev := range stream.Events() {
		if m, ok := ev.(*types.ConverseStreamOutputMemberMetadata); ok {
			u, metadata = usage.FromSDK(m.Value.Usage), true
		}
	}
	if err := stream.Err(); err != nil {
		return usage.Usage{}, err
	}
	if !metadata {
		return usage.Usage{}, fmt.Errorf("%w: no metadata event", ErrNoUsage)
	}
	return u, nil
}

// invokeModel sends r's body through InvokeModel and reads the usage of the
// response body.
func invokeModel(ctx context.Context, client *bedrockruntime.Client, r *Request) (usage.Usage, error) {
	raw, err := r.Body.Marshal()
	if err != nil {
		return usage.Usage{}, err
	}
	out, err := client.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{
		ModelId: aws.String(r.Model.ModelID()), Body: raw,
		ContentType: aws.String(invoke.ContentType), Accept: aws.String(invoke.ContentType),
	})
	if err != nil {
		return usage.Usage{}, err
	}
	return invoke.Usage(r.Model.Family, out.Body)
}

// invokeStream sends r's body through InvokeModelWithResponseStream and
// reads the usage its chunks report.
func invokeStream(ctx context.Context, client *bedrockruntime.Client, r *Request) (usage.Usage, error) {
	raw, err := r.Body.Marshal()
	if err != nil {
		return usage.Usage{}, err
	}
	out, err := client.InvokeModelWithResponseStream(ctx, &bedrockruntime.InvokeModelWithResponseStreamInput{
		ModelId: aws.String(r.Model.ModelID()), Body: raw,
		ContentType: aws.String(invoke.ContentType), Accept: aws.String(invoke.ContentType),
	})
	if err != nil {
		return usage.Usage{}, err
	}
	stream := out.GetStream()
	defer stream.Close()
	var chunks [][]byte
	for ev := range stream.Events() {
		if ch, ok := ev.(*types.ResponseStreamMemberChunk); ok {
			chunks = append(chunks, ch.Value.Bytes)
		}
	}
	if err := stream.Err(); err != nil {
		return usage.Usage{}, err
	}
	if len(chunks) == 0 {
		return usage.Usage{}, fmt.Errorf("%w: no chunk", ErrNoUsage)
	}
	return invoke.StreamUsage(r.Model.Family, chunks)
}
