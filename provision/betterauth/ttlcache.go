package betterauth

import (
	"crypto/sha256"
	"sync"
	"time"
	"unsafe"
)

// cacheKey is the SHA-256 of a credential: entries never hold the
// credential as a key, and no chosen input can collide with another's.
type cacheKey [sha256.Size]byte

// keyOf hashes s without copying it: sha256 neither keeps nor changes
// its input.
func keyOf(s string) cacheKey {
	return sha256.Sum256(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// ttlCache is a size-bounded map whose entries expire. It has no
// goroutine: expired entries are dropped when they are read or when the
// map is full.
type ttlCache[V any] struct {
	mu      sync.RWMutex
	entries map[cacheKey]ttlEntry[V]
	max     int
}

type ttlEntry[V any] struct {
	val     V
	expires int64 // unix nanoseconds
}

func newTTLCache[V any](max int) *ttlCache[V] {
	return &ttlCache[V]{entries: make(map[cacheKey]ttlEntry[V]), max: max}
}

// get returns the live value of k.
func (c *ttlCache[V]) get(k cacheKey, now time.Time) (V, bool) {
	c.mu.RLock()
	e, ok := c.entries[k]
	c.mu.RUnlock()
	if !ok || now.UnixNano() >= e.expires {
		var zero V
		return zero, false
	}
	return e.val, true
}

// put stores v until expires; values already expired are not stored.
func (c *ttlCache[V]) put(k cacheKey, v V, expires, now time.Time) {
	if !now.Before(expires) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[k]; !ok && len(c.entries) >= c.max {
		c.evict(now.UnixNano())
	}
	c.entries[k] = ttlEntry[V]{val: v, expires: expires.UnixNano()}
}

// evict drops expired entries and, if that is not enough, an eighth of
// the rest in map order (effectively random), so a flood of distinct
// credentials costs memory only up to max.
func (c *ttlCache[V]) evict(now int64) {
	for k, e := range c.entries {
		if now >= e.expires {
			delete(c.entries, k)
		}
	}
	drop := len(c.entries) - c.max + 1
	if drop <= 0 {
		return
	}
	drop = max(drop, c.max/8)
	for k := range c.entries {
		if drop == 0 {
			break
		}
		delete(c.entries, k)
		drop--
	}
}

// remove deletes k.
func (c *ttlCache[V]) remove(k cacheKey) {
	c.mu.Lock()
	delete(c.entries, k)
	c.mu.Unlock()
}

// removeIf deletes the entries whose value matches and returns how many.
func (c *ttlCache[V]) removeIf(match func(V) bool) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for k, e := range c.entries {
		if match(e.val) {
			delete(c.entries, k)
			n++
		}
	}
	return n
}

func (c *ttlCache[V]) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
