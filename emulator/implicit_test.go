package emulator

import (
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
