package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cachecascade/cachecascade/report"
)

// TestProjection: a report's calls, projected over 1, 4 and 8 processes;
// the TTL specs only with -slow; bad input exits 2.
func TestProjection(t *testing.T) {
	m := report.Matrix{Generated: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), Rows: []report.Row{
		{Area: "cascade", Model: "a", Spec: "a1", Outcome: report.Pass, Calls: 5},
		{Area: "cascade", Model: "b", Spec: "b1", Outcome: report.Pass, Calls: 5},
		{Area: "ttl", Model: "a", Spec: "t", Outcome: report.Pass, Calls: 4},
		{Area: "hygiene", Spec: "h", Outcome: report.Pass},
	}}
	data, err := m.JSON()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "matrix.json")
	os.WriteFile(path, data, 0o644)
	var out, errOut bytes.Buffer
	if code := run([]string{"-per-call", "1s", path}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"2 specs, 10 calls at 1s a call", "1 process(es): 10s", "4 process(es): 5s", "8 process(es): 5s"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	run([]string{"-per-call", "1s", "-slow", path}, &out, &errOut)
	if !strings.Contains(out.String(), "4 process(es): 9s") {
		t.Errorf("with -slow the TTL spec runs after the others:\n%s", out.String())
	}
	if code := run([]string{filepath.Join(t.TempDir(), "none.json")}, &out, &errOut); code != 2 {
		t.Errorf("a missing report: exit %d, want 2", code)
	}
}
