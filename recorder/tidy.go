package recorder

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cachecascade/cachecascade/internal/atomicfile"
)

// What a record run leaves beside a cassette while it saves one, and what a
// killed one can leave behind for good:
//
//   - the temporary recording, ".NAME.recording-PID-N.yaml", renamed over
//     NAME.yaml when the spec passes;
//   - with Options.Manifest, the journal ".NAME.provenance-PID.json",
//     written before that rename: the new cassette's SHA-256 and its
//     manifest entry. After the rename the entry goes into the manifest and
//     the journal is removed, all under a lock of the cassette directory.
//
// Tidy clears what a process that no longer runs left: its temporary
// recordings go, and each journal either goes into the manifest (the
// cassette on disk is the one it describes: the process died after the
// rename) or is dropped (it is not: the process died before, and the old
// cassette and its entry stand). So the manifest stays true after any kill.

// StaleAfter is the age past which a temporary recording or a journal is
// stale even though a process with the PID in its name runs: that PID has
// been reused.
const StaleAfter = 24 * time.Hour

var (
	tempRecording = regexp.MustCompile(`^\.(.+)\.recording-([0-9]+)-[0-9]+\.yaml$`)
	journalFile   = regexp.MustCompile(`^\.(.+)\.provenance-([0-9]+)\.json$`)
)

// journal is what a journal file holds.
type journal struct {
	// Cassette is the cassette's key in the manifest: its path relative to
	// the manifest's directory, with forward slashes.
	Cassette string `json:"cassette"`
	// SHA256 is the hex SHA-256 of the cassette the entry describes.
	SHA256 string `json:"sha256"`
	// Entry is the cassette's manifest entry.
	Entry Provenance `json:"entry"`
}

// noteOutput receives the notes of the Tidy that Open runs; tests replace
// it.
var noteOutput io.Writer = os.Stderr

// tidied holds the directories Open has tidied in this process.
var tidied sync.Map

// tidyOnce runs Tidy on dir the first time a session of this process opens
// a cassette under it, and prints what it did; failing to tidy is reported,
// not fatal (it costs a stale file, not a wrong answer).
func tidyOnce(dir string) {
	if _, done := tidied.LoadOrStore(dir, true); done {
		return
	}
	notes, err := Tidy(dir)
	for _, n := range notes {
		fmt.Fprintln(noteOutput, "recorder: "+n)
	}
	if err != nil {
		fmt.Fprintf(noteOutput, "recorder: tidying %s: %v\n", dir, err)
	}
}

// Tidy removes, under dir, the temporary recordings of record processes
// that no longer run (or older than StaleAfter) and settles their journals
// (see above), and returns one note per file it removed or entry it wrote.
// A missing dir is not an error.
func Tidy(dir string) ([]string, error) {
	var temps, journals []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == dir {
			return fs.SkipAll
		}
		if err != nil || d.IsDir() {
			return err
		}
		switch name := d.Name(); {
		case tempRecording.MatchString(name) && stale(p, tempRecording.FindStringSubmatch(name)[2]):
			temps = append(temps, p)
		case journalFile.MatchString(name) && stale(p, journalFile.FindStringSubmatch(name)[2]):
			journals = append(journals, p)
		}
		return nil
	})
	var notes []string
	var errs []error
	// Journals first: a journal's cassette was renamed into place or its
	// temporary recording is still there; either way the temporary
	// recording is not needed to settle it.
	for _, j := range journals {
		note, err := settle(j)
		if note != "" {
			notes = append(notes, note)
		}
		errs = append(errs, err)
	}
	for _, t := range temps {
		if err := os.Remove(t); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		pid := tempRecording.FindStringSubmatch(filepath.Base(t))[2]
		notes = append(notes, fmt.Sprintf("removed %s, a recording left unfinished by process %s, which no longer runs", t, pid))
	}
	return notes, errors.Join(append(errs, err)...)
}

// stale reports whether a file a process left is stale: that process no
// longer runs, or the file is older than StaleAfter.
func stale(path, pid string) bool {
	n, err := strconv.Atoi(pid)
	if err != nil || !running(n) {
		return true
	}
	info, err := os.Stat(path)
	return err == nil && time.Since(info.ModTime()) > StaleAfter
}

// running reports whether a process with the given PID runs (as far as
// signal 0 can tell: EPERM means it runs as another user).
func running(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// settle puts the entry of the journal at path into the manifest when the
// cassette on disk is the one it describes, and removes the journal.
func settle(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var j journal
	if err := json.Unmarshal(b, &j); err != nil || j.Cassette == "" {
		return fmt.Sprintf("removed %s, an unreadable journal", path), os.Remove(path)
	}
	// The manifest's directory: the journal's, less the cassette key's.
	dir := filepath.Dir(path)
	if sub := filepath.Dir(filepath.FromSlash(j.Cassette)); sub != "." {
		dir = strings.TrimSuffix(dir, string(filepath.Separator)+sub)
	}
	cassette := filepath.Join(dir, filepath.FromSlash(j.Cassette))
	sum, err := fileSHA256(cassette)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if sum != j.SHA256 {
		return fmt.Sprintf("removed %s: its recording was never put in place (the process was stopped first), so %s and its manifest entry stand", path, cassette), os.Remove(path)
	}
	err = withManifest(dir, func(m *Manifest) { m.Cassettes[j.Cassette] = j.Entry })
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("wrote the manifest entry of %s from %s: the process recording it was stopped after the cassette was in place, before the entry was", cassette, path), os.Remove(path)
}

// fileSHA256 returns the hex SHA-256 of a file's content.
func fileSHA256(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// withManifest changes the manifest of a cassette directory under an
// exclusive lock of the directory, which every process changing it takes.
func withManifest(dir string, change func(*Manifest)) error {
	unlock, err := lockDir(dir)
	if err != nil {
		return err
	}
	defer unlock()
	m, err := ReadManifest(dir)
	if err != nil {
		return err
	}
	if m.Note == "" {
		m.Note = ManifestNote
	}
	change(&m)
	return WriteManifest(dir, m)
}

// lockDir takes an exclusive advisory lock (flock) of a directory and
// returns the function that releases it. A process that dies drops it.
func lockDir(dir string) (unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("recorder: locking %s: %w", dir, err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("recorder: locking %s: %w", dir, err)
	}
	return func() { f.Close() }, nil
}

// journalPath returns the journal of a cassette written by this process.
func journalPath(cassette string) string {
	dir, base := filepath.Split(strings.TrimSuffix(cassette, ".yaml"))
	return filepath.Join(dir, fmt.Sprintf(".%s.provenance-%d.json", base, os.Getpid()))
}

// writeJournal writes the journal of the recording tmp, about to be renamed
// over cassette, whose manifest (in dir) gets entry.
func writeJournal(path, dir, cassette, tmp string, entry Provenance) error {
	rel, err := filepath.Rel(dir, cassette)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("recorder: the cassette %s is not under the manifest's directory %s", cassette, dir)
	}
	sum, err := fileSHA256(tmp)
	if err != nil {
		return err
	}
	b, err := json.Marshal(journal{Cassette: filepath.ToSlash(rel), SHA256: sum, Entry: entry})
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b, 0o644)
}
