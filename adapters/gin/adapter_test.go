package authkitgin_test

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/conformance"

	authkitgin "github.com/authkit-go/authkit/adapters/gin"
)

// whoami answers "anonymous" or "<user id> <source>", and "mismatch" when
// the gin accessor and authkit.FromContext disagree.
func whoami(c *gin.Context) {
	a := authkitgin.Auth(c)
	switch {
	case a != authkit.FromContext(c.Request.Context()):
		c.String(http.StatusOK, "mismatch")
	case a == nil:
		c.String(http.StatusOK, "anonymous")
	default:
		c.String(http.StatusOK, a.User.ID+" "+string(a.Source))
	}
}

// newRouter mounts Middleware(mw) on every route, "/" public, "/account"
// behind RequireAuth(req), and the sign-in routes.
func newRouter(kit *authkit.Client, mw, req []authkitgin.Option) *gin.Engine {
	r := gin.New()
	r.Use(authkitgin.Middleware(kit, mw...))
	r.GET("/", whoami)
	r.GET("/account", authkitgin.RequireAuth(kit, req...), whoami)
	r.GET("/sign-in", authkitgin.SignIn(kit))
	r.GET("/callback", authkitgin.Callback(kit))
	return r
}

func TestSkipper(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	skip := authkitgin.WithSkipper(func(c *gin.Context) bool { return c.GetHeader("X-Skip") != "" })
	router := newRouter(e.Client, []authkitgin.Option{skip}, []authkitgin.Option{skip})
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
}

func TestErrorHandler(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	var got atomic.Pointer[authkit.Decision]
	var downstream atomic.Int32
	onError := authkitgin.WithErrorHandler(func(c *gin.Context, d *authkit.Decision) {
		got.Store(d)
		c.JSON(d.Status, gin.H{"custom": d.Err.Error()})
	})
	router := newRouter(e.Client, []authkitgin.Option{onError}, []authkitgin.Option{onError})
	router.GET("/count", func(c *gin.Context) { downstream.Add(1) })
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
	require.Zero(t, downstream.Load(), "the chain is aborted")
}

func TestPublicPaths(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	router := gin.New()
	router.Use(authkitgin.Middleware(e.Client), authkitgin.RequireAuth(e.Client, authkitgin.WithPublicPaths("/health", "/public/*")))
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
	router.GET("/manage", authkitgin.RequireAuth(e.Client, authkitgin.WithPermission("users:manage"), authkitgin.WithRole("admin")), whoami)
	router.GET("/billing", authkitgin.RequireAuth(e.Client, authkitgin.WithPermission("billing:manage")), whoami)
	a := conformance.ServeHTTP(t, router)
	session := e.SignIn(t, a, authkittest.AdminEmail)

	require.Equal(t, authkittest.AdminUserID+" cookie", conformance.Get(t, a, "/manage", session, nil).Body)
	require.Equal(t, http.StatusForbidden, conformance.Get(t, a, "/billing", session, nil).Status)
}

func TestRequireAuthWithoutMiddleware(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	router := gin.New()
	router.GET("/account", authkitgin.RequireAuth(e.Client), whoami)
	router.GET("/sign-in", authkitgin.SignIn(e.Client))
	router.GET("/callback", authkitgin.Callback(e.Client))
	a := conformance.ServeHTTP(t, router)
	session := e.SignIn(t, a, authkittest.AdminEmail)

	require.Equal(t, authkittest.AdminUserID+" cookie", conformance.Get(t, a, "/account", session, nil).Body)
	require.Equal(t, http.StatusUnauthorized, conformance.Get(t, a, "/account", "", jsonAccept()).Status)
}

func TestOnRefresh(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	refreshed := make(chan [2]*authkit.Auth, 4) // the hook's Auth and the stored one
	failed := make(chan error, 4)
	router := newRouter(e.Client, []authkitgin.Option{
		authkitgin.WithOnRefresh(func(c *gin.Context, a *authkit.Auth) { refreshed <- [2]*authkit.Auth{a, authkitgin.Auth(c)} }),
		authkitgin.WithOnRefreshError(func(_ *gin.Context, err error) { failed <- err }),
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
