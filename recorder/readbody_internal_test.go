package recorder

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestReadBodyReadsOnceAndKeepsEveryByte(t *testing.T) {
	for _, tc := range []struct {
		name   string
		body   string
		length int64
	}{
		{"as long as it says", `{"a":1}`, 7},
		{"longer than it says", `{"a":1}tail`, 7},
		{"shorter than it says", `{"a"`, 7},
		{"length unknown", `{"a":1}`, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodPost, "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse", strings.NewReader(tc.body))
			r.ContentLength = tc.length
			b, err := readBody(r)
			if err != nil || string(b) != tc.body {
				t.Fatalf("readBody = %q, %v; want %q", b, err, tc.body)
			}
			again, err := readBody(r)
			if err != nil || &again[0] != &b[0] {
				t.Fatalf("a second readBody read the body again (%q, %v); want the bytes it restored", again, err)
			}
			rest, _ := io.ReadAll(r.Body)
			if string(rest) != tc.body {
				t.Fatalf("the body left for the next reader is %q; want %q", rest, tc.body)
			}
			rc, _ := r.GetBody()
			if got, _ := io.ReadAll(rc); string(got) != tc.body {
				t.Fatalf("GetBody gives %q; want %q", got, tc.body)
			}
		})
	}
}
