package invoke

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/matrix"
)

// TestBodiesWrittenAsEncodingJSON holds the body writers (appendJSON) to
// encoding/json: for bodies of many shapes, placed by every strategy and
// marked by hand, Marshal gives encoding/json's bytes, and the writer
// answers for the bodies it covers and leaves the others to encoding/json.
func TestBodiesWrittenAsEncodingJSON(t *testing.T) {
	specs := []fixtures.Spec{
		{Seed: "w0", Turns: 1, TurnTokens: 40},
		{Seed: "w1", Tools: 3, ToolTokens: 600, SystemBlocks: 2, SystemTokens: 300, Turns: 3, TurnTokens: 90},
		{Seed: "w2", SystemBlocks: 1, SystemTokens: 100, Turns: 2, TurnTokens: 50},
		{Seed: "w3", Tools: 1, ToolTokens: 200, Turns: 1, TurnTokens: 30},
	}
	check := func(name string, b Body, covered bool) {
		t.Helper()
		want, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		got, err := b.Marshal()
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: Expected\n%s\nto equal encoding/json's\n%s", name, got, want)
		}
		var ok bool
		switch b := b.(type) {
		case *Anthropic:
			_, ok = b.appendJSON(nil)
		case *Nova:
			_, ok = b.appendJSON(nil)
		}
		if ok != covered {
			t.Errorf("%s: Expected\nthe writer to cover it: %v\nto be\n%v", name, ok, covered)
		}
	}
	for i, sp := range specs {
		sp.Estimate = fixtures.EstimateFor("claude")
		for _, m := range []matrix.Model{sonnet45, novaLite} {
			for _, s := range matrix.Strategies {
				for _, ttl := range []matrix.TTL{matrix.TTLDefault, matrix.TTLOneHour} {
					b, err := Build(m, fixtures.Build(sp))
					if err != nil {
						t.Fatal(err)
					}
					if _, err := s.Place(b.(matrix.Placeable), ttl); err != nil {
						continue
					}
					name := m.Key + "/" + strconv.Itoa(i) + "/" + string(s) + "/" + string(ttl)
					check(name, b, true)
					mk := b.(Marker)
					mk.MarkSystem(0, ttl)
					mk.MarkMessage(0, ttl)
					mk.MarkSystemFirst(ttl)
					check(name+" marked", b, true)
				}
			}
		}
	}
	base := fixtures.Build(fixtures.Spec{Seed: "w4", Estimate: fixtures.EstimateFor("claude"), Tools: 2, ToolTokens: 300, SystemBlocks: 1, SystemTokens: 100, Turns: 2, TurnTokens: 40})
	a := NewAnthropic(base)
	a.Automatic(matrix.TTLDefault)
	a.Tools[0].Description = "needs <escaping> & \"quotes\" \u2028"
	a.System[0].Text = "tab\there é"
	check("anthropic automatic, escapes", a, true)
	a.SetInference(0.7, 100)
	check("anthropic temperature 0.7", a, true)
	a.SetInference(1e-9, 100)
	check("anthropic temperature 1e-9", a, false)
	a = NewAnthropic(base)
	a.SetToolChoice("tool", base.Tools[0].Name)
	check("anthropic tool choice", a, false)
	a = NewAnthropic(base)
	a.SetThinking(1024, 100)
	check("anthropic thinking", a, false)
	a = NewAnthropic(base)
	a.SetMetadata("u")
	check("anthropic metadata", a, false)
	a = NewAnthropic(base)
	a.AddDocument(0, "txt", "aGk=")
	check("anthropic document", a, false)
	a = NewAnthropic(base)
	a.Tools[0].InputSchema = json.RawMessage(`{"a":"<b>"}`)
	check("anthropic schema to escape", a, false)
	n := NewNova(base)
	n.SetInference(0.5, 10)
	check("nova temperature", n, true)
	n.InferenceConfig = nil
	n.ToolConfig.Tools = append(n.ToolConfig.Tools, NovaTool{CachePoint: NewCachePoint(matrix.TTLDefault)})
	n.System = append(n.System, NovaBlock{})
	check("nova cache point alone, empty block, no inference", n, true)
	n = NewNova(base)
	n.SetToolChoice("any", "")
	check("nova tool choice", n, false)
	n = NewNova(base)
	n.AddImage(0, []byte("png"))
	check("nova image", n, false)
	n = NewNova(base)
	n.Messages = nil
	check("nova no messages", n, false)
}
