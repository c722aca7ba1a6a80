package matrix

import (
	"github.com/onsi/ginkgo/v2"
)

// Cell is one point of the verification matrix: a model and a strategy.
type Cell struct {
	Model    Model
	Strategy Strategy
}

// Name returns the cell's name, "<model key>/<strategy slug>", as used in
// spec texts and reports.
func (c Cell) Name() string { return c.Model.Key + "/" + c.Strategy.Slug() }

// Labels returns the cell's Ginkgo labels: its family, generation, model and
// strategy, so that any slice can be run with --label-filter, for example
// --label-filter='family:nova && strategy:tools_only'.
func (c Cell) Labels() ginkgo.Labels {
	return ginkgo.Label(
		FamilyLabel(c.Model.Family),
		GenerationLabel(c.Model),
		ModelLabel(c.Model.Key),
		StrategyLabel(c.Strategy),
	)
}

// FamilyLabel returns the label of a family: "family:claude".
func FamilyLabel(f Family) string { return "family:" + string(f) }

// GenerationLabel returns the label of a model's generation within its
// family: "generation:claude-4".
func GenerationLabel(m Model) string { return "generation:" + string(m.Family) + "-" + m.Generation }

// ModelLabel returns the label of a model key: "model:nova-lite".
func ModelLabel(key string) string { return "model:" + key }

// StrategyLabel returns the label of a strategy: "strategy:tools_only".
func StrategyLabel(s Strategy) string { return "strategy:" + s.Slug() }

// AreaLabel returns the label of a suite area: "area:cascade".
func AreaLabel(area string) string { return "area:" + area }

// Cells returns every model × strategy pair, models in the given order and
// strategies within each model in the given order.
func Cells(models []Model, strategies []Strategy) []Cell {
	out := make([]Cell, 0, len(models)*len(strategies))
	for _, m := range models {
		for _, s := range strategies {
			out = append(out, Cell{Model: m, Strategy: s})
		}
	}
	return out
}

// Cells returns the full matrix of the catalog: every model with every
// strategy.
func (c *Catalog) Cells() []Cell { return Cells(c.Models, Strategies) }
