package sdkcheck

import (
	"regexp"
	"strings"
)

// Tag is a build tag a version needs and why.
type Tag struct {
	// Name is the tag, such as cachecascade_nottl.
	Name string
	// Missing names the SDK symbols whose absence needs it.
	Missing []string
	// Effect says what the tag costs, for the report.
	Effect string
}

// The project's build tags for older SDKs.
const (
	// TagNoTTL swaps matrix and usage for versions without
	// CachePointBlock.Ttl and TokenUsage.CacheDetails (before v1.48.0):
	// matrix.TTLSupported is false and the TTL specs skip.
	TagNoTTL = "cachecascade_nottl"
	// TagNoBearer swaps the recorder's bearer-auth switch-off for a no-op
	// in versions whose Options have no AuthSchemePreference or
	// BearerAuthTokenProvider.
	TagNoBearer = "cachecascade_nobearer"
	// TagNoCount swaps request.Count for a stub in versions without the
	// CountTokens operation (before v1.37.0): the suites then size their
	// fixtures by calibration calls alone.
	TagNoCount = "cachecascade_nocount"
)

// symbol is an SDK declaration looked for in a source file.
type symbol struct {
	name string         // as reported
	file string         // "types" (types/types.go) or "options" (options.go)
	re   *regexp.Regexp // a struct field declaration
}

var (
	ttlSymbols = []symbol{
		{"types.CachePointBlock.Ttl", "types", regexp.MustCompile(`(?m)^\s*Ttl\s+CacheTTL\b`)},
		{"types.TokenUsage.CacheDetails", "types", regexp.MustCompile(`(?m)^\s*CacheDetails\s+\[\]CacheDetail\b`)},
	}
	countSymbols = []symbol{
		{"types.CountTokensInputMemberConverse", "types", regexp.MustCompile(`(?m)^type CountTokensInputMemberConverse struct\b`)},
	}
	bearerSymbols = []symbol{
		{"bedrockruntime.Options.AuthSchemePreference", "options", regexp.MustCompile(`(?m)^\s*AuthSchemePreference\s+\[\]string\b`)},
		{"bedrockruntime.Options.BearerAuthTokenProvider", "options", regexp.MustCompile(`(?m)^\s*BearerAuthTokenProvider\s+`)},
	}
)

// TagsFor returns the build tags a bedrockruntime version needs, judged
// from its source: options is its options.go, types its types/types.go. A
// tag is needed when any symbol it replaces is missing.
func TagsFor(options, types string) []Tag {
	src := map[string]string{"options": options, "types": types}
	missing := func(syms []symbol) []string {
		var out []string
		for _, s := range syms {
			if !s.re.MatchString(src[s.file]) {
				out = append(out, s.name)
			}
		}
		return out
	}
	var tags []Tag
	if m := missing(ttlSymbols); len(m) > 0 {
		tags = append(tags, Tag{Name: TagNoTTL, Missing: m, Effect: "TTL cells not applicable (skipped)"})
	}
	if m := missing(countSymbols); len(m) > 0 {
		tags = append(tags, Tag{Name: TagNoCount, Missing: m, Effect: "no CountTokens: fixtures sized by calibration calls"})
	}
	if m := missing(bearerSymbols); len(m) > 0 {
		tags = append(tags, Tag{Name: TagNoBearer, Missing: m, Effect: "no bearer auth to switch off (none exists)"})
	}
	return tags
}

// TagNames returns the tags as the -tags flag takes them ("" for none).
func TagNames(tags []Tag) string {
	names := make([]string, len(tags))
	for i, t := range tags {
		names[i] = t.Name
	}
	return strings.Join(names, ",")
}

// compileError matches the lines of go build output worth reporting.
var compileError = regexp.MustCompile(`^\S+\.go:\d+:\d+: `)

// CompileErrors returns the first n lines of go build output that name a
// source position, or, when there are none, the first n non-empty lines.
func CompileErrors(output string, n int) []string {
	var pos, other []string
	for _, l := range strings.Split(output, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "" || strings.HasPrefix(l, "go: downloading"):
		case compileError.MatchString(l):
			pos = append(pos, l)
		default:
			other = append(other, l)
		}
	}
	if len(pos) == 0 {
		pos = other
	}
	if len(pos) > n {
		pos = pos[:n]
	}
	return pos
}
