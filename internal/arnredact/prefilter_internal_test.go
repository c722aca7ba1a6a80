package arnredact

import (
	"math/rand/v2"
	"regexp"
	"testing"
)

// naiveMayHoldARN is mayHoldARN's definition.
var naiveMayHoldARN = regexp.MustCompile(`(?i)arn[:%]`)

// TestMayHoldARNIsItsDefinition checks the fast pre-filter against its
// definition ("arn:" or "arn%", in any case, anywhere) on chosen cases and
// on random strings over the letters that matter.
func TestMayHoldARNIsItsDefinition(t *testing.T) {
	cases := []string{"", "arn", "arn:", "ARN:", "aRn%3A", "x:arn", ":arn:", "rn:", "barn:aws", "ar:n:", "a:rn:", "%%%", "arn\\:", "{\"k\":\"arn%3Aaws\"}"}
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "aArRnN:%x"
	for range 20000 {
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for _, c := range cases {
		if got, want := mayHoldARN([]byte(c)), naiveMayHoldARN.MatchString(c); got != want {
			t.Fatalf("Expected\n%v\nto equal the definition's answer for %q\n%v", got, c, want)
		}
	}
}
