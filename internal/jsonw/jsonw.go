// Package jsonw appends JSON to byte slices exactly as encoding/json writes
// it, for the shapes the harness writes at volume (request bodies and tool
// schemas of tens of kilobytes, thousands of times a run): a writer for a
// fixed shape costs a fraction of encoding/json's reflection. Callers keep
// encoding/json as the definition their tests compare with.
package jsonw

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
)

// String appends s as encoding/json quotes it (HTML-safe): between quotes
// as it is when it holds only printable ASCII that needs no escaping, as
// prose does, and otherwise as encoding/json writes it.
func String(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// Float appends f as encoding/json writes a float64, and reports false
// (appending nothing) for the values it leaves to encoding/json: those it
// writes with an exponent, and those it refuses (NaN, ±Inf).
func Float(b []byte, f float64) ([]byte, bool) {
	if a := math.Abs(f); math.IsNaN(f) || math.IsInf(f, 0) || a != 0 && (a < 1e-6 || a >= 1e21) {
		return b, false
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64), true
}

// Raw appends a json.RawMessage as encoding/json embeds it (compacted), and
// reports false (appending nothing) for one it would change otherwise (one
// holding '<', '>', '&' or U+2028/U+2029, which it escapes) or refuse (one
// that is not valid JSON).
func Raw(b []byte, raw json.RawMessage) ([]byte, bool) {
	if raw == nil {
		return append(b, "null"...), true
	}
	if bytes.ContainsAny(raw, "<>&\u2028\u2029") {
		return b, false
	}
	buf := bytes.NewBuffer(b)
	if err := json.Compact(buf, raw); err != nil {
		return b, false
	}
	return buf.Bytes(), true
}
