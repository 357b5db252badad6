package jwks_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/authkit-go/authkit/core/jwks"
)

// A set served with Cache-Control max-age is fresh for max-age: no fetch
// before, a background refresh by the first call after (the caller is served
// the current keys), and a refresh that fails keeps the keys and is tried
// again no sooner than one refetch interval later.
func TestMaxAgeHonoured(t *testing.T) {
	const interval = 5 * time.Second
	ks := testKeys()
	srv := newServer(t, jwksJSON(t, jwkSpec{key: ks[0], kid: "old"}))
	srv.header.Store(http.Header{"Cache-Control": {"public, max-age=60"}})
	clk := newClock()
	c := jwks.New(jwks.WithClock(clk.Now), jwks.WithMinRefetchInterval(interval))
	ctx := context.Background()

	_, err := c.Key(ctx, srv.URL, "old")
	require.NoError(t, err)
	require.Equal(t, clk.Now().Add(time.Minute), c.Stats(srv.URL).Expires)

	// Fresh: known kids are served with no fetch.
	srv.body.Store(jwksJSON(t, jwkSpec{key: ks[0], kid: "old"}, jwkSpec{key: ks[1], kid: "new"}))
	clk.Advance(time.Minute - time.Nanosecond)
	_, err = c.Key(ctx, srv.URL, "old")
	require.NoError(t, err)
	require.EqualValues(t, 1, srv.hits.Load())

	// Expired: the call is served from the current set and refreshes it.
	clk.Advance(time.Nanosecond)
	k, err := c.Key(ctx, srv.URL, "old")
	require.NoError(t, err)
	require.Equal(t, "old", k.KeyID())
	st := waitFetches(t, c, srv.URL, 2)
	require.NoError(t, st.LastError)
	require.Equal(t, clk.Now().Add(time.Minute), st.Expires, "freshness restarts with the refresh")
	_, err = c.Key(ctx, srv.URL, "new")
	require.NoError(t, err, "the refreshed set is in use")
	require.EqualValues(t, 2, srv.hits.Load())

	// A refresh that fails keeps the last good keys.
	srv.mode.Store("500")
	clk.Advance(time.Minute)
	_, err = c.Key(ctx, srv.URL, "old")
	require.NoError(t, err)
	st = waitFetches(t, c, srv.URL, 3)
	require.Error(t, st.LastError)
	require.EqualValues(t, 1, st.Failures)
	require.Equal(t, 2, st.Keys)
	for _, kid := range []string{"old", "new"} {
		_, err = c.Key(ctx, srv.URL, kid)
		require.NoError(t, err, kid)
	}
	require.EqualValues(t, 3, srv.hits.Load(), "a failed refresh is not retried within the interval")

	// The set stays stale, so the next call after the interval tries again.
	srv.mode.Store("ok")
	srv.body.Store(jwksJSON(t, jwkSpec{key: ks[1], kid: "new"}))
	clk.Advance(interval)
	_, err = c.Key(ctx, srv.URL, "old")
	require.NoError(t, err, "served from the stale set while it refreshes")
	st = waitFetches(t, c, srv.URL, 4)
	require.NoError(t, st.LastError)
	require.Equal(t, 1, st.Keys)
	_, err = c.Key(ctx, srv.URL, "old")
	require.ErrorIs(t, err, jwks.ErrKeyNotFound, "the key removed from the set is gone")
}

// While a max-age refresh is in flight, every caller is served the current
// keys at once; however many ask, there is one fetch.
func TestMaxAgeRefreshDoesNotBlock(t *testing.T) {
	srv := newServer(t, jwksJSON(t, jwkSpec{key: testKeys()[0], kid: "k1"}))
	srv.header.Store(http.Header{"Cache-Control": {"max-age=30"}})
	clk := newClock()
	c := jwks.New(jwks.WithClock(clk.Now))
	ctx := context.Background()
	_, err := c.Key(ctx, srv.URL, "k1")
	require.NoError(t, err)
	<-srv.arrived

	srv.mode.Store("hang")
	clk.Advance(30 * time.Second)
	_, err = c.Key(ctx, srv.URL, "k1")
	require.NoError(t, err)
	<-srv.arrived // the refresh is held by the server
	var fails atomic.Int64
	hammer(500, 20, func(int) {
		if _, err := c.Key(ctx, srv.URL, "k1"); err != nil {
			fails.Add(1)
		}
	})
	require.Zero(t, fails.Load())
	require.EqualValues(t, 2, srv.hits.Load())
	require.True(t, c.Stats(srv.URL).Fetching)

	close(srv.release)
	st := waitFetches(t, c, srv.URL, 2)
	require.NoError(t, st.LastError)
	require.Equal(t, clk.Now().Add(30*time.Second), st.Expires)
}

// How response headers set the freshness of a set, and that it holds: no
// fetch just before Expires, a refresh from Expires on; without a usable
// max-age, the set is kept (two days later, still no fetch).
func TestCacheControlValues(t *testing.T) {
	const none = time.Duration(-1)
	cases := []struct {
		name   string
		header http.Header
		fresh  time.Duration
	}{
		{"absent", http.Header{}, none},
		{"no-store", http.Header{"Cache-Control": {"no-store"}}, none},
		{"no-cache", http.Header{"Cache-Control": {"no-cache"}}, none},
		{"no-cache wins over max-age", http.Header{"Cache-Control": {"max-age=60, no-cache"}}, none},
		{"no-store wins over max-age", http.Header{"Cache-Control": {"max-age=60", "NO-STORE"}}, none},
		{"no-cache with field names", http.Header{"Cache-Control": {`no-cache="Set-Cookie", max-age=60`}}, time.Minute},
		{"max-age=0 ignored", http.Header{"Cache-Control": {"max-age=0"}}, none},
		{"negative", http.Header{"Cache-Control": {"max-age=-5"}}, none},
		{"not a number", http.Header{"Cache-Control": {"max-age=abc"}}, none},
		{"fraction", http.Header{"Cache-Control": {"max-age=1.5"}}, none},
		{"plus sign", http.Header{"Cache-Control": {"max-age=+60"}}, none},
		{"empty value", http.Header{"Cache-Control": {"max-age="}}, none},
		{"no value", http.Header{"Cache-Control": {"max-age"}}, none},
		{"conflicting", http.Header{"Cache-Control": {"max-age=60, max-age=120"}}, none},
		{"s-maxage only", http.Header{"Cache-Control": {"s-maxage=60"}}, none},
		{"garbage", http.Header{"Cache-Control": {",,;=,"}}, none},
		{"one second", http.Header{"Cache-Control": {"max-age=1"}}, time.Second},
		{"with others", http.Header{"Cache-Control": {"public, max-age=300, must-revalidate"}}, 5 * time.Minute},
		{"upper case", http.Header{"Cache-Control": {"MAX-AGE=300"}}, 5 * time.Minute},
		{"spaces", http.Header{"Cache-Control": {"  max-age = 300 "}}, 5 * time.Minute},
		{"quoted", http.Header{"Cache-Control": {`max-age="300"`}}, 5 * time.Minute},
		{"repeated, same value", http.Header{"Cache-Control": {"max-age=60, max-age=60"}}, time.Minute},
		{"split over two lines", http.Header{"Cache-Control": {"public", "max-age=60"}}, time.Minute},
		{"two days capped", http.Header{"Cache-Control": {"max-age=172800"}}, 24 * time.Hour},
		{"huge capped", http.Header{"Cache-Control": {"max-age=99999999999999999999999999"}}, 24 * time.Hour},
		{"less Age", http.Header{"Cache-Control": {"max-age=60"}, "Age": {"50"}}, 10 * time.Second},
		{"Age beyond max-age: stale", http.Header{"Cache-Control": {"max-age=60"}, "Age": {"100"}}, 0},
		{"bad Age ignored", http.Header{"Cache-Control": {"max-age=60"}, "Age": {"soon"}}, time.Minute},
		{"two Ages ignored", http.Header{"Cache-Control": {"max-age=60"}, "Age": {"10", "20"}}, time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, jwksJSON(t, jwkSpec{key: testKeys()[0], kid: "k1"}))
			srv.header.Store(tc.header)
			clk := newClock()
			c := jwks.New(jwks.WithClock(clk.Now))
			ctx := context.Background()
			_, err := c.Key(ctx, srv.URL, "k1")
			require.NoError(t, err)
			st := c.Stats(srv.URL)

			if tc.fresh == none {
				require.Zero(t, st.Expires)
				clk.Advance(48 * time.Hour)
				_, err = c.Key(ctx, srv.URL, "k1")
				require.NoError(t, err)
				require.EqualValues(t, 1, srv.hits.Load(), "kept until an unknown kid")
				return
			}
			require.Equal(t, clk.Now().Add(tc.fresh), st.Expires)
			if tc.fresh > 0 {
				clk.Advance(tc.fresh - time.Nanosecond)
				_, err = c.Key(ctx, srv.URL, "k1")
				require.NoError(t, err)
				require.EqualValues(t, 1, srv.hits.Load(), "fresh: no fetch")
				clk.Advance(time.Nanosecond)
			}
			_, err = c.Key(ctx, srv.URL, "k1")
			require.NoError(t, err)
			waitFetches(t, c, srv.URL, 2)
			require.EqualValues(t, 2, srv.hits.Load(), "stale: refreshed")
		})
	}
}
