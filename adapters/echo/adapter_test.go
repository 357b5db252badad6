package authkitecho_test

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/conformance"

	authkitecho "github.com/authkit-go/authkit/adapters/echo"
)

// whoami answers "anonymous" or "<user id> <source>", and "mismatch" when
// the echo accessor and authkit.FromContext disagree.
func whoami(c echo.Context) error {
	a := authkitecho.Auth(c)
	switch {
	case a != authkit.FromContext(c.Request().Context()):
		return c.String(http.StatusOK, "mismatch")
	case a == nil:
		return c.String(http.StatusOK, "anonymous")
	default:
		return c.String(http.StatusOK, a.User.ID+" "+string(a.Source))
	}
}

func newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	return e
}

// newRouter mounts Middleware(mw) on every route, "/" public, "/account"
// behind RequireAuth(req), and the sign-in routes.
func newRouter(kit *authkit.Client, mw, req []authkitecho.Option) *echo.Echo {
	e := newEcho()
	e.Use(authkitecho.Middleware(kit, mw...))
	e.GET("/", whoami)
	e.GET("/account", whoami, authkitecho.RequireAuth(kit, req...))
	e.GET("/sign-in", authkitecho.SignIn(kit))
	e.GET("/callback", authkitecho.Callback(kit))
	return e
}

func TestSkipper(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	skip := authkitecho.WithSkipper(func(c echo.Context) bool { return c.Request().Header.Get("X-Skip") != "" })
	router := newRouter(e.Client, []authkitecho.Option{skip}, []authkitecho.Option{skip})
	a := conformance.ServeHTTP(t, router)
	session := e.SignIn(t, a, authkittest.AdminEmail)
	skipped := http.Header{"X-Skip": {"1"}, "Accept": {"application/json"}}

	r := conformance.Get(t, a, "/", session, skipped)
	require.Equal(t, "anonymous", r.Body, "a skipped request has no Auth")
	require.Empty(t, r.Header.Values("Set-Cookie"))

	r = conformance.Get(t, a, "/", "garbage", skipped)
	require.Equal(t, "anonymous", r.Body)
	require.Empty(t, r.Header.Values("Set-Cookie"), "a skipped request's bad cookie is left alone")
	r = conformance.Get(t, a, "/", "garbage", nil)
	require.NotNil(t, r.Cookie(authkit.DefaultCookieName), "without the skipper the bad cookie is cleared")

	r = conformance.Get(t, a, "/account", "", skipped)
	require.Equal(t, http.StatusOK, r.Status, "RequireAuth skips too")
	require.Equal(t, "anonymous", r.Body)

	r = conformance.Get(t, a, "/account", session, nil)
	require.Equal(t, authkittest.AdminUserID+" cookie", r.Body)

	// An Echo middleware.Skipper fits.
	_ = authkitecho.WithSkipper(middleware.DefaultSkipper)
}

func TestErrorHandler(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	var got atomic.Pointer[authkit.Decision]
	var downstream atomic.Int32
	onError := authkitecho.WithErrorHandler(func(c echo.Context, d *authkit.Decision) error {
		got.Store(d)
		return c.JSON(d.Status, map[string]string{"custom": d.Err.Error()})
	})
	router := newRouter(e.Client, []authkitecho.Option{onError}, []authkitecho.Option{onError})
	router.GET("/count", func(c echo.Context) error { downstream.Add(1); return nil })
	a := conformance.ServeHTTP(t, router)

	r := conformance.Get(t, a, "/account", "", jsonAccept())
	require.Equal(t, http.StatusUnauthorized, r.Status)
	require.Contains(t, r.Body, `"custom":`)
	require.NotEmpty(t, r.Header.Get("WWW-Authenticate"), "the decision's headers are already set")
	require.NotNil(t, got.Load())
	require.Equal(t, http.StatusUnauthorized, got.Load().Status)
	require.ErrorIs(t, got.Load().Err, authkit.ErrUnauthenticated)

	got.Store(nil)
	r = conformance.Get(t, a, "/account", "", nil)
	require.Equal(t, http.StatusFound, r.Status, "a browser is still redirected to sign-in")
	require.Nil(t, got.Load(), "redirects are not errors")

	r = conformance.Get(t, a, "/count", "", http.Header{"Authorization": {"Bearer not.a.jwt"}})
	require.Equal(t, http.StatusUnauthorized, r.Status)
	require.Contains(t, r.Body, `"custom":`)
	require.ErrorIs(t, got.Load().Err, authkit.ErrInvalidBearer)
	require.Zero(t, downstream.Load(), "the next handler is not called")
}

func TestErrorHandlerReturnsError(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	router := newRouter(e.Client, nil, []authkitecho.Option{
		authkitecho.WithErrorHandler(func(_ echo.Context, d *authkit.Decision) error {
			return echo.NewHTTPError(http.StatusTeapot, "from the handler")
		}),
	})
	a := conformance.ServeHTTP(t, router)
	r := conformance.Get(t, a, "/account", "", jsonAccept())
	require.Equal(t, http.StatusTeapot, r.Status, "the handler's error goes to Echo's HTTPErrorHandler")
	require.Contains(t, r.Body, "from the handler")
	require.NotEmpty(t, r.Header.Get("WWW-Authenticate"))
}

func TestDefaultResponsesAreNotEchoErrors(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	router := newRouter(e.Client, nil, nil)
	var handled atomic.Int32
	router.HTTPErrorHandler = func(err error, c echo.Context) { handled.Add(1); router.DefaultHTTPErrorHandler(err, c) }
	a := conformance.ServeHTTP(t, router)

	r := conformance.Get(t, a, "/account", "", jsonAccept())
	require.Equal(t, http.StatusUnauthorized, r.Status)
	require.JSONEq(t, `{"error":"unauthorized"}`, r.Body, "the core's body is written as is")
	require.Equal(t, http.StatusFound, conformance.Get(t, a, "/account", "", nil).Status)
	require.Zero(t, handled.Load(), "the middleware returns nil after writing the core's answer")
}

func TestPublicPaths(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	router := newEcho()
	router.Use(authkitecho.Middleware(e.Client), authkitecho.RequireAuth(e.Client, authkitecho.WithPublicPaths("/health", "/public/*")))
	for _, p := range []string{"/health", "/public/docs", "/private"} {
		router.GET(p, whoami)
	}
	a := conformance.ServeHTTP(t, router)

	for _, p := range []string{"/health", "/public/docs"} {
		r := conformance.Get(t, a, p, "", jsonAccept())
		require.Equal(t, http.StatusOK, r.Status, p)
		require.Equal(t, "anonymous", r.Body, p)
	}
	require.Equal(t, http.StatusUnauthorized, conformance.Get(t, a, "/private", "", jsonAccept()).Status)
}

func TestRequirements(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	router := newRouter(e.Client, nil, nil)
	router.GET("/manage", whoami, authkitecho.RequireAuth(e.Client, authkitecho.WithPermission("users:manage"), authkitecho.WithRole("admin")))
	router.GET("/billing", whoami, authkitecho.RequireAuth(e.Client, authkitecho.WithPermission("billing:manage")))
	a := conformance.ServeHTTP(t, router)
	session := e.SignIn(t, a, authkittest.AdminEmail)

	require.Equal(t, authkittest.AdminUserID+" cookie", conformance.Get(t, a, "/manage", session, nil).Body)
	require.Equal(t, http.StatusForbidden, conformance.Get(t, a, "/billing", session, nil).Status)
}

func TestRequireAuthWithoutMiddleware(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	router := newEcho()
	router.GET("/account", whoami, authkitecho.RequireAuth(e.Client))
	router.GET("/sign-in", authkitecho.SignIn(e.Client))
	router.GET("/callback", authkitecho.Callback(e.Client))
	a := conformance.ServeHTTP(t, router)
	session := e.SignIn(t, a, authkittest.AdminEmail)

	require.Equal(t, authkittest.AdminUserID+" cookie", conformance.Get(t, a, "/account", session, nil).Body)
	require.Equal(t, http.StatusUnauthorized, conformance.Get(t, a, "/account", "", jsonAccept()).Status)
}

func TestOnRefresh(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	refreshed := make(chan [2]*authkit.Auth, 4) // the hook's Auth and the stored one
	failed := make(chan error, 4)
	router := newRouter(e.Client, []authkitecho.Option{
		authkitecho.WithOnRefresh(func(c echo.Context, a *authkit.Auth) { refreshed <- [2]*authkit.Auth{a, authkitecho.Auth(c)} }),
		authkitecho.WithOnRefreshError(func(_ echo.Context, err error) { failed <- err }),
	}, nil)
	a := conformance.ServeHTTP(t, router)
	session := e.SignIn(t, a, authkittest.AdminEmail)

	r := conformance.Get(t, a, "/account", session, nil)
	require.Equal(t, authkittest.AdminUserID+" cookie", r.Body)
	require.Empty(t, refreshed, "a fresh session is not refreshed")

	e.Clock.Advance(authkittest.DefaultAccessTokenTTL + time.Minute)
	r = conformance.Get(t, a, "/account", session, nil)
	require.Equal(t, authkittest.AdminUserID+" cookie", r.Body)
	require.Len(t, refreshed, 1)
	call := <-refreshed
	require.Equal(t, authkittest.AdminUserID, call[0].User.ID)
	require.Same(t, call[0], call[1], "the hook sees the stored Auth")
	c := r.Cookie(authkit.DefaultCookieName)
	require.NotNil(t, c)
	require.NotEqual(t, session, c.Value, "the refreshed session is written")

	e.Clock.Advance(authkittest.DefaultAccessTokenTTL + time.Minute)
	e.Emulator.FailNext(authkittest.EndpointRefresh, 1, authkittest.Fault{Status: http.StatusBadRequest, Body: `{"error":"invalid_grant","error_description":"revoked"}`})
	r = conformance.Get(t, a, "/", c.Value, nil)
	require.Equal(t, "anonymous", r.Body)
	require.Len(t, failed, 1)
	require.ErrorIs(t, <-failed, authkit.ErrRefreshFailed)
	require.Empty(t, refreshed)
}

func TestBearer(t *testing.T) {
	t.Run("wins over the cookie", func(t *testing.T) {
		e := conformance.NewEnv(t, nil)
		router := newRouter(e.Client, nil, nil)
		a := conformance.ServeHTTP(t, router)
		session := e.SignIn(t, a, authkittest.AdminEmail)
		r := conformance.Get(t, a, "/account", session, http.Header{"Authorization": {"Bearer " + e.Bearer(t, authkittest.AdminEmail)}})
		require.Equal(t, authkittest.AdminUserID+" bearer", r.Body)
	})
	t.Run("disabled", func(t *testing.T) {
		e := conformance.NewEnv(t, func(c *authkit.Config) { c.DisableBearer = true })
		router := newRouter(e.Client, nil, nil)
		a := conformance.ServeHTTP(t, router)
		session := e.SignIn(t, a, authkittest.AdminEmail)
		tok := e.Bearer(t, authkittest.AdminEmail)

		require.Equal(t, "anonymous", conformance.Get(t, a, "/", "", http.Header{"Authorization": {"Bearer " + tok}}).Body)
		r := conformance.Get(t, a, "/account", "", http.Header{"Authorization": {"Bearer " + tok}})
		require.Equal(t, http.StatusUnauthorized, r.Status)
		require.NotContains(t, r.Header.Get("WWW-Authenticate"), "invalid_token")
		r = conformance.Get(t, a, "/account", session, http.Header{"Authorization": {"Bearer not.a.jwt"}})
		require.Equal(t, authkittest.AdminUserID+" cookie", r.Body, "the ignored header does not spoil the cookie")
	})
}

func jsonAccept() http.Header { return http.Header{"Accept": {"application/json"}} }
