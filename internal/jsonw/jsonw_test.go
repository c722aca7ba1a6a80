package jsonw_test

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/cachecascade/cachecascade/internal/jsonw"
)

// TestStringIsEncodingJSONs: strings plain and in need of every escape.
func TestStringIsEncodingJSONs(t *testing.T) {
	for _, s := range []string{"", "plain prose, with commas.", `q"uote`, `back\slash`, "<b>&", "tab\t", "\x00", "é", "\u2028", "\xff", "~"} {
		want, _ := json.Marshal(s)
		if got := jsonw.String([]byte("x"), s); !bytes.Equal(got, append([]byte("x"), want...)) {
			t.Errorf("Expected\n%s\nto equal encoding/json's\n%s", got, want)
		}
	}
}

// TestFloatIsEncodingJSONs: the floats it writes, and those it leaves.
func TestFloatIsEncodingJSONs(t *testing.T) {
	for _, f := range []float64{0, 1, -1, 0.5, 0.7, 1e-6, 123456789.125, 1e20, math.Copysign(0, -1)} {
		want, _ := json.Marshal(f)
		got, ok := jsonw.Float(nil, f)
		if !ok || !bytes.Equal(got, want) {
			t.Errorf("Expected\n%s (%v)\nto equal encoding/json's\n%s", got, ok, want)
		}
	}
	for _, f := range []float64{1e-7, 1e21, math.NaN(), math.Inf(1)} {
		if got, ok := jsonw.Float([]byte("x"), f); ok || string(got) != "x" {
			t.Errorf("Expected\n%g\nto be left to encoding/json, got %q %v", f, got, ok)
		}
	}
}

// TestRawIsEncodingJSONs: a raw message as encoding/json embeds it, or
// left to it when it would escape or refuse it.
func TestRawIsEncodingJSONs(t *testing.T) {
	for _, raw := range []json.RawMessage{nil, json.RawMessage(`{"a": [1, 2], "b": "x y"}`), json.RawMessage(` 3 `)} {
		want, _ := json.Marshal(struct{ R json.RawMessage }{raw})
		got, ok := jsonw.Raw([]byte(`{"R":`), raw)
		if !ok || !bytes.Equal(append(got, '}'), want) {
			t.Errorf("Expected\n%s}\nto equal encoding/json's\n%s", got, want)
		}
	}
	for _, raw := range []json.RawMessage{json.RawMessage(`"<b>"`), json.RawMessage(`{`)} {
		if got, ok := jsonw.Raw([]byte("x"), raw); ok || string(got) != "x" {
			t.Errorf("Expected\n%s\nto be left to encoding/json, got %q %v", raw, got, ok)
		}
	}
}
