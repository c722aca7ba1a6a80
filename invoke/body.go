package invoke

import (
	"encoding/json"
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
	// Preceding counts the blocks through it; for a Nova body they mean
	// what they mean on a ConverseInput.
	Checkpoints() []matrix.Checkpoint
	// Marshal returns the body as sent.
	Marshal() ([]byte, error)

	// mark returns how the strategy's checkpoint for layer l would be
	// placed: skipped when the layer has nothing to close, done when it
	// already ends in a checkpoint.
	mark(l prefix.Layer, ttl matrix.TTL) (m marking)
}

// marking is one checkpoint a strategy would place.
type marking struct {
	skipped, done bool
	where         matrix.Checkpoint
	place         func()
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

// Apply places strategy s's checkpoints on b, each with the given TTL
// (matrix.TTLDefault for none), with Strategy.Apply's rules: it counts the
// checkpoints the caller already placed, does not add one where the layer
// already ends in one, and returns a *matrix.TooManyCheckpointsError,
// changing nothing, when adding its checkpoints would take the total over
// matrix.MaxCheckpoints.
func Apply(s matrix.Strategy, b Body, ttl matrix.TTL) (matrix.Placement, error) {
	if _, err := matrix.ParseStrategy(string(s)); err != nil {
		return matrix.Placement{}, err
	}
	if b == nil {
		return matrix.Placement{}, fmt.Errorf("invoke: %s: nil body", s)
	}
	if ttl != matrix.TTLDefault && ttl != matrix.TTLFiveMinute && ttl != matrix.TTLOneHour {
		return matrix.Placement{}, fmt.Errorf("invoke: unknown ttl %q", ttl)
	}
	p := matrix.Placement{Existing: len(b.Checkpoints())}
	var steps []marking
	for _, l := range s.Layers() {
		m := b.mark(l, ttl)
		switch {
		case m.skipped:
			p.Skipped = append(p.Skipped, l)
		case !m.done:
			steps = append(steps, m)
		}
	}
	if len(steps) > 0 && p.Existing+len(steps) > matrix.MaxCheckpoints {
		return matrix.Placement{}, &matrix.TooManyCheckpointsError{Strategy: s, Existing: p.Existing, Adding: len(steps)}
	}
	for _, st := range steps {
		st.place()
		p.Placed = append(p.Placed, st.where)
	}
	return p, nil
}

// Validate predicts every rejection the service would give b's checkpoints
// on model m, first the one it reports, as matrix.Validate does for a
// ConverseInput: a tools checkpoint on Nova, a one-hour TTL where the model
// has none, more than four checkpoints, one hour after five minutes, with
// the service's messages.
func Validate(m matrix.Model, b Body) []matrix.Rejection {
	return matrix.ValidateCheckpoints(m, b.Checkpoints())
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
// MarkMessage closes the last block of message i, each with ttl. Specs use
// it to reach counts a strategy never places (four, five).
type Marker interface {
	Body
	MarkSystem(i int, ttl matrix.TTL)
	MarkMessage(i int, ttl matrix.TTL)
}

var (
	_ Marker = (*Anthropic)(nil)
	_ Marker = (*Nova)(nil)
)
