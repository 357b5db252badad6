package authkitgin_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	authkit "github.com/authkit-go/authkit/core"

	authkitgin "github.com/authkit-go/authkit/adapters/gin"
)

func benchHandler(c *gin.Context) { c.String(http.StatusOK, "ok") }

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
	router := gin.New()
	router.Use(authkitgin.Middleware(e.kit))
	router.GET("/account", authkitgin.RequireAuth(e.kit), benchHandler)
	router.GET("/sign-in", authkitgin.SignIn(e.kit))
	router.GET("/callback", authkitgin.Callback(e.kit))
	req := httptest.NewRequest(http.MethodGet, "/account", nil)
	req.AddCookie(&http.Cookie{Name: authkit.DefaultCookieName, Value: e.signIn(router)})
	serveBench(b, router, req)
}

// BenchmarkBaseline serves the same route without the middleware.
func BenchmarkBaseline(b *testing.B) {
	router := gin.New()
	router.GET("/account", benchHandler)
	serveBench(b, router, httptest.NewRequest(http.MethodGet, "/account", nil))
}
