package sdkcheck

import (
	"slices"
	"strings"

	"github.com/cachecascade/cachecascade/wire"
)

// DeterminismReport is what cmd/sdk-upgrade/probe prints: how repeated
// serializations of the fixture requests vary under the SDK it was built
// with.
type DeterminismReport struct {
	// SDK maps the SDK modules the probe was built with to their versions,
	// from its build information: the ground truth of what was tested.
	SDK map[string]string `json:"sdk"`
	// Builds is how many times each request was serialized.
	Builds int `json:"builds"`
	// Cases are the fixture requests.
	Cases []DeterminismCase `json:"cases"`
	// Control is a request whose requestMetadata map the SDK writes in
	// random order in every version: it must come out nondeterministic and
	// not cache-affecting, or the detector itself is broken.
	Control DeterminismCase `json:"control"`
}

// DeterminismCase is one request serialized Builds times.
type DeterminismCase struct {
	Name     string         `json:"name"`
	Distinct int            `json:"distinct"`
	Varying  []FieldSummary `json:"varying,omitempty"`
}

// CaseOf summarises a wire.DeterminismResult.
func CaseOf(name string, r wire.DeterminismResult) DeterminismCase {
	c := DeterminismCase{Name: name, Distinct: r.Distinct}
	c.Varying = addFields(nil, r.Varying)
	sortFields(c.Varying)
	return c
}

// Deterministic reports whether every case gave one body.
func (d DeterminismReport) Deterministic() bool {
	return !slices.ContainsFunc(d.Cases, func(c DeterminismCase) bool { return c.Distinct > 1 })
}

// Varying merges the varying fields of every case, counting cases.
func (d DeterminismReport) Varying() []FieldSummary {
	var out []FieldSummary
	for _, c := range d.Cases {
		for _, f := range c.Varying {
			i := slices.IndexFunc(out, func(o FieldSummary) bool { return o.Path == f.Path && o.Kind == f.Kind })
			if i < 0 {
				f.Count = 0
				f.Example = ""
				out = append(out, f)
				i = len(out) - 1
			}
			out[i].Count++
		}
	}
	sortFields(out)
	return out
}

// CacheAffecting reports whether a varying field of any case is
// cache-affecting.
func (d DeterminismReport) CacheAffecting() bool {
	return slices.ContainsFunc(d.Varying(), func(f FieldSummary) bool { return f.CacheAffecting })
}

// MaxDistinct is the largest number of distinct bodies of any case.
func (d DeterminismReport) MaxDistinct() int {
	n := 0
	for _, c := range d.Cases {
		n = max(n, c.Distinct)
	}
	return n
}

// ControlOK reports whether the control case behaved as it must: its
// requestMetadata varies and is judged not cache-affecting, and nothing
// else varies.
func (d DeterminismReport) ControlOK() bool {
	c := d.Control
	return c.Distinct > 1 && len(c.Varying) > 0 && !slices.ContainsFunc(c.Varying, func(f FieldSummary) bool {
		return f.CacheAffecting || !strings.HasPrefix(f.Path, "requestMetadata")
	})
}
