package recorder

import (
	"encoding/binary"
	"net/http"
	"net/url"
	"slices"
	"time"
	"unsafe"

	"gopkg.in/dnaeon/go-vcr.v2/cassette"
)

// copyMagic starts every binary copy in the cassette cache; a change of the
// format changes it, so that old copies are parsed again.
const copyMagic = "cachecascade-cassette-copy-2\x00"

// The binary copy's format, after copyMagic, the YAML's SHA-256 and the
// YAML file's stamp (a length byte, then fileStamp's bytes): the
// number of interactions, then for each the request (method, URL, body,
// headers, form) and the response (status, code, duration, body,
// headers). Strings are a uvarint length and the bytes; numbers varints;
// a header map its key count, then each key (in sorted order) with its
// value count and values. It is a cache, read only by this package.

// copyWriter appends the binary copy of interactions.
type copyWriter struct{ b []byte }

func (w *copyWriter) count(n int)    { w.b = binary.AppendUvarint(w.b, uint64(n)) }
func (w *copyWriter) str(s string)   { w.count(len(s)); w.b = append(w.b, s...) }
func (w *copyWriter) number(n int64) { w.b = binary.AppendVarint(w.b, n) }
func (w *copyWriter) values(h map[string][]string) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	w.count(len(keys))
	for _, k := range keys {
		w.str(k)
		w.count(len(h[k]))
		for _, v := range h[k] {
			w.str(v)
		}
	}
}

// interaction appends one interaction.
func (w *copyWriter) interaction(in *cassette.Interaction) {
	q, a := in.Request, in.Response
	w.str(q.Method)
	w.str(q.URL)
	w.str(q.Body)
	w.values(q.Headers)
	w.values(q.Form)
	w.str(a.Status)
	w.number(int64(a.Code))
	w.number(int64(a.Duration))
	w.str(a.Body)
	w.values(a.Headers)
}

// copyReader reads a binary copy; a malformed one sets bad, and every
// later read gives zero values. The strings it returns point into b, which
// must not change afterwards.
type copyReader struct {
	b   []byte
	bad bool
}

func (r *copyReader) ok() bool { return !r.bad }

func (r *copyReader) count() int {
	n, k := binary.Uvarint(r.b)
	if k <= 0 || n > uint64(len(r.b)) {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[k:]
	return int(n)
}

func (r *copyReader) str() string {
	n := r.count()
	if n > len(r.b) {
		r.bad, r.b = true, nil
		return ""
	}
	if n == 0 {
		return ""
	}
	// The strings share the copy's bytes, read for this decoding alone and
	// never written again: no second copy of every body.
	s := unsafe.String(&r.b[0], n)
	r.b = r.b[n:]
	return s
}

func (r *copyReader) number() int64 {
	n, k := binary.Varint(r.b)
	if k <= 0 {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[k:]
	return n
}

func (r *copyReader) values() map[string][]string {
	n := r.count()
	if n == 0 {
		return nil
	}
	h := make(map[string][]string, n)
	for i := 0; i < n && r.ok(); i++ {
		k := r.str()
		vs := make([]string, r.count())
		for j := range vs {
			vs[j] = r.str()
		}
		h[k] = vs
	}
	return h
}

// interaction reads one interaction.
func (r *copyReader) interaction() *cassette.Interaction {
	var in cassette.Interaction
	in.Request.Method, in.Request.URL, in.Request.Body = r.str(), r.str(), r.str()
	in.Request.Headers = http.Header(r.values())
	in.Request.Form = url.Values(r.values())
	in.Response.Status = r.str()
	in.Response.Code = int(r.number())
	in.Response.Duration = time.Duration(r.number())
	in.Response.Body = r.str()
	in.Response.Headers = http.Header(r.values())
	return &in
}
