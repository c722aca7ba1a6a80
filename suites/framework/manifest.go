package framework

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cachecascade/cachecascade/matrix"
)

// ManifestFile is the name of the manifest in the cassette directory.
const ManifestFile = "manifest.json"

// Manifest says where every cassette came from. Recording against the
// emulator is never passed off as recording against AWS: Source says which.
type Manifest struct {
	// Note explains the file to a reader.
	Note string `json:"note"`
	// Cassettes maps a cassette's path, relative to the cassette
	// directory, to its provenance.
	Cassettes map[string]Provenance `json:"cassettes"`
}

// Provenance is where one cassette came from.
type Provenance struct {
	// Spec is the spec that recorded it.
	Spec string `json:"spec"`
	// Model is the model ID it called ("" for specs without a model).
	Model string `json:"model,omitempty"`
	// Source is "emulator <version>[ with profiles ...]", "aws <region>"
	// or "endpoint <url>".
	Source string `json:"source"`
	// SDK lists the versions of the AWS SDK modules that built the
	// requests.
	SDK map[string]string `json:"sdk"`
	// Recorded is the UTC date and time of the recording.
	Recorded string `json:"recorded"`
}

// manifestLog collects the cassettes a record run wrote.
type manifestLog struct {
	mu      sync.Mutex
	entries []logged
}

type logged struct {
	path, spec string
	model      matrix.Model
}

func (l *manifestLog) add(path, spec string, m matrix.Model) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, logged{path, spec, m})
}

// ReadManifest reads the manifest of a cassette directory; a missing file
// gives an empty manifest.
func ReadManifest(dir string) (Manifest, error) {
	m := Manifest{Cassettes: map[string]Provenance{}}
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if os.IsNotExist(err) {
		return m, nil
	}
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("framework: %s is corrupt: %w", filepath.Join(dir, ManifestFile), err)
	}
	if m.Cassettes == nil {
		m.Cassettes = map[string]Provenance{}
	}
	return m, nil
}

// WriteManifest records the provenance of every cassette this run wrote
// into the manifest, keeping the entries of cassettes it did not touch. It
// writes atomically and does nothing outside record mode.
func (r *Run) WriteManifest() error {
	r.rec.mu.Lock()
	entries := append([]logged(nil), r.rec.entries...)
	r.rec.mu.Unlock()
	if len(entries) == 0 {
		return nil
	}
	m, err := ReadManifest(r.Cassettes)
	if err != nil {
		return err
	}
	m.Note = "Where each cassette came from. Source 'emulator' means recorded against cachecascade's bundled emulator, not AWS. Written by record runs; do not edit by hand."
	sdk := r.SDKVersions()
	now := time.Now().UTC().Format(time.RFC3339)
	for _, e := range entries {
		rel, err := filepath.Rel(r.Cassettes, e.path)
		if err != nil {
			return err
		}
		m.Cassettes[filepath.ToSlash(rel)] = Provenance{Spec: e.spec, Model: e.model.ModelID(), Source: r.Source(), SDK: sdk, Recorded: now}
	}
	return writeJSONAtomic(filepath.Join(r.Cassettes, ManifestFile), m)
}

// SDKVersions returns the versions of the AWS SDK modules that build the
// requests (bedrockruntime, the SDK core, smithy-go): from the binary's
// build information, or, in a test binary that has none, from the go.mod
// the run uses (GOFLAGS -modfile included).
func (r *Run) SDKVersions() map[string]string {
	out := map[string]string{}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			if d.Replace != nil {
				d = d.Replace
			}
			if sdkModule(d.Path) {
				out[d.Path] = d.Version
			}
		}
	}
	if len(out) > 0 {
		return out
	}
	gomod := filepath.Join(r.Root, "go.mod")
	for _, f := range strings.Fields(os.Getenv("GOFLAGS")) {
		if m, ok := strings.CutPrefix(f, "-modfile="); ok {
			gomod = m
		}
	}
	b, err := os.ReadFile(gomod)
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require ")); len(f) >= 2 && sdkModule(f[0]) {
			out[f[0]] = f[1]
		}
	}
	return out
}

// sdkModule reports whether a module path is one whose version changes the
// requests: bedrockruntime, the SDK core or smithy-go.
func sdkModule(path string) bool {
	return path == "github.com/aws/aws-sdk-go-v2" || path == "github.com/aws/smithy-go" || strings.HasSuffix(path, "/service/bedrockruntime")
}

// writeJSONAtomic writes v as indented JSON through a temporary file.
func writeJSONAtomic(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".manifest-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// ManifestGaps lists the cassettes on disk without a manifest entry and the
// entries without a cassette, each as a path relative to the cassette
// directory.
func ManifestGaps(dir string) (unlisted, missing []string, err error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		seen[rel] = true
		if _, ok := m.Cassettes[rel]; !ok {
			unlisted = append(unlisted, rel)
		}
		return nil
	})
	for rel := range m.Cassettes {
		if !seen[rel] {
			missing = append(missing, rel)
		}
	}
	sort.Strings(unlisted)
	sort.Strings(missing)
	return unlisted, missing, err
}
