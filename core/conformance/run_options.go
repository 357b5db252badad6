package conformance

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
)

// optionTests run when the harness sets NewWithOptions.
var optionTests = []struct {
	name string
	fn   func(*testing.T, Harness)
}{
	{"Skipper", testOptSkipper},
	{"ErrorHandler", testOptErrorHandler},
	{"PublicPaths", testOptPublicPaths},
	{"Requirements", testOptRequirements},
	{"RequireAuthWithoutMiddleware", testOptRequireAuthWithoutMiddleware},
	{"RefreshHooks", testOptRefreshHooks},
}

func testOptSkipper(t *testing.T, h Harness) {
	e := NewEnv(t, nil)
	skip := Options{Skip: func(r *http.Request) bool {
		return r.Header.Get("X-Skip") != "" || strings.HasPrefix(r.URL.Path, PathProtected+"/skip")
	}}
	app := h.NewWithOptions(t, e.Client, skip, skip)
	session := e.SignIn(t, app, authkittest.AdminEmail)
	skipped := http.Header{"X-Skip": {"1"}, "Accept": {"application/json"}}

	r := Get(t, app, PathPublic, session, skipped)
	require.Equal(t, "anonymous", whoami(t, r), "a skipped request has no Auth")
	require.Empty(t, r.Header.Values("Set-Cookie"))

	r = Get(t, app, PathPublic, "garbage", skipped)
	require.Equal(t, "anonymous", whoami(t, r))
	require.Empty(t, r.Header.Values("Set-Cookie"), "a skipped request's bad cookie is left alone")
	r = Get(t, app, PathPublic, "garbage", nil)
	require.NotNil(t, r.Cookie(authkit.DefaultCookieName), "without the skipper the bad cookie is cleared")

	bad := http.Header{"X-Skip": {"1"}, "Authorization": {"Bearer not.a.jwt"}, "Accept": {"application/json"}}
	r = Get(t, app, PathPublic, "", bad)
	require.Equal(t, "anonymous", whoami(t, r), "a skipped request's bearer token is not checked")
	require.Empty(t, r.Header.Values("Set-Cookie"))
	bad.Del("X-Skip")
	require.Equal(t, http.StatusUnauthorized, Get(t, app, PathPublic, "", bad).Status, "without the skipper the invalid token is refused")

	r = Get(t, app, PathProtected, "", skipped)
	require.Equal(t, http.StatusOK, r.Status, "RequireAuth skips too")
	require.Equal(t, "anonymous", whoami(t, r))
	r = Get(t, app, PathProtected+"/skip", "", jsonHeader())
	require.Equal(t, "anonymous", whoami(t, r), "the skipper sees the request's path")

	require.Equal(t, authkittest.AdminUserID+" cookie", whoami(t, Get(t, app, PathProtected, session, nil)))
}

func testOptErrorHandler(t *testing.T, h Harness) {
	e := NewEnv(t, nil)
	var got atomic.Pointer[authkit.Decision]
	var calls atomic.Int32
	handler := func(d *authkit.Decision) (int, string) {
		calls.Add(1)
		got.Store(d)
		return http.StatusTeapot, "custom: " + d.Err.Error()
	}
	app := h.NewWithOptions(t, e.Client, Options{ErrorHandler: handler}, Options{ErrorHandler: handler, Role: "admin"})
	// The body is the handler's alone: had the chain gone on, the route's
	// Body would follow (or replace) it.
	custom := func(r *Response, status int, err error) {
		t.Helper()
		d := got.Load()
		require.NotNil(t, d, "the handler is called")
		require.Equal(t, status, d.Status)
		require.ErrorIs(t, d.Err, err)
		require.Equal(t, http.StatusTeapot, r.Status, "the handler writes the response")
		require.Equal(t, "custom: "+d.Err.Error(), r.Body, "the handler's body alone: the chain stops")
		require.NotEmpty(t, r.Header.Get("WWW-Authenticate"), "the decision's headers are already set")
	}

	custom(Get(t, app, PathProtected, "", jsonHeader()), http.StatusUnauthorized, authkit.ErrUnauthenticated)

	got.Store(nil)
	n := calls.Load()
	r := Get(t, app, PathProtected, "", nil)
	require.Equal(t, http.StatusFound, r.Status, "a browser is still redirected to sign-in")
	require.Nil(t, got.Load(), "redirects are not errors")
	require.Equal(t, n, calls.Load())

	got.Store(nil)
	custom(Get(t, app, PathPublic, "", http.Header{"Authorization": {"Bearer not.a.jwt"}}), http.StatusUnauthorized, authkit.ErrInvalidBearer)

	got.Store(nil)
	plain := e.SignIn(t, app, authkittest.PlainEmail)
	r = Get(t, app, PathProtected, plain, nil)
	d := got.Load()
	require.NotNil(t, d, "a missing role goes through the handler")
	require.Equal(t, http.StatusForbidden, d.Status)
	require.ErrorIs(t, d.Err, authkit.ErrForbidden)
	require.Equal(t, http.StatusTeapot, r.Status)
	require.Equal(t, "custom: "+d.Err.Error(), r.Body)
}

func testOptPublicPaths(t *testing.T, h Harness) {
	e := NewEnv(t, nil)
	app := h.NewWithOptions(t, e.Client, Options{}, Options{PublicPaths: []string{PathProtected + "/health", PathProtected + "/public/*"}, Role: "admin"})

	for _, p := range []string{"/health", "/public/docs", "/public/a/b"} {
		r := Get(t, app, PathProtected+p, "", jsonHeader())
		require.Equal(t, http.StatusOK, r.Status, p)
		require.Equal(t, "anonymous", whoami(t, r), p)
	}
	for _, p := range []string{"", "/private", "/healthz", "/public"} {
		require.Equal(t, http.StatusUnauthorized, Get(t, app, PathProtected+p, "", jsonHeader()).Status, "%q is not public", PathProtected+p)
	}

	admin := e.SignIn(t, app, authkittest.AdminEmail)
	plain := e.SignIn(t, app, authkittest.PlainEmail)
	for _, p := range []string{"/health", "/private"} {
		require.Equal(t, authkittest.AdminUserID+" cookie", whoami(t, Get(t, app, PathProtected+p, admin, nil)), "%s sees the session", p)
	}
	require.Equal(t, http.StatusForbidden, Get(t, app, PathProtected+"/private", plain, nil).Status)
	require.Equal(t, authkittest.PlainUserID+" cookie", whoami(t, Get(t, app, PathProtected+"/public/docs", plain, nil)), "requirements do not apply to public paths")
}

func testOptRequirements(t *testing.T, h Harness) {
	e := NewEnv(t, nil)
	manage := h.NewWithOptions(t, e.Client, Options{}, Options{Permission: "users:manage", Role: "admin"})
	billing := h.NewWithOptions(t, e.Client, Options{}, Options{Permission: "billing:manage"})
	admin := e.SignIn(t, manage, authkittest.AdminEmail)
	multi := e.SignIn(t, manage, authkittest.MultiOrgEmail) // a member in its first organization
	plain := e.SignIn(t, manage, authkittest.PlainEmail)

	require.Equal(t, authkittest.AdminUserID+" cookie", whoami(t, Get(t, manage, PathProtected, admin, nil)))
	require.Equal(t, http.StatusForbidden, Get(t, manage, PathProtected, multi, nil).Status, "the role is required")
	require.Equal(t, http.StatusForbidden, Get(t, manage, PathProtected, plain, nil).Status)
	require.Equal(t, http.StatusForbidden, Get(t, billing, PathProtected, admin, nil).Status, "the permission is required")
	require.Equal(t, http.StatusUnauthorized, Get(t, manage, PathProtected, "", jsonHeader()).Status)
	require.Equal(t, http.StatusFound, Get(t, manage, PathProtected, "", nil).Status)
}

func testOptRequireAuthWithoutMiddleware(t *testing.T, h Harness) {
	e := NewEnv(t, nil)
	refreshed := make(chan *authkit.Auth, 4)
	app := h.NewWithOptions(t, e.Client, Options{NoMiddleware: true}, Options{
		Role:      "admin",
		OnRefresh: func(a, _ *authkit.Auth) { refreshed <- a },
	})
	noSuchPermission := h.NewWithOptions(t, e.Client, Options{NoMiddleware: true}, Options{Permission: "no-such-permission"})
	session := e.SignIn(t, app, authkittest.AdminEmail)
	plain := e.SignIn(t, app, authkittest.PlainEmail)

	require.Equal(t, authkittest.AdminUserID+" cookie", whoami(t, Get(t, app, PathProtected, session, nil)), "RequireAuth loads the session")
	require.Equal(t, "anonymous", whoami(t, Get(t, app, PathPublic, session, nil)), "without Middleware nothing else does")
	require.Equal(t, http.StatusUnauthorized, Get(t, app, PathProtected, "", jsonHeader()).Status)
	r := Get(t, app, PathProtected, "", nil)
	require.Equal(t, http.StatusFound, r.Status, "a browser is redirected to sign-in")
	require.True(t, strings.HasPrefix(r.Header.Get("Location"), e.Emulator.URL()), "to WorkOS, got %q", r.Header.Get("Location"))
	require.Equal(t, http.StatusForbidden, Get(t, app, PathProtected, plain, nil).Status, "missing role")
	require.Equal(t, http.StatusForbidden, Get(t, noSuchPermission, PathProtected, session, nil).Status, "missing permission")
	require.Empty(t, refreshed)

	// An expired session is refreshed by RequireAuth's own load.
	e.Clock.Advance(authkittest.DefaultAccessTokenTTL + time.Minute)
	r = Get(t, app, PathProtected, session, nil)
	require.Equal(t, authkittest.AdminUserID+" cookie", whoami(t, r))
	c := r.Cookie(authkit.DefaultCookieName)
	require.NotNil(t, c, "the refreshed session is set")
	require.NotEqual(t, session, c.Value)
	require.Len(t, refreshed, 1, "RequireAuth runs its refresh hook")
	require.Equal(t, authkittest.AdminUserID, (<-refreshed).User.ID)
}

func testOptRefreshHooks(t *testing.T, h Harness) {
	e := NewEnv(t, nil)
	refreshed := make(chan [2]*authkit.Auth, 4) // the hook's Auth and the accessor's
	failed := make(chan error, 4)
	var guard atomic.Int32
	app := h.NewWithOptions(t, e.Client, Options{
		OnRefresh:      func(a, current *authkit.Auth) { refreshed <- [2]*authkit.Auth{a, current} },
		OnRefreshError: func(err error) { failed <- err },
	}, Options{
		// RequireAuth after Middleware does not load (nor refresh) again.
		OnRefresh:      func(*authkit.Auth, *authkit.Auth) { guard.Add(1) },
		OnRefreshError: func(error) { guard.Add(1) },
	})
	session := e.SignIn(t, app, authkittest.AdminEmail)

	require.Equal(t, authkittest.AdminUserID+" cookie", whoami(t, Get(t, app, PathProtected, session, nil)))
	require.Empty(t, refreshed, "a fresh session is not refreshed")

	e.Clock.Advance(authkittest.DefaultAccessTokenTTL + time.Minute)
	r := Get(t, app, PathProtected, session, nil)
	require.Equal(t, authkittest.AdminUserID+" cookie", whoami(t, r))
	require.Len(t, refreshed, 1)
	call := <-refreshed
	require.Equal(t, authkittest.AdminUserID, call[0].User.ID)
	require.Same(t, call[0], call[1], "the hook sees the stored Auth")
	c := r.Cookie(authkit.DefaultCookieName)
	require.NotNil(t, c)
	require.NotEqual(t, session, c.Value, "the refreshed session is written")
	require.Positive(t, c.MaxAge)
	require.Zero(t, guard.Load(), "RequireAuth did not load the session again after Middleware")

	// WorkOS refuses the next refresh.
	e.Clock.Advance(authkittest.DefaultAccessTokenTTL + time.Minute)
	e.Emulator.FailNext(authkittest.EndpointRefresh, 1, authkittest.Fault{Status: http.StatusBadRequest, Body: `{"error":"invalid_grant","error_description":"revoked"}`})
	require.Equal(t, "anonymous", whoami(t, Get(t, app, PathPublic, c.Value, nil)))
	require.Len(t, failed, 1)
	require.ErrorIs(t, <-failed, authkit.ErrRefreshFailed)
	require.Empty(t, refreshed)

	// The session is revoked at WorkOS: its refresh fails on a protected route.
	session = e.SignIn(t, app, authkittest.AdminEmail)
	sid := reportOf(t, Get(t, app, PathProtected, session, nil)).Framework.SessionID
	require.True(t, e.Emulator.RevokeSession(sid), "no session %q to revoke", sid)
	e.Clock.Advance(authkittest.DefaultAccessTokenTTL + time.Minute)
	r = Get(t, app, PathProtected, session, jsonHeader())
	require.Equal(t, http.StatusUnauthorized, r.Status)
	cleared := r.Cookie(authkit.DefaultCookieName)
	require.NotNil(t, cleared, "the dead session is cleared")
	require.Negative(t, cleared.MaxAge)
	require.Len(t, failed, 1)
	require.ErrorIs(t, <-failed, authkit.ErrRefreshFailed)
	require.Empty(t, refreshed)
	require.Zero(t, guard.Load())
}

// testBearerWinsOverCookie: a bearer token is used instead of the session
// cookie, even for another user.
func testBearerWinsOverCookie(t *testing.T, h Harness) {
	e := NewEnv(t, nil)
	app := h.New(t, e.Client)
	session := e.SignIn(t, app, authkittest.AdminEmail)
	tok := e.Bearer(t, authkittest.MultiOrgEmail)
	r := reportOf(t, Get(t, app, PathProtected, session, http.Header{"Authorization": {"Bearer " + tok}}))
	require.NotNil(t, r.Framework)
	require.Equal(t, authkittest.MultiOrgUserID, r.Framework.UserID)
	require.Equal(t, "bearer", r.Framework.Source)
	require.Equal(t, tok, r.AccessToken)
	require.Equal(t, authkittest.AdminUserID+" bearer", whoami(t, Get(t, app, PathProtected, session, http.Header{"Authorization": {"Bearer " + e.Bearer(t, authkittest.AdminEmail)}})))
}

// testBearerDisabled: with Config.DisableBearer the Authorization header is
// ignored, neither used nor refused.
func testBearerDisabled(t *testing.T, h Harness) {
	e := NewEnv(t, func(c *authkit.Config) { c.DisableBearer = true })
	app := h.New(t, e.Client)
	session := e.SignIn(t, app, authkittest.AdminEmail)
	tok := e.Bearer(t, authkittest.AdminEmail)

	require.Equal(t, "anonymous", whoami(t, Get(t, app, PathPublic, "", http.Header{"Authorization": {"Bearer " + tok}})))
	r := Get(t, app, PathProtected, "", http.Header{"Authorization": {"Bearer " + tok}})
	require.Equal(t, http.StatusUnauthorized, r.Status)
	require.NotContains(t, r.Header.Get("WWW-Authenticate"), "invalid_token")
	r = Get(t, app, PathProtected, session, http.Header{"Authorization": {"Bearer not.a.jwt"}})
	require.Equal(t, authkittest.AdminUserID+" cookie", whoami(t, r), "the ignored header does not spoil the cookie")
}
