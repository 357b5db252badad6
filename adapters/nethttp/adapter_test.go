package authkithttp_test

import (
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/conformance"

	authkithttp "github.com/authkit-go/authkit/adapters/nethttp"
)

// whoami answers "anonymous" or "<user id> <source>", and "mismatch" when
// Auth(r) and authkit.FromContext disagree.
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	a := authkithttp.Auth(r)
	switch {
	case a != authkit.FromContext(r.Context()):
		_, _ = w.Write([]byte("mismatch"))
	case a == nil:
		_, _ = w.Write([]byte("anonymous"))
	default:
		_, _ = w.Write([]byte(a.User.ID + " " + string(a.Source)))
	}
})

// newMux serves "/" public, "/account" behind RequireAuth(req) and the
// sign-in routes, all behind Middleware(mw).
func newMux(kit *authkit.Client, mw, req []authkithttp.Option) (*http.ServeMux, http.Handler) {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", whoami)
	mux.Handle("GET /account", authkithttp.RequireAuth(kit, req...)(whoami))
	mux.Handle("GET /sign-in", authkithttp.SignIn(kit))
	mux.Handle("GET /callback", authkithttp.Callback(kit))
	return mux, authkithttp.Middleware(kit, mw...)(mux)
}

func jsonAccept() http.Header { return http.Header{"Accept": {"application/json"}} }

func TestSkipper(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	skip := authkithttp.WithSkipper(func(r *http.Request) bool { return r.Header.Get("X-Skip") != "" })
	_, h := newMux(e.Client, []authkithttp.Option{skip}, []authkithttp.Option{skip})
	a := conformance.ServeHTTP(t, h)
	session := e.SignIn(t, a, authkittest.AdminEmail)
	skipped := http.Header{"X-Skip": {"1"}, "Accept": {"application/json"}}

	r := conformance.Get(t, a, "/", session, skipped)
	require.Equal(t, "anonymous", r.Body, "a skipped request has no Auth")
	require.Empty(t, r.Header.Values("Set-Cookie"))
	r = conformance.Get(t, a, "/", "garbage", skipped)
	require.Empty(t, r.Header.Values("Set-Cookie"), "a skipped request's bad cookie is left alone")
	r = conformance.Get(t, a, "/account", "", skipped)
	require.Equal(t, http.StatusOK, r.Status, "RequireAuth skips too")
	require.Equal(t, authkittest.AdminUserID+" cookie", conformance.Get(t, a, "/account", session, nil).Body)
}

func TestErrorHandler(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	var got atomic.Pointer[authkit.Decision]
	onError := authkithttp.WithErrorHandler(func(w http.ResponseWriter, _ *http.Request, d *authkit.Decision) {
		got.Store(d)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(d.Status)
		_ = json.NewEncoder(w).Encode(map[string]string{"custom": d.Err.Error()})
	})
	_, h := newMux(e.Client, []authkithttp.Option{onError}, []authkithttp.Option{onError})
	a := conformance.ServeHTTP(t, h)

	r := conformance.Get(t, a, "/account", "", jsonAccept())
	require.Equal(t, http.StatusUnauthorized, r.Status)
	require.Contains(t, r.Body, `"custom":`)
	require.NotEmpty(t, r.Header.Get("WWW-Authenticate"), "the decision's headers are already set")
	require.ErrorIs(t, got.Load().Err, authkit.ErrUnauthenticated)

	got.Store(nil)
	r = conformance.Get(t, a, "/account", "", nil)
	require.Equal(t, http.StatusFound, r.Status, "a browser is still redirected to sign-in")
	require.Nil(t, got.Load(), "redirects are not errors")

	r = conformance.Get(t, a, "/", "", http.Header{"Authorization": {"Bearer not.a.jwt"}})
	require.Equal(t, http.StatusUnauthorized, r.Status)
	require.Contains(t, r.Body, `"custom":`)
	require.ErrorIs(t, got.Load().Err, authkit.ErrInvalidBearer)
}

func TestPublicPathsAndRequirements(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	mux, h := newMux(e.Client, nil, nil)
	guard := authkithttp.RequireAuth(e.Client, authkithttp.WithPublicPaths("/area/public/*"), authkithttp.WithRole("admin"))
	mux.Handle("/area/", guard(whoami))
	mux.Handle("GET /billing", authkithttp.RequireAuth(e.Client, authkithttp.WithPermission("billing:manage"))(whoami))
	a := conformance.ServeHTTP(t, h)

	require.Equal(t, "anonymous", conformance.Get(t, a, "/area/public/docs", "", jsonAccept()).Body)
	require.Equal(t, http.StatusUnauthorized, conformance.Get(t, a, "/area/private", "", jsonAccept()).Status)

	admin := e.SignIn(t, a, authkittest.AdminEmail)
	plain := e.SignIn(t, a, authkittest.PlainEmail)
	require.Equal(t, authkittest.AdminUserID+" cookie", conformance.Get(t, a, "/area/private", admin, nil).Body)
	require.Equal(t, http.StatusForbidden, conformance.Get(t, a, "/area/private", plain, nil).Status)
	require.Equal(t, http.StatusForbidden, conformance.Get(t, a, "/billing", admin, nil).Status)
}

func TestRequireAuthWithoutMiddleware(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	mux := http.NewServeMux()
	mux.Handle("GET /account", authkithttp.RequireAuth(e.Client)(whoami))
	mux.Handle("GET /sign-in", authkithttp.SignIn(e.Client))
	mux.Handle("GET /callback", authkithttp.Callback(e.Client))
	a := conformance.ServeHTTP(t, mux)
	session := e.SignIn(t, a, authkittest.AdminEmail)

	require.Equal(t, authkittest.AdminUserID+" cookie", conformance.Get(t, a, "/account", session, nil).Body)
	require.Equal(t, http.StatusUnauthorized, conformance.Get(t, a, "/account", "", jsonAccept()).Status)
}

func TestRefreshHooks(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	refreshed := make(chan *authkit.Auth, 4)
	failed := make(chan error, 4)
	_, h := newMux(e.Client, []authkithttp.Option{
		authkithttp.WithOnRefresh(func(r *http.Request, a *authkit.Auth) { refreshed <- a }),
		authkithttp.WithOnRefreshError(func(_ *http.Request, err error) { failed <- err }),
	}, nil)
	a := conformance.ServeHTTP(t, h)
	session := e.SignIn(t, a, authkittest.AdminEmail)

	require.Equal(t, authkittest.AdminUserID+" cookie", conformance.Get(t, a, "/account", session, nil).Body)
	require.Empty(t, refreshed, "a fresh session is not refreshed")

	e.Clock.Advance(authkittest.DefaultAccessTokenTTL + time.Minute)
	r := conformance.Get(t, a, "/account", session, nil)
	require.Equal(t, authkittest.AdminUserID+" cookie", r.Body)
	require.Len(t, refreshed, 1)
	require.Equal(t, authkittest.AdminUserID, (<-refreshed).User.ID)
	c := r.Cookie(authkit.DefaultCookieName)
	require.NotNil(t, c)
	require.NotEqual(t, session, c.Value, "the refreshed session is written")

	e.Clock.Advance(authkittest.DefaultAccessTokenTTL + time.Minute)
	e.Emulator.FailNext(authkittest.EndpointRefresh, 1, authkittest.Fault{Status: http.StatusBadRequest, Body: `{"error":"invalid_grant","error_description":"revoked"}`})
	require.Equal(t, "anonymous", conformance.Get(t, a, "/", c.Value, nil).Body)
	require.Len(t, failed, 1)
	require.ErrorIs(t, <-failed, authkit.ErrRefreshFailed)
}
