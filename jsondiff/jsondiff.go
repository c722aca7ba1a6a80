// Package jsondiff compares JSON documents by meaning rather than by bytes:
// it gives their canonical form (object keys sorted, numbers exact) and the
// JSON paths, such as system[0].text, at which two documents differ, with a
// short excerpt of each side. The recorder uses it to explain a cassette
// miss and the wire checks use it to name nondeterministic fields.
package jsondiff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/google/go-cmp/cmp"
)

// Decode decodes exactly one JSON value, keeping numbers as json.Number so
// that 1.50 and 1.5 stay distinct, and rejects trailing data.
func Decode(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("jsondiff: data after the JSON value at offset %d", dec.InputOffset())
	}
	return v, nil
}

// Canonical returns the canonical form of a JSON document: object keys
// sorted, no insignificant white space, numbers as written, no HTML
// escaping. Two documents mean the same exactly when their canonical forms
// are equal.
func Canonical(b []byte) ([]byte, error) {
	v, err := Decode(b)
	if err != nil {
		return nil, err
	}
	return encode(v), nil
}

// encode writes a decoded value in canonical form.
func encode(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// A value Decode produced always encodes.
		panic("jsondiff: re-encoding decoded JSON: " + err.Error())
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// Difference is one place where two documents differ.
type Difference struct {
	// Path is the JSON path of the value, as in toolConfig.tools[0].name;
	// an element only one side has is written [+i] (added in the second)
	// or [-i] (only in the first).
	Path string
	// Old and New render the first and second document's value briefly;
	// for long strings, a window around the first differing byte. A value
	// one side lacks is "(absent)".
	Old, New string
}

// Compare returns where two JSON documents differ, in document order.
func Compare(a, b []byte) ([]Difference, error) {
	av, err := Decode(a)
	if err != nil {
		return nil, fmt.Errorf("jsondiff: first document: %w", err)
	}
	bv, err := Decode(b)
	if err != nil {
		return nil, fmt.Errorf("jsondiff: second document: %w", err)
	}
	return CompareValues(av, bv), nil
}

// CompareValues is Compare for values Decode produced.
func CompareValues(a, b any) []Difference {
	var r reporter
	cmp.Equal(a, b, cmp.Reporter(&r))
	return r.diffs
}

// Format renders differences one per path, labelling the sides (for
// example "recorded" and "actual"), and lists at most limit of them.
func Format(ds []Difference, oldLabel, newLabel string, limit int) string {
	var b strings.Builder
	w := max(len(oldLabel), len(newLabel)) + 1
	for i, d := range ds {
		if i == limit {
			fmt.Fprintf(&b, "... and %d more differences\n", len(ds)-limit)
			break
		}
		fmt.Fprintf(&b, "%s:\n\t-%-*s %s\n\t+%-*s %s\n", d.Path, w, oldLabel+":", d.Old, w, newLabel+":", d.New)
	}
	return b.String()
}

// reporter is a cmp.Reporter collecting one Difference per differing path.
type reporter struct {
	path  cmp.Path
	diffs []Difference
}

func (r *reporter) PushStep(ps cmp.PathStep) { r.path = append(r.path, ps) }

func (r *reporter) PopStep() { r.path = r.path[:len(r.path)-1] }

func (r *reporter) Report(rs cmp.Result) {
	if rs.Equal() {
		return
	}
	x, y := r.path.Last().Values()
	d := Difference{Path: Path(r.path), Old: show(x), New: show(y)}
	if xs, ok := stringValue(x); ok {
		if ys, ok := stringValue(y); ok {
			d.Old, d.New = Excerpt(xs, ys), Excerpt(ys, xs)
		}
	}
	r.diffs = append(r.diffs, d)
}

// Path renders a cmp path over decoded JSON as a.b[2].c.
func Path(p cmp.Path) string {
	var b strings.Builder
	for _, s := range p {
		switch s := s.(type) {
		case cmp.MapIndex:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			fmt.Fprint(&b, s.Key().Interface())
		case cmp.SliceIndex:
			x, y := s.SplitKeys()
			switch {
			case x == y:
				fmt.Fprintf(&b, "[%d]", x)
			case x < 0:
				fmt.Fprintf(&b, "[+%d]", y)
			case y < 0:
				fmt.Fprintf(&b, "[-%d]", x)
			default:
				fmt.Fprintf(&b, "[%d→%d]", x, y)
			}
		}
	}
	if b.Len() == 0 {
		return "(document)"
	}
	return b.String()
}

// stringValue returns the string a value holds, directly or in an
// interface.
func stringValue(v reflect.Value) (string, bool) {
	for v.IsValid() && v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem()
	}
	if !v.IsValid() || v.Kind() != reflect.String {
		return "", false
	}
	return v.String(), true
}

// show renders a decoded JSON value briefly; an invalid value is absent.
func show(v reflect.Value) string {
	if !v.IsValid() {
		return "(absent)"
	}
	b, err := json.Marshal(v.Interface())
	if err != nil {
		return fmt.Sprint(v.Interface())
	}
	if s := string(b); len(s) > 160 {
		return s[:160] + "…"
	}
	return string(b)
}

// Excerpt shows s around the first byte where it differs from other, with
// the offset, so that a one-word change in a 10,000-character prompt is
// visible. Short strings are shown whole.
func Excerpt(s, other string) string {
	const context = 40
	i := 0
	for i < len(s) && i < len(other) && s[i] == other[i] {
		i++
	}
	if len(s) <= 2*context+20 {
		return fmt.Sprintf("%q", s)
	}
	start, end := max(0, i-context), min(len(s), i+context)
	out := fmt.Sprintf("%q", s[start:end])
	if start > 0 {
		out = "…" + out
	}
	if end < len(s) {
		out += "…"
	}
	return fmt.Sprintf("%s (len %d, first difference at byte %d)", out, len(s), i)
}
