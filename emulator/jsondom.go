package emulator

import (
	"encoding/json"
	"strconv"
	"strings"
)

// The Anthropic Messages body is read once into a tree of jnodes: every
// value's exact bytes, every string's facts (strInfo), and the members of
// the objects and arrays the decoder looks into, found by their keys
// (openKeys). The decoder asks its questions of jvs: a jv answers from its
// node when it has one, and otherwise asks encoding/json of its bytes, as
// the decoder did before it had a tree. So a body the tree cannot stand for
// exactly (see scanUnusual) is decoded from its bytes alone, by the same
// code, and FuzzDecodeAnthropicMatchesReference checks that both give what
// the decoder gave before.

// jnode is one value of the tree.
type jnode struct {
	// raw is the value's exact bytes.
	raw []byte
	// kind is its first byte: '{', '[', '"', 'n', 't', 'f', or '0' for a
	// number.
	kind byte
	// open reports that the members of an object or array were read into
	// fields or elems.
	open   bool
	str    strInfo
	fields []jfield
	elems  []jnode
}

// jfield is one member of an object: its key as encoding/json decodes it,
// and its value.
type jfield struct {
	key   string
	value jnode
}

// openKeys are the keys whose object or array values the tree reads member
// by member, wherever they are: the members of an array read so are read
// too, and the members of objects in it.
func openKey(key string) bool {
	switch key {
	case "tools", "system", "messages", "content", "cache_control", "source":
		return true
	}
	return false
}

// readTree reads a JSON text that is one object, with nothing but white
// space after it, into a tree.
func readTree(body []byte) (jnode, scanStatus) {
	s := &jsonReader{data: body}
	if s.peek() != '{' {
		return jnode{}, scanMalformed
	}
	n, _ := s.node(true)
	if s.status == scanOK && (s.peek() != 0 || s.pos != len(body)) {
		s.fail(scanUnusual) // objectFields's check of what follows is encoding/json's
	}
	return n, s.status
}

// node reads one value; open reads an object's or array's members.
func (s *jsonReader) node(open bool) (jnode, bool) {
	c := s.peek()
	start := s.pos
	n := jnode{kind: c}
	var ok bool
	switch {
	case c == '{' && open:
		n.open = true
		ok = s.object(func(key []byte, k strInfo) bool {
			f := jfield{key: keyString(k)}
			var ok bool
			f.value, ok = s.node(openKey(f.key))
			n.fields = append(n.fields, f)
			return ok
		})
	case c == '[' && open:
		n.open = true
		ok = s.array(func() bool {
			v, ok := s.node(true)
			n.elems = append(n.elems, v)
			return ok
		})
	case c == '"':
		n.str, ok = s.str()
	default:
		if c == '-' || '0' <= c && c <= '9' {
			n.kind = '0'
		}
		_, ok = s.value()
	}
	n.raw = s.data[start:s.pos]
	return n, ok
}

// keyString returns a key as encoding/json decodes it.
func keyString(k strInfo) string {
	if k.plain {
		return string(k.content())
	}
	var s string
	_ = json.Unmarshal(k.span, &s)
	return s
}

// jv is one value for the decoder to ask about: a tree node, or bytes
// only (node nil) for encoding/json to answer about. The zero jv is an
// absent value.
type jv struct {
	raw  []byte
	node *jnode
}

// nodeValue returns the jv of a node.
func nodeValue(n *jnode) jv { return jv{raw: n.raw, node: n} }

// isNull reports whether the value is absent or null.
func (v jv) isNull() bool {
	if v.node != nil {
		return v.node.kind == 'n'
	}
	return isJSONNull(v.raw)
}

// fields returns an object's members in order; false for anything else.
func (v jv) fields() ([]field, bool) {
	if v.node == nil || !v.node.open {
		return objectFields(v.raw)
	}
	if v.node.kind != '{' {
		return nil, false
	}
	out := make([]field, len(v.node.fields))
	for i := range v.node.fields {
		f := &v.node.fields[i]
		out[i] = field{key: f.key, value: nodeValue(&f.value)}
	}
	return out, true
}

// elems returns an array's elements, none for null, as json.Unmarshal into
// a []json.RawMessage does; false for anything else.
func (v jv) elems() ([]jv, bool) {
	if v.node == nil || !v.node.open && v.node.kind != 'n' {
		var raws []json.RawMessage
		if json.Unmarshal(v.raw, &raws) != nil {
			return nil, false
		}
		out := make([]jv, len(raws))
		for i, r := range raws {
			out[i] = jv{raw: r}
		}
		return out, true
	}
	if v.node.kind != '[' {
		return nil, v.node.kind == 'n'
	}
	out := make([]jv, len(v.node.elems))
	for i := range v.node.elems {
		out[i] = nodeValue(&v.node.elems[i])
	}
	return out, true
}

// string returns the value as json.Unmarshal into a string does ("" for
// null); false for another kind.
func (v jv) string() (string, bool) {
	if v.node != nil && v.node.kind == '"' && v.node.str.plain {
		return enumString(v.node.str.content()), true
	}
	if v.node != nil && v.node.kind == 'n' {
		return "", true
	}
	var s string
	err := json.Unmarshal(v.raw, &s)
	return s, err == nil
}

// text returns what the decoder needs of a text value: the length of the
// string json.Unmarshal decodes and whether it is blank; false for another
// kind.
func (v jv) text() (n int, blank, ok bool) {
	if v.node != nil && v.node.kind == '"' {
		return v.node.str.n, v.node.str.blank, true
	}
	var s string
	if json.Unmarshal(v.raw, &s) != nil {
		return 0, false, false
	}
	return len(s), strings.TrimSpace(s) == "", true
}

// int64 returns the value as json.Unmarshal into an int64 does (0 for
// null); false for another kind or a number that is not one.
func (v jv) int64() (int64, bool) {
	if v.node != nil && v.node.kind == '0' {
		n, err := strconv.ParseInt(string(v.raw), 10, 64)
		return n, err == nil
	}
	var n int64
	err := json.Unmarshal(v.raw, &n)
	return n, err == nil
}

// structFields returns the values of the named members of an object as
// json.Unmarshal into a struct with those fields finds them (nil for
// those absent), and ok false where it reports an error; unusual reports
// keys its case-insensitive, last-wins matching would decide.
func (v jv) structFields(names ...string) (values []*jv, ok, unusual bool) {
	n := v.node
	values = make([]*jv, len(names))
	switch {
	case n == nil:
		return nil, false, true
	case n.kind == 'n':
		return values, true, false
	case n.kind != '{':
		return nil, false, false
	case !n.open:
		return nil, false, true
	}
	for i := range n.fields {
		f := &n.fields[i]
		for j, name := range names {
			if f.key != name {
				if !isASCII(f.key) || asciiEqualFold([]byte(f.key), name) {
					return nil, false, true
				}
				continue
			}
			if values[j] != nil {
				return nil, false, true
			}
			value := nodeValue(&f.value)
			values[j] = &value
		}
	}
	return values, true, false
}

// isASCII reports whether s is all ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
