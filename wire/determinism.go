package wire

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
)

// DeterminismResult says whether repeated serializations of the same logical
// request gave the same bytes and, if not, where and whether it matters for
// caching. Three outcomes are worth telling apart: Deterministic (one body);
// nondeterministic but harmless (only fields such as requestMetadata vary,
// CacheAffecting is false); and cache-affecting (a prompt-bearing field
// varies, so requests silently miss the cache).
type DeterminismResult struct {
	// Builds is the number of bodies compared.
	Builds int
	// Distinct is the number of distinct bodies among them.
	Distinct int
	// Varying lists every field that differs between some distinct body
	// and the first, once per path and kind, sorted by path then kind.
	// Old and New show one such pair for a value.
	Varying []Field
}

// Deterministic reports whether every build gave the same bytes.
func (r DeterminismResult) Deterministic() bool { return r.Distinct <= 1 }

// CacheAffecting reports whether any varying field is cache-affecting: the
// same logical request would write a different prefix from build to build.
func (r DeterminismResult) CacheAffecting() bool {
	return slices.ContainsFunc(r.Varying, func(f Field) bool { return f.CacheAffecting })
}

// Describe renders the result for a report: builds and distinct bodies,
// then one line per varying path saying how it varies and whether it is
// cache-affecting.
func (r DeterminismResult) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d builds, %d distinct bodies: ", r.Builds, r.Distinct)
	switch {
	case r.Deterministic():
		b.WriteString("deterministic")
	case r.CacheAffecting():
		b.WriteString("nondeterministic, CACHE-AFFECTING")
	default:
		b.WriteString("nondeterministic but not cache-affecting")
	}
	for _, f := range r.Varying {
		b.WriteString("\n  ")
		b.WriteString(f.String())
	}
	return b.String()
}

// Err returns an error carrying Describe when the result is cache-affecting,
// and nil otherwise (deterministic, or varying only in harmless fields).
// Callers that want byte-for-byte determinism check Deterministic instead.
func (r DeterminismResult) Err() error {
	if !r.CacheAffecting() {
		return nil
	}
	return errors.New("wire: serialization is not deterministic: " + r.Describe())
}

// Determinism builds the same logical request n times, calling build for a
// fresh input each time, serializes each with Converse and reports how the
// bodies vary. optFns are passed to every Converse. n must be at least 1.
func Determinism(ctx context.Context, n int, build func() *bedrockruntime.ConverseInput, optFns ...func(*bedrockruntime.Options)) (DeterminismResult, error) {
	if n < 1 {
		return DeterminismResult{}, fmt.Errorf("wire: Determinism needs at least one build, got %d", n)
	}
	bodies := make([][]byte, n)
	for i := range bodies {
		req, err := Converse(ctx, build(), optFns...)
		if err != nil {
			return DeterminismResult{}, fmt.Errorf("wire: build %d: %w", i+1, err)
		}
		bodies[i] = req.Body
	}
	return DeterminismOf(bodies)
}

// DeterminismOf reports how bodies that should be identical vary: each
// distinct body is compared with the first, and the differences (value, key
// order, encoding) are classified and merged. It is the analysis of
// Determinism for bodies captured some other way, such as ConverseStream.
func DeterminismOf(bodies [][]byte) (DeterminismResult, error) {
	r := DeterminismResult{Builds: len(bodies)}
	var distinct [][]byte
	for _, b := range bodies {
		if !slices.ContainsFunc(distinct, func(d []byte) bool { return bytes.Equal(d, b) }) {
			distinct = append(distinct, b)
		}
	}
	r.Distinct = len(distinct)
	type key struct {
		path string
		kind Kind
	}
	seen := map[key]bool{}
	for i, b := range distinct[min(1, len(distinct)):] {
		fields, _, err := differences(distinct[0], b)
		if err != nil {
			return DeterminismResult{}, fmt.Errorf("wire: distinct body %d: %w", i+2, err)
		}
		for _, f := range fields {
			if k := (key{f.Path, f.Kind}); !seen[k] {
				seen[k] = true
				r.Varying = append(r.Varying, f)
			}
		}
	}
	slices.SortFunc(r.Varying, func(a, b Field) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), cmp.Compare(a.Kind, b.Kind))
	})
	return r, nil
}
