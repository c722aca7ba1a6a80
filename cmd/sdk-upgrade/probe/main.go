// Command probe serializes the fixture requests repeatedly under whatever
// AWS SDK versions it was built with and prints a sdkcheck.DeterminismReport
// as JSON. cmd/sdk-upgrade builds it with -modfile against each version
// under test; it uses only APIs present in bedrockruntime v1.28.0 (with the
// cachecascade_nottl tag before v1.48.0).
//
// The requests are the cascade fixtures of the first Claude and the first
// Nova model of the catalog under every strategy: three tools whose JSON
// schemas are built from Go maps (document.NewLazyDocument), two system
// blocks and a user message, with the strategy's checkpoints. A control
// request (without tools) adds a requestMetadata map, which every SDK
// version writes in random order: the probe must see it vary, harmlessly,
// or its detector is broken.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/sdkcheck"
	"github.com/cachecascade/cachecascade/wire"
)

func main() {
	builds := flag.Int("builds", 30, "serializations per request")
	flag.Parse()
	rep, err := probe(context.Background(), *builds)
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
	out, _ := json.MarshalIndent(rep, "", "  ")
	fmt.Println(string(out))
}

// spec is the cascade fixture of a model, as the cascade suite sizes it.
func spec(m matrix.Model, s matrix.Strategy) fixtures.Spec {
	return fixtures.Spec{
		Seed: "cascade/" + m.Key + "/" + string(s), Estimate: fixtures.EstimateFor(string(m.Family)),
		Tools: 3, ToolTokens: m.MinTokens * 13 / 10,
		SystemBlocks: 2, SystemTokens: m.MinTokens * 13 / 10,
		Turns: 1, TurnTokens: 120,
		Salt: fixtures.ZeroSalt,
	}
}

func probe(ctx context.Context, builds int) (sdkcheck.DeterminismReport, error) {
	rep := sdkcheck.DeterminismReport{SDK: sdkVersions(), Builds: builds}
	for _, family := range []matrix.Family{matrix.Claude, matrix.Nova} {
		m := matrix.Default().Family(family)[0]
		for _, s := range matrix.Strategies {
			sp := spec(m, s)
			var applyErr error
			res, err := wire.Determinism(ctx, builds, func() *bedrockruntime.ConverseInput {
				in := fixtures.Build(sp).Input(m.ModelID())
				if _, err := s.Apply(in, matrix.TTLDefault); err != nil {
					applyErr = err
				}
				return in
			})
			if err == nil {
				err = applyErr
			}
			if err != nil {
				return rep, fmt.Errorf("%s/%s: %w", m.Key, s, err)
			}
			rep.Cases = append(rep.Cases, sdkcheck.CaseOf(m.Key+"/"+string(s), res))
		}
	}
	// The control has no tools, so that only requestMetadata can vary.
	m := matrix.Default().Family(matrix.Claude)[0]
	sp := spec(m, matrix.SystemOnly)
	sp.Tools, sp.ToolTokens = 0, 0
	res, err := wire.Determinism(ctx, builds, func() *bedrockruntime.ConverseInput {
		in := fixtures.Build(sp).Input(m.ModelID())
		in.RequestMetadata = map[string]string{"team": "search", "feature": "answers", "tenant": "acme", "env": "ci", "run": "nightly"}
		return in
	})
	if err != nil {
		return rep, fmt.Errorf("control: %w", err)
	}
	rep.Control = sdkcheck.CaseOf(m.Key+"/requestMetadata", res)
	return rep, nil
}

// sdkVersions returns the SDK modules this binary was built with.
func sdkVersions() map[string]string {
	out := map[string]string{}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return out
	}
	for _, d := range info.Deps {
		if d.Replace != nil {
			d = d.Replace
		}
		if d.Path == sdkcheck.Core || d.Path == sdkcheck.Smithy || d.Path == sdkcheck.Config || strings.HasSuffix(d.Path, "/service/bedrockruntime") {
			out[d.Path] = d.Version
		}
	}
	return out
}
