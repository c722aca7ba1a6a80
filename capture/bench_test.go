package capture_test

import (
	"testing"
	"time"

	"github.com/cachecascade/cachecascade/capture"
)

// BenchmarkLine measures the line of a typical cached request (a system
// prompt of about 3,000 tokens, about 13 KB), compact and indented: the
// work capture adds to a call.
func BenchmarkLine(b *testing.B) {
	for _, bc := range []struct {
		name string
		body []byte
	}{{"compact", anthropicBody("bench", "Hi")}, {"indented", prettyBody("bench")}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.body)))
			at := time.Now()
			for b.Loop() {
				if _, err := capture.Line(sonnet, "invoke", bc.body, at, "prod"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
