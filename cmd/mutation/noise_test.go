package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/emulator"
)

// TestNoiseTargets checks the runs -noise-seeds adds: none for 0; for N,
// every noise profile alone and all together once per seed (each must
// pass) and every fault under all noise profiles (each must be caught
// under its own rule), with the profiles and seed in the child's
// environment.
func TestNoiseTargets(t *testing.T) {
	if ts := noiseTargets(0); len(ts) != 0 {
		t.Fatalf("Expected\n%v\nto be no runs", ts)
	}
	ts := noiseTargets(2)
	faults, noise := 0, map[string]bool{}
	for _, tg := range ts {
		switch tg.Kind {
		case KindFault:
			faults++
			if rules[tg.fault()] == nil || tg.Seed != 1 || tg.Profiles[0] != tg.fault() || len(tg.Profiles) != 1+len(noiseNames) {
				t.Errorf("Expected\n%+v\nto be a fault under every noise profile, with its rule", tg)
			}
		case KindNoise:
			noise[tg.Name] = true
		default:
			t.Errorf("unexpected kind %q", tg.Kind)
		}
	}
	if faults != len(emulator.Faults()) {
		t.Errorf("Expected\n%d faults under noise\nto be %d", faults, len(emulator.Faults()))
	}
	for _, name := range []string{"routing.seed1", "implicit.seed2", "extra-writes.seed1", "drift.seed2", "all-noise.seed2"} {
		if !noise[name] {
			t.Errorf("Expected\n%v\nto hold %s", noise, name)
		}
	}
	if len(noise) != 2*(len(noiseNames)+1) {
		t.Errorf("Expected\n%d noise runs\nto be %d", len(noise), 2*(len(noiseNames)+1))
	}
	var all Target
	for _, tg := range ts {
		if tg.Name == "all-noise.seed2" {
			all = tg
		}
	}
	env := childEnv(nil, all, "d")
	if !slices.Contains(env, "CACHECASCADE_EMULATOR_NOISE_SEED=2") || !slices.Contains(env, "CACHECASCADE_EMULATOR_PROFILES="+strings.Join(noiseNames, ",")) {
		t.Errorf("Expected\n%q\nto carry the seed and every noise profile", env)
	}
	for _, n := range noiseNames {
		if p, ok := emulator.LookupProfile(n); !ok || !p.Noise {
			t.Errorf("Expected\n%s\nto be an emulator noise profile", n)
		}
	}
	if _, err := selectTargets(append(allTargets(), ts...), "routing.seed2,no-lookback+all-noise"); err != nil {
		t.Errorf("selecting noise runs: %v", err)
	}
}

// TestProfilesDefaultNamesTheDefaultSet checks that "default" in -profiles
// stands for the baseline, every fault and every benign profile, beside
// the runs named with it.
func TestProfilesDefaultNamesTheDefaultSet(t *testing.T) {
	all := append(allTargets(), noiseTargets(1)...)
	ts, err := selectTargets(all, expandDefault("default,all-noise.seed1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != len(allTargets())+1 || ts[len(ts)-1].Name != "all-noise.seed1" {
		t.Errorf("Expected\n%d runs ending with all-noise.seed1\nto be the default set and the noise run, got %d", len(allTargets())+1, len(ts))
	}
	if got := expandDefault("routing.seed1"); got != "routing.seed1" {
		t.Errorf("expandDefault = %q", got)
	}
}
