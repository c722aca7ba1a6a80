package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/cachecascade/cachecascade/jsondiff"
)

// Change is how a request body differs from a reference.
type Change int

const (
	// Identical means the bodies are the same bytes.
	Identical Change = iota
	// Reordered means the bodies are the same JSON (equal canonical forms)
	// written with different bytes: keys in another order, strings escaped
	// differently, or other white space.
	Reordered
	// Changed means the bodies differ in value at one or more paths.
	Changed
)

// String returns "identical", "reordered" or "changed".
func (c Change) String() string {
	switch c {
	case Identical:
		return "identical"
	case Reordered:
		return "reordered"
	case Changed:
		return "changed"
	}
	return fmt.Sprintf("Change(%d)", int(c))
}

// Comparison is the result of Compare.
type Comparison struct {
	// Kind is how the actual body differs from the reference.
	Kind Change
	// Fields lists every difference: for Changed, the paths whose value
	// differs (in document order) followed by any key-order or encoding
	// differences; for Reordered, the objects whose key order differs and
	// the strings whose encoding differs (or (document) when only white
	// space does). It is empty for Identical.
	Fields []Field
	// CacheAffecting reports that at least one field is cache-affecting.
	CacheAffecting bool
}

// Describe renders the comparison for a report: the kind, then one line
// per field saying how it differs and whether it is cache-affecting.
func (c Comparison) Describe() string {
	var b strings.Builder
	b.WriteString(c.Kind.String())
	if c.Kind != Identical {
		if c.CacheAffecting {
			b.WriteString(", cache-affecting")
		} else {
			b.WriteString(", not cache-affecting")
		}
	}
	for _, f := range c.Fields {
		b.WriteString("\n  ")
		b.WriteString(f.String())
	}
	return b.String()
}

// Compare compares a request body against a reference, such as the same
// request recorded in a cassette. Both must be JSON documents unless they
// are byte-identical.
func Compare(reference, actual []byte) (Comparison, error) {
	if bytes.Equal(reference, actual) {
		return Comparison{Kind: Identical}, nil
	}
	fields, values, err := differences(reference, actual)
	if err != nil {
		return Comparison{}, err
	}
	c := Comparison{Kind: Reordered, Fields: fields}
	if values {
		c.Kind = Changed
	}
	for _, f := range fields {
		c.CacheAffecting = c.CacheAffecting || f.CacheAffecting
	}
	return c, nil
}

// differences returns every classified difference between two bodies that
// are not byte-identical, and whether any of them is a value difference.
func differences(a, b []byte) (fields []Field, values bool, err error) {
	ds, err := jsondiff.Compare(a, b)
	if err != nil {
		return nil, false, err
	}
	for _, d := range ds {
		f := classifyAs(d.Path, Value)
		f.Old, f.New = d.Old, d.New
		fields = append(fields, f)
	}
	ta, err := parse(a)
	if err != nil {
		return nil, false, fmt.Errorf("wire: first document: %w", err)
	}
	tb, err := parse(b)
	if err != nil {
		return nil, false, fmt.Errorf("wire: second document: %w", err)
	}
	var w walker
	w.walk(ta, tb, "")
	fields = append(fields, w.fields...)
	if len(fields) == 0 {
		// Same values, key order and string encodings: only white space
		// differs.
		fields = append(fields, classifyAs(Root, Encoding))
	}
	return fields, len(ds) > 0, nil
}

// node is a JSON value with its object keys in document order and the raw
// bytes of its scalars.
type node struct {
	// kind is '{', '[' or 0 for a scalar.
	kind  byte
	keys  []string
	vals  []*node // object members, in the order of keys
	elems []*node // array elements
	raw   []byte  // a scalar as written
	val   any     // a scalar as decoded (string, json.Number, bool or nil)
}

// parse reads one JSON document into a node tree.
func parse(b []byte) (*node, error) {
	p := &parser{src: b, dec: json.NewDecoder(bytes.NewReader(b))}
	p.dec.UseNumber()
	n, err := p.value()
	if err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the JSON value at offset %d", p.dec.InputOffset())
	}
	return n, nil
}

// parser turns decoder tokens into nodes, slicing each scalar's raw bytes
// out of the source by the decoder's offsets.
type parser struct {
	src []byte
	dec *json.Decoder
}

// token returns the next token and the raw bytes it was read from.
func (p *parser) token() (json.Token, []byte, error) {
	start := p.dec.InputOffset()
	t, err := p.dec.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, nil, err
	}
	raw := bytes.TrimLeft(p.src[start:p.dec.InputOffset()], " \t\r\n,:")
	return t, raw, nil
}

// value reads one value.
func (p *parser) value() (*node, error) {
	t, raw, err := p.token()
	if err != nil {
		return nil, err
	}
	switch t {
	case json.Delim('{'):
		n := &node{kind: '{'}
		for p.dec.More() {
			k, _, err := p.token()
			if err != nil {
				return nil, err
			}
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, k.(string))
			n.vals = append(n.vals, v)
		}
		_, _, err := p.token() // '}'
		return n, err
	case json.Delim('['):
		n := &node{kind: '['}
		for p.dec.More() {
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			n.elems = append(n.elems, v)
		}
		_, _, err := p.token() // ']'
		return n, err
	}
	return &node{raw: slices.Clone(raw), val: t}, nil
}

// member returns the value of key k, or nil.
func (n *node) member(k string) *node {
	if i := slices.Index(n.keys, k); i >= 0 {
		return n.vals[i]
	}
	return nil
}

// walker collects key-order and encoding differences, which canonical
// comparison cannot see. Value differences are jsondiff's business; the
// walker descends only where both sides have the same shape.
type walker struct {
	fields []Field
}

// walk compares a and b at path (jsondiff's syntax; "" is the root).
func (w *walker) walk(a, b *node, path string) {
	if a.kind != b.kind {
		return
	}
	switch a.kind {
	case '{':
		if !slices.Equal(common(a.keys, b.keys), common(b.keys, a.keys)) {
			w.add(path, KeyOrder)
		}
		for i, k := range a.keys {
			if bv := b.member(k); bv != nil {
				w.walk(a.vals[i], bv, join(path, k))
			}
		}
	case '[':
		// Elements are paired by index only when no element was added or
		// removed, so that a shift is not mistaken for a reordering.
		if len(a.elems) == len(b.elems) {
			for i := range a.elems {
				w.walk(a.elems[i], b.elems[i], path+"["+strconv.Itoa(i)+"]")
			}
		}
	default:
		as, aok := a.val.(string)
		bs, bok := b.val.(string)
		if aok && bok && as == bs && !bytes.Equal(a.raw, b.raw) {
			w.add(path, Encoding)
		}
	}
}

// add records a difference of kind k at path.
func (w *walker) add(path string, k Kind) {
	if path == "" {
		path = Root
	}
	w.fields = append(w.fields, classifyAs(path, k))
}

// common returns the keys of a that b also has, in a's order.
func common(a, b []string) []string {
	out := make([]string, 0, len(a))
	for _, k := range a {
		if slices.Contains(b, k) {
			out = append(out, k)
		}
	}
	return out
}

// join appends a member name to a path as jsondiff writes it.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
