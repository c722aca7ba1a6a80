package sdkcheck

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Module paths the check cares about.
const (
	// BedrockRuntime is the module under test.
	BedrockRuntime = "github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	// Core is the SDK core module (aws, middleware, signer, transport).
	Core = "github.com/aws/aws-sdk-go-v2"
	// Smithy is smithy-go, which holds the JSON encoder and document types.
	Smithy = "github.com/aws/smithy-go"
	// Config is the SDK's shared-configuration module, which the recorder
	// and the suites import.
	Config = "github.com/aws/aws-sdk-go-v2/config"
)

// Require is one require line of a go.mod file, as `go mod edit -json`
// prints it.
type Require struct {
	Path     string
	Version  string
	Indirect bool `json:",omitempty"`
}

// Edit is one change to the alternate go.mod.
type Edit struct {
	// Path is the module.
	Path string
	// Version is the version required; empty when the requirement is
	// dropped.
	Version string
	// Was is the project's version ("" if the project did not require the
	// module).
	Was string
	// Why says where the version comes from, for the report.
	Why string
}

// Plan is how the project's go.mod is rewritten for one version.
type Plan struct {
	// Set are the requirements set (added or changed), sorted by path.
	Set []Edit
	// Drop are the requirements dropped, sorted by path.
	Drop []Edit
}

// Args returns the `go mod edit` flags that apply the plan.
func (p Plan) Args() []string {
	var out []string
	for _, e := range p.Set {
		out = append(out, "-require="+e.Path+"@"+e.Version)
	}
	for _, e := range p.Drop {
		out = append(out, "-droprequire="+e.Path)
	}
	return out
}

// Version returns the version the plan sets for a module, or "".
func (p Plan) Version(path string) string {
	for _, e := range p.Set {
		if e.Path == path {
			return e.Version
		}
	}
	return ""
}

// awsModule reports whether a module belongs to the SDK family whose
// versions move together: aws-sdk-go-v2 and all its submodules, and
// smithy-go.
func awsModule(path string) bool {
	return path == Core || strings.HasPrefix(path, Core+"/") || path == Smithy || strings.HasPrefix(path, Smithy+"/")
}

// PlanModfile plans the alternate go.mod for bedrockruntime at version,
// given the project's requirements, the requirements of bedrockruntime at
// that version (its go.mod) and the companion versions chosen for it
// (normally config; see Companion).
//
// The rules:
//   - bedrockruntime is set to version;
//   - every module bedrockruntime requires is set to exactly the version
//     it requires: the SDK core, smithy-go and the internal modules, down
//     from the project's newer ones;
//   - each companion is set to its chosen version;
//   - every other aws-sdk-go-v2 or smithy-go module the project requires
//     (credentials, sso, sts, imds, ...) is dropped, so that it enters the
//     build only through the modules above, at versions they require; kept,
//     it would raise the core and smithy-go back by minimal version
//     selection;
//   - every module outside the SDK (Ginkgo, go-vcr, x/...) is kept.
func PlanModfile(project []Require, version string, sdk []Require, companions map[string]string) Plan {
	was := map[string]string{}
	for _, r := range project {
		was[r.Path] = r.Version
	}
	var p Plan
	set := map[string]bool{}
	add := func(path, v, why string) {
		if set[path] {
			return
		}
		set[path] = true
		p.Set = append(p.Set, Edit{Path: path, Version: v, Was: was[path], Why: why})
	}
	add(BedrockRuntime, version, "version under test")
	for _, r := range sdk {
		add(r.Path, r.Version, "required by bedrockruntime "+version)
	}
	for _, path := range sortedKeys(companions) {
		add(path, companions[path], "newest release within bedrockruntime "+version+"'s core and smithy-go")
	}
	for _, r := range project {
		if set[r.Path] || !awsModule(r.Path) {
			continue
		}
		p.Drop = append(p.Drop, Edit{Path: r.Path, Was: r.Version, Why: "comes in through the modules set, at the versions they require"})
	}
	slices.SortFunc(p.Set, func(a, b Edit) int { return strings.Compare(a.Path, b.Path) })
	slices.SortFunc(p.Drop, func(a, b Edit) int { return strings.Compare(a.Path, b.Path) })
	return p
}

// Ceilings returns the versions of the core and smithy-go that
// bedrockruntime's requirements name: no companion may require more, or
// minimal version selection would raise them.
func Ceilings(sdk []Require) map[string]string {
	out := map[string]string{}
	for _, r := range sdk {
		if r.Path == Core || r.Path == Smithy {
			out[r.Path] = r.Version
		}
	}
	return out
}

// Within reports whether a module's requirements stay at or below every
// ceiling: a requirement of a ceiling module at a higher version fails.
func Within(reqs []Require, ceilings map[string]string) bool {
	for _, r := range reqs {
		if c, ok := ceilings[r.Path]; ok && CompareVersions(r.Version, c) > 0 {
			return false
		}
	}
	return true
}

// Companion returns the newest of versions (sorted oldest first, as `go
// list -m -versions` prints them) whose requirements are within ceilings,
// fetching requirements through reqs. It assumes requirements only grow
// from release to release, and so binary-searches: about log2(n) fetches.
// It fails when even the oldest version requires too much.
func Companion(versions []string, ceilings map[string]string, reqs func(version string) ([]Require, error)) (string, error) {
	lo, hi := 0, len(versions) // invariant: versions[:lo] fit, versions[hi:] do not
	for lo < hi {
		mid := (lo + hi) / 2
		r, err := reqs(versions[mid])
		if err != nil {
			return "", err
		}
		if Within(r, ceilings) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == 0 {
		return "", fmt.Errorf("sdkcheck: no version requires at most %v", ceilings)
	}
	return versions[lo-1], nil
}

// Selected compares the versions a build selected with the ones planned
// and returns one line per module that minimal version selection raised
// above its plan (the regression would be hidden), or lowered.
func Selected(plan Plan, selected map[string]string, modules ...string) []string {
	var out []string
	for _, m := range modules {
		want, got := plan.Version(m), selected[m]
		if want == "" || got == "" || got == want {
			continue
		}
		verb := "raised"
		if CompareVersions(got, want) < 0 {
			verb = "lowered"
		}
		out = append(out, fmt.Sprintf("%s %s from %s to %s", m, verb, want, got))
	}
	return out
}

// CompareVersions compares two semantic versions such as v1.37.2 or
// v1.2.3-pre: -1, 0 or +1. A pre-release sorts before its release;
// pre-release identifiers compare as strings.
func CompareVersions(a, b string) int {
	pa, pre1 := splitVersion(a)
	pb, pre2 := splitVersion(b)
	for i := range 3 {
		if pa[i] != pb[i] {
			if pa[i] < pb[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case pre1 == pre2:
		return 0
	case pre1 == "":
		return 1
	case pre2 == "":
		return -1
	}
	return strings.Compare(pre1, pre2)
}

func splitVersion(v string) ([3]int, string) {
	v = strings.TrimPrefix(v, "v")
	v, _, _ = strings.Cut(v, "+")
	v, pre, _ := strings.Cut(v, "-")
	var out [3]int
	for i, s := range strings.SplitN(v, ".", 3) {
		out[i], _ = strconv.Atoi(s)
	}
	return out, pre
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
