package emulator

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

// TestImplicitReads checks the implicit-reads profile: a request with no
// explicit cache activity reads the longest prefix an earlier one sent,
// writes nothing, and never meets an explicit entry; the healthy emulator
// reads nothing implicitly.
func TestImplicitReads(t *testing.T) {
	system := []types.SystemContentBlock{sysText(txt("implicit system", 1500))}
	plain := func(question string) *bedrockruntime.ConverseInput {
		return &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45), System: system,
			Messages: msgs(user(text(txt(question, 50))))}
	}
	withCP := func(question string) *bedrockruntime.ConverseInput {
		in := plain(question)
		in.System = append(append([]types.SystemContentBlock(nil), system...), sysCP())
		return in
	}
	for _, tc := range []struct {
		profile string
		// want are the reads and writes of: a first plain request, the
		// same again, another question, then one with a system
		// checkpoint (which must not read the implicit entry).
		want [4][2]int
	}{
		{"", [4][2]int{{0, 0}, {0, 0}, {0, 0}, {0, 1500}}},
		{BenignImplicitReads, [4][2]int{{0, 0}, {1550, 0}, {1500, 0}, {0, 1500}}},
	} {
		t.Run("profile="+tc.profile, func(t *testing.T) {
			var opts Options
			if tc.profile != "" {
				opts.Profiles = []string{tc.profile}
			}
			h := startHarness(t, opts)
			steps := []*bedrockruntime.ConverseInput{plain("first"), plain("first"), plain("other"), withCP("first")}
			for i, in := range steps {
				u := mustCall(t, h.c, in)
				wantUsage(t, []string{"first", "repeat", "another question", "explicit checkpoint"}[i], u, tc.want[i][0], tc.want[i][1])
			}
		})
	}
}

// TestRejectsExplicitTTL: a model the models file marks rejectsExplicitTTL
// refuses even an explicit "5m" and still takes a checkpoint without one;
// the built-in Nova accepts it.
func TestRejectsExplicitTTL(t *testing.T) {
	in := func(cp types.SystemContentBlock) *bedrockruntime.ConverseInput {
		return &bedrockruntime.ConverseInput{ModelId: aws.String("us.amazon.nova-lite-v1:0"),
			System: []types.SystemContentBlock{sysText(txt("nova ttl", 1200)), cp}, Messages: msgs(user(text("hi")))}
	}
	builtin := startHarness(t, Options{})
	if _, err := call(t, builtin.c, in(sysCPTTL("5m"))); err != nil {
		t.Fatalf("the built-in Nova Lite refused an explicit 5m ttl: %v", err)
	}
	h := startHarness(t, Options{Models: []ModelSpec{{ID: "amazon.nova-lite-v1:0", Family: FamilyNova, Caching: true, MinTokens: 1000,
		Profiles: []string{"us"}, ProfileOnly: true, RejectsExplicitTTL: true}}})
	_, err := call(t, h.c, in(sysCPTTL("5m")))
	var ve *types.ValidationException
	if !errors.As(err, &ve) || ve.ErrorMessage() != msgExplicitTTL {
		t.Errorf("explicit 5m on a model that rejects explicit TTLs: %v, want a ValidationException %q", err, msgExplicitTTL)
	}
	if _, err := call(t, h.c, in(sysCP())); err != nil {
		t.Errorf("a checkpoint without a ttl was refused: %v", err)
	}
}
