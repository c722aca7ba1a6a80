package recorder_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/cachecascade/cachecascade/recorder"
)

// deadPID returns the PID of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// TestOpenRemovesStaleRecordings: the temporary recordings a killed record
// process left are removed, with a note, by the next session that opens a
// cassette there; a live process's is kept unless it is older than
// StaleAfter (its PID was reused).
func TestOpenRemovesStaleRecordings(t *testing.T) {
	var notes bytes.Buffer
	defer recorder.SetNoteOutputForTest(&notes)()
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	os.WriteFile(path, []byte("---\nversion: 1\ninteractions:\n- request: {method: POST, url: /model/x/converse}\n  response: {code: 200}\n"), 0o644)
	dead := filepath.Join(dir, fmt.Sprintf(".c.recording-%d-1.yaml", deadPID(t)))
	live := filepath.Join(dir, fmt.Sprintf(".c.recording-%d-2.yaml", os.Getpid()))
	old := filepath.Join(dir, fmt.Sprintf(".d.recording-%d-3.yaml", os.Getpid()))
	for _, f := range []string{dead, live, old} {
		os.WriteFile(f, []byte("---\nversion: 1\ninteractions: []\n"), 0o644)
	}
	long := time.Now().Add(-recorder.StaleAfter - time.Hour)
	os.Chtimes(old, long, long)

	if _, err := replay(t, path); err != nil {
		t.Fatal(err)
	}
	for f, want := range map[string]bool{dead: false, live: true, old: false} {
		if _, err := os.Stat(f); (err == nil) != want {
			t.Errorf("%s: present %v, want %v", filepath.Base(f), err == nil, want)
		}
	}
	for _, f := range []string{dead, old} {
		if !strings.Contains(notes.String(), "removed "+f) {
			t.Errorf("no note of removing %s in:\n%s", filepath.Base(f), notes.String())
		}
	}
	if strings.Contains(notes.String(), live) {
		t.Errorf("a note names the live recording:\n%s", notes.String())
	}
}

// TestRecordWritesTheManifestEntry: with Options.Manifest and Provenance,
// the cassette's entry is in the manifest when Finish returns, and no
// journal is left.
func TestRecordWritesTheManifestEntry(t *testing.T) {
	fakeAWS(t, "")
	_, srv := serve(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "cascade", "m", "c.yaml")
	p := recorder.Provenance{Spec: "cascade c", Source: "emulator test", SDK: map[string]string{}, Recorded: "2026-11-26T00:00:00Z"}
	s, err := recorder.Open(context.Background(), recorder.Options{Mode: recorder.Record, Cassette: path, Endpoint: srv.URL, Manifest: dir, Provenance: &p})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.Converse(context.Background(), converse(sonnet, "x")); err != nil {
		t.Fatal(err)
	}
	if err := s.Finish(true); err != nil {
		t.Fatal(err)
	}
	m, err := recorder.ReadManifest(dir)
	if err != nil || m.Cassettes["cascade/m/c.yaml"].Source != "emulator test" || m.Note != recorder.ManifestNote {
		t.Errorf("manifest after Finish: %+v, %v", m, err)
	}
	assertNoLeftovers(t, dir)
}

// TestKilledRecorderLeavesTheManifestTrue kills (SIGKILL) a record process
// while it saves a cassette, before and after the rename that puts the
// cassette in place: either way, once the next session has opened, the
// manifest says where the cassette on disk came from, and nothing is left
// behind.
func TestKilledRecorderLeavesTheManifestTrue(t *testing.T) {
	if step := os.Getenv("RECORDER_KILL_AT"); step != "" {
		childStopsWhileSaving(t, step)
		return
	}
	fakeAWS(t, "")
	_, srv := serve(t)
	const old = "---\nversion: 1\ninteractions:\n- request: {method: POST, url: /model/x/converse}\n  response: {code: 200}\n"
	oldEntry := recorder.Provenance{Spec: "cascade c", Source: "aws us-east-1", SDK: map[string]string{}, Recorded: "2026-01-01T00:00:00Z"}
	for _, tc := range []struct {
		step string
		// renamed: the new cassette is in place when the process dies.
		renamed bool
	}{{"journal written", false}, {"cassette renamed", true}} {
		t.Run(tc.step, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "cascade", "m", "c.yaml")
			os.MkdirAll(filepath.Dir(path), 0o755)
			os.WriteFile(path, []byte(old), 0o644)
			if err := recorder.WriteManifest(dir, recorder.Manifest{Note: recorder.ManifestNote, Cassettes: map[string]recorder.Provenance{"cascade/m/c.yaml": oldEntry}}); err != nil {
				t.Fatal(err)
			}

			cmd := exec.Command(os.Args[0], "-test.run=^TestKilledRecorderLeavesTheManifestTrue$")
			cmd.Env = append(os.Environ(), "RECORDER_KILL_AT="+tc.step, "RECORDER_CASSETTE="+path, "RECORDER_MANIFEST="+dir, "RECORDER_ENDPOINT="+srv.URL)
			out, _ := cmd.StdoutPipe()
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := bufio.NewScanner(out)
			for lines.Scan() && lines.Text() != "stopped" {
			}
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()

			b, _ := os.ReadFile(path)
			if renamed := string(b) != old; renamed != tc.renamed {
				t.Fatalf("when killed, the new cassette was in place: %v, want %v", renamed, tc.renamed)
			}
			// The next session, a replay here, tidies the directory.
			var notes bytes.Buffer
			defer recorder.SetNoteOutputForTest(&notes)()
			if _, err := recorder.Open(context.Background(), recorder.Options{Mode: recorder.Replay, Cassette: path, Manifest: dir}); err != nil {
				t.Fatal(err)
			}
			t.Logf("notes:\n%s", notes.String())
			m, err := recorder.ReadManifest(dir)
			if err != nil {
				t.Fatal(err)
			}
			want := oldEntry.Source
			if tc.renamed {
				want = "emulator killed"
			}
			if got := m.Cassettes["cascade/m/c.yaml"].Source; got != want {
				t.Errorf("manifest entry says the cassette came from %q, want %q", got, want)
			}
			if after, _ := os.ReadFile(path); string(after) != string(b) {
				t.Error("tidying changed the cassette")
			}
			if notes.Len() == 0 {
				t.Error("tidying said nothing")
			}
			assertNoLeftovers(t, dir)
			if unlisted, missing, err := recorder.ManifestGaps(dir); err != nil || len(unlisted)+len(missing) > 0 {
				t.Errorf("ManifestGaps = %v, %v, %v", unlisted, missing, err)
			}
		})
	}
}

// childStopsWhileSaving records one call with a manifest entry and stops
// for good at the given step of saving it, for its parent to kill.
func childStopsWhileSaving(t *testing.T, step string) {
	p := recorder.Provenance{Spec: "cascade c", Source: "emulator killed", SDK: map[string]string{}, Recorded: "2026-11-26T00:00:00Z"}
	err := record2(os.Getenv("RECORDER_CASSETTE"), os.Getenv("RECORDER_MANIFEST"), os.Getenv("RECORDER_ENDPOINT"), &p, func(c *bedrockruntime.Client) {
		c.Converse(context.Background(), converse(sonnet, "x"))
		recorder.SetSaveHookForTest(func(at string) {
			if at == step {
				os.Stdout.WriteString("stopped\n")
				select {}
			}
		})
	})
	t.Fatalf("the child finished saving (%v) instead of stopping at %q", err, step)
}

// record2 records with a manifest entry.
func record2(path, manifest, endpoint string, p *recorder.Provenance, calls func(*bedrockruntime.Client)) error {
	s, err := recorder.Open(context.Background(), recorder.Options{Mode: recorder.Record, Cassette: path, Endpoint: endpoint, Manifest: manifest, Provenance: p})
	if err != nil {
		return err
	}
	calls(s.Client)
	return s.Finish(true)
}

// assertNoLeftovers fails if a temporary recording or a journal is left
// under dir.
func assertNoLeftovers(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && (strings.Contains(d.Name(), ".recording-") || strings.Contains(d.Name(), ".provenance-")) {
			t.Errorf("left behind: %s", p)
		}
		return err
	})
}
