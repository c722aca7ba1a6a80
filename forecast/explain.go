package forecast

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/cachecascade/cachecascade/jsondiff"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
)

// diff finds the first byte at which request idx's prefix differs from
// request other's at block j (the first block they do not share): the
// block's place, its message's role, the extras that enter there, or its
// bytes. It fills Path, Old, New and KeyOrder.
func (c *checker) diff(other, idx, j int, m matrix.Model) Miss {
	po, pn := c.prompts[other], c.prompts[idx]
	var bo, bn *block
	if j < len(po.blocks) {
		bo = &po.blocks[j]
	}
	if j < len(pn.blocks) {
		bn = &pn.blocks[j]
	}
	if x := extrasAt(m, po, j, bo); x != nil || extrasAt(m, pn, j, bn) != nil {
		xo, xn := extrasAt(m, po, j, bo), extrasAt(m, pn, j, bn)
		if d, ok := diffExtras(xo, xn); ok {
			return d
		}
	}
	switch {
	case bo == nil && bn == nil:
		return Miss{Path: "(document)", Old: "(absent)", New: "(absent)"}
	case bo == nil:
		return Miss{Path: bn.path, Old: "(absent)", New: excerpt(bn.raw, 0)}
	case bn == nil:
		return Miss{Path: bo.path, Old: excerpt(bo.raw, 0), New: "(absent)"}
	case bo.layer != bn.layer || bo.path != bn.path:
		// One side has a block the other does not: name the one read
		// first.
		if bo.layer < bn.layer || bo.layer == bn.layer && bo.path < bn.path {
			return Miss{Path: bo.path, Old: excerpt(bo.raw, 0), New: "(absent)"}
		}
		return Miss{Path: bn.path, Old: "(absent)", New: excerpt(bn.raw, 0)}
	case bo.first && bo.role != bn.role:
		path := bn.path[:bytes.LastIndexByte([]byte(bn.path), '.')] + ".role"
		return Miss{Path: path, Old: strconv.Quote(bo.role), New: strconv.Quote(bn.role)}
	}
	return diffBytes(bn.path, bo.raw, bn.raw)
}

// extrasAt returns the extras that enter the prefix just before block j
// (of which b is the request's block j, or nil past its end): at the very
// start where they key the whole prefix, else before the first message
// block.
func extrasAt(m matrix.Model, p *prompt, j int, b *block) []extra {
	if !extrasInMessages(m) {
		if j == 0 {
			return p.extras
		}
		return nil
	}
	if b != nil && b.layer == prefix.Messages && (j == 0 || p.blocks[j-1].layer != prefix.Messages) {
		return p.extras
	}
	return nil
}

// diffExtras compares two requests' extras, member by member.
func diffExtras(xo, xn []extra) (Miss, bool) {
	find := func(xs []extra, path string) []byte {
		for _, x := range xs {
			if x.path == path {
				return x.raw
			}
		}
		return nil
	}
	for _, list := range [][]extra{xn, xo} {
		for _, x := range list {
			o, n := find(xo, x.path), find(xn, x.path)
			switch {
			case o == nil:
				return Miss{Path: x.path, Old: "(absent)", New: excerpt(n, 0)}, true
			case n == nil:
				return Miss{Path: x.path, Old: excerpt(o, 0), New: "(absent)"}, true
			case !bytes.Equal(o, n):
				return diffBytes(x.path, o, n), true
			}
		}
	}
	return Miss{}, false
}

// diffBytes locates the first differing byte of two JSON values at base:
// the path of the innermost value holding it, excerpts of both sides, and
// whether the two are the same JSON written otherwise.
func diffBytes(base string, old, new []byte) Miss {
	i := 0
	for i < len(old) && i < len(new) && old[i] == new[i] {
		i++
	}
	path := joinPath(base, innerPath(new, i))
	d := Miss{Path: path, Old: excerpt(old, i), New: excerpt(new, i)}
	if co, err := jsondiff.Canonical(old); err == nil {
		if cn, err := jsondiff.Canonical(new); err == nil && bytes.Equal(co, cn) {
			d.KeyOrder = true
		}
	}
	return d
}

// joinPath appends a relative path to a base path.
func joinPath(base, rel string) string {
	switch {
	case rel == "":
		return base
	case base == "" || rel[0] == '[':
		return base + rel
	}
	return base + "." + rel
}

// innerPath returns the path, relative to raw, of the innermost value that
// holds byte off; an offset in a member's name gives the object's path, so
// that a key-order difference names the reordered object.
func innerPath(raw []byte, off int) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	path, _ := walkTo(dec, off, "")
	return path
}

// walkTo reads one value and returns the path of the innermost value
// holding off, and whether it was found in this value.
func walkTo(dec *json.Decoder, off int, path string) (string, bool) {
	t, err := dec.Token()
	if err != nil {
		return path, true
	}
	switch t {
	case json.Delim('{'):
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return path, true
			}
			if int(dec.InputOffset()) > off {
				return path, true
			}
			key, _ := k.(string)
			if p, found := walkTo(dec, off, joinPath(path, key)); found {
				return p, true
			}
		}
		_, _ = dec.Token()
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if p, found := walkTo(dec, off, path+"["+strconv.Itoa(i)+"]"); found {
				return p, true
			}
		}
		_, _ = dec.Token()
	}
	return path, int(dec.InputOffset()) > off
}

// excerpt shows a few bytes of raw around offset i, marking cut ends with
// "…", cut on character boundaries.
func excerpt(raw []byte, i int) string {
	const before, after = 24, 16
	start, end := max(0, i-before), min(len(raw), i+after)
	for start > 0 && !utf8.RuneStart(raw[start]) {
		start--
	}
	for end < len(raw) && !utf8.RuneStart(raw[end]) {
		end++
	}
	s := string(raw[start:end])
	if start > 0 {
		s = "…" + s
	}
	if end < len(raw) {
		s += "…"
	}
	return s
}
