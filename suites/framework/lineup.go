package framework

import (
	"fmt"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2"

	"github.com/cachecascade/cachecascade/matrix"
)

// LabelGated is the label of every cell of a gated model; a label filter
// that names it (or a gated model's own label) is what runs gated models.
const LabelGated = "lifecycle:" + string(matrix.Gated)

// LifecycleLabel returns the label of a model's lifecycle:
// "lifecycle:end-of-life".
func LifecycleLabel(m matrix.Model) string { return "lifecycle:" + string(m.Lifecycle) }

// Lineup returns the models the suites run, in catalog order. Gated models
// (previews, limited releases) are left out unless the run's label filter
// asks for them by name, with LabelGated or the model's own label, since an
// account without access would only see them fail. End-of-life models stay:
// replay runs their recorded history, and a run against a target reports
// each of their specs as skipped with the reason (see Run.Open).
func Lineup(c *matrix.Catalog) []matrix.Model {
	return lineup(c.Models, ginkgo.GinkgoLabelFilter())
}

// lineup is Lineup for a label filter.
func lineup(models []matrix.Model, filter string) []matrix.Model {
	return slices.DeleteFunc(slices.Clone(models), func(m matrix.Model) bool {
		return m.Lifecycle == matrix.Gated && !names(filter, LabelGated) && !names(filter, ModelLabel(m))
	})
}

// names reports whether a label filter names a label as a whole word:
// "model:claude-mythos-5" is not named by "model:claude-mythos-5-1".
func names(filter, label string) bool {
	for i := 0; ; {
		j := strings.Index(filter[i:], label)
		if j < 0 {
			return false
		}
		end := i + j + len(label)
		if end == len(filter) || !labelChar(filter[end]) {
			return true
		}
		i = end
	}
}

// labelChar reports whether c may continue a label's key or value.
func labelChar(c byte) bool {
	return c == '-' || c == '_' || c == '.' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// leftOut reports whether a run leaves a model's specs out, and why: a run
// that calls a target leaves out end-of-life models, which the service
// answers with a 404, unless it re-records their history against the
// emulator (RecordEndOfLife).
func (r *Run) leftOut(m matrix.Model) (string, bool) {
	if m.Lifecycle != matrix.EndOfLife || !r.Mode.CallsTarget() || r.RecordEndOfLife {
		return "", false
	}
	return fmt.Sprintf("%s reached end of life on %s: the service answers every call with a 404 ResourceNotFoundException, so a %s run leaves it out; its cassettes keep its recorded history for replay",
		m.Name, m.EndOfLife, r.Mode), true
}
