package matrix

// Cell is one point of the verification matrix: a model, a strategy and the
// API the requests go through. A spec is written once and run on every cell
// of its area; the cell names what varies.
type Cell struct {
	Model    Model
	Strategy Strategy
	// API is the API the cell's requests go through; empty means Converse.
	API API
}

// Name returns the cell's name, "<model key>/<strategy slug>", followed by
// " via <api>" for every API but Converse, as used in spec texts and
// reports. A cell without a strategy is named by its model alone.
func (c Cell) Name() string {
	name := c.Model.Key
	if c.Strategy != "" {
		name += "/" + c.Strategy.Slug()
	}
	if a := c.Via(); a != Converse {
		name += " via " + string(a)
	}
	return name
}

// Via returns the cell's API: Converse when none is set.
func (c Cell) Via() API {
	if c.API == "" {
		return Converse
	}
	return c.API
}

// Cells returns every model × strategy × API triple, models in the given
// order, then strategies, then APIs, leaving out the APIs a model does not
// support.
func Cells(models []Model, strategies []Strategy, apis []API) []Cell {
	out := make([]Cell, 0, len(models)*len(strategies)*len(apis))
	for _, m := range models {
		for _, s := range strategies {
			for _, a := range apis {
				if m.Supports(a) {
					out = append(out, Cell{Model: m, Strategy: s, API: a})
				}
			}
		}
	}
	return out
}

// Cells returns the matrix of the catalog through the given APIs: every
// model with every strategy.
func (c *Catalog) Cells(apis ...API) []Cell { return Cells(c.Models, Strategies, apis) }
