package matrix_test

import (
	"testing"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
)

// TestChangeRules checks the expectations table: every change kind has a
// row for Claude, each row once, under a known rule with its source, and
// every silent reading is one the issue names (Nova and toolChoice,
// images on Nova, thinking on Bedrock).
func TestChangeRules(t *testing.T) {
	seen := map[[2]string]bool{}
	for _, r := range matrix.ChangeRules {
		key := [2]string{string(r.Kind), string(r.Family)}
		if seen[key] {
			t.Errorf("%v: two rows", key)
		}
		seen[key] = true
		if _, ok := r.Rule.Info(); !ok {
			t.Errorf("%v: unknown rule %q", key, r.Rule)
		}
		if r.Source == "" || r.From < prefix.Tools || r.From > matrix.NoLayer {
			t.Errorf("%v: row %+v", key, r)
		}
		if r.Reading == matrix.Silent && !(r.Kind == matrix.ChangeToolChoice && r.Family == matrix.Nova ||
			(r.Kind == matrix.ChangeImageAdded || r.Kind == matrix.ChangeImageRemoved) && r.Family == matrix.Nova ||
			r.Kind == matrix.ChangeThinking) {
			t.Errorf("%v: silent, but the sources state it", key)
		}
	}
	for _, k := range matrix.ChangeKinds {
		if _, ok := matrix.ChangeRuleFor(k, matrix.Claude); !ok {
			t.Errorf("no Claude row for %s", k)
		}
	}
	if r, _ := matrix.ChangeRuleFor(matrix.ChangeToolChoice, matrix.Claude); r.From != prefix.Messages || r.Reading != matrix.Documented {
		t.Errorf("Claude toolChoice: %+v, want documented, messages only (Anthropic's table)", r)
	}
	if r, _ := matrix.ChangeRuleFor(matrix.ChangeMetadata, matrix.Nova); r.From != matrix.NoLayer {
		t.Errorf("Nova requestMetadata: %+v, want invalidating nothing", r)
	}
}
