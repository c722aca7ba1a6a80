package suites_test

import (
	"context"
	"fmt"

	. "github.com/onsi/ginkgo/v2"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/request"
	"github.com/cachecascade/cachecascade/suites/framework"
	"github.com/cachecascade/cachecascade/verdict"
)

// conversationTurns is how many turns the conversation spec runs.
const conversationTurns = 4

// turnRequest is turn k of a conversation with the CONVERSATION_HISTORY
// checkpoint. Without look-back the previous turn's entry is found only at
// a checkpoint, so for such a model a checkpoint stays where the previous
// turn put it, as an application must keep it.
func turnRequest(cell matrix.Cell, full fixtures.Set, k int) *request.Request {
	GinkgoHelper()
	turn := full.Turn(k)
	r, err := request.Build(cell.Model, cell.Via(), turn)
	framework.ExpectNoError(err, "building turn ", k)
	if k > 1 && cell.Model.LookBackBlocks == 0 {
		framework.ExpectNoError(r.MarkMessage(len(turn.Messages)-3, matrix.TTLDefault), "keeping the previous turn's checkpoint")
	}
	_, err = r.Apply(matrix.ConversationHistory, matrix.TTLDefault)
	framework.ExpectNoError(err, "placing CONVERSATION_HISTORY")
	return r
}

var _ = Describe("conversation history", func() {
	area := framework.AreaConversation
	DescribeTable(fmt.Sprintf("each of %d turns reads the previous turn's prefix and writes only the new part", conversationTurns),
		func(ctx context.Context, cell matrix.Cell) {
			s := run.Open(ctx, area, cell, "incremental")
			m := cell.Model
			material := func(name string) fixtures.Set {
				return fixtures.Build(fixtures.Spec{Seed: seed(cell, "conversation/"+m.Key) + name, Estimate: estimate(m), SystemBlocks: 1, SystemTokens: m.MinTokens * 3 / 2,
					Turns: conversationTurns, TurnTokens: 250, Salt: run.Salt})
			}
			full := material("")
			prime, _, _ := primed(ctx, s, turnRequest(cell, full, 1), "turn 1")
			previous := prime.Usage.Read + prime.Usage.Write
			for k := 2; k <= conversationTurns; k++ {
				r := turnRequest(cell, full, k)
				c := s.Send(ctx, fmt.Sprintf("turn %d", k), r)
				size := c.Usage.Read + c.Usage.Write
				// A turn that missed the previous turn's entry the way the
				// service's noise misses (another Region's cache) is
				// settled by twins: this turn with another last message,
				// after the previous turn again (framework.Evidence).
				obs := func(x framework.Call) verdict.Observation {
					return verdict.Observation{Usage: x.Usage, Err: x.Err, Checkpoints: r.Layers()}
				}
				d, unsettled := s.SettleWith(c, framework.Evidence{
					Source: turnRequest(cell, full, k-1),
					Twin: func(n int) *request.Request {
						return turnRequest(cell, twinTurn(full, material(fmt.Sprintf("/twin-%d", n)), k), k)
					},
					Miss: func(x framework.Call) bool { return framework.TurnMiss(previous, obs(x)) },
				})
				f := verdict.JudgeTurn(previous, obs(d))
				if !f.OK() {
					f.Reason += unsettled
				}
				s.Conclude(c.Step, f)
				// The next turn reads what this turn's own request cached.
				previous = size
			}
		}, framework.Entries(area, area.Cells(models(), matrix.ConversationHistory)))
})

// twinTurn is turn k of full with its last user message taken from other:
// the same prefix through the previous turn, new material after it.
func twinTurn(full, other fixtures.Set, k int) fixtures.Set {
	out := full.Turn(k)
	out.Messages[len(out.Messages)-1] = other.Turn(k).Messages[2*k-2]
	return out
}
