package main

import (
	"fmt"
	"strings"

	"github.com/cachecascade/cachecascade/emulator"
)

// noiseNames are the noise profiles the suites must survive: the service's
// documented unreliability (cross-region routing, implicit reads, extra
// writes, token counts drifting between days). The older noise profiles
// (random-evictions, extra-input-tokens) exist to prove the nightly's
// classes and are left out: extra input tokens are drift the nightly must
// report.
var noiseNames = []string{emulator.NoiseDrift, emulator.NoiseExtraWrites, emulator.NoiseImplicit, emulator.NoiseRouting}

// allNoise names the run under every noise profile together.
const allNoise = "all-noise"

// noiseTargets are the runs under noise for seeds 1..seeds: each noise
// profile alone and all of them together, once per seed (each must pass,
// KindNoise), and every fault under all of them together with seed 1 (each
// must still be caught). None when seeds is 0.
func noiseTargets(seeds int) []Target {
	if seeds == 0 {
		return nil
	}
	var ts []Target
	for _, f := range emulator.Faults() {
		ts = append(ts, Target{Name: f.Name + "+" + allNoise, Kind: KindFault, Fault: f.Name,
			Description: f.Description + "; under " + strings.Join(noiseNames, ", "),
			Profiles:    append([]string{f.Name}, noiseNames...), Seed: 1})
	}
	for seed := 1; seed <= seeds; seed++ {
		for _, name := range append(append([]string(nil), noiseNames...), allNoise) {
			profiles := []string{name}
			desc := "the noise profile " + name + " alone"
			if name == allNoise {
				profiles, desc = noiseNames, "every noise profile together"
			}
			ts = append(ts, Target{Name: fmt.Sprintf("%s.seed%d", name, seed), Kind: KindNoise,
				Description: fmt.Sprintf("%s (seed %d)", desc, seed), Profiles: profiles, Seed: uint64(seed)})
		}
	}
	return ts
}

// expandDefault replaces the name "default" in a -profiles list with the
// default set (the baseline, every fault and every benign profile), so
// that a short noise run can ride along with it: "default,all-noise.seed1".
func expandDefault(list string) string {
	var out []string
	for _, n := range strings.Split(list, ",") {
		if strings.TrimSpace(n) != "default" {
			out = append(out, n)
			continue
		}
		for _, t := range allTargets() {
			out = append(out, t.Name)
		}
	}
	return strings.Join(out, ",")
}
