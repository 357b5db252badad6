package jwks

import (
	"context"
	"time"

	"github.com/authkit-go/authkit/core/observe"
)

// WithObserver reports the Cache's fetches to o (observe.JWKSFetch events).
func WithObserver(o observe.Observer) Option {
	return func(c *Cache) { c.SetObserver(o) }
}

// SetObserver reports the Cache's fetches to o from now on (nil: to no one).
// It is how the process-wide cache is observed:
// jwks.Shared().SetObserver(o). Safe to call concurrently with Key.
func (c *Cache) SetObserver(o observe.Observer) {
	c.obs.Store(&observerRef{o})
}

type observerRef struct{ o observe.Observer }

// fetchReason names why fetch is about to download. e.mu must be held.
func fetchReason(e *entry, lookup bool) string {
	switch {
	case e.keys == nil && e.stats.Failures == 0:
		return observe.FetchFirst
	case e.keys == nil:
		return observe.FetchRetry
	case lookup:
		return observe.FetchUnknownKid
	case e.pending:
		return observe.FetchPending
	default:
		return observe.FetchMaxAge
	}
}

// observeFetch starts reporting a fetch of url; the returned function
// reports its end.
func (c *Cache) observeFetch(ctx context.Context, url, reason string) (context.Context, func(keys int, err error)) {
	ref := c.obs.Load()
	if ref == nil || ref.o == nil {
		return ctx, func(int, error) {}
	}
	o, start := ref.o, time.Now()
	ev := observe.JWKSFetch{URL: url, Reason: reason}
	ctx = o.Start(ctx, ev)
	return ctx, func(keys int, err error) {
		ev.Duration, ev.Outcome, ev.Keys = time.Since(start), observe.ResultOK, keys
		if err != nil {
			ev.Outcome, ev.Keys = "error", 0
		}
		o.Observe(ctx, ev)
	}
}
