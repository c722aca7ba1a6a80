package emulator

import (
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// A one-pass JSON reader for request bodies. It accepts exactly the syntax
// encoding/json accepts, and reports, for every string it passes, what
// encoding/json would decode it to — its length and whether it is blank —
// without decoding it, so that a request is read once. Where deciding as
// encoding/json decides would take more than that (an escaped or folded
// key, a duplicate key, an escaped enum value, very deep nesting), it stops
// with scanUnusual and the caller decodes with encoding/json instead.

// scanStatus is how a one-pass read ended.
type scanStatus uint8

const (
	// scanOK: the body was read and what was found is what encoding/json
	// would have found.
	scanOK scanStatus = iota
	// scanMalformed: encoding/json would fail on the body, with a syntax
	// or a type error.
	scanMalformed
	// scanUnusual: the body uses something the one-pass reader leaves to
	// encoding/json.
	scanUnusual
)

// maxScanDepth is encoding/json's nesting limit.
const maxScanDepth = 10000

// maxUnionKeys is the most keys the reader checks for duplicates in one
// object; an object with more is left to encoding/json.
const maxUnionKeys = 16

// jsonReader reads one JSON text. Its methods return false once status is
// not scanOK, and the first failure sticks.
type jsonReader struct {
	data   []byte
	pos    int
	depth  int
	status scanStatus
	// arena holds the block lists of the Converse body being read, one
	// after another (see blockList).
	arena *[]wireBlock
}

// fail records st unless an earlier failure is recorded, and returns false.
func (s *jsonReader) fail(st scanStatus) bool {
	if s.status == scanOK {
		s.status = st
	}
	return false
}

// peek skips white space and returns the next byte, 0 at the end.
func (s *jsonReader) peek() byte {
	for s.pos < len(s.data) {
		switch c := s.data[s.pos]; c {
		case ' ', '\t', '\r', '\n':
			s.pos++
		default:
			return c
		}
	}
	return 0
}

// value reads one value of any kind and returns its exact bytes.
func (s *jsonReader) value() ([]byte, bool) {
	c := s.peek()
	start := s.pos
	var ok bool
	switch {
	case c == '{':
		ok = s.object(func([]byte, strInfo) bool { _, ok := s.value(); return ok })
	case c == '[':
		ok = s.array(func() bool { _, ok := s.value(); return ok })
	case c == '"':
		_, ok = s.str()
	case c == '-' || '0' <= c && c <= '9':
		ok = s.number()
	case c == 't':
		ok = s.literal("true")
	case c == 'f':
		ok = s.literal("false")
	case c == 'n':
		ok = s.literal("null")
	default:
		ok = s.fail(scanMalformed)
	}
	return s.data[start:s.pos], ok
}

// enter and leave count nesting as encoding/json's scanner does.
func (s *jsonReader) enter() bool {
	s.depth++
	return s.depth <= maxScanDepth || s.fail(scanUnusual)
}

func (s *jsonReader) leave() { s.depth-- }

// expect consumes c after white space.
func (s *jsonReader) expect(c byte) bool {
	if s.peek() != c {
		return s.fail(scanMalformed)
	}
	s.pos++
	return true
}

// object reads an object at the next byte, calling field with each key
// (without its quotes) and what its string holds; field reads the value.
func (s *jsonReader) object(field func(key []byte, k strInfo) bool) bool {
	if !s.expect('{') || !s.enter() {
		return false
	}
	defer s.leave()
	if s.peek() == '}' {
		s.pos++
		return true
	}
	for {
		if s.peek() != '"' {
			return s.fail(scanMalformed)
		}
		k, ok := s.str()
		if !ok || !s.expect(':') || !field(k.span[1:len(k.span)-1], k) {
			return false
		}
		switch s.peek() {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return true
		default:
			return s.fail(scanMalformed)
		}
	}
}

// array reads an array at the next byte, calling elem to read each
// element.
func (s *jsonReader) array(elem func() bool) bool {
	if !s.expect('[') || !s.enter() {
		return false
	}
	defer s.leave()
	if s.peek() == ']' {
		s.pos++
		return true
	}
	for {
		if !elem() {
			return false
		}
		switch s.peek() {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return true
		default:
			return s.fail(scanMalformed)
		}
	}
}

// literal consumes word (true, false or null).
func (s *jsonReader) literal(word string) bool {
	s.peek()
	if len(s.data)-s.pos < len(word) || string(s.data[s.pos:s.pos+len(word)]) != word {
		return s.fail(scanMalformed)
	}
	s.pos += len(word)
	return true
}

// number consumes a number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *jsonReader) number() bool {
	s.peek()
	d, i := s.data, s.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		i = digits(d, i)
	default:
		return s.fail(scanMalformed)
	}
	if i < len(d) && d[i] == '.' {
		if i = digits(d, i+1); d[i-1] == '.' {
			return s.fail(scanMalformed)
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if j := digits(d, i); j > i {
			i = j
		} else {
			return s.fail(scanMalformed)
		}
	}
	s.pos = i
	return true
}

// digits returns the index after the run of digits starting at i.
func digits(d []byte, i int) int {
	for i < len(d) && '0' <= d[i] && d[i] <= '9' {
		i++
	}
	return i
}

// strInfo describes a string as encoding/json would decode it.
type strInfo struct {
	// span is the string with its quotes, exactly as received.
	span []byte
	// n is the decoded length in bytes (escapes decoded, invalid UTF-8
	// replaced by U+FFFD).
	n int
	// blank reports that the decoded string is all white space
	// (strings.TrimSpace leaves nothing).
	blank bool
	// plain reports that the decoded string is the bytes between the
	// quotes: no escapes, valid UTF-8.
	plain bool
	// ascii reports that every byte between the quotes is ASCII.
	ascii bool
}

// content returns the bytes between the quotes.
func (k strInfo) content() []byte { return k.span[1 : len(k.span)-1] }

// strPlain marks the bytes that stand for themselves in a string: printable
// ASCII other than the quote and the backslash.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str reads a string at the next byte.
func (s *jsonReader) str() (strInfo, bool) {
	if !s.expect('"') {
		return strInfo{}, false
	}
	d, start := s.data, s.pos-1
	info := strInfo{blank: true, plain: true, ascii: true}
	i := s.pos
	for {
		run := i
		for i < len(d) && strPlain[d[i]] {
			i++
		}
		if info.blank && !onlySpaces(d[run:i]) {
			info.blank = false
		}
		info.n += i - run
		if i >= len(d) || d[i] < 0x20 {
			return strInfo{}, s.fail(scanMalformed)
		}
		var ok bool
		switch d[i] {
		case '"':
			s.pos = i + 1
			info.span = d[start:s.pos]
			return info, true
		case '\\':
			i, ok = escape(d, i, &info)
		default:
			i = utf8Rune(d, i, &info)
			ok = true
		}
		if !ok {
			return strInfo{}, s.fail(scanMalformed)
		}
	}
}

// onlySpaces reports whether b holds only ASCII spaces.
func onlySpaces(b []byte) bool {
	for _, c := range b {
		if c != ' ' {
			return false
		}
	}
	return true
}

// escape reads the escape sequence at d[i] (a backslash) into info and
// returns the index after it.
func escape(d []byte, i int, info *strInfo) (int, bool) {
	info.plain = false
	if i+1 >= len(d) {
		return i, false
	}
	switch d[i+1] {
	case '"', '\\', '/', 'b':
		info.n++
		info.blank = false
		return i + 2, true
	case 'f', 'n', 'r', 't':
		info.n++
		return i + 2, true
	case 'u':
		r := hex4(d, i)
		if r < 0 {
			return i, false
		}
		i += 6
		if utf16.IsSurrogate(r) {
			if dec := utf16.DecodeRune(r, hex4(d, i)); dec != unicode.ReplacementChar {
				i += 6 // a valid pair
				r = dec
			} else {
				r = unicode.ReplacementChar
			}
		}
		info.n += utf8.RuneLen(r)
		info.blank = info.blank && unicode.IsSpace(r)
		return i, true
	}
	return i, false
}

// hex4 returns the rune of the \uXXXX escape at d[i], or -1.
func hex4(d []byte, i int) rune {
	if len(d)-i < 6 || d[i] != '\\' || d[i+1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range d[i+2 : i+6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// utf8Rune reads the non-ASCII byte sequence at d[i] into info as
// encoding/json decodes it (an invalid byte becomes U+FFFD) and returns the
// index after it.
func utf8Rune(d []byte, i int, info *strInfo) int {
	info.ascii = false
	r, size := utf8.DecodeRune(d[i:])
	if r == utf8.RuneError && size == 1 {
		info.plain = false
		info.n += utf8.RuneLen(r)
	} else {
		info.n += size
	}
	info.blank = info.blank && unicode.IsSpace(r)
	return i + size
}
