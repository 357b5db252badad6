package authkit_test

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/seal"
)

// distinctCookies returns n distinct session cookies of the emulator's
// default user and token: the signed-in cookie's payload sealed again (new
// salts each time), so that each is remembered on its own, with its own
// copy of the payload, as n sessions would be.
func distinctCookies(tb testing.TB, f *fixture, n int) []string {
	cookie, _ := f.signIn(authkittest.AdminEmail)
	pt, err := seal.Unseal(cookie, seal.Single(testPassword))
	require.NoError(tb, err)
	out := make([]string, n)
	for i := range out {
		out[i], err = seal.Seal(pt, seal.Single(testPassword))
		require.NoError(tb, err)
	}
	return out
}

// rememberRounds loads each cookie once (round 1), measures the heap the
// remembered sessions hold, then sends rounds-1 more round-robin rounds and
// returns the hit rate of those.
func rememberRounds(tb testing.TB, f *fixture, c *authkit.Client, cookies []string, rounds int) (bytesPerSession, hitRate float64) {
	ctx := context.Background()
	load := func(v string) {
		d := c.Load(ctx, newReq(http.MethodGet, "/", sessionCookie(v)))
		if d.Auth == nil {
			tb.Fatalf("not signed in: %v", d.Err)
		}
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, v := range cookies {
		load(v)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	bytesPerSession = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(len(cookies))
	hits0, misses0, _ := authkit.SessionStats(c)
	for range rounds - 1 {
		for _, v := range cookies {
			load(v)
		}
	}
	hits, misses, _ := authkit.SessionStats(c)
	if n := hits - hits0 + misses - misses0; n > 0 {
		hitRate = float64(hits-hits0) / float64(n)
	}
	runtime.KeepAlive(cookies)
	return bytesPerSession, hitRate
}

// Sessions sending requests round-robin, fewer than the bound: after the
// first round every request is a hit, and each remembered session holds
// under 2 KB (its cookie's JSON, token included, and its entry).
func TestRememberedSessionsRoundRobin(t *testing.T) {
	f := newFixture(t, nil)
	const n = 2000
	c := f.client(func(cfg *authkit.Config) { cfg.RememberSessions = n + n/10 })
	cookies := distinctCookies(t, f, n)
	perSession, hitRate := rememberRounds(t, f, c, cookies, 3)
	t.Logf("%.0f bytes per remembered session, %.1f%% hits", perSession, 100*hitRate)
	require.GreaterOrEqual(t, hitRate, 0.99)
	require.LessOrEqual(t, perSession, 2048.0, "bytes per remembered session")
	_, _, held := authkit.SessionStats(c)
	require.Equal(t, n, held)
}

// More sessions than the bound: the cache stays bounded and, evicting at
// random, still serves some of them (LRU would serve none).
func TestRememberedSessionsOverBound(t *testing.T) {
	f := newFixture(t, nil)
	c := f.client(func(cfg *authkit.Config) { cfg.RememberSessions = 100 })
	_, hitRate := rememberRounds(t, f, c, distinctCookies(t, f, 200), 4)
	_, _, held := authkit.SessionStats(c)
	require.LessOrEqual(t, held, 100)
	require.Greater(t, hitRate, 0.05)
}

// Remembering off: every request opens the cookie.
func TestRememberedSessionsOff(t *testing.T) {
	f := newFixture(t, nil)
	c := f.client(func(cfg *authkit.Config) { cfg.RememberSessions = -1 })
	rememberRounds(t, f, c, distinctCookies(t, f, 10), 2)
	hits, _, held := authkit.SessionStats(c)
	require.Zero(t, hits)
	require.Zero(t, held)
}

// BenchmarkRememberedSessions is the sizing run behind
// DefaultRememberSessions: 100,000 sessions, each sending a request per
// round for 10 rounds within their token's lifetime, with the default
// bound. It reports the heap held per remembered session and the hit rate
// after the first round. (Minting the cookies takes a while: it is a
// benchmark, not a test.)
func BenchmarkRememberedSessions(b *testing.B) {
	f := newFixture(b, nil)
	cookies := distinctCookies(b, f, 100_000)
	for b.Loop() {
		perSession, hitRate := rememberRounds(b, f, f.client(nil), cookies, 10)
		b.ReportMetric(perSession, "B/session")
		b.ReportMetric(100*hitRate, "%hits")
	}
}

// A remembered bearer token (its claims, without the token) holds under
// 2 KB too.
func TestRememberedBearerTokenSize(t *testing.T) {
	f := newFixture(t, nil)
	u, ok := f.emu.UserByEmail(authkittest.AdminEmail)
	require.True(t, ok)
	const n = 300
	tokens := make([]string, n)
	for i := range tokens {
		var err error
		tokens[i], err = f.emu.MintAccessToken(authkittest.TokenParams{UserID: u.ID, OrganizationID: u.Memberships[0].OrganizationID})
		require.NoError(t, err)
	}
	ctx := context.Background()
	load := func(tok string) {
		r := newReq(http.MethodGet, "/")
		r.Header.Set("Authorization", "Bearer "+tok)
		require.NotNil(t, f.c.Load(ctx, r).Auth)
	}
	load(tokens[0]) // keys fetched
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, tok := range tokens[1:] {
		load(tok)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(f.c) // the client holds what is measured
	perToken := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n-1)
	t.Logf("%.0f bytes per remembered bearer token", perToken)
	require.LessOrEqual(t, perToken, 2048.0)
	runtime.KeepAlive(tokens)
}

// A remembered session is found by its seal's MAC only together with the
// whole cookie: a cookie carrying a copied MAC but differing elsewhere is
// opened in full, and refused.
func TestRememberedSessionNeedsTheWholeCookie(t *testing.T) {
	f := newFixture(t, nil)
	cookie, _ := f.signIn(authkittest.AdminEmail)
	require.NotNil(t, f.load(f.c, cookie).Auth)
	hits, _, _ := authkit.SessionStats(f.c)
	require.NotNil(t, f.load(f.c, cookie).Auth)
	after, _, _ := authkit.SessionStats(f.c)
	require.Equal(t, hits+1, after, "remembered")

	parts := strings.Split(cookie, "*")
	ct := []byte(parts[4])
	ct[10] ^= 'A' ^ 'B' // another ciphertext, same MAC field
	if ct[10] == parts[4][10] {
		ct[10] = 'C'
	}
	parts[4] = string(ct)
	d := f.load(f.c, strings.Join(parts, "*"))
	require.Nil(t, d.Auth)
	require.ErrorIs(t, d.Err, seal.ErrBadMAC)
}
