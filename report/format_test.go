package report

import "testing"

func TestFormatUSD(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "$0.00"},
		{12.345, "$12.35"},
		{1, "$1.00"},
		{0.1234, "$0.1234"},
		{0.12345678, "$0.1235"},
		{0.05564, "$0.05564"},
		{0.001234, "$0.001234"},
		{0.0000031, "$0.000003100"},
		{0.99999, "$1.00"},
		{1e-15, "$0.0000000000"},
		{-0.25, "-$0.2500"},
		{-3, "-$3.00"},
	}
	for _, tt := range tests {
		if got := formatUSD(tt.in); got != tt.want {
			t.Errorf("formatUSD(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatInt(t *testing.T) {
	tests := []struct {
		in   int
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, "1,000"}, {123456, "123,456"}, {1234567, "1,234,567"}, {-1234, "-1,234"},
	}
	for _, tt := range tests {
		if got := formatInt(tt.in); got != tt.want {
			t.Errorf("formatInt(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
