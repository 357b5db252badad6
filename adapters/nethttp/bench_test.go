package authkithttp_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/conformance"

	authkithttp "github.com/authkit-go/authkit/adapters/nethttp"
)

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })

// BenchmarkAuthenticatedRequest serves a request with a valid session
// cookie through Middleware and RequireAuth, keys cached.
func BenchmarkAuthenticatedRequest(b *testing.B) {
	e := conformance.NewEnv(b, nil)
	mux := http.NewServeMux()
	mux.Handle("GET /account", authkithttp.RequireAuth(e.Client)(okHandler))
	mux.Handle("GET /sign-in", authkithttp.SignIn(e.Client))
	mux.Handle("GET /callback", authkithttp.Callback(e.Client))
	h := authkithttp.Middleware(e.Client)(mux)
	req := httptest.NewRequest(http.MethodGet, "/account", nil)
	req.AddCookie(&http.Cookie{Name: authkit.DefaultCookieName, Value: e.SignIn(b, conformance.ServeHTTP(b, h), authkittest.AdminEmail)})
	conformance.BenchmarkHandler(b, h, req)
}

// BenchmarkBaseline serves the same route without the middleware.
func BenchmarkBaseline(b *testing.B) {
	mux := http.NewServeMux()
	mux.Handle("GET /account", okHandler)
	conformance.BenchmarkHandler(b, mux, httptest.NewRequest(http.MethodGet, "/account", nil))
}
