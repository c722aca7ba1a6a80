package sdkcheck

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Evaluation is everything measured about one bedrockruntime version.
type Evaluation struct {
	// Requested is the version as asked for ("latest", or a version).
	Requested string `json:"requested"`
	// Version is the resolved bedrockruntime version.
	Version string `json:"version"`
	// Baseline marks the project's own go.mod, evaluated first as the
	// reference for verdicts.
	Baseline bool `json:"baseline,omitempty"`
	// Plan is the alternate go.mod's changes (empty for the baseline).
	Plan Plan `json:"plan"`
	// Modules are the versions of the SDK modules the build selected.
	Modules map[string]string `json:"modules,omitempty"`
	// NotPinned lists modules minimal version selection moved away from
	// the plan (see Selected): the version was not evaluated as pinned.
	NotPinned []string `json:"notPinned,omitempty"`
	// Tags are the build tags it needed.
	Tags []Tag `json:"tags,omitempty"`
	// UntaggedErrors are the compile errors without the tags (the missing
	// symbols), when tags were needed.
	UntaggedErrors []string `json:"untaggedErrors,omitempty"`
	// BuildErrors are the compile errors with the tags: it does not build.
	BuildErrors []string `json:"buildErrors,omitempty"`
	// Determinism, Wire and Verdicts are the three checks; nil when not
	// reached.
	Determinism *DeterminismReport `json:"determinism,omitempty"`
	Wire        *WireSummary       `json:"wire,omitempty"`
	Verdicts    *VerdictDiff       `json:"verdicts,omitempty"`
	// SuiteOutput is the tail of the suites' output when they failed.
	SuiteOutput string `json:"suiteOutput,omitempty"`
	// Err is a failure of the tool itself (a go command that could not run,
	// say), which leaves the version not evaluated.
	Err string `json:"err,omitempty"`
	// Timing is the wall time of each phase.
	Timing Timing `json:"timing"`
}

// Timing is the wall time of one evaluation, by phase.
type Timing struct {
	// Cold means a fresh, empty module cache was used: Download includes
	// fetching every module from the proxy and Build compiles every
	// module package from scratch.
	Cold bool `json:"cold"`
	// Resolve is reading bedrockruntime's go.mod and choosing companions.
	Resolve time.Duration `json:"resolve"`
	// Download is loading the build list and downloading modules.
	Download time.Duration `json:"download"`
	// Build is compiling the suites and the probe (and the failed
	// untagged attempt, if any).
	Build time.Duration `json:"build"`
	// Determinism is running the probe.
	Determinism time.Duration `json:"determinism"`
	// Suites is running the replay suites.
	Suites time.Duration `json:"suites"`
	// Total is the whole evaluation.
	Total time.Duration `json:"total"`
}

// Status is the outcome of a version, worst last.
type Status int

const (
	// Clean: builds, deterministic, wire and verdicts unchanged (up to
	// differences that cannot affect caching).
	Clean Status = iota
	// Warn: nothing cache-affecting, but something worth a look (a
	// harmless nondeterministic field, prompt bytes reordered against the
	// cassettes, which costs one round of cache misses on rollout).
	Warn
	// NotEvaluated: it does not build, could not be pinned, or the tool
	// failed; nothing can be said about caching.
	NotEvaluated
	// CacheAffecting: nondeterministic prompt-bearing fields, semantically
	// changed prompt-bearing bytes, or changed verdicts.
	CacheAffecting
)

// String returns the status as the report shows it.
func (s Status) String() string {
	switch s {
	case Clean:
		return "✅ clean"
	case Warn:
		return "⚠️ check"
	case NotEvaluated:
		return "⛔ not evaluated"
	case CacheAffecting:
		return "❌ CACHE-AFFECTING"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// ExitCode is the command's exit status for the worst status of a run: 1
// when a version is cache-affecting, 2 when one could not be evaluated (and
// none is cache-affecting), 0 otherwise.
func ExitCode(rows []Row) int {
	worst := Clean
	for _, r := range rows {
		worst = max(worst, r.Status)
	}
	switch worst {
	case CacheAffecting:
		return 1
	case NotEvaluated:
		return 2
	}
	return 0
}

// Row is one version's line of the summary table.
type Row struct {
	Version       string
	SDK           string
	Builds        string
	Deterministic string
	Wire          string
	Verdicts      string
	Status        Status
	// Reasons say why the status is not Clean.
	Reasons []string
}

// maxPaths is how many paths a table cell names.
const maxPaths = 2

// Classify turns an evaluation into its row.
func Classify(e Evaluation) Row {
	r := Row{Version: versionLabel(e), SDK: sdkLabel(e)}
	na := "—"
	r.Builds, r.Deterministic, r.Wire, r.Verdicts = na, na, na, na
	if !r.classifyBuild(e) {
		return r
	}
	r.classifyDeterminism(e)
	if w := e.Wire; w != nil {
		r.classifyWire(w)
	}
	if v := e.Verdicts; v != nil {
		r.classifyVerdicts(v)
	}
	return r
}

// bump raises the row's status to at least s and records why.
func (r *Row) bump(s Status, reason string) {
	r.Status = max(r.Status, s)
	r.Reasons = append(r.Reasons, reason)
}

// classifyBuild fills the Builds column. It reports false when the version
// was not built (the tool failed first, or it does not compile), leaving
// the other columns unreached.
func (r *Row) classifyBuild(e Evaluation) bool {
	switch {
	case e.Err != "" && len(e.BuildErrors) == 0 && e.Determinism == nil && e.Verdicts == nil:
		r.Builds = "⛔ " + clip(e.Err, 160)
		r.bump(NotEvaluated, "the check failed: "+clip(e.Err, 160))
		return false
	case len(e.BuildErrors) > 0:
		r.Builds = "❌ does not build: " + code(e.BuildErrors[0])
		if n := len(e.BuildErrors) - 1; n > 0 {
			r.Builds += fmt.Sprintf(" (+%d more)", n)
		}
		if len(e.Tags) > 0 {
			r.Builds += " with `-tags " + TagNames(e.Tags) + "`"
		}
		r.bump(NotEvaluated, "does not build")
		return false
	case len(e.Tags) > 0:
		var eff []string
		for _, t := range e.Tags {
			eff = append(eff, fmt.Sprintf("`%s` (no %s): %s", t.Name, strings.Join(t.Missing, ", "), t.Effect))
		}
		r.Builds = "✅ with `-tags " + TagNames(e.Tags) + "`; " + strings.Join(eff, "; ")
	default:
		r.Builds = "✅"
	}
	if len(e.NotPinned) > 0 {
		r.Builds += "; ⛔ not pinned: " + strings.Join(e.NotPinned, ", ")
		r.bump(NotEvaluated, "minimal version selection moved "+strings.Join(e.NotPinned, ", ")+": not evaluated as an application pinned to this release")
	}
	return true
}

// classifyDeterminism fills the Deterministic column from the determinism
// report or, when the check did not get that far, from the tool's error.
func (r *Row) classifyDeterminism(e Evaluation) {
	d := e.Determinism
	if d == nil {
		if e.Err != "" {
			r.Deterministic = "⛔ " + clip(e.Err, 120)
			r.bump(NotEvaluated, "the check failed: "+clip(e.Err, 160))
		}
		return
	}
	varying := d.Varying()
	switch {
	case d.Deterministic():
		r.Deterministic = fmt.Sprintf("✅ %d requests × %d builds: 1 body each", len(d.Cases), d.Builds)
	case d.CacheAffecting():
		r.Deterministic = fmt.Sprintf("❌ up to %d/%d distinct bodies; varies: %s", d.MaxDistinct(), d.Builds, pathList(varying, true))
		r.bump(CacheAffecting, "serialization is nondeterministic in prompt-bearing fields: "+pathList(varying, true))
		if knownMapOrder(d, varying) {
			r.Reasons = append(r.Reasons, "known cause: smithy-go before v1.23.0 writes document types built from Go maps (the tool schemas) in random key order, so every request writes a new tools prefix and cache reads silently miss; fixed by smithy-go v1.23.0 (\"Sort map keys in JSON Document types\"), which bedrockruntime v1.37.2 requires")
		}
	default:
		r.Deterministic = fmt.Sprintf("⚠️ varies only in fields that do not affect caching: %s", pathList(varying, false))
		r.bump(Warn, "nondeterministic fields that do not affect caching")
	}
	if !d.ControlOK() {
		r.Deterministic += "; ⛔ detector self-check failed (requestMetadata control did not vary harmlessly)"
		r.bump(NotEvaluated, "the determinism detector's self-check failed")
	}
}

// classifyWire fills the Wire column from the comparison with the
// cassettes.
func (r *Row) classifyWire(w *WireSummary) {
	var parts []string
	switch {
	case w.Requests == 0:
		parts = append(parts, "⛔ no request reached the cassettes")
		r.bump(NotEvaluated, "no request was compared with the cassettes")
	case w.Changed > 0 && w.PromptChanged():
		parts = append(parts, fmt.Sprintf("❌ %d/%d semantically changed: %s", w.Changed, w.Requests, pathList(w.Fields, true)))
		r.bump(CacheAffecting, "prompt-bearing request bytes changed in value against the cassettes")
	case w.Changed > 0:
		parts = append(parts, fmt.Sprintf("⚠️ %d/%d changed outside the prompt: %s", w.Changed, w.Requests, pathList(w.Fields, false)))
		r.bump(Warn, "request fields outside the prompt changed against the cassettes")
	case w.Reordered > 0 && w.PromptReordered():
		parts = append(parts, fmt.Sprintf("⚠️ %d/%d reordered, prompt-bearing: %s", w.Reordered, w.Requests, pathList(w.Fields, true)))
		r.bump(Warn, "prompt-bearing keys are written in another order than recorded: cache entries written by the recording SDK miss once after rollout")
	case w.Reordered > 0:
		parts = append(parts, fmt.Sprintf("✅ %d identical, %d reordered (not cache-affecting: %s)", w.Identical, w.Reordered, pathList(w.Fields, false)))
	default:
		parts = append(parts, fmt.Sprintf("✅ %d/%d identical", w.Identical, w.Requests))
	}
	if w.NotReplayed > 0 {
		parts = append(parts, fmt.Sprintf("%d recorded requests not replayed", w.NotReplayed))
	}
	r.Wire = strings.Join(parts, "; ")
}

// classifyVerdicts fills the Verdicts column from the comparison of each
// spec's outcome with the baseline's.
func (r *Row) classifyVerdicts(v *VerdictDiff) {
	switch {
	case len(v.Changed) > 0:
		r.Verdicts = fmt.Sprintf("❌ %d changed: %s", len(v.Changed), specList(v.Changed))
		r.bump(CacheAffecting, fmt.Sprintf("%d specs changed verdict", len(v.Changed)))
	default:
		r.Verdicts = fmt.Sprintf("✅ %d unchanged", v.Unchanged)
	}
	if n := len(v.NotApplicable); n > 0 {
		r.Verdicts += fmt.Sprintf(", %d not applicable", n)
	}
}

// knownMapOrder reports whether a nondeterminism looks like the known
// smithy-go regression: tool schemas vary, with a smithy-go before v1.23.0.
func knownMapOrder(d *DeterminismReport, varying []FieldSummary) bool {
	smithy := d.SDK[Smithy]
	return smithy != "" && CompareVersions(smithy, "v1.23.0") < 0 && slices.ContainsFunc(varying, func(f FieldSummary) bool {
		return strings.Contains(f.Path, ".inputSchema.json")
	})
}

func versionLabel(e Evaluation) string {
	if e.Baseline {
		return "go.mod: " + e.Version
	}
	if e.Requested != "" && e.Requested != e.Version {
		return e.Requested + " = " + e.Version
	}
	return e.Version
}

func sdkLabel(e Evaluation) string {
	m := e.Modules
	if e.Determinism != nil && len(e.Determinism.SDK) > 0 {
		m = e.Determinism.SDK // what the probe binary was really built with
	}
	if len(m) == 0 {
		return "—"
	}
	return fmt.Sprintf("smithy-go %s, core %s", orDash(m[Smithy]), orDash(m[Core]))
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// pathList names up to maxPaths fields (cache-affecting ones only when
// affecting is set and there are any).
func pathList(fields []FieldSummary, affecting bool) string {
	var pick []FieldSummary
	for _, f := range fields {
		if !affecting || f.CacheAffecting {
			pick = append(pick, f)
		}
	}
	if len(pick) == 0 {
		pick = fields
	}
	var out []string
	for i, f := range pick {
		if i == maxPaths {
			out = append(out, fmt.Sprintf("and %d more", len(pick)-maxPaths))
			break
		}
		s := fmt.Sprintf("`%s` (%s", f.Path, f.Kind)
		if f.PromptBearing {
			s += ", prompt-bearing"
		}
		out = append(out, s+")")
	}
	return strings.Join(out, ", ")
}

func specList(changes []SpecChange) string {
	var out []string
	for i, c := range changes {
		if i == maxPaths {
			out = append(out, fmt.Sprintf("and %d more", len(changes)-maxPaths))
			break
		}
		out = append(out, fmt.Sprintf("%s (%s → %s)", clip(c.Spec, 70), c.Before, c.After))
	}
	return strings.Join(out, "; ")
}

// code wraps a compile error line in backticks for a table cell.
func code(s string) string {
	return "`" + strings.ReplaceAll(clip(s, 140), "`", "'") + "`"
}
