// Package memo is a small bounded map keyed by the SHA-256 of a secret
// string (a token, a sealed cookie), so that results worked out once can be
// reused without keeping the secret itself as a key.
package memo

import (
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"time"
)

// Cache maps the hash of a string to a value, with an optional expiry per
// entry. It is safe for concurrent use. A nil *Cache is valid and
// remembers nothing.
//
// When full, Put evicts one entry: among a few sampled at random, an
// expired one, else the one expiring first. Random eviction suits the
// round-robin traffic of many sessions: with more sessions than entries,
// LRU or FIFO would evict each session just before it comes back (no hits
// at all), while random eviction keeps a share of them.
type Cache[V any] struct {
	mu  sync.Mutex
	max int
	m   map[[sha256.Size]byte]entry[V]

	hits, misses atomic.Uint64
}

type entry[V any] struct {
	v       V
	expires int64 // Unix nanoseconds; 0: no expiry
}

// evictionSample is how many entries Put looks at to choose one to evict.
const evictionSample = 8

// New returns a Cache of at most max entries, or nil when max <= 0.
func New[V any](max int) *Cache[V] {
	if max <= 0 {
		return nil
	}
	return &Cache[V]{max: max, m: make(map[[sha256.Size]byte]entry[V])}
}

// Key is the hash a Cache files key under.
type Key = [sha256.Size]byte

// KeyOf hashes key, for GetKey, PutKey and DeleteKey: a caller that looks
// up, then stores, hashes once.
func KeyOf(key string) Key {
	// sha256 takes bytes: copy into a pooled buffer rather than allocate a
	// cookie-sized one per request.
	bp := keyBufs.Get().(*[]byte)
	b := append((*bp)[:0], key...)
	sum := sha256.Sum256(b)
	if cap(b) <= maxPooledKey {
		*bp = b
		keyBufs.Put(bp)
	}
	return sum
}

// maxPooledKey bounds the buffers KeyOf keeps (a session cookie is ~2-4 KB).
const maxPooledKey = 16 << 10

var keyBufs = sync.Pool{New: func() any { return new([]byte) }}

// Get returns the value stored for key, unless it expired by now.
func (c *Cache[V]) Get(key string, now time.Time) (V, bool) {
	if c == nil {
		var zero V
		return zero, false
	}
	return c.GetKey(KeyOf(key), now)
}

// GetKey is Get by hash.
func (c *Cache[V]) GetKey(k Key, now time.Time) (V, bool) {
	var zero V
	if c == nil {
		return zero, false
	}
	c.mu.Lock()
	e, ok := c.m[k]
	if ok && e.expires != 0 && now.UnixNano() > e.expires {
		delete(c.m, k)
		ok = false
	}
	c.mu.Unlock()
	if !ok {
		c.misses.Add(1)
		return zero, false
	}
	c.hits.Add(1)
	return e.v, true
}

// Put stores v for key until expires (zero: no expiry), evicting one entry
// when the cache is full.
func (c *Cache[V]) Put(key string, v V, expires, now time.Time) {
	if c == nil {
		return
	}
	c.PutKey(KeyOf(key), v, expires, now)
}

// PutKey is Put by hash.
func (c *Cache[V]) PutKey(k Key, v V, expires, now time.Time) {
	if c == nil {
		return
	}
	var exp int64
	if !expires.IsZero() {
		exp = expires.UnixNano()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; !ok && len(c.m) >= c.max {
		c.evict(now.UnixNano())
	}
	c.m[k] = entry[V]{v: v, expires: exp}
}

// evict drops the expired entries of a random sample, or else the sampled
// entry that expires first.
func (c *Cache[V]) evict(now int64) {
	var victim Key
	found, n, dropped := false, 0, false
	var first int64
	for k, e := range c.m {
		if e.expires != 0 && now > e.expires {
			delete(c.m, k)
			dropped = true
		} else if exp := e.expires; !found || exp != 0 && (first == 0 || exp < first) {
			victim, first, found = k, exp, true
		}
		if n++; n == evictionSample {
			break
		}
	}
	if !dropped && found {
		delete(c.m, victim)
	}
}

// Delete forgets key.
func (c *Cache[V]) Delete(key string) {
	if c != nil {
		c.DeleteKey(KeyOf(key))
	}
}

// DeleteKey is Delete by hash.
func (c *Cache[V]) DeleteKey(k Key) {
	if c == nil {
		return
	}
	c.mu.Lock()
	delete(c.m, k)
	c.mu.Unlock()
}

// Len reports how many entries the cache holds.
func (c *Cache[V]) Len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// Stats reports the lookups that found an entry and those that did not.
func (c *Cache[V]) Stats() (hits, misses uint64) {
	if c == nil {
		return 0, 0
	}
	return c.hits.Load(), c.misses.Load()
}
