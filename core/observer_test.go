package authkit_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/observe"
	"github.com/authkit-go/authkit/core/workos"
)

// recorder is an observe.Observer that keeps every event, with durations
// zeroed (after checking them) so that tests compare whole events.
type recorder struct {
	t      testing.TB
	mu     sync.Mutex
	events []observe.Event
}

type startedKey struct{}

func (r *recorder) Start(ctx context.Context, e observe.Event) context.Context {
	return context.WithValue(ctx, startedKey{}, e)
}

func (r *recorder) Observe(ctx context.Context, e observe.Event) {
	switch ev := e.(type) {
	case observe.WorkOSCall:
		// The end is reported in the context Start returned, with what
		// Start was told.
		started, _ := ctx.Value(startedKey{}).(observe.WorkOSCall)
		if started.Op != ev.Op || started.Duration != 0 || ev.Duration <= 0 {
			r.t.Errorf("WorkOSCall %+v not reported in its Start's context (started %+v)", ev, started)
		}
		ev.Duration = 0
		e = ev
	case observe.Refresh:
		switch ev.Outcome {
		case observe.RefreshRefreshed, observe.RefreshUpstreamError:
			if ev.Duration <= 0 {
				r.t.Errorf("Refresh %+v: a WorkOS call has a duration", ev)
			}
		case observe.RefreshDeduplicated, observe.RefreshBackoff, observe.RefreshBreakerOpen, observe.RefreshStoreWait:
			if ev.Duration != 0 {
				r.t.Errorf("Refresh %+v: no WorkOS call, no duration", ev)
			}
		}
		ev.Duration = 0
		e = ev
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// take returns the events so far and forgets them.
func (r *recorder) take() []observe.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

func observed(t testing.TB, mod func(*authkit.Config)) (*fixture, *recorder) {
	rec := &recorder{t: t}
	f := newFixture(t, func(cfg *authkit.Config) {
		cfg.Observer = rec
		if mod != nil {
			mod(cfg)
		}
	})
	return f, rec
}

var (
	codeCall    = observe.WorkOSCall{Op: "authenticate:authorization_code", Status: http.StatusOK}
	refreshCall = observe.WorkOSCall{Op: "authenticate:refresh_token", Status: http.StatusOK}
	signedIn    = observe.SignIn{Outcome: observe.SignInOK, Method: "Password"}
	cookieOK    = observe.Verify{Source: observe.SourceCookie, Result: observe.ResultOK}
)

func TestObserverSignInAndRefresh(t *testing.T) {
	f, rec := observed(t, nil)
	cookie, _ := f.signIn(authkittest.AdminEmail)
	require.Equal(t, []observe.Event{codeCall, signedIn}, rec.take())

	require.NotNil(t, f.load(f.c, cookie).Auth)
	require.Equal(t, []observe.Event{cookieOK}, rec.take(), "a valid cookie: one verification, nothing else")

	f.clock.Advance(expired)
	d := f.load(f.c, cookie)
	require.True(t, d.Refreshed, "%v", d.Err)
	require.Equal(t, []observe.Event{
		observe.Verify{Source: observe.SourceCookie, Result: "expired"},
		refreshCall,
		observe.Refresh{Outcome: observe.RefreshRefreshed},
	}, rec.take())

	// A straggler with the old cookie gets the remembered session.
	d = f.load(f.c, cookie)
	require.True(t, d.Refreshed, "%v", d.Err)
	require.Equal(t, []observe.Event{
		observe.Verify{Source: observe.SourceCookie, Result: "expired"},
		observe.Refresh{Outcome: observe.RefreshDeduplicated},
	}, rec.take())
}

func TestObserverDeduplicatedFlight(t *testing.T) {
	f, rec := observed(t, nil)
	cookie, _ := f.signIn(authkittest.AdminEmail)
	f.clock.Advance(expired)
	rec.take()
	// The first refresh is held at WorkOS until every request has joined it
	// or found its outcome.
	f.emu.FailNext(authkittest.EndpointRefresh, 1, authkittest.Fault{Delay: 200 * time.Millisecond})
	const n = 20
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { require.True(t, f.load(f.c, cookie).Refreshed) })
	}
	wg.Wait()
	counts := map[observe.Event]int{}
	for _, e := range rec.take() {
		counts[e]++
	}
	require.Equal(t, map[observe.Event]int{
		observe.Verify{Source: observe.SourceCookie, Result: "expired"}: n,
		refreshCall: 1,
		observe.Refresh{Outcome: observe.RefreshRefreshed}:    1,
		observe.Refresh{Outcome: observe.RefreshDeduplicated}: n - 1,
	}, counts)
}

func TestObserverRefreshFailures(t *testing.T) {
	t.Run("upstream error, backoff, breaker", func(t *testing.T) {
		f, rec := observed(t, nil)
		cookies := make([]string, 4)
		for i := range cookies {
			cookies[i], _ = f.signIn(authkittest.AdminEmail)
		}
		f.clock.Advance(expired)
		rec.take()
		f.emu.FailNext(authkittest.EndpointRefresh, 3, authkittest.Fault{Status: http.StatusServiceUnavailable})
		for _, ck := range cookies[:3] {
			require.Nil(t, f.load(f.c, ck).Auth)
		}
		fail := observe.WorkOSCall{Op: refreshCall.Op, Status: http.StatusServiceUnavailable, Error: "http_503"}
		expiredCookie := observe.Verify{Source: observe.SourceCookie, Result: "expired"}
		upstream := observe.Refresh{Outcome: observe.RefreshUpstreamError}
		require.Equal(t, []observe.Event{expiredCookie, fail, upstream, expiredCookie, fail, upstream, expiredCookie, fail, upstream}, rec.take())

		require.Nil(t, f.load(f.c, cookies[0]).Auth)
		require.Equal(t, []observe.Event{expiredCookie, observe.Refresh{Outcome: observe.RefreshBackoff}}, rec.take())
		require.Nil(t, f.load(f.c, cookies[3]).Auth)
		require.Equal(t, []observe.Event{expiredCookie, observe.Refresh{Outcome: observe.RefreshBreakerOpen}}, rec.take())
	})
	t.Run("ended", func(t *testing.T) {
		f, rec := observed(t, nil)
		cookie, cb := f.signIn(authkittest.AdminEmail)
		require.True(t, f.emu.RevokeSession(cb.Auth.SessionID))
		f.clock.Advance(expired)
		rec.take()
		d := f.load(f.c, cookie)
		requireCleared(t, d)
		require.Equal(t, []observe.Event{
			observe.Verify{Source: observe.SourceCookie, Result: "expired"},
			observe.WorkOSCall{Op: refreshCall.Op, Status: http.StatusBadRequest, Error: "invalid_grant"},
			observe.WorkOSCall{Op: "list_sessions", Status: http.StatusOK},
			observe.Refresh{Outcome: observe.RefreshEnded},
			observe.SignOut{Cause: observe.SignOutEnded},
		}, rec.take())
	})
}

func TestObserverBearerAndCookieRefusals(t *testing.T) {
	f, rec := observed(t, nil)
	r := newReq(http.MethodGet, "/api")
	r.Header.Set("Authorization", "Bearer not.a.token")
	require.Equal(t, http.StatusUnauthorized, f.c.Load(context.Background(), r).Status)
	require.Equal(t, []observe.Event{observe.Verify{Source: observe.SourceBearer, Result: "malformed"}}, rec.take())

	_, cb := f.signIn(authkittest.AdminEmail)
	rec.take()
	r.Header.Set("Authorization", "Bearer "+cb.Auth.AccessToken)
	require.Zero(t, f.c.Load(context.Background(), r).Status)
	require.Equal(t, []observe.Event{observe.Verify{Source: observe.SourceBearer, Result: observe.ResultOK}}, rec.take())

	d := f.load(f.c, "Fe26.2*1*garbage")
	requireCleared(t, d)
	require.Equal(t, []observe.Event{observe.SignOut{Cause: observe.SignOutInvalidCookie}}, rec.take())
}

func TestObserverSignOutAndRevoked(t *testing.T) {
	f, rec := observed(t, nil)
	cookie, cb := f.signIn(authkittest.AdminEmail)
	rec.take()
	r := newReq(http.MethodPost, "/sign-out", sessionCookie(cookie))
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	requireCleared(t, f.c.SignOut(context.Background(), r))
	require.Equal(t, []observe.Event{
		observe.SignOut{Cause: observe.SignOutUser},
		observe.WorkOSCall{Op: "revoke_session", Status: http.StatusOK},
	}, rec.take())

	requireCleared(t, f.load(f.c, cookie))
	require.Equal(t, []observe.Event{cookieOK, observe.SignOut{Cause: observe.SignOutRevoked}}, rec.take())
	r = newReq(http.MethodGet, "/api")
	r.Header.Set("Authorization", "Bearer "+cb.Auth.AccessToken)
	require.Equal(t, http.StatusUnauthorized, f.c.Load(context.Background(), r).Status)
	require.Equal(t, []observe.Event{observe.Verify{Source: observe.SourceBearer, Result: "revoked"}}, rec.take())
}

func TestObserverCallbackFailures(t *testing.T) {
	f, rec := observed(t, nil)
	ctx := context.Background()
	f.c.Callback(ctx, newReq(http.MethodGet, "/callback?error=access_denied"))
	f.c.Callback(ctx, newReq(http.MethodGet, "/callback?code=x&state=y"))
	fl := f.startFlow(f.c, authkittest.AdminEmail, newReq(http.MethodGet, "/sign-in"), authkit.SignInOptions{})
	f.emu.FailNext(authkittest.EndpointCodeGrant, 1, authkittest.Fault{Status: http.StatusBadGateway})
	require.Equal(t, http.StatusBadGateway, f.finish(f.c, fl).Status)
	require.Equal(t, http.StatusFound, f.finish(f.c, fl).Status, "the fault did not spend the code")
	require.Equal(t, http.StatusBadRequest, f.finish(f.c, fl).Status, "now it is spent")
	require.Equal(t, []observe.Event{
		observe.SignIn{Outcome: observe.SignInDenied},
		observe.SignIn{Outcome: observe.SignInInvalidCallback},
		observe.WorkOSCall{Op: codeCall.Op, Status: http.StatusBadGateway, Error: "http_502"},
		observe.SignIn{Outcome: observe.SignInUpstreamError},
		codeCall, signedIn,
		observe.WorkOSCall{Op: codeCall.Op, Status: http.StatusBadRequest, Error: "invalid_grant"},
		observe.SignIn{Outcome: observe.SignInRefused},
	}, rec.take())
}

func TestObserverStoreErrors(t *testing.T) {
	f, rec := observed(t, func(cfg *authkit.Config) { cfg.Store = downStore{} })
	cookie, _ := f.signIn(authkittest.AdminEmail)
	f.clock.Advance(expired)
	rec.take()
	require.True(t, f.load(f.c, cookie).Refreshed)
	require.Equal(t, []observe.Event{
		observe.Verify{Source: observe.SourceCookie, Result: "expired"},
		observe.StoreError{Op: "begin"},
		refreshCall,
		observe.Refresh{Outcome: observe.RefreshRefreshed},
	}, rec.take(), "every failure is reported, not only the first of an outage (finish is not called: the refresh was not locked)")
}

func TestObserverAPIKeysAndRejectedSignIn(t *testing.T) {
	f, rec := observed(t, func(cfg *authkit.Config) {
		cfg.AcceptAPIKeys = true
		cfg.OnSignInSuccess = func(context.Context, *authkit.Request, authkit.CallbackResult) (string, error) {
			return "", errors.New("not on the allow-list")
		}
	})
	key, err := f.emu.CreateAPIKey(authkittest.APIKeyParams{OrganizationID: authkittest.AcmeOrgID, Name: "ci"})
	require.NoError(t, err)
	for _, value := range []string{key.Value, "sk_not_a_key"} {
		r := newReq(http.MethodGet, "/api")
		r.Header.Set("Authorization", "Bearer "+value)
		f.c.Load(context.Background(), r)
	}
	require.Equal(t, []observe.Event{
		observe.WorkOSCall{Op: "validate_api_key", Status: http.StatusOK},
		observe.Verify{Source: observe.SourceAPIKey, Result: observe.ResultOK},
		observe.WorkOSCall{Op: "validate_api_key", Status: http.StatusOK},
		observe.Verify{Source: observe.SourceAPIKey, Result: "invalid"},
	}, rec.take())

	fl := f.startFlow(f.c, authkittest.AdminEmail, newReq(http.MethodGet, "/sign-in"), authkit.SignInOptions{})
	require.Equal(t, http.StatusForbidden, f.finish(f.c, fl).Status)
	events := rec.take()
	require.Contains(t, events, observe.SignIn{Outcome: observe.SignInRejected})
	require.NotContains(t, events, signedIn)
}

func TestObserverGrantNames(t *testing.T) {
	f, rec := observed(t, nil)
	ctx := context.Background()
	wc := f.c.WorkOS()
	_, err := wc.AuthenticateWithPassword(ctx, workos.PasswordParams{Email: authkittest.AdminEmail, Password: authkittest.DefaultPassword})
	require.NoError(t, err)
	_, err = wc.AuthenticateWithMagicAuth(ctx, workos.MagicAuthParams{Email: authkittest.AdminEmail, Code: "000000"})
	require.Error(t, err)
	var ops []string
	for _, e := range rec.take() {
		ops = append(ops, e.(observe.WorkOSCall).Op)
	}
	require.Equal(t, []string{"authenticate:password", "authenticate:magic_auth"}, ops)
}

func TestObserverRefreshAction(t *testing.T) {
	f, rec := observed(t, nil)
	cookie, cb := f.signIn(authkittest.AdminEmail)
	rec.take()
	d := f.c.Refresh(context.Background(), newReq(http.MethodPost, "/refresh", sessionCookie(cookie)), authkit.RefreshOptions{})
	require.True(t, d.Refreshed, "%v", d.Err)
	require.Equal(t, []observe.Event{refreshCall, observe.Refresh{Outcome: observe.RefreshRefreshed}}, rec.take())

	// The spent cookie's session then ends at WorkOS.
	require.True(t, f.emu.RevokeSession(cb.Auth.SessionID))
	f.clock.Advance(expired)
	d = f.c.Refresh(context.Background(), newReq(http.MethodPost, "/refresh", sessionCookie(cookieIn(d, authkit.DefaultCookieName).Value)), authkit.RefreshOptions{})
	requireCleared(t, d)
	events := rec.take()
	require.Equal(t, []observe.Event{observe.Refresh{Outcome: observe.RefreshEnded}, observe.SignOut{Cause: observe.SignOutEnded}}, events[len(events)-2:])

	requireCleared(t, f.c.Refresh(context.Background(), newReq(http.MethodPost, "/refresh", sessionCookie("Fe26.2*1*garbage")), authkit.RefreshOptions{}))
	require.Equal(t, []observe.Event{observe.SignOut{Cause: observe.SignOutInvalidCookie}}, rec.take())
}
