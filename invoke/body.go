package invoke

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
)

// ContentType is the content type of every body this package builds, and
// the Accept of the responses it reads.
const ContentType = "application/json"

// Body is an InvokeModel request body: *Anthropic or *Nova.
type Body interface {
	// Checkpoints lists the body's checkpoints in the order the service
	// reads them: tools, system, messages. For an Anthropic body a
	// checkpoint's Index is the block carrying cache_control and
	// Preceding counts the blocks through it, and automatic caching's
	// breakpoint comes last, on the last block; for a Nova body they mean
	// what they mean on a ConverseInput.
	Checkpoints() []matrix.Checkpoint
	// Marshal returns the body as sent.
	Marshal() ([]byte, error)
	// Mark returns how a strategy's checkpoint closing layer l would be
	// placed (see matrix.Placeable): a Body is placed on by
	// matrix.Strategy.Place, with the same rules and limits as a
	// ConverseInput.
	Mark(l prefix.Layer, ttl matrix.TTL) matrix.Marking
	// Envelope returns what the body carries beside its checkpoints that
	// the service validates with them (an Anthropic body's
	// anthropic_version).
	Envelope() matrix.Envelope
}

// Build returns the body for model m carrying the whole Set, with no
// checkpoints: an Anthropic Messages body for Claude, a Nova native body
// for Nova. Every call returns fresh values.
func Build(m matrix.Model, s fixtures.Set) (Body, error) {
	switch m.Family {
	case matrix.Claude:
		return NewAnthropic(s), nil
	case matrix.Nova:
		return NewNova(s), nil
	}
	return nil, fmt.Errorf("invoke: no InvokeModel body for family %q of model %s", m.Family, m.Key)
}

// Validate predicts every rejection the service would give b on model m,
// first the one it reports, as matrix.Validate does for a ConverseInput: a
// tools checkpoint on Nova, a one-hour TTL where the model has none, more
// than four checkpoints, one hour after five minutes, with the service's
// messages; and what only these bodies carry (matrix.ValidateRequest): an
// anthropic_version or automatic caching the model does not take.
func Validate(m matrix.Model, b Body) []matrix.Rejection {
	return matrix.ValidateRequest(m, b.Envelope(), b.Checkpoints())
}

// writtenBody is a body with its own JSON writer (see write.go).
type writtenBody interface {
	appendJSON(dst []byte) ([]byte, bool)
	size() int
}

// marshalWritten returns b's JSON from its writer, or from encoding/json
// when b holds a field the writer leaves to it.
func marshalWritten(b writtenBody) ([]byte, error) {
	if out, ok := b.appendJSON(make([]byte, 0, b.size())); ok {
		return out, nil
	}
	return marshal(b)
}

// marshal is json.Marshal with the package's error prefix. Map keys (tool
// schemas) come out sorted, so a body serializes to the same bytes every
// time.
func marshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("invoke: %w", err)
	}
	return b, nil
}

// Marker places checkpoints by hand, beyond a strategy: on both bodies,
// MarkSystem closes system block i (counting text blocks only) and
// MarkMessage closes the last block of message i, each with ttl;
// MarkSystemFirst puts a checkpoint before every system block, where the
// body's format can say so. Specs use it to reach counts a strategy never
// places (four, five) and checkpoints the service rejects.
type Marker interface {
	Body
	MarkSystem(i int, ttl matrix.TTL) error
	MarkMessage(i int, ttl matrix.TTL) error
	MarkSystemFirst(ttl matrix.TTL) error
}

// ErrNotExpressible is returned by a Marker asked for a checkpoint its
// body's format cannot carry, such as one with nothing before it in an
// Anthropic body, where cache_control sits on the block it closes.
var ErrNotExpressible = errors.New("invoke: the body's format cannot express this checkpoint")

var (
	_ Marker = (*Anthropic)(nil)
	_ Marker = (*Nova)(nil)
)
