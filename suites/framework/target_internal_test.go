package framework

import (
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/internal/env"
)

// TestTargetFromEnv checks where a run's calls go for each setting of
// env.Target and env.Endpoint, and that the settings that contradict each
// other or say too little are refused with what to do.
func TestTargetFromEnv(t *testing.T) {
	for _, tc := range []struct {
		target, endpoint string
		want             string
		err              string
	}{
		{"", "", TargetAWS, ""},
		{"aws", "", TargetAWS, ""},
		{"emulator", "", TargetEmulator, ""},
		{"emulator", "http://127.0.0.1:1", TargetEmulator, ""},
		{"", "http://127.0.0.1:1", TargetEndpoint, ""},
		{"endpoint", "http://127.0.0.1:1", TargetEndpoint, ""},
		{"endpoint", "", "", "which is unset"},
		{"aws", "http://127.0.0.1:1", "", "labelled as recorded on AWS"},
		{"gcp", "", "", "want emulator, aws or endpoint"},
	} {
		t.Setenv(env.Target, tc.target)
		t.Setenv(env.Endpoint, tc.endpoint)
		got, err := targetFromEnv()
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("%s=%q %s=%q: %q, %v; want %q", env.Target, tc.target, env.Endpoint, tc.endpoint, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s=%q %s=%q: %q, %v; want an error saying %q", env.Target, tc.target, env.Endpoint, tc.endpoint, got, err, tc.err)
		}
	}
}
