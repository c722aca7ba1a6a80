package emulator

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// bodyGen writes random request bodies that follow the Converse or the
// Anthropic shape most of the time and stray from it in the ways the
// decoders must agree on: keys in other cases, escaped, unknown or
// repeated, values of other kinds, null, odd strings, white space.
type bodyGen struct {
	rng *rand.Rand
	b   strings.Builder
	// anthropic selects the Anthropic shape; stray is the chance in 1000
	// of a value of another kind or an extra key.
	anthropic bool
	stray     int
}

var genStrayKeys = []string{"Messages", "ROLE", "Type", "TTL", "Format", "Media_Type", `te\u0078t`, "", "extra",
	"ſystem", "messages", "role", "type", "text", "cache_control", "content", "cachePoint", "source"}

var genEnums = map[string][]string{
	"role":      {"user", "assistant", "user", "assistant", "system", `us\u0065r`},
	"cpType":    {"default", "default", "default", "default", "default", "default", "x", `d\u0065fault`},
	"ttl":       {"5m", "1h", "5m", "1h", "5m", "1h", "2h", ""},
	"ccType":    {"ephemeral", "ephemeral", "ephemeral", "ephemeral", "ephemeral", "persistent"},
	"version":   {"bedrock-2023-05-31", "bedrock-2023-05-31", "bedrock-2023-05-31", "2026-10-21", "x"},
	"format":    {"pdf", "txt", "csv"},
	"mediaType": {"application/pdf", "text/plain", "image/png"},
	"blockType": {"text", "text", "text", "image", "document", "tool_use"},
	"text": {"q", "hello world", "q", "hello world", "q", "hello world", "  ", "", `a\nb\t`, `a\"b`, `\u00a0`, `\u00a0x`,
		`\ud800`, `\ud83d\ude00`, "é", "\xff", `\u0000`, "<&>"},
	"num": {"16", "16", "16", "16", "16", "16", "16", "16", "16", "16", "1", "0", "-1", "1.5", "1e3", "-0", "99999999999999999999", "2000000"},
}

func (g *bodyGen) pick(list []string) string { return list[g.rng.IntN(len(list))] }

func (g *bodyGen) strays() bool { return g.rng.IntN(1000) < g.stray }

// str writes a string of the named set.
func (g *bodyGen) str(set string) { g.b.WriteString(`"` + g.pick(genEnums[set]) + `"`) }

// odd writes a value of a random kind.
func (g *bodyGen) odd() {
	g.b.WriteString(g.pick([]string{"null", "5", `"x"`, "{}", "[]", "true", `{"a":[1,{"b":null}]}`}))
}

// obj writes an object: each member, in a random order, unless it strays.
func (g *bodyGen) obj(members map[string]func()) {
	keys := make([]string, 0, len(members))
	for k := range members {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	g.rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	g.b.WriteString("{")
	n := 0
	sep := func() {
		if n > 0 {
			g.b.WriteString(g.pick([]string{",", ", ", " , "}))
		}
		n++
	}
	for _, k := range keys {
		if g.strays() {
			continue
		}
		sep()
		g.b.WriteString(`"` + k + `":`)
		if g.strays() {
			g.odd()
		} else {
			members[k]()
		}
	}
	if g.strays() {
		sep()
		g.b.WriteString(`"` + g.pick(genStrayKeys) + `":`)
		g.odd()
	}
	g.b.WriteString("}")
}

// list writes an array of n elements.
func (g *bodyGen) list(n int, elem func(i int)) {
	g.b.WriteString("[")
	for i := range n {
		if i > 0 {
			g.b.WriteString(",")
		}
		if g.strays() {
			g.odd()
		} else {
			elem(i)
		}
	}
	g.b.WriteString("]")
}

// converseBlock writes a Converse content block: text, a cachePoint or
// another member.
func (g *bodyGen) converseBlock() {
	switch g.rng.IntN(6) {
	case 0, 1, 2:
		g.obj(map[string]func(){"text": func() { g.str("text") }})
	case 3, 4:
		g.obj(map[string]func(){"cachePoint": func() {
			g.obj(map[string]func(){"type": func() { g.str("cpType") }, "ttl": func() { g.str("ttl") }})
		}})
	default:
		g.obj(map[string]func(){"document": func() {
			g.obj(map[string]func(){"format": func() { g.str("format") }, "name": func() { g.str("text") }})
		}})
	}
}

// anthropicBlock writes an Anthropic content block, maybe with
// cache_control.
func (g *bodyGen) anthropicBlock() {
	if g.rng.IntN(6) == 0 {
		g.str("text")
		return
	}
	m := map[string]func(){"type": func() { g.str("blockType") }, "text": func() { g.str("text") }}
	if g.rng.IntN(2) == 0 {
		m["cache_control"] = func() {
			g.obj(map[string]func(){"type": func() { g.str("ccType") }, "ttl": func() { g.str("ttl") }})
		}
	}
	if g.rng.IntN(4) == 0 {
		m["source"] = func() { g.obj(map[string]func(){"media_type": func() { g.str("mediaType") }}) }
	}
	g.obj(m)
}

// blocks writes a block list of the generator's shape.
func (g *bodyGen) blocks() {
	g.list(1+g.rng.IntN(4), func(i int) {
		if !g.anthropic && i == 0 {
			g.obj(map[string]func(){"text": func() { g.str("text") }})
			return
		}
		if g.anthropic {
			g.anthropicBlock()
		} else {
			g.converseBlock()
		}
	})
}

// messages writes alternating messages, the user first.
func (g *bodyGen) messages() {
	g.list(1+g.rng.IntN(3), func(i int) {
		role := []string{"user", "assistant"}[i%2]
		if g.strays() {
			role = g.pick(genEnums["role"])
		}
		g.obj(map[string]func(){"role": func() { g.b.WriteString(`"` + role + `"`) }, "content": g.blocks})
	})
}

// body returns a new body.
func (g *bodyGen) body() []byte {
	g.b.Reset()
	g.anthropic = g.rng.IntN(2) == 0
	g.stray = []int{0, 5, 20, 60}[g.rng.IntN(4)]
	top := map[string]func(){"messages": g.messages, "system": g.blocks}
	if g.anthropic {
		top["anthropic_version"] = func() { g.str("version") }
		top["max_tokens"] = func() { g.b.WriteString(g.pick(genEnums["num"])) }
		top["tools"] = func() {
			g.list(1+g.rng.IntN(2), func(int) {
				g.obj(map[string]func(){"name": func() { g.str("text") }, "input_schema": func() { g.b.WriteString(`{"type":"object"}`) },
					"cache_control": func() { g.obj(map[string]func(){"type": func() { g.str("ccType") }}) }})
			})
		}
	} else {
		top["inferenceConfig"] = func() { g.obj(map[string]func(){"maxTokens": func() { g.b.WriteString(g.pick(genEnums["num"])) }}) }
		top["toolConfig"] = func() {
			g.obj(map[string]func(){"tools": func() {
				g.list(1+g.rng.IntN(2), func(int) {
					g.obj(map[string]func(){"toolSpec": func() { g.b.WriteString(`{"name":"t"}`) }})
				})
			}})
		}
	}
	g.obj(top)
	if g.strays() {
		g.b.WriteString(g.pick([]string{" ", "}", "]", "x", " {}"}))
	}
	return []byte(g.b.String())
}

// TestDecodersMatchReferenceOnGeneratedBodies holds both one-pass decoders
// to the decoders they replaced on generated bodies: the same request or
// the same error every time.
func TestDecodersMatchReferenceOnGeneratedBodies(t *testing.T) {
	n := 5000
	if testing.Short() {
		n = 1000
	}
	g := &bodyGen{rng: rand.New(rand.NewPCG(genSeed, 11))}
	opts := []cmp.Option{cmp.AllowUnexported(request{}, block{}, checkpoint{}), cmpopts.EquateEmpty(), notInReference}
	accepted := 0
	for i := range n {
		body := g.body()
		got, gotErr := decodeRequestAs(body, i%2 == 0)
		want, wantErr := refDecodeRequestAs(body, i%2 == 0)
		if !reflect.DeepEqual(gotErr, wantErr) || !cmp.Equal(want, got, opts...) {
			t.Fatalf("Converse body %d %s:\nerror %v\nwant  %v\n%s", i, body, gotErr, wantErr, cmp.Diff(want, got, opts...))
		}
		if gotErr == nil {
			accepted++
		}
		got, gotErr = decodeAnthropic(body)
		want, wantErr = refDecodeAnthropic(body)
		if !reflect.DeepEqual(gotErr, wantErr) || !cmp.Equal(want, got, opts...) {
			t.Fatalf("Anthropic body %d %s:\nerror %v\nwant  %v\n%s", i, body, gotErr, wantErr, cmp.Diff(want, got, opts...))
		}
		if gotErr == nil {
			accepted++
		}
	}
	t.Logf("%d bodies, %d decodes accepted", n, accepted)
	if accepted < n/20 {
		t.Fatalf("only %d of %d bodies decode: the generator strays too far", accepted, n)
	}
}

// genSeed seeds the generator.
var genSeed uint64 = 7
