package main

import "testing"

// TestEmulatorServesTheRegionFlag: the emulator checks the signing region
// as the service does, so -emulator serves the region -region names.
func TestEmulatorServesTheRegionFlag(t *testing.T) {
	code, out, errOut := discoverRun(t, "-emulator", "-region", "eu-west-1", "-models", modelsFile(t), "-q", "anthropic.claude-hidden-1")
	if code != ExitCaches {
		t.Fatalf("exit %d, want 0; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}
