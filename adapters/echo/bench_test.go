package authkitecho_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	authkit "github.com/authkit-go/authkit/core"

	authkitecho "github.com/authkit-go/authkit/adapters/echo"
)

func benchHandler(c echo.Context) error { return c.String(http.StatusOK, "ok") }

func serveBench(b *testing.B, h http.Handler, req *http.Request) {
	b.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("status %d", rec.Code)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}

// BenchmarkAuthenticatedRequest serves a request with a valid session
// cookie through Middleware and RequireAuth, keys cached.
func BenchmarkAuthenticatedRequest(b *testing.B) {
	e := newEnv(b, nil)
	router := newEcho()
	router.Use(authkitecho.Middleware(e.kit))
	router.GET("/account", benchHandler, authkitecho.RequireAuth(e.kit))
	router.GET("/sign-in", authkitecho.SignIn(e.kit))
	router.GET("/callback", authkitecho.Callback(e.kit))
	req := httptest.NewRequest(http.MethodGet, "/account", nil)
	req.AddCookie(&http.Cookie{Name: authkit.DefaultCookieName, Value: e.signIn(router)})
	serveBench(b, router, req)
}

// BenchmarkBaseline serves the same route without the middleware.
func BenchmarkBaseline(b *testing.B) {
	router := newEcho()
	router.GET("/account", benchHandler)
	serveBench(b, router, httptest.NewRequest(http.MethodGet, "/account", nil))
}
