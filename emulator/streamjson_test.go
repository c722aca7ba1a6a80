package emulator

import (
	"encoding/json"
	"testing"
)

// TestStreamPayloadsMatchMarshal checks the hand-written stream payloads
// against encoding/json's marshalling of the payload types, for strings it
// writes as they are and strings it escapes.
func TestStreamPayloadsMatchMarshal(t *testing.T) {
	strs := []string{"", "a", padAlphabet, " the cache holds.", "end_turn", "max_tokens",
		`quote " backslash \ slash /`, "<b>&amp;</b>", "tab\tnewline\n", "\u2028\u2029", "é 漢字", "\xff\xfe", "\x7f", "\x00"}
	for _, s := range strs {
		for _, tc := range []struct {
			name string
			got  []byte
			want any
		}{
			{"messageStart", appendMessageStart(nil, s), messageStartJSON{P: s, Role: "assistant"}},
			{"contentBlockDelta", appendContentBlockDelta(nil, []byte(s), s+"x"), contentBlockDeltaJSON{Delta: deltaJSON{Text: s}, P: s + "x"}},
			{"contentBlockStop", appendContentBlockStop(nil, s), contentBlockStopJSON{P: s}},
			{"messageStop", appendMessageStop(nil, "p"+s, s), messageStopJSON{P: "p" + s, StopReason: s}},
		} {
			want, err := json.Marshal(tc.want)
			if err != nil {
				t.Fatal(err)
			}
			if string(tc.got) != string(want) {
				t.Errorf("%s(%q):\n got %s\nwant %s", tc.name, s, tc.got, want)
			}
		}
	}
}
