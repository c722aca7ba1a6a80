package framework

import (
	"github.com/onsi/ginkgo/v2"

	"github.com/cachecascade/cachecascade/matrix"
)

// Area is a group of specs that check one family of rules. Every spec
// belongs to one area: its label, its cassette directory and its report
// section.
type Area string

// The areas, in report order.
const (
	// AreaCascade: the model × strategy × API matrix of invalidation.
	AreaCascade Area = "cascade"
	// AreaThreshold: the minimum prefix size, on both sides.
	AreaThreshold Area = "threshold"
	// AreaNova: Nova's own rules.
	AreaNova Area = "nova"
	// AreaLimits: checkpoint counts, placement and TTL order.
	AreaLimits Area = "limits"
	// AreaTTL: expiry and refresh, five minutes and one hour.
	AreaTTL Area = "ttl"
	// AreaStreaming: the streaming APIs against their twins.
	AreaStreaming Area = "streaming"
	// AreaConversation: incremental caching over turns.
	AreaConversation Area = "conversation"
	// AreaIsolation: accounts do not share entries.
	AreaIsolation Area = "isolation"
	// AreaDeterminism: the same request serializes to the same bytes.
	AreaDeterminism Area = "determinism"
	// AreaHygiene: no secrets in cassettes; provenance in the manifest.
	AreaHygiene Area = "hygiene"
	// AreaChanges: what each kind of change to a primed request
	// invalidates (tool definitions, toolChoice, images, documents,
	// thinking, inference parameters, metadata, text).
	AreaChanges Area = "changes"
)

// Areas lists every area in report order. Adding an area means adding it
// here, with the APIs it runs on in AreaAPIs, and a spec file in suites/.
var Areas = []Area{AreaCascade, AreaThreshold, AreaNova, AreaLimits, AreaTTL, AreaStreaming,
	AreaConversation, AreaIsolation, AreaDeterminism, AreaHygiene, AreaChanges}

// AreaAPIs says which APIs each area's cells go through. Every area that
// calls a model runs on both request APIs; the streaming APIs are the cells
// of the streaming area, where each is compared with its non-streaming twin
// on the same request (the rule that makes a stream's caching its twin's).
// Hygiene calls no model.
var AreaAPIs = map[Area][]matrix.API{
	AreaCascade:      {matrix.Converse, matrix.Invoke},
	AreaThreshold:    {matrix.Converse, matrix.Invoke},
	AreaNova:         {matrix.Converse, matrix.Invoke},
	AreaLimits:       {matrix.Converse, matrix.Invoke},
	AreaTTL:          {matrix.Converse, matrix.Invoke},
	AreaStreaming:    {matrix.ConverseStream, matrix.InvokeStream},
	AreaConversation: {matrix.Converse, matrix.Invoke},
	AreaIsolation:    {matrix.Converse, matrix.Invoke},
	AreaDeterminism:  {matrix.Converse, matrix.Invoke},
	AreaChanges:      {matrix.Converse, matrix.Invoke},
}

// Cells returns the cells of an area: models × strategies × the area's APIs
// (AreaAPIs), leaving out what a model does not support.
func (a Area) Cells(models []matrix.Model, strategies ...matrix.Strategy) []matrix.Cell {
	if len(strategies) == 0 {
		strategies = []matrix.Strategy{""}
	}
	return matrix.Cells(models, strategies, AreaAPIs[a])
}

// Label is the area's label: "area:cascade".
func (a Area) Label() string { return "area:" + string(a) }

// The labels that are not a cell's dimension.
const (
	// LabelSlow marks specs that wait for real against AWS (TTL expiry);
	// a nightly leaves them out with --label-filter='!slow'.
	LabelSlow = "slow"
	// LabelOneHour marks specs that need one-hour TTLs.
	LabelOneHour = "ttl:1h"
)

// FamilyLabel returns the label of a family: "family:claude".
func FamilyLabel(f matrix.Family) string { return "family:" + string(f) }

// GenerationLabel returns the label of a model's generation within its
// family: "generation:claude-4".
func GenerationLabel(m matrix.Model) string {
	return "generation:" + string(m.Family) + "-" + m.Generation
}

// ModelLabel returns the label of a model: "model:nova-lite".
func ModelLabel(m matrix.Model) string { return "model:" + m.Key }

// StrategyLabel returns the label of a strategy: "strategy:tools_only".
func StrategyLabel(s matrix.Strategy) string { return "strategy:" + s.Slug() }

// APILabel returns the label of an API: "api:invoke".
func APILabel(a matrix.API) string { return "api:" + string(a) }

// CellLabels returns the Ginkgo labels of a cell of an area: the area, the API,
// the model's family, generation, key and lifecycle, and the strategy when the cell has
// one, so that any slice runs with --label-filter, such as
// 'family:nova && strategy:tools_only && api:invoke'. Ginkgo also reads
// "key:value" labels as label sets: 'strategy: containsAny {system_only}'.
func CellLabels(a Area, c matrix.Cell) ginkgo.Labels {
	l := ginkgo.Label(a.Label(), APILabel(c.Via()))
	if c.Model.Key != "" {
		l = append(l, FamilyLabel(c.Model.Family), GenerationLabel(c.Model), ModelLabel(c.Model), LifecycleLabel(c.Model))
	}
	if c.Strategy != "" {
		l = append(l, StrategyLabel(c.Strategy))
	}
	return l
}

// Entries returns one Ginkgo table entry per cell, named by the cell and
// labelled by CellLabels, for a DescribeTable whose body takes the cell;
// decorators (more labels, SpecTimeout) go on every entry.
func Entries(a Area, cells []matrix.Cell, decorators ...any) []ginkgo.TableEntry {
	out := make([]ginkgo.TableEntry, 0, len(cells))
	for _, c := range cells {
		args := append([]any{CellLabels(a, c)}, decorators...)
		out = append(out, ginkgo.Entry(c.Name(), append(args, c)...))
	}
	return out
}
