package emulator

import (
	"bytes"
	"strconv"
	"sync"
)

// scanConverse reads a Converse body in one pass and finds what
// decodeConverseJSON would: the same wireRequest, or scanMalformed where
// encoding/json fails (a syntax error anywhere, a value of the wrong type
// where the structure is decoded). It leaves to encoding/json, with
// scanUnusual, what its case-insensitive and last-wins decoding would make
// of keys that are escaped, not ASCII, spelt in another case or repeated,
// and strings it would have to unescape to compare or quote.
func scanConverse(body []byte) (*wireRequest, scanStatus) {
	s := &jsonReader{data: body, arena: newArena()}
	w := &wireRequest{}
	defer func() { w.arena = s.arena }()
	switch s.peek() {
	case 'n':
		s.literal("null") // encoding/json leaves the structure empty
	case '{':
		var seen fieldSet
		s.object(func(key []byte, k strInfo) bool { return s.topField(w, &seen, key, k) })
	default:
		s.fail(scanMalformed) // not JSON, or not an object
	}
	if s.status != scanOK {
		return nil, s.status
	}
	// json.Decoder stops after the first value; Decoder.More accepts the
	// end or a closing bracket after it.
	if c := s.peek(); c != 0 && c != ']' && c != '}' || c == 0 && s.pos < len(body) {
		return nil, scanMalformed
	}
	return w, scanOK
}

// fieldSet records which of a structure's fields (by index in its name
// list) a JSON object has set.
type fieldSet uint8

// structKey finds key among the names of a structure's fields as
// encoding/json matches them, failing with scanUnusual where its matching
// is not exact and on a repeated field; it returns -1 for a key matching no
// field, whose value encoding/json ignores.
func (s *jsonReader) structKey(names []string, seen *fieldSet, key []byte, k strInfo) int {
	if !k.plain || !k.ascii {
		s.fail(scanUnusual)
		return -2
	}
	for i, name := range names {
		if string(key) == name {
			if *seen&(1<<i) != 0 {
				s.fail(scanUnusual)
				return -2
			}
			*seen |= 1 << i
			return i
		}
		if asciiEqualFold(key, name) {
			s.fail(scanUnusual)
			return -2
		}
	}
	return -1
}

// topFields are the Converse body's fields the emulator reads.
var topFields = []string{"messages", "system", "toolConfig", "inferenceConfig", "additionalModelRequestFields", "requestMetadata"}

// topField reads the value of one top-level field.
func (s *jsonReader) topField(w *wireRequest, seen *fieldSet, key []byte, k strInfo) bool {
	switch s.structKey(topFields, seen, key, k) {
	case -2:
		return false
	case 0:
		return s.messages(w)
	case 1:
		return s.blockList(&w.system)
	case 2:
		return s.toolConfig(w)
	case 3:
		start := s.pos
		ok := s.inferenceConfig(w)
		w.inference = s.data[start:s.pos]
		return ok
	case 4:
		raw, ok := s.value()
		if ok && string(raw) != "null" {
			w.extraFields = raw
		}
		return ok
	case 5:
		raw, ok := s.value()
		if ok && string(raw) != "null" {
			w.metadata = raw
		}
		return ok
	}
	_, ok := s.value()
	return ok
}

// nullOr reads a null (true, leaving the field unset) or reports that the
// next value is of kind open ('[' or '{'); anything else is a type error.
func (s *jsonReader) nullOr(open byte) (isNull, ok bool) {
	switch s.peek() {
	case 'n':
		return true, s.literal("null")
	case open:
		return false, true
	}
	return false, s.fail(scanMalformed)
}

// messages reads the messages array.
func (s *jsonReader) messages(w *wireRequest) bool {
	if isNull, ok := s.nullOr('['); isNull || !ok {
		return ok
	}
	return s.array(func() bool {
		w.messages = append(w.messages, wireMessage{})
		return s.message(&w.messages[len(w.messages)-1])
	})
}

// messageFields are a message's fields.
var messageFields = []string{"role", "content"}

// message reads one element of messages; null leaves it empty.
func (s *jsonReader) message(m *wireMessage) bool {
	if isNull, ok := s.nullOr('{'); isNull || !ok {
		return ok
	}
	var seen fieldSet
	return s.object(func(key []byte, k strInfo) bool {
		switch s.structKey(messageFields, &seen, key, k) {
		case -2:
			return false
		case 0:
			return s.role(m)
		case 1:
			return s.blockList(&m.content)
		}
		_, ok := s.value()
		return ok
	})
}

// role reads a message's role: a string, or null for none.
func (s *jsonReader) role(m *wireMessage) bool {
	switch s.peek() {
	case 'n':
		return s.literal("null")
	case '"':
		v, ok := s.str()
		if !ok || !v.plain {
			return ok && s.fail(scanUnusual)
		}
		m.role = enumString(v.content())
		return true
	}
	return s.fail(scanMalformed)
}

// blockList reads a list of blocks (tools, system, a message's content)
// into the arena, after the lists read before it: lists never nest, so
// each is a run of the arena (a run of an earlier array if the arena
// grows).
func (s *jsonReader) blockList(list *[]wireBlock) bool {
	if isNull, ok := s.nullOr('['); isNull || !ok {
		return ok
	}
	a := s.arena
	start := len(*a)
	ok := s.array(func() bool {
		*a = append(*a, wireBlock{})
		return s.block(&(*a)[len(*a)-1])
	})
	if end := len(*a); end > start {
		*list = (*a)[start:end:end]
	}
	return ok
}

// arenaPool holds block arenas for reuse.
var arenaPool = sync.Pool{New: func() any { return new([]wireBlock) }}

// newArena returns an empty block arena.
func newArena() *[]wireBlock {
	a := arenaPool.Get().(*[]wireBlock)
	*a = (*a)[:0]
	return a
}

// release hands the request's block arena back for reuse; w must not be
// used after.
func (w *wireRequest) release() {
	if w == nil || w.arena == nil || cap(*w.arena) > 1024 {
		return
	}
	clear((*w.arena)[:cap(*w.arena)])
	arenaPool.Put(w.arena)
}

// toolConfigFields are toolConfig's fields.
var toolConfigFields = []string{"tools", "toolChoice"}

// toolConfig reads the toolConfig object.
func (s *jsonReader) toolConfig(w *wireRequest) bool {
	if isNull, ok := s.nullOr('{'); isNull || !ok {
		return ok
	}
	tc := &wireToolConfig{}
	w.toolConfig = tc
	var seen fieldSet
	return s.object(func(key []byte, k strInfo) bool {
		switch s.structKey(toolConfigFields, &seen, key, k) {
		case -2:
			return false
		case 0:
			return s.blockList(&tc.tools)
		case 1:
			raw, ok := s.value()
			if ok && string(raw) != "null" {
				tc.toolChoice = raw
			}
			return ok
		}
		_, ok := s.value()
		return ok
	})
}

// inferenceFields are the inferenceConfig fields the emulator reads.
var inferenceFields = []string{"maxTokens"}

// inferenceConfig reads the inferenceConfig object.
func (s *jsonReader) inferenceConfig(w *wireRequest) bool {
	if isNull, ok := s.nullOr('{'); isNull || !ok {
		return ok
	}
	var seen fieldSet
	return s.object(func(key []byte, k strInfo) bool {
		switch s.structKey(inferenceFields, &seen, key, k) {
		case -2:
			return false
		case 0:
			return s.maxTokens(w)
		}
		_, ok := s.value()
		return ok
	})
}

// maxTokens reads inferenceConfig.maxTokens: an integer that fits 64 bits,
// or null.
func (s *jsonReader) maxTokens(w *wireRequest) bool {
	raw, ok := s.value()
	if !ok || string(raw) == "null" {
		return ok
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return s.fail(scanMalformed) // another kind, a fraction or out of range
	}
	w.maxTokens = &n
	return true
}

// asciiEqualFold reports whether the ASCII strings a and b are equal under
// case folding.
func asciiEqualFold(a []byte, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// unionReader collects the members of one block object as they are read.
type unionReader struct {
	keys    [maxUnionKeys][]byte
	nkeys   int
	members int
	// The last non-null member read, and what was learnt of its value.
	member     []byte
	value      []byte
	text       textFacts
	cachePoint cachePointFacts
	document   string
}

// block reads one element of a block list. Any value is accepted here; one
// that is not an object with exactly one non-null member is left with
// union false, for validation to refuse in its turn.
func (s *jsonReader) block(b *wireBlock) bool {
	if s.peek() != '{' {
		raw, ok := s.value()
		b.raw = raw
		return ok
	}
	start := s.pos
	var u unionReader
	if !s.object(func(key []byte, k strInfo) bool { return s.unionField(&u, key, k) }) {
		return false
	}
	b.raw = s.data[start:s.pos]
	if u.members == 1 {
		b.union, b.member, b.value = true, memberName(u.member), u.value
		b.text, b.cachePoint, b.document = u.text, u.cachePoint, u.document
	}
	return true
}

// unionField reads one member of a block object. The keys of a block are
// a map's, matched exactly; a repeated one is left to encoding/json.
func (s *jsonReader) unionField(u *unionReader, key []byte, k strInfo) bool {
	if !k.plain || u.nkeys == maxUnionKeys {
		return s.fail(scanUnusual)
	}
	for _, seen := range u.keys[:u.nkeys] {
		if bytes.Equal(seen, key) {
			return s.fail(scanUnusual)
		}
	}
	u.keys[u.nkeys] = key
	u.nkeys++
	var text textFacts
	var cp cachePointFacts
	var doc string
	c := s.peek()
	start := s.pos
	var ok bool
	switch {
	case c == '"' && string(key) == "text":
		var v strInfo
		v, ok = s.str()
		text = textFacts{ok: ok, n: v.n, blank: v.blank}
	case c == '{' && string(key) == "cachePoint":
		ok = s.cachePointValue(&cp)
	case c == '{' && string(key) == "document":
		ok = s.documentValue(&doc)
	default:
		_, ok = s.value()
	}
	if !ok {
		return false
	}
	if raw := s.data[start:s.pos]; string(raw) != "null" {
		u.members++
		u.member, u.value = key, raw
		u.text, u.cachePoint, u.document = text, cp, doc
	}
	return true
}

// memberName returns a block's member name as a string, without
// allocating for the common ones.
func memberName(key []byte) string {
	switch string(key) {
	case "text":
		return "text"
	case "cachePoint":
		return "cachePoint"
	case "toolSpec":
		return "toolSpec"
	case "document":
		return "document"
	case "image":
		return "image"
	case "toolUse":
		return "toolUse"
	case "toolResult":
		return "toolResult"
	case "reasoningContent":
		return "reasoningContent"
	}
	return string(key)
}

// cachePointFields are CachePointBlock's fields.
var cachePointFields = []string{"type", "ttl"}

// cachePointValue reads a cachePoint member's object value. A field of the
// wrong type makes the value malformed, which validation reports in its
// turn, not the body.
func (s *jsonReader) cachePointValue(f *cachePointFacts) bool {
	f.ok = true
	var seen fieldSet
	return s.object(func(key []byte, k strInfo) bool {
		switch s.structKey(cachePointFields, &seen, key, k) {
		case -2:
			return false
		case 0:
			return s.optionalString(&f.typ, &f.hasType, &f.ok)
		case 1:
			return s.optionalString(&f.ttl, &f.hasTTL, &f.ok)
		}
		_, ok := s.value()
		return ok
	})
}

// optionalString reads a string field into v (set reports it present) or
// a null; any other value clears typeOK.
func (s *jsonReader) optionalString(v *string, set, typeOK *bool) bool {
	switch s.peek() {
	case 'n':
		return s.literal("null")
	case '"':
		str, ok := s.str()
		if !ok || !str.plain {
			return ok && s.fail(scanUnusual)
		}
		*v, *set = enumString(str.content()), true
		return true
	}
	*typeOK = false
	_, ok := s.value()
	return ok
}

// enumString returns b as a string, without allocating for the values
// the service knows.
func enumString(b []byte) string {
	switch string(b) {
	case "default":
		return "default"
	case "5m":
		return "5m"
	case "1h":
		return "1h"
	case "pdf":
		return "pdf"
	case "user":
		return "user"
	case "assistant":
		return "assistant"
	}
	return string(b)
}

// documentFields are the document block's fields the emulator reads.
var documentFields = []string{"format"}

// documentValue reads a document member's object value and its format.
func (s *jsonReader) documentValue(format *string) bool {
	var seen fieldSet
	return s.object(func(key []byte, k strInfo) bool {
		switch s.structKey(documentFields, &seen, key, k) {
		case -2:
			return false
		case 0:
			var set, typeOK bool = false, true
			if !s.optionalString(format, &set, &typeOK) {
				return false
			}
			// encoding/json would ignore another kind of value and go on;
			// what it then makes of the rest is its own.
			return typeOK || s.fail(scanUnusual)
		}
		_, ok := s.value()
		return ok
	})
}
