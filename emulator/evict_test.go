package emulator

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

// testKey is the cache key of synthetic entry i.
func testKey(i int) entryKey {
	return entryKey{account: "akid:T", model: "m", hash: [32]byte{byte(i), byte(i >> 8), byte(i >> 16)}}
}

// storeAt stores synthetic entry i expiring ttl after now.
func storeAt(e *Emulator, i int, now time.Time, ttl time.Duration) {
	e.store(testKey(i), &entry{expires: now.Add(ttl), ttl: ttl}, now)
}

// held returns the synthetic entries of 0..n-1 the cache holds.
func held(e *Emulator, n int) []int {
	var out []int
	for i := range n {
		if _, ok := e.cache.get(testKey(i)); ok {
			out = append(out, i)
		}
	}
	return out
}

// TestEvictionClosestToExpiryFirst fills a cache of 5 with entries of
// different expiries and checks that each new entry evicts the one closest
// to expiry, and that a refresh moves an entry back.
func TestEvictionClosestToExpiryFirst(t *testing.T) {
	e, err := New(Options{MaxEntries: 5})
	if err != nil {
		t.Fatal(err)
	}
	now := e.now()
	for i, minutes := range []int{50, 10, 40, 20, 30} {
		storeAt(e, i, now, time.Duration(minutes)*time.Minute)
	}
	storeAt(e, 5, now, time.Hour) // evicts 1 (10 minutes)
	if got, want := held(e, 6), []int{0, 2, 3, 4, 5}; !slices.Equal(got, want) {
		t.Fatalf("after one eviction held %v, want %v", got, want)
	}
	en, _ := e.cache.get(testKey(3))
	e.cache.refresh(en, now.Add(2*time.Hour)) // 3 is now the furthest
	storeAt(e, 6, now, time.Hour)             // evicts 4 (30 minutes)
	storeAt(e, 7, now, time.Hour)             // evicts 2 (40 minutes)
	if got, want := held(e, 8), []int{0, 3, 5, 6, 7}; !slices.Equal(got, want) {
		t.Fatalf("held %v, want %v", got, want)
	}
}

// TestEvictionOrderOfEqualExpiries checks that entries expiring at the
// same time are evicted in the order they were stored or last refreshed,
// the same way on every run.
func TestEvictionOrderOfEqualExpiries(t *testing.T) {
	for run := 0; run < 20; run++ {
		e, err := New(Options{MaxEntries: 3})
		if err != nil {
			t.Fatal(err)
		}
		now := e.now()
		for i := range 3 {
			storeAt(e, i, now, 5*time.Minute)
		}
		en, _ := e.cache.get(testKey(0))
		e.cache.refresh(en, now.Add(5*time.Minute)) // 0 is now the latest touched
		storeAt(e, 3, now, 5*time.Minute)           // evicts 1
		storeAt(e, 4, now, 5*time.Minute)           // evicts 2
		if got, want := held(e, 5), []int{0, 3, 4}; !slices.Equal(got, want) {
			t.Fatalf("run %d: held %v, want %v", run, got, want)
		}
	}
}

// TestFullCacheStaysConsistent stores many entries with random expiries
// into a small full cache, with time moving, and checks after each store
// the cap, that the map and the heap hold the same entries, the heap's
// order, and that what was evicted expired no later than anything kept.
func TestFullCacheStaysConsistent(t *testing.T) {
	const max = 64
	e, err := New(Options{MaxEntries: max})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 5000; i++ {
		if i%50 == 0 {
			e.Advance(time.Duration(rng.IntN(120)) * time.Second)
		}
		now := e.now()
		var firstBefore *entry
		if e.cache.len() == max {
			firstBefore = e.cache.first()
		}
		storeAt(e, i, now, time.Duration(1+rng.IntN(600))*time.Second)
		checkStore(t, &e.cache, max)
		if firstBefore != nil {
			if _, ok := e.cache.get(firstBefore.key); ok {
				t.Fatalf("store %d: the entry closest to expiry was kept", i)
			}
		}
	}
}

// checkStore checks a store's invariants.
func checkStore(t *testing.T, s *entryStore, max int) {
	t.Helper()
	if s.len() > max || len(s.heap) != s.len() {
		t.Fatalf("%d entries, %d in the heap, cap %d", s.len(), len(s.heap), max)
	}
	for i, en := range s.heap {
		if en.index != i || s.byKey[en.key] != en {
			t.Fatalf("heap slot %d: index %d, in map %v", i, en.index, s.byKey[en.key] == en)
		}
		if i > 0 && s.heap.Less(i, (i-1)/2) {
			t.Fatalf("heap order broken at %d", i)
		}
	}
}

// TestExpiredEntriesSweptOnStore checks that expired entries leave the
// cache as new entries are stored, without waiting for the cap.
func TestExpiredEntriesSweptOnStore(t *testing.T) {
	e, err := New(Options{MaxEntries: 1000})
	if err != nil {
		t.Fatal(err)
	}
	now := e.now()
	for i := range 100 {
		storeAt(e, i, now, 5*time.Minute)
	}
	e.Advance(6 * time.Minute)
	now = e.now()
	for i := 100; i < 100+100/sweepPerStore; i++ {
		storeAt(e, i, now, 5*time.Minute)
	}
	if n, want := e.Len(), 100/sweepPerStore; n != want {
		t.Fatalf("%d entries held, want the %d live ones", n, want)
	}
}

// TestFullCacheKeepsAnswering drives a full cache through the API: every
// request writes a new entry and evicts the one closest to expiry, so an
// entry written an hour's TTL ago survives writes of 5-minute entries.
func TestFullCacheKeepsAnswering(t *testing.T) {
	h := startHarness(t, Options{MaxEntries: 4})
	long := &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45),
		Messages: []types.Message{user(text(txt("long", 1100)), cpTTL("1h"))}}
	wantUsage(t, "1h write", mustCall(t, h.c, long), 0, 1100)
	for i := 0; i < 20; i++ {
		h.srv.Advance(time.Second)
		in := &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45),
			Messages: []types.Message{user(text(txt("short"+itoa(i), 1100)), cp())}}
		wantUsage(t, "5m write "+itoa(i), mustCall(t, h.c, in), 0, 1100)
		if n := h.srv.Len(); n > 4 {
			t.Fatalf("%d entries, cap 4", n)
		}
	}
	wantUsage(t, "1h read", mustCall(t, h.c, long), 1100, 0)
	first := &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet45),
		Messages: []types.Message{user(text(txt("short0", 1100)), cp())}}
	wantUsage(t, "evicted 5m entry", mustCall(t, h.c, first), 0, 1100)
}
