package matrix_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
)

// staticSystem is a team's own placement: one checkpoint after the first
// system block, ahead of a dynamic one.
func staticSystem(b matrix.Placeable, ttl matrix.TTL) (matrix.Placement, error) {
	p := matrix.Placement{Existing: len(b.Checkpoints())}
	if err := b.(interface{ MarkSystem(int, matrix.TTL) error }).MarkSystem(0, ttl); err != nil {
		return matrix.Placement{}, err
	}
	p.Placed = b.Checkpoints()[p.Existing:]
	return p, nil
}

// TestStrategySetRegister checks that a team's strategy joins the set after
// the five, is placed by its own function, and that bad registrations fail
// with a clear error and change nothing.
func TestStrategySetRegister(t *testing.T) {
	set := matrix.NewStrategySet()
	if err := set.Register("STATIC_SYSTEM", staticSystem); err != nil {
		t.Fatal(err)
	}
	want := append(slices.Clone(matrix.Strategies), "STATIC_SYSTEM")
	if got := set.Strategies(); !slices.Equal(got, want) {
		t.Errorf("Strategies() = %v, want %v", got, want)
	}
	for _, tc := range []struct {
		name  matrix.Strategy
		place matrix.PlaceFunc
		want  string
	}{
		{"STATIC_SYSTEM", staticSystem, "already registered"},
		{"SYSTEM_ONLY", staticSystem, "built in"},
		{"static-system", staticSystem, "upper-case"},
		{"", staticSystem, "upper-case"},
		{"OTHER", nil, "nil PlaceFunc"},
	} {
		err := set.Register(tc.name, tc.place)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Register(%q) = %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
	if got := set.Strategies(); !slices.Equal(got, want) {
		t.Errorf("after failed registrations Strategies() = %v, want %v", got, want)
	}
	// Another set does not see this one's strategy.
	if other := matrix.NewStrategySet(); other.Own("STATIC_SYSTEM") || len(other.Strategies()) != len(matrix.Strategies) {
		t.Errorf("a new set sees another set's registration: %v", other.Strategies())
	}

	in := request(1, 3, 1)
	p, err := set.Place("STATIC_SYSTEM", matrix.ConverseBody{In: in}, matrix.TTLDefault)
	if err != nil {
		t.Fatal(err)
	}
	cps := matrix.Checkpoints(in)
	if len(p.Placed) != 1 || len(cps) != 1 || cps[0].Layer != prefix.System || cps[0].Preceding != 1 {
		t.Errorf("STATIC_SYSTEM placed %+v; request has %+v; want one checkpoint after system block 0", p.Placed, cps)
	}
	// Built-in names still place by Strategy.Place.
	in = request(1, 3, 1)
	if _, err := set.Place(matrix.SystemOnly, matrix.ConverseBody{In: in}, matrix.TTLDefault); err != nil {
		t.Fatal(err)
	}
	if cps := matrix.Checkpoints(in); len(cps) != 1 || cps[0].Preceding != 3 {
		t.Errorf("SYSTEM_ONLY through the set placed %+v; want one checkpoint after the last system block", cps)
	}
	if _, err := set.Place("NOT_REGISTERED", matrix.ConverseBody{In: in}, matrix.TTLDefault); err == nil || !strings.Contains(err.Error(), "STATIC_SYSTEM") {
		t.Errorf("an unknown strategy gave %v; want an error naming the set's strategies", err)
	}
}
