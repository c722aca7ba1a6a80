package framework

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/cachecascade/cachecascade/recorder"
)

// Provenance is the report entry a spec files in record mode: the cassette
// it wrote, relative to the cassette directory, and where it came from.
type Provenance struct {
	Cassette string `json:"cassette"`
	recorder.Provenance
}

// Provenances returns the provenance entries of a Ginkgo run, from every
// process: in a parallel run, ReportAfterSuite sees the report of all of
// them, so the manifest says the same whichever process recorded a spec.
func Provenances(rep types.Report) ([]Provenance, error) {
	var out []Provenance
	for _, sr := range rep.SpecReports {
		for _, e := range sr.ReportEntries {
			if e.Name != ProvenanceEntry {
				continue
			}
			if p, ok := e.GetRawValue().(Provenance); ok {
				out = append(out, p)
				continue
			}
			// Entries from other processes arrive as JSON.
			var p Provenance
			if err := json.Unmarshal([]byte(e.Value.AsJSON), &p); err != nil {
				return nil, fmt.Errorf("framework: provenance entry of %q: %w", sr.FullText(), err)
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// Manifest returns the manifest of the run's cassette directory. A replay
// run reads it once, as nothing writes it during the run (it is 0.5 MB of
// JSON, read by the report and the hygiene check); the caller must not
// change it. A run that records reads it afresh each time, as the run and
// its parallel processes rewrite it.
func (r *Run) Manifest() (recorder.Manifest, error) {
	if r.Mode != recorder.Replay {
		return recorder.ReadManifest(r.Cassettes)
	}
	r.manifest.once.Do(func() { r.manifest.m, r.manifest.err = recorder.ReadManifest(r.Cassettes) })
	return r.manifest.m, r.manifest.err
}

// WriteManifest records the provenance of every cassette the run wrote
// (Provenances) in the manifest of the cassette directory, keeping the
// entries of cassettes it did not touch. It writes nothing when the run
// recorded nothing.
func (r *Run) WriteManifest(ps []Provenance) error {
	if len(ps) == 0 {
		return nil
	}
	m, err := recorder.ReadManifest(r.Cassettes)
	if err != nil {
		return err
	}
	m.Note = recorder.ManifestNote
	for _, p := range ps {
		m.Cassettes[p.Cassette] = p.Provenance
	}
	return recorder.WriteManifest(r.Cassettes, m)
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
