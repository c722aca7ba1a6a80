package matrix_test

import (
	"testing"

	"github.com/cachecascade/cachecascade/matrix"
)

// TestConverseBodyMarks places checkpoints by hand the way the suites do
// on every API: system blocks are counted without the checkpoints already
// placed, so marks after blocks 0, 1 and 2 close each of three blocks.
func TestConverseBodyMarks(t *testing.T) {
	in := request(0, 3, 3)
	b := matrix.ConverseBody{In: in}
	for i := range 3 {
		if err := b.MarkSystem(i, matrix.TTLDefault); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.MarkMessage(2, matrix.TTLDefault); err != nil {
		t.Fatal(err)
	}
	cps := matrix.Checkpoints(in)
	if len(cps) != 4 {
		t.Fatalf("checkpoints %+v", cps)
	}
	for i, cp := range cps[:3] {
		if cp.Index != 2*i+1 || cp.Preceding != i+1 {
			t.Errorf("system checkpoint %d at index %d after %d blocks; want index %d after %d", i, cp.Index, cp.Preceding, 2*i+1, i+1)
		}
	}
	if err := b.MarkSystem(3, matrix.TTLDefault); err == nil {
		t.Error("MarkSystem(3) found a fourth system block")
	}
	if err := b.MarkMessage(7, matrix.TTLDefault); err == nil {
		t.Error("MarkMessage(7) found an eighth message")
	}
	if err := b.MarkSystemFirst(matrix.TTLDefault); err != nil {
		t.Fatal(err)
	}
	if rs := matrix.Validate(matrix.Default().Must("claude-sonnet-4-5"), in); len(rs) == 0 || rs[0].Rule != matrix.RuleTooManyCheckpoints {
		t.Errorf("six checkpoints, one with nothing before it: %v", rs)
	}
}
