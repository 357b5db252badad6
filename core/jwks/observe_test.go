package jwks_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authkit-go/authkit/core/jwks"
	"github.com/authkit-go/authkit/core/observe"
)

// fetchRecorder keeps the JWKSFetch events, durations zeroed once checked.
type fetchRecorder struct {
	t       *testing.T
	mu      sync.Mutex
	started []observe.JWKSFetch
	ended   []observe.JWKSFetch
}

type fetchKey struct{}

func (r *fetchRecorder) Start(ctx context.Context, e observe.Event) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.started = append(r.started, e.(observe.JWKSFetch))
	return context.WithValue(ctx, fetchKey{}, len(r.started))
}

func (r *fetchRecorder) Observe(ctx context.Context, e observe.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ev := e.(observe.JWKSFetch)
	// Fetches may run in the background: assert, not require.
	assert.Equal(r.t, len(r.started), ctx.Value(fetchKey{}), "the end is reported in the context Start returned")
	assert.Positive(r.t, ev.Duration)
	ev.Duration = 0
	r.ended = append(r.ended, ev)
}

func (r *fetchRecorder) take() []observe.JWKSFetch {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.ended
	r.ended = nil
	return out
}

func TestObserverSeesEveryFetch(t *testing.T) {
	ks := testKeys()
	srv := newServer(t, jwksJSON(t, jwkSpec{key: ks[0], kid: "a"}))
	clk := newClock()
	rec := &fetchRecorder{t: t}
	c := jwks.New(jwks.WithClock(clk.Now), jwks.WithObserver(rec))
	ctx := context.Background()
	fetch := func(reason, outcome string, keys int) observe.JWKSFetch {
		return observe.JWKSFetch{URL: srv.URL, Reason: reason, Outcome: outcome, Keys: keys}
	}

	srv.mode.Store("500")
	_, err := c.Key(ctx, srv.URL, "a")
	require.ErrorIs(t, err, jwks.ErrUnavailable)
	require.Equal(t, []observe.JWKSFetch{fetch(observe.FetchFirst, "error", 0)}, rec.take())

	srv.mode.Store("ok")
	clk.Advance(time.Minute)
	_, err = c.Key(ctx, srv.URL, "a")
	require.NoError(t, err)
	require.Equal(t, []observe.JWKSFetch{fetch(observe.FetchRetry, observe.ResultOK, 1)}, rec.take())
	require.Equal(t, []observe.JWKSFetch{{URL: srv.URL, Reason: observe.FetchFirst}, {URL: srv.URL, Reason: observe.FetchRetry}}, rec.started,
		"Start is told the URL and the reason")

	srv.body.Store(jwksJSON(t, jwkSpec{key: ks[0], kid: "a"}, jwkSpec{key: ks[1], kid: "b"}))
	srv.header.Store(http.Header{"Cache-Control": {"max-age=60"}})
	_, err = c.Key(ctx, srv.URL, "b")
	require.NoError(t, err)
	require.Equal(t, []observe.JWKSFetch{fetch(observe.FetchUnknownKid, observe.ResultOK, 2)}, rec.take())

	// Within the interval an unknown kid is refused and leaves a refetch
	// pending, made by a later call once the interval has passed.
	_, err = c.Key(ctx, srv.URL, "c")
	require.ErrorIs(t, err, jwks.ErrKeyNotFound)
	require.Empty(t, rec.take(), "no fetch, so no event")
	clk.Advance(jwks.DefaultMinRefetchInterval)
	_, err = c.Key(ctx, srv.URL, "a")
	require.NoError(t, err)
	waitFetches(t, c, srv.URL, 4)
	require.Equal(t, []observe.JWKSFetch{fetch(observe.FetchPending, observe.ResultOK, 2)}, rec.take())

	clk.Advance(time.Minute)
	_, err = c.Key(ctx, srv.URL, "a")
	require.NoError(t, err)
	waitFetches(t, c, srv.URL, 5)
	require.Equal(t, []observe.JWKSFetch{fetch(observe.FetchMaxAge, observe.ResultOK, 2)}, rec.take())

	c.SetObserver(nil)
	clk.Advance(time.Minute)
	_, err = c.Key(ctx, srv.URL, "a")
	require.NoError(t, err)
	waitFetches(t, c, srv.URL, 6)
	require.Empty(t, rec.take(), "SetObserver(nil) stops the reports")
}
