package jwks_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/authkit-go/authkit/core/jwks"
)

// waitFetches waits until the URL's entry has made n fetch attempts and none
// is running: a background refresh has finished.
func waitFetches(t *testing.T, c *jwks.Cache, url string, n int64) jwks.Stats {
	t.Helper()
	require.Eventually(t, func() bool {
		st := c.Stats(url)
		return st.Fetches == n && !st.Fetching
	}, 5*time.Second, time.Millisecond)
	return c.Stats(url)
}

// maxFetches is the most fetches the minimum refetch interval allows for
// refetches whose starts span elapsed: one at the start, then one per
// interval.
func maxFetches(elapsed, interval time.Duration) int64 {
	return int64((elapsed+interval-1)/interval) + 1
}

// Issue 9.4: a client sending unknown kids all the time, including right
// before the issuer publishes a new key, cannot keep that key from being
// found for more than one refetch interval, and the endpoint sees one fetch
// per interval at most. The clock is driven by the test: every tick an
// attacker burst (50 concurrent lookups of unknown kids) runs to completion,
// then a legitimate token signed with the new key is looked up. The key is
// published at every phase of the interval in turn, including the worst one:
// right after the attacker has spent a refetch on the old set.
func TestRotationUnderUnknownKidFlood(t *testing.T) {
	const (
		interval = 5 * time.Second
		tick     = 250 * time.Millisecond
	)
	ks := testKeys()
	for phase := range interval / tick {
		t.Run(fmt.Sprintf("published %v into an interval", phase*tick), func(t *testing.T) {
			srv := newServer(t, jwksJSON(t, jwkSpec{key: ks[0], kid: "old"}))
			clk := newClock()
			c := jwks.New(jwks.WithClock(clk.Now), jwks.WithMinRefetchInterval(interval))
			ctx := context.Background()
			_, err := c.Key(ctx, srv.URL, "old")
			require.NoError(t, err)
			warm := srv.hits.Load()

			var bogus atomic.Int64
			attack := func() {
				var wrong atomic.Int64
				hammer(50, 10, func(int) {
					_, err := c.Key(ctx, srv.URL, fmt.Sprintf("bogus-%d", bogus.Add(1)))
					if !errors.Is(err, jwks.ErrKeyNotFound) {
						wrong.Add(1)
					}
				})
				require.Zero(t, wrong.Load())
			}

			start := clk.Now()
			// The attack runs for a full interval before the rotation.
			publishAt := start.Add(interval + phase*tick)
			var published, found time.Time
			for i := 0; found.IsZero(); i++ {
				require.Less(t, i, 200, "the new key was never found")
				attack()
				if published.IsZero() && !clk.Now().Before(publishAt) {
					srv.body.Store(jwksJSON(t, jwkSpec{key: ks[0], kid: "old"}, jwkSpec{key: ks[1], kid: "new"}))
					published = clk.Now()
				}
				if !published.IsZero() {
					k, err := c.Key(ctx, srv.URL, "new")
					if err == nil {
						require.Equal(t, "new", k.KeyID())
						found = clk.Now()
						break
					}
					require.ErrorIs(t, err, jwks.ErrKeyNotFound)
				}
				clk.Advance(tick)
			}

			require.LessOrEqual(t, found.Sub(published), interval,
				"the new key is found within one interval of publication")
			elapsed := clk.Now().Sub(start)
			require.LessOrEqual(t, srv.hits.Load()-warm, maxFetches(elapsed, interval),
				"one refetch per interval during %v of attack", elapsed)
			st := c.Stats(srv.URL)
			require.Positive(t, st.Throttled, "the attacker was refused without fetches")
			_, err = c.Key(ctx, srv.URL, "old")
			require.NoError(t, err, "the old key is still published and served")
		})
	}
}

// The same attack from a goroutine that never stops between ticks (bounded
// by a count). The policy is enforced under the entry's lock on the
// injected clock, so the bounds hold however the goroutines interleave.
func TestRotationUnderConcurrentUnknownKids(t *testing.T) {
	const (
		interval = 5 * time.Second
		tick     = 250 * time.Millisecond
	)
	ks := testKeys()
	srv := newServer(t, jwksJSON(t, jwkSpec{key: ks[0], kid: "old"}))
	clk := newClock()
	c := jwks.New(jwks.WithClock(clk.Now), jwks.WithMinRefetchInterval(interval))
	ctx := context.Background()
	_, err := c.Key(ctx, srv.URL, "old")
	require.NoError(t, err)
	warm := srv.hits.Load()

	stop := make(chan struct{})
	started := make(chan struct{})
	var wg sync.WaitGroup
	var wrong atomic.Int64
	wg.Go(func() {
		for i := range 1_000_000 {
			_, err := c.Key(ctx, srv.URL, fmt.Sprintf("bogus-%d", i))
			if !errors.Is(err, jwks.ErrKeyNotFound) {
				wrong.Add(1)
			}
			if i == 0 {
				close(started)
			}
			select {
			case <-stop:
				return
			default:
			}
		}
	})
	<-started
	start := clk.Now()

	// Just after the attacker has spent a refetch (its first call did, on
	// an interval that had not begun), the new key is published.
	srv.body.Store(jwksJSON(t, jwkSpec{key: ks[0], kid: "old"}, jwkSpec{key: ks[1], kid: "new"}))
	published := clk.Now()
	var found time.Time
	for i := 0; found.IsZero(); i++ {
		require.Less(t, i, 200, "the new key was never found")
		_, err := c.Key(ctx, srv.URL, "new")
		if err == nil {
			found = clk.Now()
			break
		}
		require.ErrorIs(t, err, jwks.ErrKeyNotFound)
		clk.Advance(tick)
	}
	close(stop)
	wg.Wait()

	require.Zero(t, wrong.Load())
	require.Positive(t, c.Stats(srv.URL).Throttled)
	require.LessOrEqual(t, found.Sub(published), interval)
	require.LessOrEqual(t, srv.hits.Load()-warm, maxFetches(clk.Now().Sub(start), interval))
}

// A refetch refused by the interval is not forgotten: the first call after
// the interval makes it, even for a known kid (in the background, returning
// the current key at once), so the new key is there when its token comes
// back. A pending refetch that fails stays pending.
func TestPendingRefetch(t *testing.T) {
	const interval = 5 * time.Second
	ks := testKeys()
	srv := newServer(t, jwksJSON(t, jwkSpec{key: ks[0], kid: "old"}))
	clk := newClock()
	c := jwks.New(jwks.WithClock(clk.Now), jwks.WithMinRefetchInterval(interval))
	ctx := context.Background()
	_, err := c.Key(ctx, srv.URL, "old")
	require.NoError(t, err)

	// The attacker spends the refetch; then the issuer rotates.
	_, err = c.Key(ctx, srv.URL, "bogus")
	require.ErrorIs(t, err, jwks.ErrKeyNotFound)
	require.EqualValues(t, 2, srv.hits.Load())
	srv.body.Store(jwksJSON(t, jwkSpec{key: ks[0], kid: "old"}, jwkSpec{key: ks[1], kid: "new"}))

	clk.Advance(time.Second)
	_, err = c.Key(ctx, srv.URL, "new")
	require.ErrorIs(t, err, jwks.ErrKeyNotFound, "within the interval: fail fast")
	require.EqualValues(t, 2, srv.hits.Load())
	st := c.Stats(srv.URL)
	require.True(t, st.Pending)
	require.EqualValues(t, 1, st.Throttled)

	// Known kids before the interval has passed: no fetch.
	clk.Advance(interval - time.Second - time.Nanosecond)
	_, err = c.Key(ctx, srv.URL, "old")
	require.NoError(t, err)
	require.EqualValues(t, 2, srv.hits.Load())

	// Once it has, a known kid is served and the pending refetch runs.
	clk.Advance(time.Nanosecond)
	k, err := c.Key(ctx, srv.URL, "old")
	require.NoError(t, err)
	require.Equal(t, "old", k.KeyID())
	st = waitFetches(t, c, srv.URL, 3)
	require.False(t, st.Pending)
	require.NoError(t, st.LastError)
	k, err = c.Key(ctx, srv.URL, "new")
	require.NoError(t, err)
	require.Equal(t, "new", k.KeyID())
	require.EqualValues(t, 3, srv.hits.Load(), "found in the refreshed set, no fetch")

	// A refused kid whose refetch then fails: still pending afterwards.
	srv.body.Store(jwksJSON(t, jwkSpec{key: ks[1], kid: "new"}, jwkSpec{key: ks[2], kid: "newer"}))
	_, err = c.Key(ctx, srv.URL, "newer")
	require.ErrorIs(t, err, jwks.ErrKeyNotFound)
	require.True(t, c.Stats(srv.URL).Pending)
	srv.mode.Store("500")
	clk.Advance(interval)
	_, err = c.Key(ctx, srv.URL, "new")
	require.NoError(t, err)
	st = waitFetches(t, c, srv.URL, 4)
	require.Error(t, st.LastError)
	require.True(t, st.Pending, "a failed pending refetch stays pending")
	require.Equal(t, 2, st.Keys, "and the last good keys are kept")

	srv.mode.Store("ok")
	clk.Advance(interval)
	_, err = c.Key(ctx, srv.URL, "newer")
	require.NoError(t, err, "an unknown kid after the interval refetches in the foreground")
	require.EqualValues(t, 5, srv.hits.Load())
	require.False(t, c.Stats(srv.URL).Pending)
}
