// Package request is one logical Bedrock runtime request, written once and
// sent through any of the four APIs a cell names: Converse and
// ConverseStream take a ConverseInput with cachePoint blocks; InvokeModel
// and InvokeModelWithResponseStream take the model's own body (package
// invoke). A Request is built from fixtures for a model and an API, takes a
// strategy's checkpoints and hand-placed ones the same way whatever the
// API, lists its checkpoints and the rejections matrix.Validate predicts
// for them, serializes to the bytes the API would carry, and Send returns
// the usage the API reported, streams read to their end.
//
// It is what a spec is written against, so that the API is a dimension of
// a cell and never a second copy of a spec. Like matrix and invoke it
// imports no test framework and never the emulator.
package request

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/invoke"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
	"github.com/cachecascade/cachecascade/wire"
)

// Request is one logical request to a model through one API. Exactly one
// of Converse and Body is set, as the API says.
type Request struct {
	// Model is the model the request is for.
	Model matrix.Model
	// API is the API it goes through.
	API matrix.API
	// Converse is the request of Converse and ConverseStream.
	Converse *bedrockruntime.ConverseInput
	// Body is the body of InvokeModel and InvokeModelWithResponseStream.
	Body invoke.Marker
}

// Build returns the request for model m through api carrying the whole
// Set, with no checkpoints. Every call returns fresh values.
func Build(m matrix.Model, api matrix.API, s fixtures.Set) (*Request, error) {
	if _, err := matrix.ParseAPI(string(api)); err != nil {
		return nil, err
	}
	if !m.Supports(api) {
		return nil, fmt.Errorf("request: model %s has no %s request", m.Key, api.Operation())
	}
	r := &Request{Model: m, API: api}
	if !api.InvokesModel() {
		r.Converse = s.Input(m.ModelID())
		return r, nil
	}
	b, err := invoke.Build(m, s)
	if err != nil {
		return nil, err
	}
	mk, ok := b.(invoke.Marker)
	if !ok {
		return nil, fmt.Errorf("request: the %T body of %s cannot take hand-placed checkpoints", b, m.Key)
	}
	r.Body = mk
	return r, nil
}

// marker is what both request shapes can do with checkpoints.
type marker interface {
	matrix.Placeable
	MarkSystem(i int, ttl matrix.TTL) error
	MarkMessage(i int, ttl matrix.TTL) error
	MarkSystemFirst(ttl matrix.TTL) error
}

// body returns the request's body as a marker.
func (r *Request) body() marker {
	if r.Body != nil {
		return r.Body
	}
	return matrix.ConverseBody{In: r.Converse}
}

// Apply places strategy s's checkpoints, each with ttl, by
// matrix.Strategy.Place's rules (a *matrix.TooManyCheckpointsError leaves
// the request unchanged).
func (r *Request) Apply(s matrix.Strategy, ttl matrix.TTL) (matrix.Placement, error) {
	if r.Converse != nil {
		// Apply also refuses a TTL this build's SDK cannot carry.
		return s.Apply(r.Converse, ttl)
	}
	return s.Place(r.Body, ttl)
}

// MarkSystem places a checkpoint with ttl closing system block i, beyond
// any strategy.
func (r *Request) MarkSystem(i int, ttl matrix.TTL) error { return r.body().MarkSystem(i, ttl) }

// MarkMessage places a checkpoint with ttl closing message i.
func (r *Request) MarkMessage(i int, ttl matrix.TTL) error { return r.body().MarkMessage(i, ttl) }

// MarkSystemFirst places a checkpoint with nothing before it, ahead of every
// system block. An Anthropic body cannot carry one: invoke.ErrNotExpressible.
func (r *Request) MarkSystemFirst(ttl matrix.TTL) error { return r.body().MarkSystemFirst(ttl) }

// Checkpoints lists the request's checkpoints in the order the service reads
// them: tools, system, messages.
func (r *Request) Checkpoints() []matrix.Checkpoint { return r.body().Checkpoints() }

// Layers returns the layers of the checkpoints the model caches, in prefix
// order: what the cascade rule speaks of.
func (r *Request) Layers() []prefix.Layer { return r.Model.Effective(r.Checkpoints()) }

// Rejections returns every rejection matrix.Validate predicts for the
// request's checkpoints, and for an InvokeModel body what it carries beside
// them (invoke.Validate), the one the service reports first; none predicts
// that the request is accepted.
func (r *Request) Rejections() []matrix.Rejection {
	if r.Body != nil {
		return invoke.Validate(r.Model, r.Body)
	}
	return matrix.ValidateCheckpoints(r.Model, r.Checkpoints())
}

// anthropic returns the request's Anthropic Messages body, or
// invoke.ErrNotExpressible naming what needs one.
func (r *Request) anthropic(what string) (*invoke.Anthropic, error) {
	if b, ok := r.Body.(*invoke.Anthropic); ok {
		return b, nil
	}
	return nil, fmt.Errorf("%w: %s needs the Anthropic InvokeModel body; %s of %s has none", invoke.ErrNotExpressible, what, r.API.Operation(), r.Model.Key)
}

// Automatic turns on automatic caching with ttl: a top-level cache_control
// in the Anthropic body of InvokeModel on Claude, which counts as a
// checkpoint on the last block of the prompt. Other requests cannot carry
// it: invoke.ErrNotExpressible.
func (r *Request) Automatic(ttl matrix.TTL) error {
	b, err := r.anthropic("automatic caching")
	if err != nil {
		return err
	}
	b.Automatic(ttl)
	return nil
}

// SetAnthropicVersion sets the anthropic_version of the Anthropic body
// (invoke.AnthropicVersion unless set). Other requests have none:
// invoke.ErrNotExpressible.
func (r *Request) SetAnthropicVersion(v string) error {
	b, err := r.anthropic("anthropic_version")
	if err != nil {
		return err
	}
	b.AnthropicVersion = v
	return nil
}

// AddDocument appends a document block of format f ("txt", "pdf", ...)
// holding data to message i, so that a checkpoint placed on message i
// afterwards sits right after it: a Converse document block, or an
// Anthropic document block (formats "txt" and "pdf"), or a Nova document
// entry.
func (r *Request) AddDocument(i int, f, data string) error {
	if n, ok := r.Body.(*invoke.Nova); ok {
		return n.AddDocument(i, f, data)
	}
	if r.Body != nil {
		b, err := r.anthropic("a document block")
		if err != nil {
			return err
		}
		return b.AddDocument(i, f, data)
	}
	if i < 0 || i >= len(r.Converse.Messages) {
		return fmt.Errorf("request: no message %d", i)
	}
	doc := &types.ContentBlockMemberDocument{Value: types.DocumentBlock{Format: types.DocumentFormat(f),
		Name: aws.String("document"), Source: &types.DocumentSourceMemberBytes{Value: []byte(data)}}}
	m := &r.Converse.Messages[i]
	m.Content = append(m.Content, doc)
	return nil
}

// AddReasoning puts a reasoning block (text and signature) first in
// assistant message i of a Converse request. The InvokeModel bodies here
// carry no reasoning blocks: invoke.ErrNotExpressible.
func (r *Request) AddReasoning(i int, text, signature string) error {
	if r.Body != nil {
		return fmt.Errorf("%w: a reasoning block in the %s body of %s", invoke.ErrNotExpressible, r.API.Operation(), r.Model.Key)
	}
	if i < 0 || i >= len(r.Converse.Messages) || r.Converse.Messages[i].Role != types.ConversationRoleAssistant {
		return fmt.Errorf("request: message %d is not an assistant turn", i)
	}
	reasoning := &types.ContentBlockMemberReasoningContent{Value: &types.ReasoningContentBlockMemberReasoningText{
		Value: types.ReasoningTextBlock{Text: aws.String(text), Signature: aws.String(signature)}}}
	m := &r.Converse.Messages[i]
	m.Content = append([]types.ContentBlock{reasoning}, m.Content...)
	return nil
}

// Wire returns the bytes the API would carry as the request body: the SDK's
// serialization of the ConverseInput (captured, never sent), or the
// InvokeModel body as marshalled.
func (r *Request) Wire(ctx context.Context) ([]byte, error) {
	if r.Body != nil {
		return r.Body.Marshal()
	}
	w, err := wire.Converse(ctx, r.Converse)
	if err != nil {
		return nil, err
	}
	return w.Body, nil
}

// As returns the same request through another API that takes the same
// body: Converse and ConverseStream share a ConverseInput, InvokeModel and
// its stream share a body. The two share their checkpoints.
func (r *Request) As(api matrix.API) (*Request, error) {
	if api.InvokesModel() != r.API.InvokesModel() {
		return nil, fmt.Errorf("request: a %s request cannot go through %s", r.API.Operation(), api.Operation())
	}
	c := *r
	c.API = api
	return &c, nil
}
