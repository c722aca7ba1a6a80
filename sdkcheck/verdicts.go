package sdkcheck

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// SpecResult is one spec's outcome in a Ginkgo JSON report.
type SpecResult struct {
	// Name is the spec's full text: its containers and its own text.
	Name string
	// State is Ginkgo's state: passed, failed, skipped, panicked, ...
	State string
	// Message is the failure or skip message, if any.
	Message string
}

// ginkgoReport is the part of a Ginkgo JSON report read here.
type ginkgoReport struct {
	SuiteSucceeded bool
	SpecReports    []struct {
		ContainerHierarchyTexts []string
		LeafNodeText            string
		LeafNodeType            string
		State                   string
		Failure                 struct {
			Message string
		}
	}
}

// ParseGinkgoReport reads the specs of a Ginkgo JSON report (what
// -ginkgo.json-report writes). Suite-level nodes (BeforeSuite,
// ReportAfterSuite, ...) are kept under their node type, so that a setup
// failure shows as a changed verdict too.
func ParseGinkgoReport(b []byte) ([]SpecResult, error) {
	var reports []ginkgoReport
	if err := json.Unmarshal(b, &reports); err != nil {
		return nil, fmt.Errorf("sdkcheck: reading the Ginkgo report: %w", err)
	}
	var out []SpecResult
	for _, r := range reports {
		for _, s := range r.SpecReports {
			name := strings.Join(append(slices.Clone(s.ContainerHierarchyTexts), s.LeafNodeText), " ")
			if s.LeafNodeType != "It" {
				name = "[" + s.LeafNodeType + "] " + name
			}
			out = append(out, SpecResult{Name: strings.TrimSpace(name), State: s.State, Message: s.Failure.Message})
		}
	}
	return out, nil
}

// SpecChange is a spec whose verdict differs from the project's own run.
type SpecChange struct {
	Spec    string `json:"spec"`
	Before  string `json:"before"`
	After   string `json:"after"`
	Message string `json:"message,omitempty"`
}

// VerdictDiff compares the specs of a run under another SDK with the
// project's own run.
type VerdictDiff struct {
	// Specs is the number of specs in the run under test.
	Specs int `json:"specs"`
	// Unchanged counts specs with the same state in both runs.
	Unchanged int `json:"unchanged"`
	// NotApplicable are specs that ran in the project's run and skipped as
	// not applicable under this SDK (the TTL specs before v1.48.0).
	NotApplicable []SpecChange `json:"notApplicable,omitempty"`
	// Changed are every other difference: a pass that fails, a failure
	// that passes, a spec only one run has.
	Changed []SpecChange `json:"changed,omitempty"`
}

// notApplicable is how the suites word a Skip for a missing SDK feature.
const notApplicable = "not applicable"

// DiffVerdicts compares two runs spec by spec.
func DiffVerdicts(base, got []SpecResult) VerdictDiff {
	var d VerdictDiff
	before := map[string]SpecResult{}
	for _, s := range base {
		before[s.Name] = s
	}
	seen := map[string]bool{}
	for _, s := range got {
		seen[s.Name] = true
		d.Specs++
		b, ok := before[s.Name]
		switch {
		case !ok:
			d.Changed = append(d.Changed, SpecChange{Spec: s.Name, Before: "absent", After: s.State, Message: firstLine(s.Message)})
		case b.State == s.State:
			d.Unchanged++
		case s.State == "skipped" && strings.Contains(s.Message, notApplicable):
			d.NotApplicable = append(d.NotApplicable, SpecChange{Spec: s.Name, Before: b.State, After: s.State, Message: firstLine(s.Message)})
		default:
			d.Changed = append(d.Changed, SpecChange{Spec: s.Name, Before: b.State, After: s.State, Message: firstLine(s.Message)})
		}
	}
	for _, s := range base {
		if !seen[s.Name] {
			d.Changed = append(d.Changed, SpecChange{Spec: s.Name, Before: s.State, After: "absent"})
		}
	}
	return d
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return clip(s, 160)
}
