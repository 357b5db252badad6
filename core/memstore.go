package authkit

import (
	"context"
	"sync"
	"time"
)

// maxMemoryStoreEntries bounds a MemoryStore's refresh records and revoked
// sessions (each); when full, expired entries are dropped first, then the
// ones closest to expiry.
const maxMemoryStoreEntries = 100_000

// MemoryStore is the in-process Store: right for a single instance, and
// the default when Config.Store is nil. It is safe for concurrent use.
type MemoryStore struct {
	now func() time.Time

	mu      sync.Mutex
	refresh map[string]*memRecord
	revoked map[string]time.Time
}

type memRecord struct {
	outcome []byte        // nil while held
	expires time.Time     // the hold's or the outcome's end
	done    chan struct{} // closed when the hold ends (Finish or expiry seen)
}

// NewMemoryStore returns an empty MemoryStore. now is the clock (nil:
// time.Now).
func NewMemoryStore(now func() time.Time) *MemoryStore {
	if now == nil {
		now = time.Now
	}
	return &MemoryStore{now: now, refresh: map[string]*memRecord{}, revoked: map[string]time.Time{}}
}

// record returns the live record of key, dropping an expired one. m.mu is
// held.
func (m *MemoryStore) record(key string, now time.Time) *memRecord {
	r, ok := m.refresh[key]
	if !ok {
		return nil
	}
	if now.After(r.expires) {
		delete(m.refresh, key)
		if r.outcome == nil {
			close(r.done)
		}
		return nil
	}
	return r
}

// Begin implements Store.
func (m *MemoryStore) Begin(_ context.Context, key string, ttl time.Duration) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if r := m.record(key, now); r != nil {
		return r.outcome, false, nil
	}
	m.makeRoom(now)
	m.refresh[key] = &memRecord{expires: now.Add(ttl), done: make(chan struct{})}
	return nil, true, nil
}

// Finish implements Store.
func (m *MemoryStore) Finish(_ context.Context, key string, outcome []byte, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	r := m.record(key, now)
	if r != nil && r.outcome == nil {
		close(r.done)
	}
	if r == nil {
		m.makeRoom(now)
	}
	done := make(chan struct{})
	close(done)
	// Never nil, even when empty: a nil outcome marks a hold.
	m.refresh[key] = &memRecord{outcome: append([]byte{}, outcome...), expires: now.Add(ttl), done: done}
	return nil
}

// Wait implements Store.
func (m *MemoryStore) Wait(ctx context.Context, key string) ([]byte, bool, error) {
	for {
		m.mu.Lock()
		now := m.now()
		r := m.record(key, now)
		if r == nil {
			m.mu.Unlock()
			return nil, false, nil
		}
		if r.outcome != nil {
			m.mu.Unlock()
			return r.outcome, true, nil
		}
		done, left := r.done, r.expires.Sub(now)
		m.mu.Unlock()
		t := time.NewTimer(left + time.Millisecond)
		select {
		case <-done:
		case <-t.C: // the hold expired: the next look drops it
		case <-ctx.Done():
			t.Stop()
			return nil, false, ctx.Err()
		}
		t.Stop()
	}
}

// Revoke implements Store.
func (m *MemoryStore) Revoke(_ context.Context, sessionID string, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if len(m.revoked) >= maxMemoryStoreEntries {
		for id, until := range m.revoked {
			if now.After(until) {
				delete(m.revoked, id)
			}
		}
	}
	if until := now.Add(ttl); until.After(m.revoked[sessionID]) {
		m.revoked[sessionID] = until
	}
	return nil
}

// Revoked implements Store.
func (m *MemoryStore) Revoked(sessionID string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	until, ok := m.revoked[sessionID]
	return ok && !m.now().After(until)
}

// makeRoom drops expired records, then settled ones, when the map is full.
// m.mu is held.
func (m *MemoryStore) makeRoom(now time.Time) {
	if len(m.refresh) < maxMemoryStoreEntries {
		return
	}
	for k := range m.refresh {
		m.record(k, now)
	}
	for k, r := range m.refresh {
		if len(m.refresh) < maxMemoryStoreEntries-maxMemoryStoreEntries/8 {
			return
		}
		if r.outcome != nil { // never drop a hold: its waiters rely on it
			delete(m.refresh, k)
		}
	}
}
