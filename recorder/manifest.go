package recorder

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cachecascade/cachecascade/internal/atomicfile"
)

// ManifestFile is the name of the manifest in the cassette directory.
const ManifestFile = "manifest.json"

// ManifestNote is the Note a record run writes into the manifest.
const ManifestNote = "Where each cassette came from. Source 'emulator' means recorded against cachecascade's bundled emulator, not AWS. Written by record runs; do not edit by hand."

// Manifest says where every cassette came from. Recording against the
// emulator is never passed off as recording against AWS: Source says which.
type Manifest struct {
	// Note explains the file to a reader.
	Note string `json:"note"`
	// Cassettes maps a cassette's path, relative to the cassette
	// directory, to its provenance.
	Cassettes map[string]Provenance `json:"cassettes"`
}

// Provenance is where one cassette came from. Every field of an entry is
// typed, so reading a manifest and writing it back with WriteManifest gives
// the same bytes.
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

// ReadManifest reads the manifest of a cassette directory; a missing file
// gives an empty manifest. The Cassettes map of the result is never nil.
func ReadManifest(dir string) (Manifest, error) {
	m := Manifest{Cassettes: map[string]Provenance{}}
	path := filepath.Join(dir, ManifestFile)
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return m, nil
	}
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("recorder: %s is corrupt: %w", path, err)
	}
	if m.Cassettes == nil {
		m.Cassettes = map[string]Provenance{}
	}
	return m, nil
}

// WriteManifest writes m as the manifest of a cassette directory, which
// must exist: JSON indented by two spaces, keys in order, with a final
// newline, through atomicfile.WriteFile (mode 0644). A manifest read with
// ReadManifest and written back unchanged keeps its bytes. A nil Cassettes
// is written as an empty object.
func WriteManifest(dir string, m Manifest) error {
	if m.Cassettes == nil {
		m.Cassettes = map[string]Provenance{}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("recorder: manifest: %w", err)
	}
	return atomicfile.WriteFile(filepath.Join(dir, ManifestFile), append(b, '\n'), 0o644)
}

// ManifestGaps lists the cassettes on disk without a manifest entry and the
// entries without a cassette, each as a path relative to the cassette
// directory, sorted. A cassette is a file ending in ".yaml" whose name does
// not start with '.', so a recording in progress (see Session) does not
// count.
func ManifestGaps(dir string) (unlisted, missing []string, err error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, nil, err
	}
	return GapsOf(dir, m)
}

// GapsOf is ManifestGaps for a manifest already read from dir.
func GapsOf(dir string, m Manifest) (unlisted, missing []string, err error) {
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
