// Package jwks is a process-wide, URL-keyed cache of JSON Web Key Sets.
//
// Verifying an access token needs the signing key from the issuer's JWKS
// endpoint. Fetching that set per request costs a network round trip each
// time; this package fetches it once per URL and keeps it, with a policy for
// the situations that matter in production:
//
//   - First use of a URL fetches exactly once, however many goroutines ask at
//     the same moment (one singleflight per URL). Later calls are served from
//     memory with zero fetches.
//   - An unknown kid (key rotation) refetches the set, but the starts of two
//     refetches of one URL are at least the minimum refetch interval apart
//     (default 5s, WithMinRefetchInterval). Callers whose unknown kid arrives
//     while a fetch is running join it. Callers arriving before the interval
//     has passed fail fast with ErrKeyNotFound instead of queueing, and leave
//     a pending refetch behind: the first Key call of any kind once the
//     interval has passed refetches (a call for a known kid starts it in the
//     background and returns at once). So unknown kids, however many and
//     however timed, cannot hold a rotation back: a key published at time P
//     is found by the first Key call at or after P plus one interval (unless
//     a single fetch takes longer than the interval), while the endpoint sees
//     at most one refetch per interval.
//   - When a response carries Cache-Control max-age, the set is fresh for
//     max-age (less the response's Age); the first Key call after that
//     refreshes it in the background, and every caller is served the current
//     keys meanwhile (still at most one refetch per interval). max-age below
//     one second is ignored and longer than a day counts as a day. Without a
//     usable max-age, or with no-store or no-cache, the set is kept until an
//     unknown kid causes a refetch.
//   - A successful fetch replaces the whole set, so removed keys disappear.
//   - A failed fetch never discards the last good keys; a failed refetch is
//     tried again, no sooner than one interval later, by the next Key call
//     (it leaves the set stale or the refetch pending). With no good keys
//     the URL is retried by a later request once a short, growing backoff has
//     passed, so an outage at start-up heals within seconds after recovery.
//
// The policy is implemented here rather than with jwx's jwk.Cache, whose
// scheduling wedges for a long time after a failed first fetch and stacks a
// scheduled refresh on every manual refresh. jwx is used only to parse sets.
// No timers or background goroutines are kept: every fetch is started by a
// Key call, so an idle Cache costs nothing and time can be injected
// (WithClock).
package jwks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"golang.org/x/sync/singleflight"
)

// Defaults of the Options.
const (
	DefaultTimeout            = 10 * time.Second
	DefaultMaxBodySize        = 1 << 20
	DefaultMinRefetchInterval = 5 * time.Second
	DefaultRetryMin           = time.Second
	DefaultRetryMax           = 30 * time.Second

	// Deprecated: the one-minute unknown-kid cooldown let a single unknown
	// kid sent just before a rotation refuse the new key for a minute; it is
	// now the minimum refetch interval. Use DefaultMinRefetchInterval.
	DefaultRefetchCooldown = DefaultMinRefetchInterval
)

// Bounds applied to a response's Cache-Control max-age.
const (
	// MinMaxAge is the smallest max-age honoured; a smaller one (max-age=0)
	// is ignored, as if absent.
	MinMaxAge = time.Second
	// MaxMaxAge caps max-age: a set is never considered fresh for longer.
	MaxMaxAge = 24 * time.Hour
)

// ErrKeyNotFound is returned by Cache.Key when the set at the URL has no usable
// key with the requested kid, after the policy either refetched the set or
// refused a refetch because the last one started less than the minimum
// refetch interval ago (then a refetch is pending, see the package doc).
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

// WithMinRefetchInterval sets the minimum time between the starts of two
// refetches of a URL that has good keys, whatever caused them (an unknown
// kid, an expired max-age, a pending refetch); default 5s. It bounds both
// the load on the JWKS endpoint (at most one refetch per interval per URL
// per Cache, however many unknown kids arrive) and how long a newly
// published key can be refused (about one interval, however the unknown
// kids are timed). The first fetch of a URL and its retries while it has no
// good keys are governed by WithRetryBackoff instead. Negative values are
// treated as zero (no limit: refetch on every unknown kid, one at a time).
func WithMinRefetchInterval(d time.Duration) Option {
	return func(c *Cache) {
		if d < 0 {
			d = 0
		}
		c.interval = d
	}
}

// WithRefetchCooldown is the former name of WithMinRefetchInterval.
//
// Deprecated: use WithMinRefetchInterval. The option now sets the minimum
// refetch interval, which no longer fails unknown kids for its whole length
// (see the package doc).
func WithRefetchCooldown(d time.Duration) Option { return WithMinRefetchInterval(d) }

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
	// Expires is when the cached set stops being fresh by the Cache-Control
	// max-age of the response it came from; zero when that response had no
	// usable max-age (the set is then kept until an unknown kid).
	Expires time.Time
	// Throttled counts unknown-kid lookups answered with ErrKeyNotFound
	// without a fetch because the minimum refetch interval had not passed.
	// A steady rise means a client keeps sending kids the issuer never
	// published.
	Throttled int64
	// Pending reports that a refetch was refused by the interval and will be
	// made by the first Key call once the interval has passed.
	Pending bool
	// Fetching reports that a fetch is running.
	Fetching bool
}

// Cache holds key sets by URL. It is safe for concurrent use; the zero value
// is not usable, create one with New or use Shared.
type Cache struct {
	client   *http.Client
	timeout  time.Duration
	maxBody  int64
	interval time.Duration
	retryMin time.Duration
	retryMax time.Duration
	now      func() time.Time

	entries sync.Map // url -> *entry
	group   singleflight.Group
	obs     atomic.Pointer[observerRef]
}

type entry struct {
	mu          sync.Mutex
	keys        map[string]jwk.Key // nil until the first successful fetch
	inflight    bool               // a fetch is running
	gen         uint64             // completed fetch attempts
	lastRefetch time.Time          // start of the last fetch made while keys != nil
	pending     bool               // an unknown kid was refused by the interval
	expires     time.Time          // keys stale from then (max-age); zero: never
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
		interval: DefaultMinRefetchInterval,
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
	st := e.stats
	st.Expires = e.expires
	st.Pending = e.pending
	st.Fetching = e.inflight
	return st
}

// Key returns the key with this kid from the set at url, fetching the set per
// the package policy. Errors match ErrKeyNotFound or ErrUnavailable, or the
// context's error (wrapped in ErrUnavailable) when ctx ends while waiting for
// a fetch. The fetch itself is shared and is not cancelled by one caller's ctx;
// it is bounded by WithTimeout. A refresh started by a call for a known kid
// (expired max-age, pending refetch) runs in the background: that call
// returns the current key without waiting.
func (c *Cache) Key(ctx context.Context, url, kid string) (jwk.Key, error) {
	e := c.entry(url)

	e.mu.Lock()
	seen := e.gen
	if e.keys != nil {
		if k, ok := e.keys[kid]; ok {
			refresh := (e.pending || !e.expires.IsZero()) && !e.inflight && c.refreshDue(e, c.now())
			e.mu.Unlock()
			if refresh {
				// Serve the current key; the result is for later callers.
				c.group.DoChan(url, func() (any, error) { return nil, c.fetch(ctx, url, e, seen, false) })
			}
			return k, nil
		}
		// Unknown kid with good keys: join a running fetch, or refetch if the
		// interval allows, else fail fast and leave the refetch pending.
		if !e.inflight && !c.refetchAllowed(e, c.now()) {
			e.pending = true
			e.stats.Throttled++
			e.mu.Unlock()
			return nil, fmt.Errorf("%w: kid %q at %s (refetch rate-limited, one is pending)", ErrKeyNotFound, kid, url)
		}
	} else if !e.inflight && c.now().Before(e.nextRetry) {
		// No good keys and a recent failure: wait for the backoff to pass.
		cause := e.stats.LastError
		e.mu.Unlock()
		return nil, unavailable(url, cause, "in retry backoff")
	}
	e.mu.Unlock()

	ch := c.group.DoChan(url, func() (any, error) { return nil, c.fetch(ctx, url, e, seen, true) })
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

// refetchAllowed reports whether a refetch of a set with good keys may start
// at now. e.mu must be held.
func (c *Cache) refetchAllowed(e *entry, now time.Time) bool {
	return e.lastRefetch.IsZero() || !now.Before(e.lastRefetch.Add(c.interval))
}

// refreshDue reports whether a call for a known kid should start a
// background refetch at now: one is pending or the set's max-age has
// expired, and the interval allows it. e.mu must be held.
func (c *Cache) refreshDue(e *entry, now time.Time) bool {
	stale := !e.expires.IsZero() && !now.Before(e.expires)
	return (e.pending || stale) && c.refetchAllowed(e, now)
}

// fetch runs inside the URL's singleflight. It re-checks the policy under the
// lock, so the limits hold exactly, then fetches and records the outcome. seen
// is the number of completed fetches the deciding caller observed: if another
// fetch completed since, the caller's decision is stale (it looked just
// before that fetch finished) and the fresh result is used instead. lookup
// says the deciding caller wants a kid the set lacked (it waits for the
// result); otherwise this is a background refresh.
func (c *Cache) fetch(ctx context.Context, url string, e *entry, seen uint64, lookup bool) error {
	e.mu.Lock()
	now := c.now()
	if e.gen != seen {
		e.mu.Unlock()
		return nil // callers look at the fresh state
	}
	retryLater := false // a failure leaves a refetch pending
	reason := fetchReason(e, lookup)
	if e.keys != nil {
		if !c.refetchAllowed(e, now) {
			if lookup {
				e.pending = true
				e.stats.Throttled++
			}
			e.mu.Unlock()
			return nil // callers look the kid up in the current set
		}
		e.lastRefetch = now
		retryLater = e.pending || lookup
		e.pending = false
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
	fctx, observed := c.observeFetch(fctx, url, reason)
	keys, fresh, err := c.download(fctx, url)
	observed(len(keys), err)

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
		} else if retryLater {
			// The kid that caused this refetch may be a new key: try again
			// once the interval allows. (A stale set stays stale by itself.)
			e.pending = true
		}
		return err
	}
	e.keys = keys
	e.backoff = 0
	e.nextRetry = time.Time{}
	e.expires = time.Time{}
	if fresh >= 0 {
		// Counted from the start of the fetch: never fresher than the server
		// meant.
		e.expires = now.Add(fresh)
	}
	e.stats.LastSuccess = now
	e.stats.Keys = len(keys)
	return nil
}

// download fetches and parses the set at url, returning its usable keys by
// kid and how long the response stays fresh (-1: no usable max-age, keep
// until an unknown kid). Keys without kid, keys whose use is neither empty
// nor "sig", and duplicate kids after the first are ignored; a set without
// usable keys is an error.
func (c *Cache) download(ctx context.Context, url string) (map[string]jwk.Key, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("jwks: building request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("jwks: fetching %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, 0, fmt.Errorf("jwks: fetching %s: HTTP status %d", url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return nil, 0, fmt.Errorf("jwks: reading %s: %w", url, err)
	}
	if int64(len(body)) > c.maxBody {
		return nil, 0, fmt.Errorf("jwks: %s: body exceeds %d bytes", url, c.maxBody)
	}
	keys, err := parseSet(url, body)
	if err != nil {
		return nil, 0, err
	}
	return keys, freshness(resp.Header), nil
}

// freshness returns how long a response stays fresh: its Cache-Control
// max-age, capped at MaxMaxAge, less its Age (zero when Age exceeds it).
// It returns -1 (keep the set until an unknown kid) when the response says
// no-store or no-cache, or has no max-age, or a max-age below MinMaxAge, or
// one that is not delta-seconds, or two that differ. Directive names are
// case-insensitive and a quoted value is accepted (RFC 9111, 5.2); s-maxage
// is for shared caches and is ignored, as are unknown directives.
func freshness(h http.Header) time.Duration {
	maxAge := int64(-1)
	for _, line := range h.Values("Cache-Control") {
		for _, d := range strings.Split(line, ",") {
			name, val, hasVal := strings.Cut(strings.TrimSpace(d), "=")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "no-store":
				return -1
			case "no-cache":
				if !hasVal { // no-cache="field" only restricts those fields
					return -1
				}
			case "max-age":
				secs, ok := deltaSeconds(val)
				if !hasVal || !ok || (maxAge >= 0 && secs != maxAge) {
					return -1
				}
				maxAge = secs
			}
		}
	}
	fresh := time.Duration(maxAge) * time.Second
	if maxAge < 0 || fresh < MinMaxAge {
		return -1
	}
	fresh = min(fresh, MaxMaxAge)
	if ages := h.Values("Age"); len(ages) == 1 {
		if age, ok := deltaSeconds(ages[0]); ok {
			fresh = max(fresh-time.Duration(min(age, int64(MaxMaxAge/time.Second)))*time.Second, 0)
		}
	}
	return fresh
}

// deltaSeconds parses an RFC 9111 delta-seconds value (optionally quoted),
// saturating large values at 2^31 as the RFC asks.
func deltaSeconds(v string) (int64, bool) {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	if v == "" || strings.TrimLeft(v, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n > 1<<31 {
		return 1 << 31, true // only digits: the error is overflow
	}
	return n, true
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
