package main

import (
	"context"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cachecascade/cachecascade/internal/modroot"
)

// TestConformanceCatchesEmulatorFaults runs the boto3 driver against the
// bundled emulator started with three of its fault profiles — one cache
// shared by every account, stream usage without the cache fields, totals
// that leave the cache out — and requires the checks each fault breaks to
// fail for the right reason, while a check no fault touches still passes.
// It needs python3 with boto3 and is skipped without it or with -short.
func TestConformanceCatchesEmulatorFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the emulator and runs boto3")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "conformance")
	var boto client
	for _, c := range detectClients(ctx, dir) {
		if c.Name == "boto3" {
			boto = c
		}
	}
	if boto.Skip != "" {
		t.Skip(boto.Skip)
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "bedrock-emulator")
	if out, err := buildCmd(ctx, root, bin).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cfg := config{emulator: bin, dir: dir, timeout: 90 * time.Second,
		faults: "shared-cache-across-accounts,stream-drops-cache-usage,totals-dont-add-up"}
	creds, err := newCredentials(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	plain, tls, stop, err := startEmulators(ctx, cfg, tmp, creds, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	results := runClient(ctx, boto, cfg, "faults-"+randomHex(4), creds, plain, tls, io.Discard)

	want := map[string]string{ // row → reason it must fail with ("" passes)
		"Converse: cache write then read":                             "totalTokens",
		"Converse: bearer keys isolated: B does not read A's prefix":  "key B read key A's prefix",
		"ConverseStream: cache write then read":                       "metadata.usage.cacheReadInputTokens",
		"InvokeModelWithResponseStream: cache write then read":        "cache_read_input_tokens",
		"Converse: Nova cachePoint in tools: 400 ValidationException": "",
	}
	seen := 0
	for _, r := range results {
		row := r.check.Op + ": " + r.check.Name
		reason, ok := want[row]
		if !ok {
			continue
		}
		seen++
		switch {
		case reason == "" && r.verdict != "pass":
			t.Errorf("%s: expected pass, got %s: %s", row, r.verdict, r.reason)
		case reason != "" && (r.verdict != "FAIL" || !strings.Contains(r.reason, reason)):
			t.Errorf("%s: expected FAIL mentioning %q, got %s: %s", row, reason, r.verdict, r.reason)
		}
	}
	if seen != len(want) {
		t.Errorf("Expected %d of the rows, found %d", len(want), seen)
	}
}

// buildCmd builds the bundled emulator from the module root into bin.
func buildCmd(ctx context.Context, root, bin string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/bedrock-emulator")
	cmd.Dir = root
	return cmd
}
