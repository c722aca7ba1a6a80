package matrix

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/cachecascade/cachecascade/prefix"
)

// Placeable is a request body a strategy can place checkpoints on: a
// Converse request (ConverseBody) or an InvokeModel body (package invoke).
// Place holds the one placement algorithm; a body only says where a
// checkpoint closing a layer would go.
type Placeable interface {
	// Checkpoints lists the body's checkpoints in the order the service
	// reads them: tools, system, messages.
	Checkpoints() []Checkpoint
	// Mark returns how a checkpoint with ttl closing layer l would be
	// placed, without placing it.
	Mark(l prefix.Layer, ttl TTL) Marking
}

// Marking is how one checkpoint would be placed on a body.
type Marking struct {
	// Skipped is true when the layer has nothing to close (no tools, no
	// system block, no user message).
	Skipped bool
	// Done is true when the layer already ends in a checkpoint.
	Done bool
	// Where is the checkpoint that Place would add.
	Where Checkpoint
	// Place adds it.
	Place func()
}

// Place puts the strategy's checkpoints on b, each with the given TTL
// (TTLDefault for none). It counts the checkpoints the caller already
// placed, and does not add one where the layer already ends in a
// checkpoint. If adding its checkpoints would take the total over
// MaxCheckpoints it returns a *TooManyCheckpointsError and changes nothing;
// a request the caller already took over the limit, or a TTL the service
// does not know, is left to Validate to predict.
func (s Strategy) Place(b Placeable, ttl TTL) (Placement, error) {
	if _, err := ParseStrategy(string(s)); err != nil {
		return Placement{}, err
	}
	if b == nil {
		return Placement{}, fmt.Errorf("matrix: %s: nil body", s)
	}
	p := Placement{Existing: len(b.Checkpoints())}
	var steps []Marking
	for _, l := range s.Layers() {
		m := b.Mark(l, ttl)
		switch {
		case m.Skipped:
			p.Skipped = append(p.Skipped, l)
		case !m.Done:
			steps = append(steps, m)
		}
	}
	if len(steps) > 0 && p.Existing+len(steps) > MaxCheckpoints {
		return Placement{}, &TooManyCheckpointsError{Strategy: s, Existing: p.Existing, Adding: len(steps)}
	}
	for _, st := range steps {
		st.Place()
		p.Placed = append(p.Placed, st.Where)
	}
	return p, nil
}

// ConverseBody makes a Converse request Placeable.
type ConverseBody struct {
	In *bedrockruntime.ConverseInput
}

// Checkpoints lists the request's checkpoints (see Checkpoints).
func (c ConverseBody) Checkpoints() []Checkpoint { return Checkpoints(c.In) }

// Mark returns how a cachePoint block with ttl closing layer l would be
// appended: after the last tool, the last system block, or the last block
// of the last user message. A TTL this build's SDK cannot carry marks the
// layer skipped (Strategy.Apply reports it as an error first).
func (c ConverseBody) Mark(l prefix.Layer, ttl TTL) Marking {
	in := c.In
	point, err := newCachePoint(ttl)
	if err != nil {
		return Marking{Skipped: true}
	}
	where := Checkpoint{Layer: l, Message: -1, TTL: ttl}
	switch l {
	case prefix.Tools:
		if in.ToolConfig == nil || len(in.ToolConfig.Tools) == 0 {
			return Marking{Skipped: true}
		}
		tools := in.ToolConfig.Tools
		if _, done := tools[len(tools)-1].(*types.ToolMemberCachePoint); done {
			return Marking{Done: true}
		}
		where.Index, where.Preceding = len(tools), len(tools)
		return Marking{Where: where, Place: func() {
			in.ToolConfig.Tools = append(in.ToolConfig.Tools, &types.ToolMemberCachePoint{Value: point})
		}}
	case prefix.System:
		if len(in.System) == 0 {
			return Marking{Skipped: true}
		}
		if _, done := in.System[len(in.System)-1].(*types.SystemContentBlockMemberCachePoint); done {
			return Marking{Done: true}
		}
		where.Index, where.Preceding = len(in.System), len(in.System)
		return Marking{Where: where, Place: func() {
			in.System = append(in.System, &types.SystemContentBlockMemberCachePoint{Value: point})
		}}
	}
	m := lastUserMessage(in.Messages)
	if m < 0 || len(in.Messages[m].Content) == 0 {
		return Marking{Skipped: true}
	}
	content := in.Messages[m].Content
	if _, done := content[len(content)-1].(*types.ContentBlockMemberCachePoint); done {
		return Marking{Done: true}
	}
	where.Message, where.Index, where.Preceding = m, len(content), len(content)
	return Marking{Where: where, Place: func() {
		in.Messages[m].Content = append(in.Messages[m].Content, &types.ContentBlockMemberCachePoint{Value: point})
	}}
}

// MarkSystem inserts a checkpoint with ttl after system block i, counting
// the blocks that are not checkpoints, beyond any strategy (to reach counts
// a strategy never places).
func (c ConverseBody) MarkSystem(i int, ttl TTL) error {
	point, err := newCachePoint(ttl)
	if err != nil {
		return err
	}
	n := -1
	for pos, b := range c.In.System {
		if _, cp := b.(*types.SystemContentBlockMemberCachePoint); cp {
			continue
		}
		if n++; n == i {
			rest := append([]types.SystemContentBlock{&types.SystemContentBlockMemberCachePoint{Value: point}}, c.In.System[pos+1:]...)
			c.In.System = append(c.In.System[:pos+1:pos+1], rest...)
			return nil
		}
	}
	return fmt.Errorf("matrix: no system block %d", i)
}

// MarkMessage appends a checkpoint with ttl to message i.
func (c ConverseBody) MarkMessage(i int, ttl TTL) error {
	point, err := newCachePoint(ttl)
	if err != nil {
		return err
	}
	if i < 0 || i >= len(c.In.Messages) {
		return fmt.Errorf("matrix: no message %d", i)
	}
	c.In.Messages[i].Content = append(c.In.Messages[i].Content, &types.ContentBlockMemberCachePoint{Value: point})
	return nil
}

// MarkSystemFirst puts a checkpoint before every system block, where it has
// nothing before it.
func (c ConverseBody) MarkSystemFirst(ttl TTL) error {
	point, err := newCachePoint(ttl)
	if err != nil {
		return err
	}
	c.In.System = append([]types.SystemContentBlock{&types.SystemContentBlockMemberCachePoint{Value: point}}, c.In.System...)
	return nil
}
