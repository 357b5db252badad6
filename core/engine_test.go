package authkit_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
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
	"github.com/authkit-go/authkit/core/seal"
	"github.com/authkit-go/authkit/core/workos"
)

const (
	testPassword = "engine-test-cookie-password-0123456789"
	appOrigin    = "http://app.test"
	callbackPath = "/callback"
	verifierPfx  = authkit.DefaultVerifierPrefix + "-"
)

// testClock is a settable clock shared by the emulator and the client.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *testClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

type fixture struct {
	t     testing.TB
	clock *testClock
	emu   *authkittest.Emulator
	c     *authkit.Client
}

func newFixture(t testing.TB, mod func(*authkit.Config), emuOpts ...authkittest.Option) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: &testClock{}}
	emuOpts = append([]authkittest.Option{authkittest.WithClock(f.clock.Now), authkittest.WithAutoApprove(authkittest.AdminEmail)}, emuOpts...)
	f.emu = authkittest.NewServer(t, emuOpts...)
	f.c = f.client(mod)
	return f
}

func (f *fixture) config() authkit.Config {
	return authkit.Config{
		ClientID: f.emu.ClientID(), APIKey: f.emu.APIKey(), APIBaseURL: f.emu.URL(),
		RedirectURI:    appOrigin + callbackPath,
		CookiePassword: testPassword,
		Clock:          f.clock.Now,
		// Deterministic tests: a proactive refresh is waited for (a loaded
		// CI machine can take longer than the default 250ms); the tests of
		// the wait itself set it back.
		RefreshWait: time.Minute,
		Getenv:      func(string) string { return "" },
		Logger:      slog.New(slog.DiscardHandler),
	}
}

func (f *fixture) client(mod func(*authkit.Config)) *authkit.Client {
	f.t.Helper()
	cfg := f.config()
	if mod != nil {
		mod(&cfg)
	}
	c, err := authkit.New(cfg)
	require.NoError(f.t, err)
	return c
}

// newReq builds an engine request; cookies are name=value pairs.
func newReq(method, target string, cookies ...*http.Cookie) *authkit.Request {
	u, err := url.Parse(target)
	if err != nil {
		panic(err)
	}
	h := http.Header{}
	var parts []string
	for _, c := range cookies {
		parts = append(parts, c.Name+"="+c.Value)
	}
	if len(parts) > 0 {
		h.Set("Cookie", strings.Join(parts, "; "))
	}
	return &authkit.Request{Method: method, URL: u, Header: h, RemoteAddr: "192.0.2.1:1234"}
}

func sessionCookie(v string) *http.Cookie {
	return &http.Cookie{Name: authkit.DefaultCookieName, Value: v}
}

// cookieIn returns the last cookie named name that d sets (or clears).
func cookieIn(d authkit.Decision, name string) *http.Cookie {
	var out *http.Cookie
	for _, c := range d.Cookies {
		if c.Name == name {
			out = c
		}
	}
	return out
}

func verifierCookieIn(d authkit.Decision) *http.Cookie {
	for _, c := range d.Cookies {
		if strings.HasPrefix(c.Name, verifierPfx) && c.MaxAge > 0 {
			return c
		}
	}
	return nil
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// authorize follows the authorization URL at the emulator (auto-approve)
// and returns the callback URL it redirects to.
func (f *fixture) authorize(authURL string) *url.URL {
	f.t.Helper()
	resp, err := noRedirect.Get(authURL)
	require.NoError(f.t, err)
	resp.Body.Close()
	require.Equal(f.t, http.StatusFound, resp.StatusCode)
	u, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(f.t, err)
	require.Equal(f.t, callbackPath, u.Path)
	return u
}

// flow is one pending sign-in.
type flow struct {
	verifier *http.Cookie
	callback *url.URL
}

func (f *fixture) startFlow(c *authkit.Client, email string, r *authkit.Request, o authkit.SignInOptions) flow {
	f.t.Helper()
	f.emu.AutoApprove(email)
	d := c.SignIn(context.Background(), r, o)
	require.Equal(f.t, http.StatusFound, d.Status)
	v := verifierCookieIn(d)
	require.NotNil(f.t, v)
	return flow{verifier: v, callback: f.authorize(d.Location())}
}

func (f *fixture) finish(c *authkit.Client, fl flow) authkit.Decision {
	return c.Callback(context.Background(), newReq(http.MethodGet, fl.callback.RequestURI(), fl.verifier))
}

// signIn runs the whole flow for email with f.c and returns the session cookie value.
func (f *fixture) signIn(email string) (string, authkit.Decision) {
	f.t.Helper()
	return f.signInWith(f.c, email)
}

func (f *fixture) signInWith(c *authkit.Client, email string) (string, authkit.Decision) {
	f.t.Helper()
	d := f.finish(c, f.startFlow(c, email, newReq(http.MethodGet, "/sign-in"), authkit.SignInOptions{}))
	require.NoError(f.t, d.Err)
	require.Equal(f.t, http.StatusFound, d.Status)
	ck := cookieIn(d, authkit.DefaultCookieName)
	require.NotNil(f.t, ck)
	require.NotEmpty(f.t, ck.Value)
	return ck.Value, d
}

func (f *fixture) load(c *authkit.Client, cookie string) authkit.Decision {
	return c.Load(context.Background(), newReq(http.MethodGet, "/", sessionCookie(cookie)))
}

func requireCleared(t testing.TB, d authkit.Decision) {
	t.Helper()
	ck := cookieIn(d, authkit.DefaultCookieName)
	require.NotNil(t, ck, "session cookie should be cleared")
	require.Less(t, ck.MaxAge, 0)
	require.Empty(t, ck.Value)
}

func requireNoSessionCookie(t testing.TB, d authkit.Decision) {
	t.Helper()
	require.Nil(t, cookieIn(d, authkit.DefaultCookieName), "session cookie must be kept (no Set-Cookie)")
	for _, v := range d.Header.Values("Set-Cookie") {
		require.NotContains(t, v, authkit.DefaultCookieName+"=")
	}
}

// ---------------------------------------------------------------- sign-in

func TestSignInCallbackLoad(t *testing.T) {
	f := newFixture(t, nil)
	var got authkit.CallbackResult
	c := f.client(func(cfg *authkit.Config) { cfg.OnSignIn = func(r authkit.CallbackResult) { got = r } })
	fl := f.startFlow(c, authkittest.AdminEmail, newReq(http.MethodGet, "/sign-in"), authkit.SignInOptions{ReturnTo: "/account?tab=1", State: "app-state"})
	require.NotEmpty(t, fl.callback.Query().Get("code"))
	require.Equal(t, verifierPfx, fl.verifier.Name[:len(verifierPfx)])
	require.Equal(t, fl.callback.Query().Get("state"), fl.verifier.Value, "the verifier cookie holds the state")

	d := f.finish(c, fl)
	require.NoError(t, d.Err)
	require.Equal(t, http.StatusFound, d.Status)
	require.Equal(t, "/account?tab=1", d.Location())
	require.NotNil(t, d.Auth)
	assert.Equal(t, authkittest.AdminUserID, d.Auth.User.ID)
	assert.Equal(t, "/account?tab=1", got.ReturnTo)
	assert.Equal(t, "app-state", got.State)
	// The verifier cookie is cleared.
	vc := cookieIn(d, fl.verifier.Name)
	require.NotNil(t, vc)
	assert.Less(t, vc.MaxAge, 0)

	sess := cookieIn(d, authkit.DefaultCookieName)
	ld := f.load(c, sess.Value)
	require.NoError(t, ld.Err)
	require.Zero(t, ld.Status)
	require.NotNil(t, ld.Auth)
	assert.Equal(t, authkittest.AdminUserID, ld.Auth.User.ID)
	assert.Equal(t, authkittest.AdminEmail, ld.Auth.User.Email)
	assert.Equal(t, authkittest.AcmeOrgID, ld.Auth.OrganizationID)
	assert.Equal(t, "admin", ld.Auth.Role)
	assert.True(t, ld.Auth.HasPermission("users:manage"))
	assert.Equal(t, authkit.SourceCookie, ld.Auth.Source)
	assert.NotEmpty(t, ld.Auth.SessionID)
	assert.Empty(t, ld.Cookies, "a valid session sets no cookie")
	assert.False(t, ld.Refreshed)

	// The code is single use: replaying the callback fails.
	d = f.finish(c, fl)
	require.Equal(t, http.StatusBadRequest, d.Status)
	require.ErrorIs(t, d.Err, authkit.ErrCodeExchange)
}

func TestCallbackFailures(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()

	t.Run("state mismatch", func(t *testing.T) {
		a := f.startFlow(f.c, authkittest.AdminEmail, newReq(http.MethodGet, "/sign-in"), authkit.SignInOptions{})
		b := f.startFlow(f.c, authkittest.AdminEmail, newReq(http.MethodGet, "/sign-in"), authkit.SignInOptions{})
		// a's state with b's verifier value under a's cookie name.
		d := f.c.Callback(ctx, newReq(http.MethodGet, a.callback.RequestURI(), &http.Cookie{Name: a.verifier.Name, Value: b.verifier.Value}))
		require.Equal(t, http.StatusBadRequest, d.Status)
		require.ErrorIs(t, d.Err, authkit.ErrStateMismatch)
		requireNoSessionCookie(t, d)
		require.Nil(t, d.Auth)
	})
	t.Run("missing verifier cookie", func(t *testing.T) {
		a := f.startFlow(f.c, authkittest.AdminEmail, newReq(http.MethodGet, "/sign-in"), authkit.SignInOptions{})
		d := f.c.Callback(ctx, newReq(http.MethodGet, a.callback.RequestURI()))
		require.Equal(t, http.StatusBadRequest, d.Status)
		require.ErrorIs(t, d.Err, authkit.ErrMissingVerifier)
		// Another flow's cookie does not help.
		b := f.startFlow(f.c, authkittest.AdminEmail, newReq(http.MethodGet, "/sign-in"), authkit.SignInOptions{})
		d = f.c.Callback(ctx, newReq(http.MethodGet, a.callback.RequestURI(), b.verifier))
		require.ErrorIs(t, d.Err, authkit.ErrMissingVerifier)
	})
	t.Run("missing code or state", func(t *testing.T) {
		d := f.c.Callback(ctx, newReq(http.MethodGet, "/callback?code=abc"))
		require.Equal(t, http.StatusBadRequest, d.Status)
		require.ErrorIs(t, d.Err, authkit.ErrMissingCallbackParams)
	})
	t.Run("authorization error", func(t *testing.T) {
		d := f.c.Callback(ctx, newReq(http.MethodGet, "/callback?error=access_denied&error_description=no"))
		require.Equal(t, http.StatusBadRequest, d.Status)
		require.ErrorIs(t, d.Err, authkit.ErrAuthorizationDenied)
		require.NotContains(t, string(d.Body), "access_denied", "the page reveals nothing internal")
	})
	t.Run("expired state", func(t *testing.T) {
		ff := newFixture(t, nil)
		a := ff.startFlow(ff.c, authkittest.AdminEmail, newReq(http.MethodGet, "/sign-in"), authkit.SignInOptions{})
		ff.clock.Advance(10*time.Minute + time.Second)
		d := ff.finish(ff.c, a)
		require.Equal(t, http.StatusBadRequest, d.Status)
		require.ErrorIs(t, d.Err, authkit.ErrInvalidState)
		requireNoSessionCookie(t, d)
		require.Equal(t, 0, ff.emu.Count(authkittest.EndpointCodeGrant), "an expired state never reaches WorkOS")
	})
	t.Run("code exchange unavailable", func(t *testing.T) {
		a := f.startFlow(f.c, authkittest.AdminEmail, newReq(http.MethodGet, "/sign-in"), authkit.SignInOptions{})
		f.emu.FailNext(authkittest.EndpointCodeGrant, 1, authkittest.Fault{Status: http.StatusServiceUnavailable})
		d := f.finish(f.c, a)
		require.Equal(t, http.StatusBadGateway, d.Status)
		require.ErrorIs(t, d.Err, authkit.ErrUpstream)
	})
}

func TestConcurrentFlowsAndVerifierEviction(t *testing.T) {
	f := newFixture(t, nil)
	// One browser: its cookie jar is the list of verifier cookies still set.
	jar := map[string]*http.Cookie{}
	apply := func(d authkit.Decision) {
		for _, c := range d.Cookies {
			if !strings.HasPrefix(c.Name, verifierPfx) {
				continue
			}
			if c.MaxAge < 0 {
				delete(jar, c.Name)
			} else {
				jar[c.Name] = c
			}
		}
	}
	jarReq := func(target string) *authkit.Request {
		var cs []*http.Cookie
		for _, c := range jar {
			cs = append(cs, c)
		}
		return newReq(http.MethodGet, target, cs...)
	}
	var flows []flow
	for i := range 4 {
		f.clock.Advance(time.Second) // distinct expiries, oldest first
		d := f.c.SignIn(context.Background(), jarReq("/sign-in"), authkit.SignInOptions{ReturnTo: "/tab/" + string(rune('a'+i))})
		require.Equal(t, http.StatusFound, d.Status)
		apply(d)
		flows = append(flows, flow{verifier: verifierCookieIn(d), callback: f.authorize(d.Location())})
		require.LessOrEqual(t, len(jar), 3, "at most three pending flows")
	}
	require.Len(t, jar, 3)
	require.NotContains(t, jar, flows[0].verifier.Name, "the oldest flow was evicted")

	// The oldest tab fails, the three others complete, in any order.
	d := f.c.Callback(context.Background(), jarReq(flows[0].callback.RequestURI()))
	require.ErrorIs(t, d.Err, authkit.ErrMissingVerifier)
	for _, i := range []int{2, 1, 3} {
		d := f.c.Callback(context.Background(), jarReq(flows[i].callback.RequestURI()))
		require.NoError(t, d.Err, "tab %d", i)
		require.Equal(t, "/tab/"+string(rune('a'+i)), d.Location())
		apply(d)
	}
	require.Empty(t, jar, "completed flows clear their verifier cookies")
}

func TestSignInEvictsGarbageVerifiers(t *testing.T) {
	f := newFixture(t, nil)
	d := f.c.SignIn(context.Background(), newReq(http.MethodGet, "/sign-in", &http.Cookie{Name: verifierPfx + "deadbeef", Value: "garbage"}), authkit.SignInOptions{})
	c := cookieIn(d, verifierPfx+"deadbeef")
	require.NotNil(t, c)
	require.Less(t, c.MaxAge, 0)
}

// ---------------------------------------------------------------- refresh

func TestRefresh(t *testing.T) {
	t.Run("on expiry", func(t *testing.T) {
		f := newFixture(t, nil)
		var events []authkit.RefreshEvent
		c := f.client(func(cfg *authkit.Config) { cfg.OnRefresh = func(e authkit.RefreshEvent) { events = append(events, e) } })
		cookie, cb := f.signInWith(c, authkittest.AdminEmail)
		f.clock.Advance(authkittest.DefaultAccessTokenTTL + time.Minute)
		d := f.load(c, cookie)
		require.NoError(t, d.Err)
		require.True(t, d.Refreshed)
		require.NotNil(t, d.Auth)
		assert.Equal(t, authkittest.AdminUserID, d.Auth.User.ID)
		assert.Equal(t, cb.Auth.SessionID, d.Auth.SessionID)
		assert.True(t, d.Auth.ExpiresAt.After(f.clock.Now()))
		nc := cookieIn(d, authkit.DefaultCookieName)
		require.NotNil(t, nc)
		require.NotEqual(t, cookie, nc.Value)
		assert.Equal(t, 1, f.emu.Count(authkittest.EndpointRefresh))
		require.Len(t, events, 1)
		assert.Equal(t, authkit.RefreshEvent{UserID: authkittest.AdminUserID, SessionID: cb.Auth.SessionID, OrganizationID: authkittest.AcmeOrgID}, events[0])

		// The new cookie loads without another refresh.
		d = f.load(c, nc.Value)
		require.NotNil(t, d.Auth)
		require.False(t, d.Refreshed)
		assert.Equal(t, 1, f.emu.Count(authkittest.EndpointRefresh))
	})
	t.Run("within the buffer", func(t *testing.T) {
		f := newFixture(t, nil)
		cookie, _ := f.signIn(authkittest.AdminEmail)
		f.clock.Advance(authkittest.DefaultAccessTokenTTL - 30*time.Second)
		d := f.load(f.c, cookie)
		require.NoError(t, d.Err)
		require.True(t, d.Refreshed)
		require.NotNil(t, cookieIn(d, authkit.DefaultCookieName))
		assert.Equal(t, 1, f.emu.Count(authkittest.EndpointRefresh))
	})
	t.Run("outside the buffer", func(t *testing.T) {
		f := newFixture(t, nil)
		cookie, _ := f.signIn(authkittest.AdminEmail)
		f.clock.Advance(authkittest.DefaultAccessTokenTTL - 2*time.Minute)
		d := f.load(f.c, cookie)
		require.False(t, d.Refreshed)
		require.NotNil(t, d.Auth)
		assert.Equal(t, 0, f.emu.Count(authkittest.EndpointRefresh))
	})
	t.Run("NoRefreshBuffer", func(t *testing.T) {
		f := newFixture(t, func(cfg *authkit.Config) { cfg.RefreshBuffer = authkit.NoRefreshBuffer })
		cookie, _ := f.signIn(authkittest.AdminEmail)
		f.clock.Advance(authkittest.DefaultAccessTokenTTL - 30*time.Second)
		d := f.load(f.c, cookie)
		require.False(t, d.Refreshed)
		require.NotNil(t, d.Auth)
		assert.Equal(t, 0, f.emu.Count(authkittest.EndpointRefresh))
		f.clock.Advance(time.Minute)
		d = f.load(f.c, cookie)
		require.True(t, d.Refreshed, "still refreshed once expired")
		assert.Equal(t, 1, f.emu.Count(authkittest.EndpointRefresh))
	})
	t.Run("custom buffer", func(t *testing.T) {
		f := newFixture(t, func(cfg *authkit.Config) { cfg.RefreshBuffer = 3 * time.Minute })
		cookie, _ := f.signIn(authkittest.AdminEmail)
		f.clock.Advance(authkittest.DefaultAccessTokenTTL - 2*time.Minute)
		d := f.load(f.c, cookie)
		require.True(t, d.Refreshed)
	})
	t.Run("rotated signing key", func(t *testing.T) {
		f := newFixture(t, nil)
		cookie, _ := f.signIn(authkittest.AdminEmail)
		f.emu.RotateKeys()
		// A process that never saw the old key (a cold cache after the rotation).
		cold := f.client(func(cfg *authkit.Config) { cfg.JWKSCache = jwks.New() })
		d := f.load(cold, cookie)
		require.NoError(t, d.Err)
		require.True(t, d.Refreshed, "a token signed by a retired key is renewed with the refresh token: %v", d.Err)
		require.NotNil(t, d.Auth)
	})
}

func TestRefreshDedupe(t *testing.T) {
	f := newFixture(t, nil)
	var hooks atomic.Int32
	c := f.client(func(cfg *authkit.Config) { cfg.OnRefresh = func(authkit.RefreshEvent) { hooks.Add(1) } })
	cookie, _ := f.signInWith(c, authkittest.AdminEmail)
	f.clock.Advance(authkittest.DefaultAccessTokenTTL + time.Minute)

	const n = 100
	results := make([]authkit.Decision, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i] = f.load(c, cookie)
		}()
	}
	close(start)
	wg.Wait()

	require.Equal(t, 1, f.emu.Count(authkittest.EndpointRefresh), "one refresh for the whole burst")
	require.Equal(t, int32(1), hooks.Load())
	first := cookieIn(results[0], authkit.DefaultCookieName)
	require.NotNil(t, first)
	for i, d := range results {
		require.NoError(t, d.Err, "request %d", i)
		require.NotNil(t, d.Auth, "request %d", i)
		require.True(t, d.Refreshed)
		ck := cookieIn(d, authkit.DefaultCookieName)
		require.NotNil(t, ck, "request %d", i)
		require.Equal(t, first.Value, ck.Value, "request %d got another session", i)
	}

	// Grace: a straggler with the old cookie after the refresh finished.
	f.clock.Advance(10 * time.Second)
	d := f.load(c, cookie)
	require.NoError(t, d.Err)
	require.NotNil(t, d.Auth, "a late request with the old cookie is not logged out")
	require.Equal(t, first.Value, cookieIn(d, authkit.DefaultCookieName).Value)
	require.Equal(t, 1, f.emu.Count(authkittest.EndpointRefresh))

	// After the grace period the spent token is replayed and refused.
	f.clock.Advance(2 * time.Minute)
	d = f.load(c, cookie)
	require.Nil(t, d.Auth)
	requireCleared(t, d)
	require.ErrorIs(t, d.Err, authkit.ErrRefreshFailed)
}

func TestRefreshTransientFailure(t *testing.T) {
	faults := map[string]struct {
		fault  authkittest.Fault
		client *http.Client
	}{
		"500": {fault: authkittest.Fault{Status: http.StatusInternalServerError, Body: `{"message":"boom"}`}},
		"429": {fault: authkittest.Fault{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"7"}}, Body: `{"message":"slow down"}`}},
		"hang": {
			fault:  authkittest.Fault{Delay: time.Minute},
			client: &http.Client{Timeout: 200 * time.Millisecond},
		},
	}
	for name, tc := range faults {
		for _, expired := range []bool{false, true} {
			label := name + "/in-buffer"
			if expired {
				label = name + "/expired"
			}
			t.Run(label, func(t *testing.T) {
				f := newFixture(t, nil)
				var errs []authkit.RefreshEvent
				var refreshed atomic.Int32
				c := f.client(func(cfg *authkit.Config) {
					cfg.HTTPClient = tc.client
					cfg.OnRefreshError = func(e authkit.RefreshEvent) { errs = append(errs, e) }
					cfg.OnRefresh = func(authkit.RefreshEvent) { refreshed.Add(1) }
				})
				cookie, _ := f.signInWith(c, authkittest.AdminEmail)
				if expired {
					f.clock.Advance(authkittest.DefaultAccessTokenTTL + time.Minute)
				} else {
					f.clock.Advance(authkittest.DefaultAccessTokenTTL - 30*time.Second)
				}
				f.emu.FailNext(authkittest.EndpointRefresh, 1, tc.fault)
				d := f.load(c, cookie)
				require.Error(t, d.Err)
				require.ErrorIs(t, d.Err, authkit.ErrUpstream)
				require.ErrorIs(t, d.Err, authkit.ErrRefreshFailed)
				require.Zero(t, d.Status)
				require.False(t, d.Refreshed)
				requireNoSessionCookie(t, d)
				if expired {
					require.Nil(t, d.Auth, "an expired token is not served")
				} else {
					require.NotNil(t, d.Auth, "the still-valid token is served")
					require.Equal(t, authkittest.AdminUserID, d.Auth.User.ID)
				}
				require.Len(t, errs, 1)
				assert.True(t, errs[0].Transient)
				assert.Equal(t, authkittest.AdminUserID, errs[0].UserID)
				assert.Equal(t, authkittest.AcmeOrgID, errs[0].OrganizationID)
				require.Error(t, errs[0].Err)
				if name == "429" {
					ra, ok := workos.RetryAfter(errs[0].Err)
					require.True(t, ok)
					assert.Equal(t, 7*time.Second, ra)
				}

				require.Zero(t, refreshed.Load(), "OnRefresh must not fire")

				// During the backoff the same cookie does not reach WorkOS again.
				d = f.load(c, cookie)
				require.False(t, d.Refreshed)
				requireNoSessionCookie(t, d)
				require.Equal(t, 1, f.emu.Count(authkittest.EndpointRefresh), "no call during the backoff")

				// Once the backoff (Retry-After for the 429) has passed, the same cookie refreshes.
				f.clock.Advance(8 * time.Second)
				d = f.load(c, cookie)
				require.NoError(t, d.Err)
				require.True(t, d.Refreshed)
				require.Equal(t, int32(1), refreshed.Load())
			})
		}
	}
}

func TestRefreshTerminalFailure(t *testing.T) {
	t.Run("revoked", func(t *testing.T) {
		f := newFixture(t, nil)
		var errs []authkit.RefreshEvent
		c := f.client(func(cfg *authkit.Config) {
			cfg.OnRefreshError = func(e authkit.RefreshEvent) { errs = append(errs, e) }
		})
		cookie, cb := f.signInWith(c, authkittest.AdminEmail)
		require.True(t, f.emu.RevokeSession(cb.Auth.SessionID))
		f.clock.Advance(authkittest.DefaultAccessTokenTTL + time.Minute)
		d := f.load(c, cookie)
		require.Nil(t, d.Auth)
		require.Zero(t, d.Status)
		requireCleared(t, d)
		require.ErrorIs(t, d.Err, authkit.ErrRefreshFailed)
		require.NotErrorIs(t, d.Err, authkit.ErrUpstream)
		require.Len(t, errs, 1)
		assert.False(t, errs[0].Transient)
		assert.Equal(t, authkittest.AdminUserID, errs[0].UserID)
	})
	t.Run("invalid_grant while the session lives on", func(t *testing.T) {
		// WorkOS refuses the refresh token but the session is still active:
		// someone else (another instance, a Node app) spent it first. That
		// is not proof the session is over: nothing is cleared.
		for _, expired := range []bool{false, true} {
			f := newFixture(t, nil)
			cookie, _ := f.signIn(authkittest.AdminEmail)
			if expired {
				f.clock.Advance(authkittest.DefaultAccessTokenTTL + time.Minute)
			} else {
				f.clock.Advance(authkittest.DefaultAccessTokenTTL - 30*time.Second)
			}
			f.emu.FailNext(authkittest.EndpointRefresh, 1, authkittest.Fault{Status: http.StatusBadRequest, Body: `{"error":"invalid_grant","error_description":"Refresh token already used."}`})
			d := f.load(f.c, cookie)
			requireNoSessionCookie(t, d)
			require.ErrorIs(t, d.Err, authkit.ErrRefreshFailed)
			if expired {
				require.Nil(t, d.Auth, "an expired token is not served")
			} else {
				require.NotNil(t, d.Auth, "the still-valid token is served")
			}
			// The refused token is remembered: the stale cookie does not reach WorkOS again.
			d = f.load(f.c, cookie)
			requireNoSessionCookie(t, d)
			require.Equal(t, 1, f.emu.Count(authkittest.EndpointRefresh))
		}
	})
}

// ---------------------------------------------------------------- sign-out

func TestSignOut(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	cookie, cb := f.signIn(authkittest.AdminEmail)

	d := f.c.SignOut(ctx, newReq(http.MethodGet, "/sign-out", sessionCookie(cookie)))
	require.Equal(t, http.StatusMethodNotAllowed, d.Status)
	require.Equal(t, http.MethodPost, d.Header.Get("Allow"))
	require.ErrorIs(t, d.Err, authkit.ErrMethodNotAllowed)
	requireNoSessionCookie(t, d)

	r := newReq(http.MethodPost, "/sign-out", sessionCookie(cookie))
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	d = f.c.SignOut(ctx, r)
	require.Equal(t, http.StatusForbidden, d.Status)
	require.ErrorIs(t, d.Err, authkit.ErrCrossSite)
	requireNoSessionCookie(t, d)

	r = newReq(http.MethodPost, "/sign-out", sessionCookie(cookie))
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	d = f.c.SignOut(ctx, r)
	require.NoError(t, d.Err)
	require.Equal(t, http.StatusSeeOther, d.Status)
	requireCleared(t, d)
	assert.Equal(t, "no-store", d.Header.Get("Cache-Control"))
	loc, err := url.Parse(d.Location())
	require.NoError(t, err)
	assert.Equal(t, f.emu.URL()+"/user_management/sessions/logout", loc.Scheme+"://"+loc.Host+loc.Path)
	assert.Equal(t, cb.Auth.SessionID, loc.Query().Get("session_id"))
	assert.Equal(t, appOrigin+"/", loc.Query().Get("return_to"))

	// Following the logout URL ends the session at WorkOS.
	resp, err := noRedirect.Get(d.Location())
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	require.False(t, f.emu.SessionActive(cb.Auth.SessionID))

	// No session: plain redirect home, nothing to clear.
	d = f.c.SignOut(ctx, newReq(http.MethodPost, "/sign-out"))
	require.Equal(t, http.StatusSeeOther, d.Status)
	require.Equal(t, "/", d.Location())
	require.Empty(t, d.Cookies)

	// A garbage cookie is cleared, and the redirect goes home.
	d = f.c.SignOut(ctx, newReq(http.MethodPost, "/sign-out", sessionCookie("garbage")))
	require.Equal(t, "/", d.Location())
	requireCleared(t, d)

	// An expired session still ends at WorkOS.
	cookie2, cb2 := f.signIn(authkittest.AdminEmail)
	f.clock.Advance(time.Hour)
	d = f.c.SignOut(ctx, newReq(http.MethodPost, "/sign-out", sessionCookie(cookie2)))
	loc, err = url.Parse(d.Location())
	require.NoError(t, err)
	assert.Equal(t, cb2.Auth.SessionID, loc.Query().Get("session_id"))
}

func TestSignOutAllowGET(t *testing.T) {
	f := newFixture(t, func(cfg *authkit.Config) {
		cfg.AllowGETSignOut = true
		cfg.SignOutReturnTo = "http://app.test/bye"
	})
	cookie, cb := f.signIn(authkittest.AdminEmail)
	d := f.c.SignOut(context.Background(), newReq(http.MethodGet, "/sign-out", sessionCookie(cookie)))
	require.Equal(t, http.StatusSeeOther, d.Status)
	requireCleared(t, d)
	loc, err := url.Parse(d.Location())
	require.NoError(t, err)
	assert.Equal(t, cb.Auth.SessionID, loc.Query().Get("session_id"))
	assert.Equal(t, "http://app.test/bye", loc.Query().Get("return_to"))
	d = f.c.SignOut(context.Background(), newReq(http.MethodPut, "/sign-out", sessionCookie(cookie)))
	require.Equal(t, http.StatusMethodNotAllowed, d.Status)
}

// ---------------------------------------------------------------- switch organization

func TestSwitchOrganization(t *testing.T) {
	ctx := context.Background()
	post := func(cookie string) *authkit.Request {
		return newReq(http.MethodPost, "/switch", sessionCookie(cookie))
	}

	t.Run("to another membership", func(t *testing.T) {
		f := newFixture(t, nil)
		cookie, cb := f.signIn(authkittest.MultiOrgEmail)
		require.Equal(t, authkittest.AcmeOrgID, cb.Auth.OrganizationID)
		require.Equal(t, "member", cb.Auth.Role)
		d := f.c.SwitchOrganization(ctx, post(cookie), authkittest.GlobexOrgID, "/projects?x=1")
		require.NoError(t, d.Err)
		require.Equal(t, http.StatusSeeOther, d.Status)
		require.Equal(t, "/projects?x=1", d.Location())
		nc := cookieIn(d, authkit.DefaultCookieName)
		require.NotNil(t, nc)
		require.Equal(t, authkittest.GlobexOrgID, d.Auth.OrganizationID)
		require.Equal(t, "admin", d.Auth.Role)
		ld := f.load(f.c, nc.Value)
		require.NotNil(t, ld.Auth)
		assert.Equal(t, authkittest.GlobexOrgID, ld.Auth.OrganizationID)
		assert.Equal(t, "admin", ld.Auth.Role)
		assert.Equal(t, cb.Auth.SessionID, ld.Auth.SessionID)
		// A hostile return path falls back to "/".
		d = f.c.SwitchOrganization(ctx, post(nc.Value), authkittest.AcmeOrgID, "//evil.example")
		require.Equal(t, "/", d.Location())
	})
	t.Run("non-member", func(t *testing.T) {
		f := newFixture(t, nil)
		cookie, _ := f.signIn(authkittest.AdminEmail)
		d := f.c.SwitchOrganization(ctx, post(cookie), authkittest.GlobexOrgID, "/")
		require.Equal(t, http.StatusForbidden, d.Status)
		require.ErrorIs(t, d.Err, authkit.ErrOrganizationSwitch)
		requireNoSessionCookie(t, d)
		ld := f.load(f.c, cookie)
		require.NotNil(t, ld.Auth, "the session is kept")
		assert.Equal(t, authkittest.AcmeOrgID, ld.Auth.OrganizationID)
	})
	t.Run("sso required", func(t *testing.T) {
		f := newFixture(t, nil)
		cookie, _ := f.signIn(authkittest.MultiOrgEmail)
		f.emu.FailNext(authkittest.EndpointRefresh, 1, authkittest.Fault{Status: http.StatusForbidden, Body: `{"code":"sso_required","message":"User must authenticate using one of the matching connections.","email":"multi@example.com","connection_ids":["conn_01HXYZ"],"pending_authentication_token":"pat_secret"}`})
		d := f.c.SwitchOrganization(ctx, post(cookie), authkittest.GlobexOrgID, "/after")
		require.ErrorIs(t, d.Err, authkit.ErrOrganizationSwitch)
		require.Contains(t, []int{http.StatusFound, http.StatusSeeOther}, d.Status)
		loc, err := url.Parse(d.Location())
		require.NoError(t, err)
		assert.Equal(t, f.emu.URL()+"/user_management/authorize", loc.Scheme+"://"+loc.Host+loc.Path)
		assert.Equal(t, authkittest.GlobexOrgID, loc.Query().Get("organization_id"))
		require.NotNil(t, verifierCookieIn(d))
		requireNoSessionCookie(t, d)
		// Completing that sign-in lands on the remembered path in the organization.
		f.emu.AutoApprove(authkittest.MultiOrgEmail)
		cd := f.finish(f.c, flow{verifier: verifierCookieIn(d), callback: f.authorize(d.Location())})
		require.NoError(t, cd.Err)
		assert.Equal(t, "/after", cd.Location())
		assert.Equal(t, authkittest.GlobexOrgID, cd.Auth.OrganizationID)
	})
	t.Run("revoked", func(t *testing.T) {
		f := newFixture(t, nil)
		cookie, cb := f.signIn(authkittest.MultiOrgEmail)
		f.emu.RevokeSession(cb.Auth.SessionID)
		d := f.c.SwitchOrganization(ctx, post(cookie), authkittest.GlobexOrgID, "/after")
		requireCleared(t, d)
		require.Error(t, d.Err)
		require.Contains(t, []int{http.StatusFound, http.StatusSeeOther}, d.Status, "a browser is sent to sign in again")
		assert.True(t, strings.HasPrefix(d.Location(), f.emu.URL()+"/user_management/authorize"), d.Location())
		// An API client gets 401.
		r := post(cookie)
		r.Header.Set("Accept", "application/json")
		d = f.c.SwitchOrganization(ctx, r, authkittest.GlobexOrgID, "/after")
		requireCleared(t, d)
		require.Equal(t, http.StatusUnauthorized, d.Status)
	})
	t.Run("refused requests", func(t *testing.T) {
		f := newFixture(t, nil)
		cookie, _ := f.signIn(authkittest.MultiOrgEmail)
		d := f.c.SwitchOrganization(ctx, newReq(http.MethodGet, "/switch", sessionCookie(cookie)), authkittest.GlobexOrgID, "/")
		require.Equal(t, http.StatusMethodNotAllowed, d.Status)
		r := post(cookie)
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		d = f.c.SwitchOrganization(ctx, r, authkittest.GlobexOrgID, "/")
		require.Equal(t, http.StatusForbidden, d.Status)
		d = f.c.SwitchOrganization(ctx, post(cookie), "", "/")
		require.Equal(t, http.StatusBadRequest, d.Status)
		f.emu.FailNext(authkittest.EndpointRefresh, 1, authkittest.Fault{Status: http.StatusServiceUnavailable})
		d = f.c.SwitchOrganization(ctx, post(cookie), authkittest.GlobexOrgID, "/")
		require.Equal(t, http.StatusBadGateway, d.Status)
		requireNoSessionCookie(t, d)
		require.Zero(t, f.emu.Count(authkittest.EndpointRefresh)-1)
	})
}

// ---------------------------------------------------------------- require

func TestRequire(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()

	t.Run("browser GET redirects to sign-in and back", func(t *testing.T) {
		r := newReq(http.MethodGet, "/reports/42?tab=usage&sort=desc")
		d := f.c.Require(ctx, r, nil)
		require.Equal(t, http.StatusFound, d.Status)
		require.ErrorIs(t, d.Err, authkit.ErrUnauthenticated)
		require.True(t, strings.HasPrefix(d.Location(), f.emu.URL()+"/user_management/authorize"))
		cd := f.finish(f.c, flow{verifier: verifierCookieIn(d), callback: f.authorize(d.Location())})
		require.NoError(t, cd.Err)
		require.Equal(t, "/reports/42?tab=usage&sort=desc", cd.Location())
	})
	t.Run("POST without session", func(t *testing.T) {
		d := f.c.Require(ctx, newReq(http.MethodPost, "/form"), nil)
		require.Equal(t, http.StatusUnauthorized, d.Status)
		require.NotEmpty(t, d.Header.Get("WWW-Authenticate"))
	})
	t.Run("JSON client", func(t *testing.T) {
		r := newReq(http.MethodGet, "/api/things")
		r.Header.Set("Accept", "application/json")
		d := f.c.Require(ctx, r, nil)
		require.Equal(t, http.StatusUnauthorized, d.Status)
		require.Contains(t, d.Header.Get("WWW-Authenticate"), "Bearer")
		require.Equal(t, "application/json", d.ContentType)
		require.True(t, json.Valid(d.Body))
	})
	t.Run("custom IsAPIRequest", func(t *testing.T) {
		c := f.client(func(cfg *authkit.Config) {
			cfg.IsAPIRequest = func(r *authkit.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }
		})
		d := c.Require(ctx, newReq(http.MethodGet, "/api/things"), nil)
		require.Equal(t, http.StatusUnauthorized, d.Status)
		r := newReq(http.MethodGet, "/page")
		r.Header.Set("Accept", "application/json")
		d = c.Require(ctx, r, nil)
		require.Equal(t, http.StatusFound, d.Status, "the custom predicate replaces the default")
	})
	t.Run("roles and permissions", func(t *testing.T) {
		cookie, _ := f.signIn(authkittest.MultiOrgEmail) // member of Acme, posts:read
		a := f.load(f.c, cookie).Auth
		require.NotNil(t, a)
		r := newReq(http.MethodGet, "/admin")
		d := f.c.Require(ctx, r, a, authkit.RequireRole("member"), authkit.RequirePermission("posts:read"))
		require.Zero(t, d.Status)
		require.NoError(t, d.Err)
		require.Same(t, a, d.Auth)
		d = f.c.Require(ctx, r, a, authkit.RequireRole("admin"))
		require.Equal(t, http.StatusForbidden, d.Status)
		require.ErrorIs(t, d.Err, authkit.ErrForbidden)
		d = f.c.Require(ctx, r, a, authkit.RequirePermission("users:manage"))
		require.Equal(t, http.StatusForbidden, d.Status)
		r.Header.Set("Accept", "application/json")
		d = f.c.Require(ctx, r, a, authkit.RequirePermission("users:manage"))
		require.Equal(t, http.StatusForbidden, d.Status)
		require.Equal(t, "application/json", d.ContentType)
	})
}

// ---------------------------------------------------------------- bearer

func TestBearer(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	tok, err := f.emu.MintAccessToken(authkittest.TokenParams{UserID: authkittest.AdminUserID, OrganizationID: authkittest.AcmeOrgID})
	require.NoError(t, err)
	bearer := func(c *authkit.Client, tok string, cookies ...*http.Cookie) authkit.Decision {
		r := newReq(http.MethodGet, "/api", cookies...)
		r.Header.Set("Authorization", "Bearer "+tok)
		return c.Load(ctx, r)
	}

	d := bearer(f.c, tok)
	require.NoError(t, d.Err)
	require.Zero(t, d.Status)
	require.NotNil(t, d.Auth)
	assert.Equal(t, authkit.SourceBearer, d.Auth.Source)
	assert.Equal(t, authkittest.AdminUserID, d.Auth.User.ID)
	assert.Equal(t, "admin", d.Auth.Role)
	assert.Empty(t, d.Cookies)

	for name, bad := range map[string]string{
		"garbage": "not-a-token",
		"tampered": func() string {
			b := []byte(tok)
			b[len(b)-5] ^= 1
			return string(b)
		}(),
		"expired": func() string {
			s, err := f.emu.MintAccessToken(authkittest.TokenParams{UserID: authkittest.AdminUserID, TTL: -time.Hour})
			require.NoError(t, err)
			return s
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			d := bearer(f.c, bad)
			require.Equal(t, http.StatusUnauthorized, d.Status)
			require.ErrorIs(t, d.Err, authkit.ErrInvalidBearer)
			require.Nil(t, d.Auth)
			require.Contains(t, d.Header.Get("WWW-Authenticate"), `Bearer error="invalid_token"`)
			require.True(t, json.Valid(d.Body))
			require.NotContains(t, string(d.Body), bad)
		})
	}

	cookie, _ := f.signIn(authkittest.PlainEmail)
	d = bearer(f.c, tok, sessionCookie(cookie))
	require.Equal(t, authkittest.AdminUserID, d.Auth.User.ID, "bearer wins over the cookie")
	require.Equal(t, authkit.SourceBearer, d.Auth.Source)

	c := f.client(func(cfg *authkit.Config) { cfg.DisableBearer = true })
	d = bearer(c, "not-a-token")
	require.Zero(t, d.Status, "the header is ignored")
	require.Nil(t, d.Auth)
	require.NoError(t, d.Err)
	d = bearer(c, tok, sessionCookie(cookie))
	require.Equal(t, authkittest.PlainUserID, d.Auth.User.ID)
	require.Equal(t, authkit.SourceCookie, d.Auth.Source)
}

// ---------------------------------------------------------------- hostile cookies

func TestHostileCookies(t *testing.T) {
	f := newFixture(t, nil)
	cookie, _ := f.signIn(authkittest.AdminEmail)

	var sess map[string]any
	require.NoError(t, seal.UnsealJSON(cookie, seal.Single(testPassword), &sess))
	foreign, err := seal.SealJSON(sess, seal.Single("another-password-that-is-32-chars-long!!"))
	require.NoError(t, err)
	sess["user"].(map[string]any)["id"] = authkittest.PlainUserID
	wrongSub, err := seal.SealJSON(sess, seal.Single(testPassword))
	require.NoError(t, err)
	empty, err := seal.SealJSON(map[string]any{}, seal.Single(testPassword))
	require.NoError(t, err)
	tampered := []byte(cookie)
	tampered[len(tampered)/2] ^= 0x01
	if tampered[len(tampered)/2] == '*' {
		tampered[len(tampered)/2] = 'A'
	}

	for name, v := range map[string]string{
		"tampered":      string(tampered),
		"foreign":       foreign,
		"garbage":       "garbage",
		"oversized":     strings.Repeat("A", 70<<10),
		"truncated":     cookie[:len(cookie)-10],
		"empty session": empty,
		"sub mismatch":  wrongSub,
		"quoted":        `"` + "Fe26.2**x" + `"`,
	} {
		t.Run(name, func(t *testing.T) {
			d := f.load(f.c, v)
			require.Nil(t, d.Auth)
			require.Zero(t, d.Status, "a bad cookie is never an error response")
			require.ErrorIs(t, d.Err, authkit.ErrInvalidSession)
			requireCleared(t, d)
		})
	}
	require.Equal(t, 0, f.emu.Count(authkittest.EndpointRefresh))
}

func TestJWKSOutageKeepsCookie(t *testing.T) {
	f := newFixture(t, nil)
	cookie, _ := f.signIn(authkittest.AdminEmail)
	cold := f.client(func(cfg *authkit.Config) { cfg.JWKSCache = jwks.New(jwks.WithClock(f.clock.Now)) })
	f.emu.FailNext(authkittest.EndpointJWKS, 1, authkittest.Fault{Status: http.StatusServiceUnavailable})
	d := f.load(cold, cookie)
	require.Nil(t, d.Auth)
	require.Zero(t, d.Status)
	require.ErrorIs(t, d.Err, authkit.ErrUpstream)
	requireNoSessionCookie(t, d)

	// Recovered after the retry backoff.
	f.clock.Advance(time.Minute)
	d = f.load(cold, cookie)
	require.NoError(t, d.Err)
	require.NotNil(t, d.Auth)
}

// ---------------------------------------------------------------- cookie attributes

func TestCookieAttributes(t *testing.T) {
	cases := []struct {
		name     string
		mod      func(*authkit.Config)
		sameSite http.SameSite
		secure   bool
		maxAge   int
		domain   string
	}{
		{name: "defaults", sameSite: http.SameSiteLaxMode, maxAge: int(authkit.DefaultCookieMaxAge / time.Second)},
		{name: "strict", mod: func(c *authkit.Config) { c.CookieSameSite = http.SameSiteStrictMode }, sameSite: http.SameSiteStrictMode, maxAge: int(authkit.DefaultCookieMaxAge / time.Second)},
		{name: "none implies Secure", mod: func(c *authkit.Config) { c.CookieSameSite = http.SameSiteNoneMode }, sameSite: http.SameSiteNoneMode, secure: true, maxAge: int(authkit.DefaultCookieMaxAge / time.Second)},
		{name: "https redirect", mod: func(c *authkit.Config) { c.RedirectURI = "https://app.test/callback" }, sameSite: http.SameSiteLaxMode, secure: true, maxAge: int(authkit.DefaultCookieMaxAge / time.Second)},
		{name: "HTTPS redirect, upper case", mod: func(c *authkit.Config) { c.RedirectURI = "HTTPS://app.test/callback" }, sameSite: http.SameSiteLaxMode, secure: true, maxAge: int(authkit.DefaultCookieMaxAge / time.Second)},
		{name: "max age and domain", mod: func(c *authkit.Config) {
			c.CookieMaxAge = time.Hour
			c.CookieDomain = "app.test"
			c.CookieName = "my-session"
		}, sameSite: http.SameSiteLaxMode, maxAge: 3600, domain: "app.test"},
		{name: "from env", mod: func(c *authkit.Config) {
			env := map[string]string{"WORKOS_COOKIE_MAX_AGE": "120", "WORKOS_COOKIE_DOMAIN": "example.test", "WORKOS_COOKIE_SAMESITE": "Strict"}
			c.Getenv = func(k string) string { return env[k] }
		}, sameSite: http.SameSiteStrictMode, maxAge: 120, domain: "example.test"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.mod)
			name := f.c.Config().CookieName
			d := f.finish(f.c, f.startFlow(f.c, authkittest.AdminEmail, newReq(http.MethodGet, "/sign-in"), authkit.SignInOptions{}))
			require.NoError(t, d.Err)
			ck := cookieIn(d, name)
			require.NotNil(t, ck)
			// Parse the header as a browser would.
			var parsed *http.Cookie
			for _, line := range d.Header.Values("Set-Cookie") {
				if c, err := http.ParseSetCookie(line); err == nil && c.Name == name {
					parsed = c
				}
			}
			require.NotNil(t, parsed)
			for _, c := range []*http.Cookie{ck, parsed} {
				assert.Equal(t, "/", c.Path)
				assert.True(t, c.HttpOnly)
				assert.Equal(t, tc.sameSite, c.SameSite)
				assert.Equal(t, tc.secure, c.Secure)
				assert.Equal(t, tc.maxAge, c.MaxAge)
				assert.Equal(t, tc.domain, c.Domain)
			}
			assert.Equal(t, "no-store", d.Header.Get("Cache-Control"))
			assert.Contains(t, d.Header.Values("Vary"), "Cookie")

			// Clearing carries the same attributes (or the browser keeps the cookie).
			ld := f.c.Load(context.Background(), newReq(http.MethodGet, "/", &http.Cookie{Name: name, Value: "garbage"}))
			cl := cookieIn(ld, name)
			require.NotNil(t, cl)
			assert.Less(t, cl.MaxAge, 0)
			assert.Equal(t, "/", cl.Path)
			assert.Equal(t, tc.domain, cl.Domain)
			assert.Equal(t, tc.secure, cl.Secure)
			assert.Equal(t, "no-store", ld.Header.Get("Cache-Control"))
			assert.Equal(t, []string{"Cookie"}, ld.Header.Values("Vary"))

			// The verifier cookie is HttpOnly, Lax, short-lived.
			sd := f.c.SignIn(context.Background(), newReq(http.MethodGet, "/sign-in"), authkit.SignInOptions{})
			vc := verifierCookieIn(sd)
			require.NotNil(t, vc)
			assert.True(t, vc.HttpOnly)
			assert.Equal(t, http.SameSiteLaxMode, vc.SameSite)
			assert.Equal(t, 600, vc.MaxAge)
			assert.Equal(t, tc.secure, vc.Secure)
		})
	}
}

func TestOversizedCookieWarning(t *testing.T) {
	seed := authkittest.DefaultSeed()
	big := "bigpic@example.com"
	seed.Users = append(seed.Users, authkittest.User{Email: big, FirstName: "Big", ProfilePictureURL: "https://cdn.example.com/" + strings.Repeat("p", 5000)})
	var logs conformance.SyncBuffer
	f := newFixture(t, func(cfg *authkit.Config) {
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}, authkittest.WithSeed(seed))
	cookie, d := f.signIn(big)
	require.Greater(t, len(cookie), 4096)
	out := logs.String()
	require.Contains(t, out, "larger than browsers accept")
	require.Contains(t, out, "level=WARN")
	require.NotContains(t, out, cookie[:64])
	require.NotContains(t, out, d.Auth.AccessToken)
	var s struct{ RefreshToken string }
	require.NoError(t, seal.UnsealJSON(cookie, seal.Single(testPassword), &s))
	require.NotContains(t, out, s.RefreshToken)

	// A normal session logs nothing.
	before := len(logs.String())
	f.signIn(authkittest.AdminEmail)
	require.Len(t, logs.String(), before)
}

// ---------------------------------------------------------------- misc

func TestLoadWithoutCookie(t *testing.T) {
	f := newFixture(t, nil)
	d := f.c.Load(context.Background(), newReq(http.MethodGet, "/"))
	require.Nil(t, d.Auth)
	require.NoError(t, d.Err)
	require.Zero(t, d.Status)
	require.Empty(t, d.Header)
}

func TestImpersonatedSession(t *testing.T) {
	seed := authkittest.DefaultSeed()
	seed.Users = append(seed.Users, authkittest.User{Email: "victim@example.com", Impersonator: &authkittest.Impersonator{Email: "support@example.com", Reason: "ticket 7"}})
	f := newFixture(t, nil, authkittest.WithSeed(seed))
	cookie, _ := f.signIn("victim@example.com")
	d := f.load(f.c, cookie)
	require.NotNil(t, d.Auth)
	require.Equal(t, &authkit.Impersonator{Email: "support@example.com", Reason: "ticket 7"}, d.Auth.Impersonator)
	require.Equal(t, "Impersonation", d.Auth.AuthenticationMethod)
	// Refresh keeps the impersonator.
	f.clock.Advance(time.Hour)
	d = f.load(f.c, cookie)
	require.True(t, d.Refreshed)
	require.Equal(t, "support@example.com", d.Auth.Impersonator.Email)
}

func TestContextCancelledWhileWaitingForRefresh(t *testing.T) {
	f := newFixture(t, nil)
	cookie, _ := f.signIn(authkittest.AdminEmail)
	f.clock.Advance(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d := f.c.Load(ctx, newReq(http.MethodGet, "/", sessionCookie(cookie)))
	if d.Err != nil && !d.Refreshed {
		require.True(t, errors.Is(d.Err, authkit.ErrUpstream) || errors.Is(d.Err, context.Canceled), d.Err)
		requireNoSessionCookie(t, d)
	}
}

// BenchmarkLoad measures Load of a valid session cookie with a warm JWKS cache.
func BenchmarkLoad(b *testing.B) {
	f := newFixture(b, nil)
	cookie, _ := f.signIn(authkittest.AdminEmail)
	r := newReq(http.MethodGet, "/", sessionCookie(cookie))
	ctx := context.Background()
	require.NotNil(b, f.c.Load(ctx, r).Auth) // warm
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if d := f.c.Load(ctx, r); d.Auth == nil {
			b.Fatal(d.Err)
		}
	}
}

// ---------------------------------------------------------------- outages around refresh and sign-out

// WorkOS rotates its signing key while the JWKS endpoint is down: the
// refreshed token's key cannot be fetched, but WorkOS has already spent the
// old refresh token, so the new session must be kept, not dropped.
func TestRefreshKeptWhenNewKeyUnreachable(t *testing.T) {
	f := newFixture(t, nil)
	cookie, _ := f.signIn(authkittest.AdminEmail)
	f.emu.RotateKeys()
	f.emu.FailNext(authkittest.EndpointJWKS, 100, authkittest.Fault{Status: http.StatusServiceUnavailable})
	f.clock.Advance(authkittest.DefaultAccessTokenTTL + time.Minute)

	d := f.load(f.c, cookie)
	require.NoError(t, d.Err)
	require.True(t, d.Refreshed)
	require.NotNil(t, d.Auth, "the refreshed session is served")
	ck := cookieIn(d, authkit.DefaultCookieName)
	require.NotNil(t, ck)
	require.NotEmpty(t, ck.Value, "and kept in the cookie")
	require.Equal(t, 1, f.emu.Count(authkittest.EndpointRefresh))

	// With the key set back, the new session verifies without refreshing.
	f.emu.FailNext(authkittest.EndpointJWKS, 0, authkittest.Fault{})
	f.clock.Advance(2 * time.Minute) // past the unknown-kid refetch cooldown
	d = f.load(f.c, ck.Value)
	require.NotNil(t, d.Auth)
}

// Sign-out names the session to WorkOS even when the key set is
// unreachable: the token comes from our own sealed cookie.
func TestSignOutWithoutKeySet(t *testing.T) {
	f := newFixture(t, nil)
	cookie, cb := f.signIn(authkittest.AdminEmail)
	cold := f.client(func(cfg *authkit.Config) { cfg.JWKSCache = jwks.New(jwks.WithClock(f.clock.Now)) })
	f.emu.FailNext(authkittest.EndpointJWKS, 100, authkittest.Fault{Status: http.StatusServiceUnavailable})
	jwksBefore := f.emu.Count(authkittest.EndpointJWKS)

	d := cold.SignOut(context.Background(), newReq(http.MethodPost, "/sign-out", sessionCookie(cookie)))
	require.Equal(t, http.StatusSeeOther, d.Status)
	loc, err := url.Parse(d.Location())
	require.NoError(t, err)
	require.Equal(t, cb.Auth.SessionID, loc.Query().Get("session_id"))
	require.Equal(t, jwksBefore, f.emu.Count(authkittest.EndpointJWKS), "sign-out fetches no keys")
	requireCleared(t, d)
}

// ---------------------------------------------------------------- remembered sessions

// The engine remembers opened cookies and verified tokens; every request
// must still get an Auth of its own.
func TestAuthIsPerRequest(t *testing.T) {
	f := newFixture(t, nil)
	cookie, _ := f.signIn(authkittest.AdminEmail)
	a1 := f.load(f.c, cookie).Auth
	require.NotNil(t, a1)
	a1.Permissions[0] = "changed"
	a1.User.Metadata["k"] = "changed"
	a1.User.Email = "changed"
	a2 := f.load(f.c, cookie).Auth
	require.NotEqual(t, "changed", a2.Permissions[0])
	require.NotContains(t, a2.User.Metadata, "k")
	require.Equal(t, authkittest.AdminEmail, a2.User.Email)
}

// A seal with an expiry (not what AuthKit writes, but valid iron) is not
// remembered past it.
func TestExpiringSealNotRemembered(t *testing.T) {
	f := newFixture(t, nil)
	cookie, _ := f.signIn(authkittest.AdminEmail)
	payload, err := seal.Unseal(cookie, seal.Single(testPassword))
	require.NoError(t, err)
	expiring, err := seal.Seal(payload, seal.Single(testPassword), seal.WithTTL(time.Minute), seal.WithClock(f.clock.Now))
	require.NoError(t, err)

	require.NotNil(t, f.load(f.c, expiring).Auth)
	f.clock.Advance(2*time.Minute + time.Second) // past the TTL and iron's 60 s skew; the token is still valid
	d := f.load(f.c, expiring)
	require.Nil(t, d.Auth)
	require.ErrorIs(t, d.Err, seal.ErrExpired)
	requireCleared(t, d)
}
