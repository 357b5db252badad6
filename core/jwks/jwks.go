// Package jwks is a process-wide, URL-keyed cache of JSON Web Key Sets.
//
// Verifying an access token needs the signing key from the issuer's JWKS
// endpoint. Fetching that set per request costs a network round trip each
// time; this package fetches it once per URL and keeps it, with a policy for
// the three situations that matter in production:
//
//   - First use of a URL fetches exactly once, however many goroutines ask at
//     the same moment (one singleflight per URL). Later calls are served from
//     memory with zero fetches.
//   - An unknown kid (key rotation) triggers at most one refetch per refetch
//     cooldown per URL. Concurrent callers share that refetch; callers arriving
//     within the cooldown fail fast with ErrKeyNotFound instead of queueing.
//     A successful fetch replaces the whole set, so removed keys disappear.
//   - A failed fetch never discards the last good keys. With no good keys the
//     URL is retried by a later request once a short, growing backoff has
//     passed, so an outage at start-up heals within seconds after recovery.
//
// The policy is implemented here rather than with jwx's jwk.Cache, whose
// scheduling wedges for a long time after a failed first fetch and stacks a
// scheduled refresh on every manual refresh. jwx is used only to parse sets.
package jwks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"golang.org/x/sync/singleflight"
)

// Defaults of the Options.
const (
	DefaultTimeout         = 10 * time.Second
	DefaultMaxBodySize     = 1 << 20
	DefaultRefetchCooldown = time.Minute
	DefaultRetryMin        = time.Second
	DefaultRetryMax        = 30 * time.Second
)

// ErrKeyNotFound is returned by Cache.Key when the set at the URL has no usable
// key with the requested kid, after the policy either refetched the set or
// refused a refetch because the last one was within the cooldown.
var ErrKeyNotFound = errors.New("jwks: key not found")

// ErrUnavailable is returned by Cache.Key when there are no good keys for the
// URL and the fetch failed or is being held back by the retry backoff. The
// error also wraps the cause (errors.Is/As reach it).
var ErrUnavailable = errors.New("jwks: key set unavailable")

// Option configures a Cache.
type Option func(*Cache)

// WithHTTPClient sets the HTTP client used for fetches (default: a plain
// http.Client; the per-fetch timeout comes from WithTimeout).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Cache) {
		if hc != nil {
			c.client = hc
		}
	}
}

// WithTimeout bounds each fetch (default 10s). Non-positive values keep the
// default.
func WithTimeout(d time.Duration) Option {
	return func(c *Cache) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithMaxBodySize limits the size of a JWKS response body in bytes (default
// 1 MiB). A larger body makes the fetch fail. Non-positive values keep the
// default.
func WithMaxBodySize(n int64) Option {
	return func(c *Cache) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// WithRefetchCooldown sets the minimum interval between two refetches of one
// URL caused by unknown kids (default 1 minute). Negative values are treated
// as zero (refetch on every unknown kid, still one at a time).
func WithRefetchCooldown(d time.Duration) Option {
	return func(c *Cache) {
		if d < 0 {
			d = 0
		}
		c.cooldown = d
	}
}

// WithRetryBackoff sets the backoff after failed fetches of a URL that has no
// good keys: min after the first failure, doubling per consecutive failure up
// to max (default 1s to 30s). Non-positive values keep the defaults; max is
// raised to min if smaller.
func WithRetryBackoff(min, max time.Duration) Option {
	return func(c *Cache) {
		if min > 0 {
			c.retryMin = min
		}
		if max > 0 {
			c.retryMax = max
		}
		if c.retryMax < c.retryMin {
			c.retryMax = c.retryMin
		}
	}
}

// WithClock replaces time.Now, for tests.
func WithClock(now func() time.Time) Option {
	return func(c *Cache) {
		if now != nil {
			c.now = now
		}
	}
}

// Stats describes the state of one URL's entry in a Cache.
type Stats struct {
	// Fetches counts HTTP fetch attempts, successful or not.
	Fetches int64
	// Failures counts failed fetch attempts.
	Failures int64
	// LastError is the error of the most recent fetch, nil after a success.
	LastError error
	// LastAttempt is when the most recent fetch started.
	LastAttempt time.Time
	// LastSuccess is when the most recent successful fetch started.
	LastSuccess time.Time
	// Keys is the number of usable keys currently cached.
	Keys int
}

// Cache holds key sets by URL. It is safe for concurrent use; the zero value
// is not usable, create one with New or use Shared.
type Cache struct {
	client   *http.Client
	timeout  time.Duration
	maxBody  int64
	cooldown time.Duration
	retryMin time.Duration
	retryMax time.Duration
	now      func() time.Time

	entries sync.Map // url -> *entry
	group   singleflight.Group
}

type entry struct {
	mu          sync.Mutex
	keys        map[string]jwk.Key // nil until the first successful fetch
	inflight    bool               // a fetch is running
	gen         uint64             // completed fetch attempts
	lastRefetch time.Time          // last refetch caused by an unknown kid
	nextRetry   time.Time          // no fetch before this while keys == nil
	backoff     time.Duration      // current backoff step while keys == nil
	stats       Stats
}

// New returns an empty Cache configured by opts.
func New(opts ...Option) *Cache {
	c := &Cache{
		client:   &http.Client{},
		timeout:  DefaultTimeout,
		maxBody:  DefaultMaxBodySize,
		cooldown: DefaultRefetchCooldown,
		retryMin: DefaultRetryMin,
		retryMax: DefaultRetryMax,
		now:      time.Now,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

var shared = sync.OnceValue(func() *Cache { return New() })

// Shared returns the process-wide Cache with default options. Clients and
// adapters use it unless given another, so every verifier of a process shares
// one fetch per JWKS URL.
func Shared() *Cache { return shared() }

func (c *Cache) entry(url string) *entry {
	if e, ok := c.entries.Load(url); ok {
		return e.(*entry)
	}
	e, _ := c.entries.LoadOrStore(url, &entry{})
	return e.(*entry)
}

// Stats returns a snapshot of the entry for url (zero Stats for a URL never
// asked for). It is safe to call concurrently with Key.
func (c *Cache) Stats(url string) Stats {
	v, ok := c.entries.Load(url)
	if !ok {
		return Stats{}
	}
	e := v.(*entry)
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stats
}

// Key returns the key with this kid from the set at url, fetching the set per
// the package policy. Errors match ErrKeyNotFound or ErrUnavailable, or the
// context's error (wrapped in ErrUnavailable) when ctx ends while waiting for
// a fetch. The fetch itself is shared and is not cancelled by one caller's ctx;
// it is bounded by WithTimeout.
func (c *Cache) Key(ctx context.Context, url, kid string) (jwk.Key, error) {
	e := c.entry(url)

	e.mu.Lock()
	seen := e.gen
	if e.keys != nil {
		if k, ok := e.keys[kid]; ok {
			e.mu.Unlock()
			return k, nil
		}
		// Unknown kid with good keys: join a running fetch, or refetch if the
		// cooldown allows, else fail fast.
		if !e.inflight && !c.refetchAllowed(e) {
			e.mu.Unlock()
			return nil, fmt.Errorf("%w: kid %q at %s (refetch cooldown)", ErrKeyNotFound, kid, url)
		}
	} else if !e.inflight && c.now().Before(e.nextRetry) {
		// No good keys and a recent failure: wait for the backoff to pass.
		cause := e.stats.LastError
		e.mu.Unlock()
		return nil, unavailable(url, cause, "in retry backoff")
	}
	e.mu.Unlock()

	ch := c.group.DoChan(url, func() (any, error) { return nil, c.fetch(ctx, url, e, seen) })
	var fetchErr error
	select {
	case r := <-ch:
		fetchErr = r.Err
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: waiting for %s: %w", ErrUnavailable, url, ctx.Err())
	}

	e.mu.Lock()
	keys := e.keys
	cause := e.stats.LastError
	e.mu.Unlock()
	if keys == nil {
		if fetchErr == nil {
			fetchErr = cause
		}
		return nil, unavailable(url, fetchErr, "")
	}
	if k, ok := keys[kid]; ok {
		return k, nil
	}
	if fetchErr != nil {
		return nil, fmt.Errorf("%w: kid %q at %s (refetch failed: %v)", ErrKeyNotFound, kid, url, fetchErr)
	}
	return nil, fmt.Errorf("%w: kid %q at %s", ErrKeyNotFound, kid, url)
}

func unavailable(url string, cause error, note string) error {
	if note != "" {
		note = " (" + note + ")"
	}
	if cause == nil {
		return fmt.Errorf("%w: %s%s", ErrUnavailable, url, note)
	}
	return fmt.Errorf("%w: %s%s: %w", ErrUnavailable, url, note, cause)
}

// refetchAllowed reports whether an unknown-kid refetch may start now.
// e.mu must be held.
func (c *Cache) refetchAllowed(e *entry) bool {
	return e.lastRefetch.IsZero() || !c.now().Before(e.lastRefetch.Add(c.cooldown))
}

// fetch runs inside the URL's singleflight. It re-checks the policy under the
// lock, so the limits hold exactly, then fetches and records the outcome. seen
// is the number of completed fetches the deciding caller observed: if another
// fetch completed since, the caller's decision is stale (it looked just
// before that fetch finished) and the fresh result is used instead.
func (c *Cache) fetch(ctx context.Context, url string, e *entry, seen uint64) error {
	e.mu.Lock()
	now := c.now()
	if e.gen != seen {
		e.mu.Unlock()
		return nil // callers look at the fresh state
	}
	if e.keys != nil {
		if !c.refetchAllowed(e) {
			e.mu.Unlock()
			return nil // callers look the kid up in the current set
		}
		e.lastRefetch = now
	} else if now.Before(e.nextRetry) {
		cause := e.stats.LastError
		e.mu.Unlock()
		return unavailable(url, cause, "in retry backoff")
	}
	e.inflight = true
	e.stats.Fetches++
	e.stats.LastAttempt = now
	e.mu.Unlock()

	// The fetch is shared by every waiter, so it must not die with the first
	// caller's context; keep its values, drop its cancellation.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
	defer cancel()
	keys, err := c.download(fctx, url)

	e.mu.Lock()
	defer e.mu.Unlock()
	e.inflight = false
	e.gen++
	e.stats.LastError = err
	if err != nil {
		e.stats.Failures++
		if e.keys == nil {
			if e.backoff == 0 {
				e.backoff = c.retryMin
			} else {
				e.backoff = min(e.backoff*2, c.retryMax)
			}
			e.nextRetry = c.now().Add(e.backoff)
		}
		return err
	}
	e.keys = keys
	e.backoff = 0
	e.nextRetry = time.Time{}
	e.stats.LastSuccess = now
	e.stats.Keys = len(keys)
	return nil
}

// download fetches and parses the set at url, returning its usable keys by
// kid. Keys without kid, keys whose use is neither empty nor "sig", and
// duplicate kids after the first are ignored; a set without usable keys is an
// error.
func (c *Cache) download(ctx context.Context, url string) (map[string]jwk.Key, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("jwks: building request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("jwks: fetching %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("jwks: fetching %s: HTTP status %d", url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("jwks: reading %s: %w", url, err)
	}
	if int64(len(body)) > c.maxBody {
		return nil, fmt.Errorf("jwks: %s: body exceeds %d bytes", url, c.maxBody)
	}
	return parseSet(url, body)
}

// parseSet reads a JWK set key by key: a key this process cannot parse
// (a new key type, a malformed entry) is skipped rather than failing the
// whole set, and only public keys are kept, even if the set holds private
// ones by mistake.
func parseSet(url string, body []byte) (map[string]jwk.Key, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("jwks: parsing %s: not a JWK set: %w", url, err)
	}
	keys := make(map[string]jwk.Key, len(doc.Keys))
	for _, raw := range doc.Keys {
		parsed, err := jwk.ParseKey(raw)
		if err != nil {
			continue
		}
		k, err := jwk.PublicKeyOf(parsed)
		if err != nil {
			continue
		}
		kid := k.KeyID()
		if kid == "" {
			continue
		}
		if use := k.KeyUsage(); use != "" && use != "sig" {
			continue
		}
		if _, dup := keys[kid]; dup {
			continue
		}
		keys[kid] = k
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("jwks: %s: no usable signing keys (need kid, use empty or \"sig\")", url)
	}
	return keys, nil
}
