package emulator

import (
	"context"
	"testing"
)

// BenchmarkConverse measures Converse round trips through the SDK on
// loopback (a cache hit each time after the first).
func BenchmarkConverse(b *testing.B) {
	h := startHarness(b, Options{})
	in := defaultLayered().input()
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := h.c.Converse(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkConverseStream measures ConverseStream round trips through the
// SDK on loopback, reading every event.
func BenchmarkConverseStream(b *testing.B) {
	h := startHarness(b, Options{})
	in := defaultLayered().input()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := callStream(b, h.c, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
