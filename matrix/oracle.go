package matrix

import (
	"github.com/cachecascade/cachecascade/prefix"
)

// CascadeHits applies the cascade rule: after a change in layer changed,
// the checkpoints in layers read before it still hit and every checkpoint
// at or after it misses. It returns the checkpoint layers that hit, in the
// order given (prefix order), which is always a leading run of them.
func CascadeHits(checkpoints []prefix.Layer, changed prefix.Layer) []prefix.Layer {
	var hits []prefix.Layer
	for _, l := range checkpoints {
		if !l.Before(changed) {
			break
		}
		hits = append(hits, l)
	}
	return hits
}

// Effective returns the layers of the checkpoints a placement put where the
// model caches them, in prefix order: the checkpoints whose entries the
// cascade rule speaks of.
func (m Model) Effective(cps []Checkpoint) []prefix.Layer {
	var out []prefix.Layer
	for _, cp := range cps {
		if m.Caches(cp.Layer) {
			out = append(out, cp.Layer)
		}
	}
	return out
}
