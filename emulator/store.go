package emulator

import (
	"container/heap"
	"time"
)

// entryStore holds the cache entries: a map by key for lookups and a
// min-heap by expiry for expiring and evicting, so that neither ever scans
// or sorts the entries. Entries with equal expiries are ordered by when
// they were last stored or refreshed, the earlier first, so eviction is
// deterministic. Every method needs the emulator's lock.
type entryStore struct {
	byKey map[entryKey]*entry
	heap  expiryHeap
	// ticks counts stores and refreshes, to order equal expiries.
	ticks uint64
}

// entry is one cache entry.
type entry struct {
	key     entryKey
	expires time.Time
	ttl     time.Duration
	// order is the tick of its last store or refresh.
	order uint64
	// index is its position in the heap.
	index int
}

func newEntryStore() entryStore { return entryStore{byKey: map[entryKey]*entry{}} }

// len returns the number of entries held, expired ones not yet removed
// included.
func (s *entryStore) len() int { return len(s.byKey) }

// get returns the entry for k, expired or not.
func (s *entryStore) get(k entryKey) (*entry, bool) {
	en, ok := s.byKey[k]
	return en, ok
}

// add inserts en under k, which the store must not hold.
func (s *entryStore) add(k entryKey, en *entry) {
	en.key = k
	s.ticks++
	en.order = s.ticks
	s.byKey[k] = en
	heap.Push(&s.heap, en)
}

// set gives an entry held a new expiry and TTL, as storing it again does.
func (s *entryStore) set(en *entry, expires time.Time, ttl time.Duration) {
	en.ttl = ttl
	s.refresh(en, expires)
}

// refresh moves an entry held to a new expiry.
func (s *entryStore) refresh(en *entry, expires time.Time) {
	s.ticks++
	en.expires, en.order = expires, s.ticks
	heap.Fix(&s.heap, en.index)
}

// remove drops an entry held.
func (s *entryStore) remove(en *entry) {
	heap.Remove(&s.heap, en.index)
	delete(s.byKey, en.key)
}

// first returns the entry closest to expiry (the earliest stored or
// refreshed among equals), nil when the store is empty.
func (s *entryStore) first() *entry {
	if len(s.heap) == 0 {
		return nil
	}
	return s.heap[0]
}

// expiryHeap orders entries by expiry, then by order (container/heap).
type expiryHeap []*entry

// Len returns the number of entries.
func (h expiryHeap) Len() int { return len(h) }

// Less reports whether entry i expires first.
func (h expiryHeap) Less(i, j int) bool {
	a, b := h[i], h[j]
	if !a.expires.Equal(b.expires) {
		return a.expires.Before(b.expires)
	}
	return a.order < b.order
}

// Swap exchanges entries i and j, keeping their indexes.
func (h expiryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

// Push appends an entry (an *entry).
func (h *expiryHeap) Push(x any) {
	en := x.(*entry)
	en.index = len(*h)
	*h = append(*h, en)
}

// Pop removes and returns the last entry.
func (h *expiryHeap) Pop() any {
	old := *h
	en := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return en
}
