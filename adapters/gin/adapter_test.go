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
	e := newEnv(t, nil)
	skip := authkitgin.WithSkipper(func(c *gin.Context) bool { return c.GetHeader("X-Skip") != "" })
	router := newRouter(e.kit, []authkitgin.Option{skip}, []authkitgin.Option{skip})
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
}

func TestErrorHandler(t *testing.T) {
	e := newEnv(t, nil)
	var got atomic.Pointer[authkit.Decision]
	var downstream atomic.Int32
	onError := authkitgin.WithErrorHandler(func(c *gin.Context, d *authkit.Decision) {
		got.Store(d)
		c.JSON(d.Status, gin.H{"custom": d.Err.Error()})
	})
	router := newRouter(e.kit, []authkitgin.Option{onError}, []authkitgin.Option{onError})
	router.GET("/count", func(c *gin.Context) { downstream.Add(1) })
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
	require.Zero(t, downstream.Load(), "the chain is aborted")
}

func TestPublicPaths(t *testing.T) {
	e := newEnv(t, nil)
	router := gin.New()
	router.Use(authkitgin.Middleware(e.kit), authkitgin.RequireAuth(e.kit, authkitgin.WithPublicPaths("/health", "/public/*")))
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
	router.GET("/manage", authkitgin.RequireAuth(e.kit, authkitgin.WithPermission("users:manage"), authkitgin.WithRole("admin")), whoami)
	router.GET("/billing", authkitgin.RequireAuth(e.kit, authkitgin.WithPermission("billing:manage")), whoami)
	session := e.signIn(router)
	a := serve(t, router)

	require.Equal(t, authkittest.AdminUserID+" cookie", a.get("/manage", session, nil).body)
	require.Equal(t, http.StatusForbidden, a.get("/billing", session, nil).status)
}

func TestRequireAuthWithoutMiddleware(t *testing.T) {
	e := newEnv(t, nil)
	router := gin.New()
	router.GET("/account", authkitgin.RequireAuth(e.kit), whoami)
	router.GET("/sign-in", authkitgin.SignIn(e.kit))
	router.GET("/callback", authkitgin.Callback(e.kit))
	session := e.signIn(router)
	a := serve(t, router)

	require.Equal(t, authkittest.AdminUserID+" cookie", a.get("/account", session, nil).body)
	require.Equal(t, http.StatusUnauthorized, a.get("/account", "", jsonAccept()).status)
}

func TestOnRefresh(t *testing.T) {
	e := newEnv(t, nil)
	refreshed := make(chan [2]*authkit.Auth, 4) // the hook's Auth and the stored one
	failed := make(chan error, 4)
	router := newRouter(e.kit, []authkitgin.Option{
		authkitgin.WithOnRefresh(func(c *gin.Context, a *authkit.Auth) { refreshed <- [2]*authkit.Auth{a, authkitgin.Auth(c)} }),
		authkitgin.WithOnRefreshError(func(_ *gin.Context, err error) { failed <- err }),
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
