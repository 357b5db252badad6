package token

import (
	"crypto/sha256"
	"maps"
	"slices"
	"sync"
	"time"
)

// DefaultRemember is how many verified tokens a Verifier remembers when
// Config.Remember is zero.
const DefaultRemember = 10000

// memo remembers successful verifications by the token's SHA-256, so the
// same token seen again (every request of a session until its next refresh)
// costs a hash and a lookup instead of a signature check and three JSON
// parses. Entries end at the token's expiry; the time claims are checked
// again on every hit. It holds only tokens that passed every check, so a
// forged or altered token (a different hash) is never served from it.
type memo struct {
	mu  sync.Mutex
	max int
	m   map[[sha256.Size]byte]*Claims
}

func newMemo(max int) *memo {
	if max <= 0 {
		return nil
	}
	return &memo{max: max, m: make(map[[sha256.Size]byte]*Claims)}
}

// get returns a copy of the remembered claims of raw, if they are still
// within exp (+ leeway) at now.
func (m *memo) get(raw string, now time.Time, leeway time.Duration) (*Claims, bool) {
	if m == nil {
		return nil, false
	}
	k := sha256.Sum256([]byte(raw))
	m.mu.Lock()
	c, ok := m.m[k]
	if ok && now.Add(-leeway).After(c.ExpiresAt) {
		delete(m.m, k)
		ok = false
	}
	m.mu.Unlock()
	if !ok {
		return nil, false
	}
	return c.clone(), true
}

// put remembers verified claims; when full it drops expired entries, then
// an arbitrary eighth of the rest.
func (m *memo) put(raw string, c *Claims, now time.Time) {
	if m == nil {
		return
	}
	k := sha256.Sum256([]byte(raw))
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.m) >= m.max {
		for k, e := range m.m {
			if now.After(e.ExpiresAt) {
				delete(m.m, k)
			}
		}
		drop := len(m.m) - m.max + m.max/8 + 1
		for k := range m.m {
			if drop <= 0 {
				break
			}
			delete(m.m, k)
			drop--
		}
	}
	m.m[k] = c.clone()
}

// clone copies the claims so that a caller changing its slices cannot
// change what later calls see. Raw's values are not copied: they are
// read-only by contract.
func (c *Claims) clone() *Claims {
	cp := *c
	cp.Audience = slices.Clone(c.Audience)
	cp.Roles = slices.Clone(c.Roles)
	cp.Permissions = slices.Clone(c.Permissions)
	cp.Entitlements = slices.Clone(c.Entitlements)
	cp.FeatureFlags = slices.Clone(c.FeatureFlags)
	cp.Raw = maps.Clone(c.Raw)
	if c.Actor != nil {
		a := *c.Actor
		cp.Actor = &a
	}
	return &cp
}
