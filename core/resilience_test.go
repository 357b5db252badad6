package authkit_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/conformance"
	"github.com/authkit-go/authkit/core/jwks"
)

// Sessions must survive races, replicas and WorkOS trouble: these tests
// pin down when a cookie is (not) cleared, how long a request may wait, and
// how many calls reach WorkOS.

const (
	inBuffer = authkittest.DefaultAccessTokenTTL - 30*time.Second
	expired  = authkittest.DefaultAccessTokenTTL + time.Minute
)

func TestLostRefreshRaceKeepsCookie(t *testing.T) {
	// Two instances without a shared store (or a Go app and a Node app)
	// refresh one cookie: the loser must not delete the winner's cookie.
	for _, tc := range []struct {
		name    string
		advance time.Duration
	}{{"still valid", inBuffer}, {"expired", expired}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			a, b := f.client(nil), f.client(nil)
			cookie, _ := f.signInWith(a, authkittest.AdminEmail)
			f.clock.Advance(tc.advance)

			won := f.load(a, cookie)
			require.True(t, won.Refreshed)
			require.NotNil(t, cookieIn(won, authkit.DefaultCookieName))

			lost := f.load(b, cookie)
			requireNoSessionCookie(t, lost)
			require.ErrorIs(t, lost.Err, authkit.ErrRefreshFailed)
			require.Zero(t, lost.Status)
			if tc.advance == expired {
				require.Nil(t, lost.Auth, "an expired token is answered as signed out")
			} else {
				require.NotNil(t, lost.Auth, "the still-valid token is served")
				require.Equal(t, authkittest.AdminUserID, lost.Auth.User.ID)
			}
			require.Equal(t, 2, f.emu.Count(authkittest.EndpointRefresh))

			// The spent token is remembered: the stale cookie stays away from WorkOS.
			for range 3 {
				requireNoSessionCookie(t, f.load(b, cookie))
			}
			require.Equal(t, 2, f.emu.Count(authkittest.EndpointRefresh))
			// The winner's cookie works on the loser.
			d := f.load(b, cookieIn(won, authkit.DefaultCookieName).Value)
			require.NotNil(t, d.Auth)
			require.False(t, d.Refreshed)
		})
	}
}

func TestMalformedRefreshAnswerIsTransient(t *testing.T) {
	bodies := map[string]authkittest.Fault{
		"garbage": {Status: http.StatusOK, Body: `{"access_tok`},
		"html":    {Status: http.StatusOK, Body: `<html><body>Gateway</body></html>`, Header: http.Header{"Content-Type": {"text/html"}}},
		"empty":   {Status: http.StatusOK, Body: `{}`},
	}
	for name, fault := range bodies {
		for _, adv := range []time.Duration{inBuffer, expired} {
			t.Run(name, func(t *testing.T) {
				f := newFixture(t, nil)
				cookie, _ := f.signIn(authkittest.AdminEmail)
				f.clock.Advance(adv)
				f.emu.FailNext(authkittest.EndpointRefresh, 1, fault)
				d := f.load(f.c, cookie)
				requireNoSessionCookie(t, d)
				require.ErrorIs(t, d.Err, authkit.ErrUpstream)
				require.Equal(t, adv == inBuffer, d.Auth != nil)
				// Backing off: a second request makes no call.
				requireNoSessionCookie(t, f.load(f.c, cookie))
				require.Equal(t, 1, f.emu.Count(authkittest.EndpointRefresh))
			})
		}
	}
}

// shortWait restores the default proactive-refresh wait.
func shortWait(cfg *authkit.Config) { cfg.RefreshWait = authkit.DefaultRefreshWait }

func TestSlowWorkOSNeverStallsValidToken(t *testing.T) {
	f := newFixture(t, shortWait)
	cookie, _ := f.signIn(authkittest.AdminEmail)
	f.clock.Advance(inBuffer)
	f.emu.FailNext(authkittest.EndpointRefresh, 1, authkittest.Fault{Delay: time.Minute})
	for i := range 5 {
		start := time.Now()
		d := f.load(f.c, cookie)
		elapsed := time.Since(start)
		require.NotNil(t, d.Auth, "request %d", i)
		require.NoError(t, d.Err)
		requireNoSessionCookie(t, d)
		require.Less(t, elapsed, 3*time.Second, "a request with a valid token waits about RefreshWait (250ms), not the client timeout")
	}
	require.Equal(t, 1, f.emu.Count(authkittest.EndpointRefresh), "the requests share the one hanging call")
}

func TestRefreshCookieGoesOutOnALaterResponse(t *testing.T) {
	f := newFixture(t, shortWait)
	cookie, _ := f.signIn(authkittest.AdminEmail)
	f.clock.Advance(inBuffer)
	f.emu.FailNext(authkittest.EndpointRefresh, 1, authkittest.Fault{Delay: 600 * time.Millisecond})
	d := f.load(f.c, cookie)
	require.NotNil(t, d.Auth)
	requireNoSessionCookie(t, d)
	var next *http.Cookie
	require.Eventually(t, func() bool {
		next = cookieIn(f.load(f.c, cookie), authkit.DefaultCookieName)
		return next != nil
	}, 10*time.Second, 50*time.Millisecond, "the refresh finishes in the background and a later response carries its cookie")
	require.NotEmpty(t, next.Value)
	require.Equal(t, 1, f.emu.Count(authkittest.EndpointRefresh))
}

func TestExpiredTokenWaitIsBounded(t *testing.T) {
	f := newFixture(t, nil)
	c := f.client(func(cfg *authkit.Config) { cfg.HTTPClient = &http.Client{Timeout: 300 * time.Millisecond} })
	cookie, _ := f.signInWith(c, authkittest.AdminEmail)
	f.clock.Advance(expired)
	f.emu.FailNext(authkittest.EndpointRefresh, 1, authkittest.Fault{Delay: time.Minute})
	start := time.Now()
	d := f.load(c, cookie)
	require.Less(t, time.Since(start), 5*time.Second)
	require.Nil(t, d.Auth)
	require.ErrorIs(t, d.Err, authkit.ErrUpstream)
	requireNoSessionCookie(t, d)
}

func TestBackoffPerSession(t *testing.T) {
	t.Run("5xx", func(t *testing.T) {
		for _, status := range []int{500, 502, 503} {
			f := newFixture(t, nil)
			cookie, _ := f.signIn(authkittest.AdminEmail)
			f.clock.Advance(inBuffer)
			f.emu.FailNext(authkittest.EndpointRefresh, 10, authkittest.Fault{Status: status})
			for range 5 {
				d := f.load(f.c, cookie)
				require.NotNil(t, d.Auth)
				requireNoSessionCookie(t, d)
			}
			require.Equal(t, 1, f.emu.Count(authkittest.EndpointRefresh), "status %d: 5 requests, 1 call", status)
			// Exponential: the next attempt comes after about a second, the one after later still.
			f.clock.Advance(1100 * time.Millisecond)
			f.load(f.c, cookie)
			require.Equal(t, 2, f.emu.Count(authkittest.EndpointRefresh))
			f.clock.Advance(1100 * time.Millisecond)
			f.load(f.c, cookie)
			require.LessOrEqual(t, f.emu.Count(authkittest.EndpointRefresh), 3)
		}
	})
	t.Run("429 Retry-After", func(t *testing.T) {
		f := newFixture(t, nil)
		cookie, _ := f.signIn(authkittest.AdminEmail)
		f.clock.Advance(inBuffer)
		f.emu.FailNext(authkittest.EndpointRefresh, 1, authkittest.Fault{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"120"}}})
		for range 5 {
			require.NotNil(t, f.load(f.c, cookie).Auth)
		}
		f.clock.Advance(60 * time.Second) // now expired, still inside Retry-After
		for range 3 {
			d := f.load(f.c, cookie)
			require.Nil(t, d.Auth)
			requireNoSessionCookie(t, d)
		}
		require.Equal(t, 1, f.emu.Count(authkittest.EndpointRefresh), "Retry-After is honoured")
		f.clock.Advance(61 * time.Second)
		d := f.load(f.c, cookie)
		require.True(t, d.Refreshed)
		require.Equal(t, 2, f.emu.Count(authkittest.EndpointRefresh))
	})
}

func TestBreakerLimitsCallsDuringOutage(t *testing.T) {
	f := newFixture(t, nil)
	const sessions = 10
	cookies := make([]string, sessions)
	for i := range cookies {
		cookies[i], _ = f.signIn(authkittest.AdminEmail)
	}
	f.clock.Advance(expired)
	f.emu.FailNext(authkittest.EndpointRefresh, 4, authkittest.Fault{Status: http.StatusServiceUnavailable})
	for _, ck := range cookies {
		d := f.load(f.c, ck)
		require.Nil(t, d.Auth)
		require.Zero(t, d.Status)
		requireNoSessionCookie(t, d)
		require.ErrorIs(t, d.Err, authkit.ErrUpstream)
	}
	require.Equal(t, 3, f.emu.Count(authkittest.EndpointRefresh), "the breaker opens after 3 failures")

	// A sign-in is not held back by the open breaker.
	fresh, _ := f.signIn(authkittest.AdminEmail)
	require.NotEmpty(t, fresh)
	// ... and its success closed it: the next session refreshes at once,
	// while the sessions that failed stay in their own backoff.
	f.clock.Advance(600 * time.Millisecond)
	d := f.load(f.c, cookies[sessions-1])
	require.Equal(t, 4, f.emu.Count(authkittest.EndpointRefresh))
	require.Nil(t, d.Auth, "the fourth fault")
	// Three more failures are needed to open it again; the remaining faults are used up.
	d = f.load(f.c, cookies[sessions-2])
	require.True(t, d.Refreshed, "WorkOS is back: %v", d.Err)
}

func TestBreakerProbes(t *testing.T) {
	f := newFixture(t, nil)
	cookies := make([]string, 8)
	for i := range cookies {
		cookies[i], _ = f.signIn(authkittest.AdminEmail)
	}
	f.clock.Advance(expired)
	f.emu.FailNext(authkittest.EndpointRefresh, 4, authkittest.Fault{Status: http.StatusBadGateway})
	for _, ck := range cookies[:5] {
		f.load(f.c, ck)
	}
	require.Equal(t, 3, f.emu.Count(authkittest.EndpointRefresh))
	f.clock.Advance(600 * time.Millisecond) // past the first pause: one probe
	f.load(f.c, cookies[5])
	f.load(f.c, cookies[6])
	require.Equal(t, 4, f.emu.Count(authkittest.EndpointRefresh), "one probe per pause")
	f.clock.Advance(600 * time.Millisecond) // the failed probe doubled the pause
	f.load(f.c, cookies[6])
	require.Equal(t, 4, f.emu.Count(authkittest.EndpointRefresh))
	f.clock.Advance(600 * time.Millisecond)
	d := f.load(f.c, cookies[6])
	require.True(t, d.Refreshed, "the probe succeeds and closes the breaker: %v", d.Err)
	require.True(t, f.load(f.c, cookies[7]).Refreshed)
}

func TestCallbackDuringOutageIsRetryable(t *testing.T) {
	f := newFixture(t, nil)
	fl := f.startFlow(f.c, authkittest.AdminEmail, newReq(http.MethodGet, "/sign-in"), authkit.SignInOptions{})
	f.emu.FailNext(authkittest.EndpointCodeGrant, 1, authkittest.Fault{Status: http.StatusServiceUnavailable})
	d := f.finish(f.c, fl)
	require.Equal(t, http.StatusBadGateway, d.Status)
	require.NotEmpty(t, d.Header.Get("Retry-After"))
	require.Contains(t, string(d.Body), "try again")
	require.ErrorIs(t, d.Err, authkit.ErrUpstream)
}

func TestSwitchRacingRefreshSharesOneCall(t *testing.T) {
	for round := range 5 {
		f := newFixture(t, nil)
		var failures atomic.Int32
		c := f.client(func(cfg *authkit.Config) {
			cfg.OnRefreshError = func(authkit.RefreshEvent) { failures.Add(1) }
		})
		cookie, _ := f.signInWith(c, authkittest.MultiOrgEmail)
		f.clock.Advance(expired)

		const n = 20
		loads := make([]authkit.Decision, n)
		var sw authkit.Decision
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() { <-start; loads[i] = f.load(c, cookie) })
		}
		wg.Go(func() {
			<-start
			sw = c.SwitchOrganization(context.Background(), newReq(http.MethodPost, "/switch", sessionCookie(cookie)), authkittest.GlobexOrgID, "/")
		})
		close(start)
		wg.Wait()

		require.Zero(t, failures.Load(), "round %d: a refresh token was spent twice", round)
		for i, d := range loads {
			require.NotNil(t, d.Auth, "round %d, load %d: %v", round, i, d.Err)
		}
		require.NoError(t, sw.Err)
		require.Equal(t, http.StatusSeeOther, sw.Status)
		require.Equal(t, authkittest.GlobexOrgID, sw.Auth.OrganizationID)
		calls := f.emu.Count(authkittest.EndpointRefresh)
		require.Contains(t, []int{1, 2}, calls, "one call, or a refresh then the switch on its new token")
		// Stragglers with the old cookie converge on the switched session.
		d := f.load(c, cookie)
		require.NotNil(t, d.Auth)
		require.Equal(t, authkittest.GlobexOrgID, d.Auth.OrganizationID)
		require.Equal(t, calls, f.emu.Count(authkittest.EndpointRefresh))
	}
}

func TestSharedStoreOneRefreshAcrossInstances(t *testing.T) {
	f := newFixture(t, nil)
	store := authkit.NewMemoryStore(f.clock.Now)
	a := f.client(func(cfg *authkit.Config) { cfg.Store = store })
	b := f.client(func(cfg *authkit.Config) { cfg.Store = store })
	cookie, _ := f.signInWith(a, authkittest.AdminEmail)
	f.clock.Advance(expired)

	const n = 50
	results := make([]authkit.Decision, 2*n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 2 * n {
		c := a
		if i%2 == 1 {
			c = b
		}
		wg.Go(func() { <-start; results[i] = f.load(c, cookie) })
	}
	close(start)
	wg.Wait()
	require.Equal(t, 1, f.emu.Count(authkittest.EndpointRefresh))
	first := cookieIn(results[0], authkit.DefaultCookieName)
	require.NotNil(t, first)
	for i, d := range results {
		require.NotNil(t, d.Auth, "request %d: %v", i, d.Err)
		ck := cookieIn(d, authkit.DefaultCookieName)
		require.NotNil(t, ck, "request %d", i)
		require.Equal(t, first.Value, ck.Value, "request %d", i)
	}
}

func TestSignOutRevokesEverywhere(t *testing.T) {
	f := newFixture(t, nil)
	store := authkit.NewMemoryStore(f.clock.Now)
	a := f.client(func(cfg *authkit.Config) { cfg.Store = store })
	b := f.client(func(cfg *authkit.Config) { cfg.Store = store })
	cookie, cb := f.signInWith(a, authkittest.AdminEmail)
	require.NotNil(t, f.load(b, cookie).Auth)

	r := newReq(http.MethodPost, "/sign-out", sessionCookie(cookie))
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	d := a.SignOut(context.Background(), r)
	require.Equal(t, http.StatusSeeOther, d.Status)
	require.Equal(t, 1, f.emu.Count(authkittest.EndpointRevokeSession), "ended at WorkOS from the server")
	require.False(t, f.emu.SessionActive(cb.Auth.SessionID))

	for name, c := range map[string]*authkit.Client{"a": a, "b": b} {
		d := f.load(c, cookie)
		require.Nil(t, d.Auth, name)
		requireCleared(t, d)
		br := newReq(http.MethodGet, "/api")
		br.Header.Set("Authorization", "Bearer "+cb.Auth.AccessToken)
		d = c.Load(context.Background(), br)
		require.Equal(t, http.StatusUnauthorized, d.Status, name)
	}
}

// downStore is a Store whose backend is unreachable.
type downStore struct{}

var errDown = errors.New("store down")

func (downStore) Begin(context.Context, string, time.Duration) ([]byte, bool, error) {
	return nil, false, errDown
}
func (downStore) Finish(context.Context, string, []byte, time.Duration) error { return errDown }
func (downStore) Wait(context.Context, string) ([]byte, bool, error)          { return nil, false, errDown }
func (downStore) Revoke(context.Context, string, time.Duration) error         { return errDown }
func (downStore) Revoked(string) bool                                         { return false }

func TestStoreDownFallsBackInProcess(t *testing.T) {
	f := newFixture(t, nil)
	var logs conformance.SyncBuffer
	c := f.client(func(cfg *authkit.Config) {
		cfg.Store = downStore{}
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	cookies := make([]string, 3)
	for i := range cookies {
		cookies[i], _ = f.signInWith(c, authkittest.AdminEmail)
	}
	f.clock.Advance(expired)
	for _, ck := range cookies {
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				d := f.load(c, ck)
				assert.True(t, d.Refreshed, "%v", d.Err)
			})
		}
		wg.Wait()
	}
	require.Equal(t, 3, f.emu.Count(authkittest.EndpointRefresh), "one call per session, coordinated in process")
	require.Equal(t, 1, bytes.Count([]byte(logs.String()), []byte("session store unavailable")), "one warning per outage")
}

func TestRotationNotBlockedByUnknownKidFlood(t *testing.T) {
	f := newFixture(t, nil)
	cache := jwks.New(jwks.WithClock(f.clock.Now))
	c := f.client(func(cfg *authkit.Config) { cfg.JWKSCache = cache })
	bearer := func(tok string) authkit.Decision {
		r := newReq(http.MethodGet, "/api")
		r.Header.Set("Authorization", "Bearer "+tok)
		return c.Load(context.Background(), r)
	}
	old, err := f.emu.MintAccessToken(authkittest.TokenParams{UserID: authkittest.AdminUserID, OrganizationID: authkittest.AcmeOrgID})
	require.NoError(t, err)
	require.NotNil(t, bearer(old).Auth) // the key set is warm
	fetches := f.emu.Count(authkittest.EndpointJWKS)

	// An attacker sends tokens with unknown kids just before the rotation,
	// and keeps sending them.
	forged := func(i int) string {
		enc := base64.RawURLEncoding.EncodeToString
		return enc([]byte(fmt.Sprintf(`{"alg":"RS256","kid":"attacker-%d","typ":"JWT"}`, i))) + "." +
			enc([]byte(`{"sub":"user_x","exp":4102444800}`)) + "." + enc([]byte("not a signature"))
	}
	for i := range 20 {
		require.Equal(t, http.StatusUnauthorized, bearer(forged(i)).Status)
	}
	f.emu.RotateKeys()
	fresh, err := f.emu.MintAccessToken(authkittest.TokenParams{UserID: authkittest.AdminUserID, OrganizationID: authkittest.AcmeOrgID})
	require.NoError(t, err)

	verifiedAfter := time.Duration(-1)
	for step := range 40 { // 10 s in steps of 250 ms, flooding all along
		for i := range 10 {
			bearer(forged(step*10 + i))
		}
		if d := bearer(fresh); d.Auth != nil {
			verifiedAfter = time.Duration(step) * 250 * time.Millisecond
			break
		}
		f.clock.Advance(250 * time.Millisecond)
	}
	require.GreaterOrEqual(t, verifiedAfter, time.Duration(0), "the new key never verified under the flood")
	require.LessOrEqual(t, verifiedAfter, 6*time.Second, "a newly published key verifies within a few seconds")
	require.LessOrEqual(t, f.emu.Count(authkittest.EndpointJWKS)-fetches, 3, "about one fetch per few seconds, whatever the flood")
}
