package framework

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	. "github.com/onsi/ginkgo/v2"

	"github.com/cachecascade/cachecascade/invoke"
)

// SetAPI names the Bedrock API the spec calls in its report row
// (report.APIConverse, report.APIConverseStream or report.APIInvoke); Open
// starts every row as report.APIConverse.
func (s *Spec) SetAPI(api string) { s.row.API = api }

// Invoke sends body through InvokeModel to the spec's model as the named
// step and tallies the usage of its response (see invoke.Usage).
func (s *Spec) Invoke(ctx context.Context, step string, body invoke.Body) Call {
	GinkgoHelper()
	s.checkBudget(step)
	By(step + " (InvokeModel)")
	raw, err := body.Marshal()
	ExpectNoError(err, step)
	out, err := s.Client.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{
		ModelId: aws.String(s.Model.ModelID()), Body: raw,
		ContentType: aws.String(invoke.ContentType), Accept: aws.String(invoke.ContentType),
	})
	c := Call{Step: step, Err: explain(err, s.Model, s.Run.Region)}
	if err == nil {
		c.Usage, c.Err = invoke.Usage(s.Model.Family, out.Body)
	}
	s.tally(c)
	return c
}

// InvokeStream sends body through InvokeModelWithResponseStream as the
// named step, reads the whole stream and returns the usage its chunks
// report (see invoke.StreamUsage).
func (s *Spec) InvokeStream(ctx context.Context, step string, body invoke.Body) Call {
	GinkgoHelper()
	s.checkBudget(step)
	By(step + " (InvokeModelWithResponseStream)")
	raw, err := body.Marshal()
	ExpectNoError(err, step)
	c := Call{Step: step}
	out, err := s.Client.InvokeModelWithResponseStream(ctx, &bedrockruntime.InvokeModelWithResponseStreamInput{
		ModelId: aws.String(s.Model.ModelID()), Body: raw,
		ContentType: aws.String(invoke.ContentType), Accept: aws.String(invoke.ContentType),
	})
	if err != nil {
		c.Err = explain(err, s.Model, s.Run.Region)
		s.tally(c)
		return c
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
		c.Err = err
	} else if len(chunks) == 0 {
		c.Err = fmt.Errorf("the stream ended without a chunk")
	} else {
		c.Usage, c.Err = invoke.StreamUsage(s.Model.Family, chunks)
	}
	s.tally(c)
	return c
}
