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
	e := newEnv(t, nil)
	skip := authkitecho.WithSkipper(func(c echo.Context) bool { return c.Request().Header.Get("X-Skip") != "" })
	router := newRouter(e.kit, []authkitecho.Option{skip}, []authkitecho.Option{skip})
	session := e.signIn(router)
	a := serve(t, router)
	skipped := http.Header{"X-Skip": {"1"}, "Accept": {"application/json"}}

	r := a.get("/", session, skipped)
	require.Equal(t, "anonymous", r.body, "a skipped request has no Auth")
	require.Empty(t, r.header.Values("Set-Cookie"))

	r = a.get("/", "garbage", skipped)
	require.Equal(t, "anonymous", r.body)
	require.Empty(t, r.header.Values("Set-Cookie"), "a skipped request's bad cookie is left alone")
	r = a.get("/", "garbage", nil)
	require.NotNil(t, r.cookie(authkit.DefaultCookieName), "without the skipper the bad cookie is cleared")

	r = a.get("/account", "", skipped)
	require.Equal(t, http.StatusOK, r.status, "RequireAuth skips too")
	require.Equal(t, "anonymous", r.body)

	r = a.get("/account", session, nil)
	require.Equal(t, authkittest.AdminUserID+" cookie", r.body)

	// An Echo middleware.Skipper fits.
	_ = authkitecho.WithSkipper(middleware.DefaultSkipper)
}

func TestErrorHandler(t *testing.T) {
	e := newEnv(t, nil)
	var got atomic.Pointer[authkit.Decision]
	var downstream atomic.Int32
	onError := authkitecho.WithErrorHandler(func(c echo.Context, d *authkit.Decision) error {
		got.Store(d)
		return c.JSON(d.Status, map[string]string{"custom": d.Err.Error()})
	})
	router := newRouter(e.kit, []authkitecho.Option{onError}, []authkitecho.Option{onError})
	router.GET("/count", func(c echo.Context) error { downstream.Add(1); return nil })
	a := serve(t, router)

	r := a.get("/account", "", jsonAccept())
	require.Equal(t, http.StatusUnauthorized, r.status)
	require.Contains(t, r.body, `"custom":`)
	require.NotEmpty(t, r.header.Get("WWW-Authenticate"), "the decision's headers are already set")
	require.NotNil(t, got.Load())
	require.Equal(t, http.StatusUnauthorized, got.Load().Status)
	require.ErrorIs(t, got.Load().Err, authkit.ErrUnauthenticated)

	got.Store(nil)
	r = a.get("/account", "", nil)
	require.Equal(t, http.StatusFound, r.status, "a browser is still redirected to sign-in")
	require.Nil(t, got.Load(), "redirects are not errors")

	r = a.get("/count", "", http.Header{"Authorization": {"Bearer not.a.jwt"}})
	require.Equal(t, http.StatusUnauthorized, r.status)
	require.Contains(t, r.body, `"custom":`)
	require.ErrorIs(t, got.Load().Err, authkit.ErrInvalidBearer)
	require.Zero(t, downstream.Load(), "the next handler is not called")
}

func TestErrorHandlerReturnsError(t *testing.T) {
	e := newEnv(t, nil)
	router := newRouter(e.kit, nil, []authkitecho.Option{
		authkitecho.WithErrorHandler(func(_ echo.Context, d *authkit.Decision) error {
			return echo.NewHTTPError(http.StatusTeapot, "from the handler")
		}),
	})
	a := serve(t, router)
	r := a.get("/account", "", jsonAccept())
	require.Equal(t, http.StatusTeapot, r.status, "the handler's error goes to Echo's HTTPErrorHandler")
	require.Contains(t, r.body, "from the handler")
	require.NotEmpty(t, r.header.Get("WWW-Authenticate"))
}

func TestDefaultResponsesAreNotEchoErrors(t *testing.T) {
	e := newEnv(t, nil)
	router := newRouter(e.kit, nil, nil)
	var handled atomic.Int32
	router.HTTPErrorHandler = func(err error, c echo.Context) { handled.Add(1); router.DefaultHTTPErrorHandler(err, c) }
	a := serve(t, router)

	r := a.get("/account", "", jsonAccept())
	require.Equal(t, http.StatusUnauthorized, r.status)
	require.JSONEq(t, `{"error":"unauthorized"}`, r.body, "the core's body is written as is")
	require.Equal(t, http.StatusFound, a.get("/account", "", nil).status)
	require.Zero(t, handled.Load(), "the middleware returns nil after writing the core's answer")
}

func TestPublicPaths(t *testing.T) {
	e := newEnv(t, nil)
	router := newEcho()
	router.Use(authkitecho.Middleware(e.kit), authkitecho.RequireAuth(e.kit, authkitecho.WithPublicPaths("/health", "/public/*")))
	for _, p := range []string{"/health", "/public/docs", "/private"} {
		router.GET(p, whoami)
	}
	a := serve(t, router)

	for _, p := range []string{"/health", "/public/docs"} {
		r := a.get(p, "", jsonAccept())
		require.Equal(t, http.StatusOK, r.status, p)
		require.Equal(t, "anonymous", r.body, p)
	}
	require.Equal(t, http.StatusUnauthorized, a.get("/private", "", jsonAccept()).status)
}

func TestRequirements(t *testing.T) {
	e := newEnv(t, nil)
	router := newRouter(e.kit, nil, nil)
	router.GET("/manage", whoami, authkitecho.RequireAuth(e.kit, authkitecho.WithPermission("users:manage"), authkitecho.WithRole("admin")))
	router.GET("/billing", whoami, authkitecho.RequireAuth(e.kit, authkitecho.WithPermission("billing:manage")))
	session := e.signIn(router)
	a := serve(t, router)

	require.Equal(t, authkittest.AdminUserID+" cookie", a.get("/manage", session, nil).body)
	require.Equal(t, http.StatusForbidden, a.get("/billing", session, nil).status)
}

func TestRequireAuthWithoutMiddleware(t *testing.T) {
	e := newEnv(t, nil)
	router := newEcho()
	router.GET("/account", whoami, authkitecho.RequireAuth(e.kit))
	router.GET("/sign-in", authkitecho.SignIn(e.kit))
	router.GET("/callback", authkitecho.Callback(e.kit))
	session := e.signIn(router)
	a := serve(t, router)

	require.Equal(t, authkittest.AdminUserID+" cookie", a.get("/account", session, nil).body)
	require.Equal(t, http.StatusUnauthorized, a.get("/account", "", jsonAccept()).status)
}

func TestOnRefresh(t *testing.T) {
	e := newEnv(t, nil)
	refreshed := make(chan [2]*authkit.Auth, 4) // the hook's Auth and the stored one
	failed := make(chan error, 4)
	router := newRouter(e.kit, []authkitecho.Option{
		authkitecho.WithOnRefresh(func(c echo.Context, a *authkit.Auth) { refreshed <- [2]*authkit.Auth{a, authkitecho.Auth(c)} }),
		authkitecho.WithOnRefreshError(func(_ echo.Context, err error) { failed <- err }),
	}, nil)
	session := e.signIn(router)
	a := serve(t, router)

	r := a.get("/account", session, nil)
	require.Equal(t, authkittest.AdminUserID+" cookie", r.body)
	require.Empty(t, refreshed, "a fresh session is not refreshed")

	e.clock.Advance(authkittest.DefaultAccessTokenTTL + time.Minute)
	r = a.get("/account", session, nil)
	require.Equal(t, authkittest.AdminUserID+" cookie", r.body)
	require.Len(t, refreshed, 1)
	call := <-refreshed
	require.Equal(t, authkittest.AdminUserID, call[0].User.ID)
	require.Same(t, call[0], call[1], "the hook sees the stored Auth")
	c := r.cookie(authkit.DefaultCookieName)
	require.NotNil(t, c)
	require.NotEqual(t, session, c.Value, "the refreshed session is written")

	e.clock.Advance(authkittest.DefaultAccessTokenTTL + time.Minute)
	e.emu.FailNext(authkittest.EndpointRefresh, 1, authkittest.Fault{Status: http.StatusBadRequest, Body: `{"error":"invalid_grant","error_description":"revoked"}`})
	r = a.get("/", c.Value, nil)
	require.Equal(t, "anonymous", r.body)
	require.Len(t, failed, 1)
	require.ErrorIs(t, <-failed, authkit.ErrRefreshFailed)
	require.Empty(t, refreshed)
}

func TestBearer(t *testing.T) {
	t.Run("wins over the cookie", func(t *testing.T) {
		e := newEnv(t, nil)
		router := newRouter(e.kit, nil, nil)
		session := e.signIn(router)
		a := serve(t, router)
		r := a.get("/account", session, http.Header{"Authorization": {"Bearer " + e.bearer()}})
		require.Equal(t, authkittest.AdminUserID+" bearer", r.body)
	})
	t.Run("disabled", func(t *testing.T) {
		e := newEnv(t, func(c *authkit.Config) { c.DisableBearer = true })
		router := newRouter(e.kit, nil, nil)
		session := e.signIn(router)
		a := serve(t, router)
		tok := e.bearer()

		require.Equal(t, "anonymous", a.get("/", "", http.Header{"Authorization": {"Bearer " + tok}}).body)
		r := a.get("/account", "", http.Header{"Authorization": {"Bearer " + tok}})
		require.Equal(t, http.StatusUnauthorized, r.status)
		require.NotContains(t, r.header.Get("WWW-Authenticate"), "invalid_token")
		r = a.get("/account", session, http.Header{"Authorization": {"Bearer not.a.jwt"}})
		require.Equal(t, authkittest.AdminUserID+" cookie", r.body, "the ignored header does not spoil the cookie")
	})
}
