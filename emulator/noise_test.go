package emulator

import (
	"slices"
	"strings"
	"testing"
)

// sonnet45InRegion is Sonnet 4.5's in-Region (base) ID.
const sonnet45InRegion = "anthropic.claude-sonnet-4-5-20250929-v1:0"

// noiseBody is a request with one system checkpoint over a cacheable
// prefix; word varies the prefix.
func noiseBody(word string) []byte {
	return []byte(`{"system":[{"text":"` + strings.Repeat(word+" steady words ", 700) + `"},{"cachePoint":{"type":"default"}}],"messages":[{"role":"user","content":[{"text":"hi"}]}]}`)
}

// newNoisy returns an emulator with the given options, failing the test
// on an error.
func newNoisy(t *testing.T, opts Options) *Emulator {
	t.Helper()
	e, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// repeatsOf sends body n times as model and returns what each call did to
// the cache.
func repeatsOf(t *testing.T, e *Emulator, model string, body []byte, n int) []cacheResult {
	t.Helper()
	var out []cacheResult
	for range n {
		res, aerr := e.converse("acct", model, body)
		if aerr != nil {
			t.Fatal(aerr)
		}
		out = append(out, res.cache)
	}
	return out
}

// misses counts the repeats (after the first call) that read nothing,
// failing the test on a call that reads and writes at once.
func misses(t *testing.T, rs []cacheResult) (n int) {
	t.Helper()
	for _, r := range rs[1:] {
		if r.read > 0 && r.write > 0 {
			t.Fatalf("Expected\n%+v\nnot to read and write at once (a hit that also bills a write is a fault)", r)
		}
		if r.read == 0 {
			n++
		}
	}
	return n
}

// TestRoutingLandsInRegionsWithTheirOwnCaches checks the routing profile:
// through an inference profile, repeats land in several Regions, each of
// which misses once and then holds the entry (so misses stop once every
// Region is warm); through the in-Region ID every repeat hits; the same
// seed repeats the run, another seed routes otherwise.
func TestRoutingLandsInRegionsWithTheirOwnCaches(t *testing.T) {
	opts := Options{Profiles: []string{NoiseRouting}, NoiseSeed: 7}
	routed := repeatsOf(t, newNoisy(t, opts), sonnet45, noiseBody("r"), 64)
	if n := misses(t, routed); n != len(DefaultRegionWeights)-1 {
		t.Errorf("Expected\n%d misses of 63 routed repeats\nto be %d: one per Region other than the first call's", n, len(DefaultRegionWeights)-1)
	}
	if n := misses(t, repeatsOf(t, newNoisy(t, opts), sonnet45InRegion, noiseBody("r"), 64)); n != 0 {
		t.Errorf("Expected\n%d misses of in-Region repeats\nto be 0: an in-Region ID always lands in one Region", n)
	}
	if again := repeatsOf(t, newNoisy(t, opts), sonnet45, noiseBody("r"), 64); !slices.Equal(routed, again) {
		t.Errorf("Expected\nthe same seed\nto route the same way")
	}
	// Five equal Regions and fresh prefixes: the first repeat of a prefix
	// misses whenever it lands away from its write.
	five := newNoisy(t, Options{Profiles: []string{NoiseRouting}, NoiseSeed: 7, Regions: []float64{1, 1, 1, 1, 1}})
	away := 0
	for i := range 40 {
		rs := repeatsOf(t, five, sonnet45, noiseBody("w"+itoa(i)), 2)
		if rs[0].write == 0 {
			t.Fatalf("Expected\nthe first call of a fresh prefix\nto write, got %+v", rs[0])
		}
		if rs[1].read == 0 {
			away++
		}
	}
	if away < 20 || away > 40 {
		t.Errorf("Expected\n%d of 40 first repeats missing\nto be about 4 in 5 over five equal Regions", away)
	}
}

// TestExtraWritesMissNowAndThenOnAnyID checks the extra-writes profile: on
// an in-Region ID too, about one lookup in DefaultExtraWriteOdds that would
// hit writes the entry again (never while also reading), seeded.
func TestExtraWritesMissNowAndThenOnAnyID(t *testing.T) {
	opts := Options{Profiles: []string{NoiseExtraWrites}, NoiseSeed: 3}
	first := repeatsOf(t, newNoisy(t, opts), sonnet45InRegion, noiseBody("x"), 120)
	if n := misses(t, first); n == 0 || n > 119/4 {
		t.Errorf("Expected\n%d misses of 119 repeats\nto be some, about one in %d", n, DefaultExtraWriteOdds)
	}
	if again := repeatsOf(t, newNoisy(t, opts), sonnet45InRegion, noiseBody("x"), 120); !slices.Equal(first, again) {
		t.Errorf("Expected\nthe same seed\nto give the same extra writes")
	}
	if other := repeatsOf(t, newNoisy(t, Options{Profiles: opts.Profiles, NoiseSeed: 4}), sonnet45InRegion, noiseBody("x"), 120); slices.Equal(first, other) {
		t.Errorf("Expected\nanother seed\nto give other extra writes")
	}
}

// TestDriftMovesCountsByOneBetweenRunsOnly checks the drift profile: within
// a run the same request always counts the same and a repeat reads exactly
// what the first call wrote; across seeds the counts differ by at most one,
// and some seed moves them.
func TestDriftMovesCountsByOneBetweenRunsOnly(t *testing.T) {
	plain := repeatsOf(t, newNoisy(t, Options{}), sonnet45, noiseBody("d"), 2)
	moved := 0
	for seed := uint64(1); seed <= 12; seed++ {
		e := newNoisy(t, Options{Profiles: []string{NoiseDrift}, NoiseSeed: seed})
		rs := repeatsOf(t, e, sonnet45, noiseBody("d"), 3)
		if rs[1].read != rs[0].write || rs[2] != rs[1] {
			t.Fatalf("seed %d: Expected\n%+v\nto read exactly what the first call wrote, the same every time", seed, rs)
		}
		d := rs[0].write - plain[0].write
		if d < -1 || d > 1 {
			t.Fatalf("seed %d: Expected\na write of %d\nto be within one token of %d", seed, rs[0].write, plain[0].write)
		}
		n, aerr := e.countTokens(sonnet45InRegion, []byte(`{"input":{"converse":`+string(noiseBody("d"))+`}}`))
		if aerr != nil {
			t.Fatal(aerr)
		}
		if want := newNoisy(t, Options{}); true {
			base, _ := want.countTokens(sonnet45InRegion, []byte(`{"input":{"converse":`+string(noiseBody("d"))+`}}`))
			if n-base != d {
				t.Errorf("seed %d: Expected\nCountTokens %d\nto move with the billed counts (%d%+d)", seed, n, base, d)
			}
		}
		if d != 0 {
			moved++
		}
	}
	if moved == 0 {
		t.Errorf("Expected\nsome of 12 seeds\nto move the counts")
	}
}

// TestImplicitNoiseReadsWithoutCheckpoints checks that the implicit noise
// profile reads, without a checkpoint, what an earlier request sent, and
// never reports a write.
func TestImplicitNoiseReadsWithoutCheckpoints(t *testing.T) {
	body := []byte(`{"system":[{"text":"` + strings.Repeat("implicit words ", 900) + `"}],"messages":[{"role":"user","content":[{"text":"hi"}]}]}`)
	rs := repeatsOf(t, newNoisy(t, Options{Profiles: []string{NoiseImplicit}}), novaLite, body, 2)
	if rs[0].read != 0 || rs[1].read == 0 || rs[0].write+rs[1].write != 0 {
		t.Errorf("Expected\n%+v\nto read implicitly on the repeat and never write", rs)
	}
}

// TestNoiseOptionsAreChecked checks that bad noise options are refused
// with a clear error and good ones parse.
func TestNoiseOptionsAreChecked(t *testing.T) {
	for _, o := range []Options{{Regions: []float64{0, 0}}, {Regions: []float64{1, -1}}, {ExtraWriteOdds: -2}} {
		if _, err := New(o); err == nil {
			t.Errorf("Expected\nNew(%+v)\nto fail", o)
		}
	}
	if w, err := ParseRegionWeights("0.5, 0.5"); err != nil || !slices.Equal(w, []float64{0.5, 0.5}) {
		t.Errorf("ParseRegionWeights = %v, %v", w, err)
	}
	if _, err := ParseRegionWeights("a,1"); err == nil {
		t.Errorf("Expected\nParseRegionWeights(\"a,1\")\nto fail")
	}
	for _, name := range []string{NoiseRouting, NoiseImplicit, NoiseExtraWrites, NoiseDrift} {
		p, ok := LookupProfile(name)
		if !ok || !p.Noise || p.Benign || !strings.Contains(p.Description, "FACTS.md") {
			t.Errorf("Expected\nprofile %q (%+v)\nto be a noise profile quoting FACTS.md", name, p)
		}
	}
}

// TestNoiseDoesNotDependOnOrder checks that a seed gives each request the
// same noise whatever order the requests of a run arrive in (specs run in
// a random order, over several processes): two prefixes sent 30 times
// each, interleaved one way and the other, meet the same Regions and
// extra writes.
func TestNoiseDoesNotDependOnOrder(t *testing.T) {
	opts := Options{Profiles: []string{NoiseRouting, NoiseExtraWrites}, NoiseSeed: 11, Regions: []float64{1, 1, 1}}
	run := func(first, second string) map[string][]cacheResult {
		e := newNoisy(t, opts)
		out := map[string][]cacheResult{}
		for range 30 {
			for _, w := range []string{first, second} {
				out[w] = append(out[w], repeatsOf(t, e, sonnet45, noiseBody(w), 1)...)
			}
		}
		return out
	}
	ab, ba := run("a", "b"), run("b", "a")
	for _, w := range []string{"a", "b"} {
		if !slices.Equal(ab[w], ba[w]) {
			t.Errorf("Expected\nprefix %s\nto meet the same noise in either order", w)
		}
		if misses(t, ab[w]) == 0 {
			t.Errorf("Expected\nprefix %s\nto meet some noise", w)
		}
	}
}
