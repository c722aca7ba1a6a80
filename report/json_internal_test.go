package report

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestWriteJSONIsTheWholeDocumentsEncoding checks that writing the rows
// one at a time gives, byte for byte, what encoding the whole document at
// once gives: the streamed report is the same file.
func TestWriteJSONIsTheWholeDocumentsEncoding(t *testing.T) {
	rows := []Row{
		{Area: "cascade", Model: "m", Strategy: "SYSTEM_ONLY", Spec: "a <b> & c", Outcome: Pass, Duration: 1500 * time.Millisecond},
		{Area: "ttl", Spec: "s", Outcome: Fail, Message: "line one\nline \"two\"\u2028", CostUSD: 0.1 + 0.2},
		{Area: "nova", Spec: "n", Outcome: Skipped},
	}
	for _, m := range []Matrix{
		{},
		{Title: "t", Mode: "replay", Target: "cassettes", Generated: time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC), Rows: rows[:1]},
		{Title: "t", Strategies: []string{"NONE"}, Models: []ModelInfo{{Key: "m"}}, Rows: rows},
	} {
		d := m.document()
		d.Rows = m.Rows
		if d.Rows == nil {
			d.Rows = []Row{}
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(d); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := m.WriteJSON(&got); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want.String(), got.String()); diff != "" {
			t.Errorf("Expected\n%s\nto equal the whole document's encoding (-whole +streamed):\n%s", got.String(), diff)
		}
	}
}
