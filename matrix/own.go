package matrix

import (
	"fmt"
	"regexp"
	"slices"
)

// PlaceFunc places a team's own strategy's checkpoints on a body, each with
// ttl, and reports what it placed. It may use the body's Mark for a layer's
// end, or its MarkSystem and MarkMessage (both ConverseBody and the
// InvokeModel bodies have them) for a checkpoint inside a layer.
type PlaceFunc func(b Placeable, ttl TTL) (Placement, error)

// StrategySet is the strategies a run covers: the five built in, in report
// order, then a team's own in the order registered. It is a value the
// caller owns and passes to what runs the matrix, never a global: two
// suites in one process cannot see each other's strategies. Register every
// strategy before the run starts; a StrategySet is not safe for
// registration concurrent with use.
type StrategySet struct {
	order []Strategy
	own   map[Strategy]PlaceFunc
}

// NewStrategySet returns a set holding the five built-in strategies.
func NewStrategySet() *StrategySet {
	return &StrategySet{order: slices.Clone(Strategies), own: map[Strategy]PlaceFunc{}}
}

// strategyName is what a strategy's name must look like: it becomes a label
// ("strategy:static_system"), a cassette name and a report column.
var strategyName = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,47}$`)

// Register adds a team's own strategy named name, placed by place. It
// fails, changing nothing, on a name that is not upper-case letters, digits
// and underscores starting with a letter (at most 48), on a built-in
// strategy's name, on a name already registered, and on a nil place.
func (s *StrategySet) Register(name Strategy, place PlaceFunc) error {
	switch {
	case !strategyName.MatchString(string(name)):
		return fmt.Errorf("matrix: strategy name %q: want upper-case letters, digits and underscores, starting with a letter (it becomes a label, a cassette name and a report column)", name)
	case slices.Contains(Strategies, name):
		return fmt.Errorf("matrix: strategy %s is built in; give a team's own strategy another name", name)
	case slices.Contains(s.order, name):
		return fmt.Errorf("matrix: strategy %s is already registered", name)
	case place == nil:
		return fmt.Errorf("matrix: strategy %s: nil PlaceFunc", name)
	}
	s.order = append(s.order, name)
	s.own[name] = place
	return nil
}

// Strategies returns the set's strategies: the five built in, then the
// registered ones in the order registered.
func (s *StrategySet) Strategies() []Strategy { return slices.Clone(s.order) }

// Own reports whether name is one of the set's registered strategies.
func (s *StrategySet) Own(name Strategy) bool {
	_, ok := s.own[name]
	return ok
}

// Place puts strategy name's checkpoints on b: a built-in strategy by
// Strategy.Place, a registered one by its PlaceFunc. An unknown name is an
// error that names the set's strategies.
func (s *StrategySet) Place(name Strategy, b Placeable, ttl TTL) (Placement, error) {
	if place, ok := s.own[name]; ok {
		if b == nil {
			return Placement{}, fmt.Errorf("matrix: %s: nil body", name)
		}
		return place(b, ttl)
	}
	if !slices.Contains(Strategies, name) {
		return Placement{}, fmt.Errorf("matrix: unknown strategy %q (this set has %v)", name, s.order)
	}
	return name.Place(b, ttl)
}
