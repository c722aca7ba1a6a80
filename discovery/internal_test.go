package discovery

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRoundest(t *testing.T) {
	for _, c := range []struct{ lo, hi, want int }{
		{1530, 1540, 1536},
		{2990, 3004, 3000},
		{995, 1003, 1000},
		{1020, 1027, 1024},
		{2219, 2225, 2225}, // no multiple of 64 or rounder: the smallest size cached
		{4090, 4100, 4096},
		{0, 32, 32},
	} {
		if got := roundest(c.lo, c.hi); got != c.want {
			t.Errorf("roundest(%d, %d) = %d, want %d", c.lo, c.hi, got, c.want)
		}
	}
}

func TestSizerLearnsAnAffineTokenizer(t *testing.T) {
	var z sizer
	if got := z.chars(1000); got != 1000*defaultCharsPerToken {
		t.Errorf("with no sample, chars(1000) = %d", got)
	}
	// 3.3 characters a token and 7 tokens of overhead.
	tokens := func(chars int) int { return int(float64(chars)/3.3+0.999) + 7 }
	z.add(4000, tokens(4000))
	z.add(9000, tokens(9000))
	for _, target := range []int{500, 1536, 3000} {
		if got := tokens(z.chars(target)); abs(got-target) > 1 {
			t.Errorf("aimed at %d tokens, got %d", target, got)
		}
	}
}

func TestKeyNameAndFamily(t *testing.T) {
	type guess struct{ Key, Name, Family, Generation string }
	for _, c := range []struct {
		base string
		want guess
	}{
		{"anthropic.claude-sonnet-4-5-20250929-v1:0", guess{"claude-sonnet-4-5", "Claude Sonnet 4.5", "claude", "4"}},
		{"anthropic.claude-3-5-haiku-20241022-v1:0", guess{"claude-3-5-haiku", "Claude 3.5 Haiku", "claude", "3"}},
		{"anthropic.claude-opus-4-6-v1", guess{"claude-opus-4-6", "Claude Opus 4.6", "claude", "4"}},
		{"anthropic.claude-fable-5", guess{"claude-fable-5", "Claude Fable 5", "claude", "5"}},
		{"amazon.nova-lite-v1:0", guess{"nova-lite", "Amazon Nova Lite", "nova", "1"}},
		{"amazon.nova-2-lite-v1:0", guess{"nova-2-lite", "Amazon Nova 2 Lite", "nova", "2"}},
		{"meta.llama3-3-70b-instruct-v1:0", guess{"llama3-3-70b-instruct", "Llama3 3 70b Instruct", Placeholder + ": claude or nova", "3"}},
	} {
		k := KeyOf(c.base)
		got := guess{k, nameOf(k, c.base), string(familyOf(c.base)), generationOf(k)}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.base, diff)
		}
	}
}

func TestBaseID(t *testing.T) {
	for id, want := range map[string]string{
		"us.anthropic.claude-hidden-1":     "anthropic.claude-hidden-1",
		"global.anthropic.claude-hidden-1": "anthropic.claude-hidden-1",
		"anthropic.claude-hidden-1":        "anthropic.claude-hidden-1",
		"arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.amazon.nova-lite-v1:0": "amazon.nova-lite-v1:0",
	} {
		if got := baseID(id); got != want {
			t.Errorf("baseID(%q) = %q, want %q", id, got, want)
		}
	}
}
