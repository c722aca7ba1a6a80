package discovery

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
)

// maxCheckpointsTried is the most checkpoints the checkpoints step tries.
const maxCheckpointsTried = 8

// layerShape is a small request with one checkpoint in layer l (or, with
// cp false, the same request without it).
func (s *state) layerShape(l prefix.Layer, cp bool) shape {
	head := piece{text: s.fresh() + "You answer in one word.", cp: cp && l != prefix.Tools}
	if l == prefix.Tools {
		return shape{layer: prefix.System, head: []piece{head}, tool: true, toolCP: cp}
	}
	return shape{layer: l, head: []piece{head}}
}

// layers sends a small checkpoint in each layer: a rejection means the
// layer does not accept one. Sized probes then use system, or messages
// when system takes none; with neither the model does not cache.
func (s *state) layers() error {
	for _, l := range prefix.Layers {
		c, err := s.send("layers: a checkpoint in "+l.String(), s.layerShape(l, true).input(s.model))
		switch {
		case err == nil:
			s.entry.Cacheable = append(s.entry.Cacheable, l)
			s.note("cacheable: "+l.String(), "accepted", "a request with a checkpoint in "+l.String()+" was accepted", c.N)
		case !rejected(err):
			return err
		default:
			if err := s.rejectedLayer(l, c); err != nil {
				return err
			}
		}
	}
	switch {
	case s.entry.Caches(prefix.System):
		s.layer = prefix.System
	case s.entry.Caches(prefix.Messages):
		s.layer = prefix.Messages
	default:
		s.note("caches", "false", "neither system nor messages accepted a checkpoint")
		s.stop = true
	}
	return nil
}

// rejectedLayer notes a layer that rejected its checkpoint. For tools it
// first sends the same request without the checkpoint, to show that the
// checkpoint, not the tool, was refused.
func (s *state) rejectedLayer(l prefix.Layer, c Call) error {
	how := "a request with a checkpoint in " + l.String() + " was rejected: " + c.Error
	if l != prefix.Tools {
		s.note("cacheable: "+l.String(), "rejected", how, c.N)
		return nil
	}
	control, err := s.send("layers: the same tools without the checkpoint", s.layerShape(l, false).input(s.model))
	switch {
	case err == nil:
		how += "; the same request without the checkpoint was accepted"
	case rejected(err):
		how += "; the model refuses the tool itself: " + control.Error
	default:
		return err
	}
	s.note("cacheable: "+l.String(), "rejected", how, c.N, control.N)
	return nil
}

// checkpoints finds how many checkpoints one request may carry: 4, then up
// while accepted (to maxCheckpointsTried) or down while rejected.
func (s *state) checkpoints() error {
	first, ok, err := s.tryCheckpoints(4)
	if err != nil {
		return err
	}
	n, acc, rej := 0, Call{}, first
	if ok {
		n, acc, rej = 4, first, Call{}
	}
	for next := 5; ok && next <= maxCheckpointsTried; next++ {
		c, accepted, err := s.tryCheckpoints(next)
		if err != nil {
			return err
		}
		if !accepted {
			rej = c
			break
		}
		n, acc = next, c
	}
	for next := 3; !ok && next >= 1; next-- {
		c, accepted, err := s.tryCheckpoints(next)
		if err != nil {
			return err
		}
		if accepted {
			n, acc = next, c
			break
		}
		rej = c
	}
	s.concludeCheckpoints(n, acc, rej)
	return nil
}

// tryCheckpoints sends a request with n small checkpoints in the probe
// layer and reports whether it was accepted.
func (s *state) tryCheckpoints(n int) (Call, bool, error) {
	sh := shape{layer: s.layer, head: smallPieces(s.tag(), n, true)}
	c, err := s.send(fmt.Sprintf("checkpoints: %d in %s", n, s.layer), sh.input(s.model))
	if err != nil && !rejected(err) {
		return c, false, err
	}
	return c, err == nil, nil
}

// concludeCheckpoints sets maxCheckpoints to n, the most accepted (by call
// acc; 0 when none was), with rej the call that rejected one more (N 0
// when none did).
func (s *state) concludeCheckpoints(n int, acc, rej Call) {
	how := fmt.Sprintf("%d checkpoints were accepted (call %d)", n, acc.N)
	switch {
	case n == 0:
		how = "no count of checkpoints was accepted: " + rej.Error
	case rej.N == 0:
		how += fmt.Sprintf("; the search stops at %d", maxCheckpointsTried)
	default:
		how += fmt.Sprintf(", %d were rejected (call %d: %s)", n+1, rej.N, rej.Error)
	}
	s.entry.MaxCheckpoints = n
	s.note("maxCheckpoints", fmt.Sprint(n), how, acc.N, rej.N)
}

// ttl sends a checkpoint with ttl "1h" over a cacheable prefix: the model
// supports one-hour entries when it accepts it and reports the write under
// usage.cacheDetails with ttl 1h. It first checks that an explicit "5m" is
// accepted at all.
func (s *state) ttl() error {
	s.entry.TTLs = []matrix.TTL{matrix.TTLFiveMinute}
	if err := s.explicitFiveMinutes(); err != nil {
		return err
	}
	target := s.aboveMinimum()
	p, err := s.sized("ttl: a checkpoint with ttl 1h", target, max(1, target/50), true, types.CacheTTLOneHour)
	switch {
	case err != nil && !rejected(err):
		return err
	case err != nil:
		s.note("ttls", `["5m"]`, "a checkpoint with ttl 1h was rejected: "+p.call.Error, p.call.N)
	case p.usage.WrittenWith(string(matrix.TTLOneHour)) > 0:
		s.entry.TTLs = append(s.entry.TTLs, matrix.TTLOneHour)
		s.note("ttls", `["5m", "1h"]`, fmt.Sprintf("a checkpoint with ttl 1h was accepted and its %d-token write reported with ttl 1h", p.usage.Write), p.call.N)
	default:
		s.note("ttls", `["5m"]`, "a checkpoint with ttl 1h was accepted, but no write was reported with ttl 1h: "+p.call.Outcome(), p.call.N)
	}
	return nil
}

// explicitFiveMinutes sends a small checkpoint with an explicit ttl of
// "5m": some report that Nova rejects any explicit ttl.
func (s *state) explicitFiveMinutes() error {
	sh := s.layerShape(s.layer, true)
	sh.head[0].ttl = types.CacheTTLFiveMinutes
	c, err := s.send("ttl: a small checkpoint with an explicit ttl 5m", sh.input(s.model))
	switch {
	case err == nil:
		s.note("rejectsExplicitTTL", "false", "a checkpoint with an explicit ttl 5m was accepted", c.N)
	case rejected(err):
		s.entry.RejectsExplicitTTL = true
		s.note("rejectsExplicitTTL", "true", "a checkpoint with an explicit ttl 5m was rejected: "+c.Error, c.N)
	default:
		return err
	}
	return nil
}

// aboveMinimum is a prefix size safely above the measured minimum.
func (s *state) aboveMinimum() int { return s.minHi + max(32, s.minHi/10) }
