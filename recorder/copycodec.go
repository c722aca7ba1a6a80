package recorder

import (
	"crypto/sha256"
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
const copyMagic = "cachecascade-cassette-copy-3\x00"

// The binary copy's format, after copyMagic, the YAML's SHA-256 and the
// YAML file's stamp (a length byte, then fileStamp's bytes): the length of
// the head as 8 little-endian bytes, the head, then the request bodies
// one after another. The head is the number of interactions, then for
// each the request (method, URL, the body's length, the SHA-256 of the
// body and of its canonical form, headers, form) and the response
// (status, code, duration, body, headers). Strings are a uvarint length
// and the bytes; numbers varints; a header map its key count, then each
// key (in sorted order) with its value count and values. It is a cache,
// read only by this package.
//
// Replay reads the head alone (readCopyHead): a replayed request is
// matched by its body's digests (see Matcher.MatchDigest), and the
// recorded bodies, most of a cassette's bytes, are read only to explain a
// miss.

// bodyDigest identifies a recorded request body without its bytes: the
// SHA-256 of the body as recorded and of its canonical form
// (CanonicalBody).
type bodyDigest struct {
	raw, canonical [sha256.Size]byte
}

// digestOf returns the digests of a recorded body.
func digestOf(body string) bodyDigest {
	return bodyDigest{raw: sha256.Sum256([]byte(body)), canonical: sha256.Sum256(canonical([]byte(body)))}
}

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

// interaction appends the head's entry of one interaction; its request
// body goes in the bodies section (see writeCopy).
func (w *copyWriter) interaction(in *cassette.Interaction) {
	q, a := in.Request, in.Response
	w.str(q.Method)
	w.str(q.URL)
	w.count(len(q.Body))
	d := digestOf(q.Body)
	w.b = append(w.b, d.raw[:]...)
	w.b = append(w.b, d.canonical[:]...)
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

// size reads a length that counts bytes elsewhere (a request body's, in
// the bodies section): it is not bounded by what is left to read here.
func (r *copyReader) size() int {
	n, k := binary.Uvarint(r.b)
	if k <= 0 || n > 1<<40 {
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

// digest reads a SHA-256.
func (r *copyReader) digest() (d [sha256.Size]byte) {
	if len(r.b) < sha256.Size {
		r.bad, r.b = true, nil
		return d
	}
	copy(d[:], r.b)
	r.b = r.b[sha256.Size:]
	return d
}

// interaction reads the head's entry of one interaction: the interaction
// without its request body, the body's length and its digests.
func (r *copyReader) interaction() (*cassette.Interaction, int, bodyDigest) {
	var in cassette.Interaction
	in.Request.Method, in.Request.URL = r.str(), r.str()
	n := r.size()
	var d bodyDigest
	d.raw, d.canonical = r.digest(), r.digest()
	in.Request.Headers = http.Header(r.values())
	in.Request.Form = url.Values(r.values())
	in.Response.Status = r.str()
	in.Response.Code = int(r.number())
	in.Response.Duration = time.Duration(r.number())
	in.Response.Body = r.str()
	in.Response.Headers = http.Header(r.values())
	return &in, n, d
}
