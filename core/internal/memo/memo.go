// Package memo is a small bounded map keyed by the SHA-256 of a secret
// string (a token, a sealed cookie), so that results worked out once can be
// reused without keeping the secret itself as a key.
package memo

import (
	"crypto/sha256"
	"sync"
	"time"
)

// Cache maps the hash of a string to a value, with an optional expiry per
// entry. It is safe for concurrent use. When full, Put drops expired entries
// and then an arbitrary eighth of the rest. A nil *Cache is valid and
// remembers nothing.
type Cache[V any] struct {
	mu  sync.Mutex
	max int
	m   map[[sha256.Size]byte]entry[V]
}

type entry[V any] struct {
	v       V
	expires time.Time // zero: no expiry
}

// New returns a Cache of at most max entries, or nil when max <= 0.
func New[V any](max int) *Cache[V] {
	if max <= 0 {
		return nil
	}
	return &Cache[V]{max: max, m: make(map[[sha256.Size]byte]entry[V])}
}

// Get returns the value stored for key, unless it has expired at now.
func (c *Cache[V]) Get(key string, now time.Time) (V, bool) {
	var zero V
	if c == nil {
		return zero, false
	}
	k := sha256.Sum256([]byte(key))
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok {
		return zero, false
	}
	if !e.expires.IsZero() && now.After(e.expires) {
		delete(c.m, k)
		return zero, false
	}
	return e.v, true
}

// Put stores v for key until expires (zero: until evicted).
func (c *Cache[V]) Put(key string, v V, expires, now time.Time) {
	if c == nil {
		return
	}
	k := sha256.Sum256([]byte(key))
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; !ok && len(c.m) >= c.max {
		for k, e := range c.m {
			if !e.expires.IsZero() && now.After(e.expires) {
				delete(c.m, k)
			}
		}
		for k := range c.m {
			if len(c.m) < c.max-c.max/8 {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[k] = entry[V]{v: v, expires: expires}
}

// Len reports the number of entries, expired ones included.
func (c *Cache[V]) Len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
