package authkitecho_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/conformance"

	authkitecho "github.com/authkit-go/authkit/adapters/echo"
)

func benchHandler(c echo.Context) error { return c.String(http.StatusOK, "ok") }

// BenchmarkAuthenticatedRequest serves a request with a valid session
// cookie through Middleware and RequireAuth, keys cached.
func BenchmarkAuthenticatedRequest(b *testing.B) {
	e := conformance.NewEnv(b, nil)
	router := newEcho()
	router.Use(authkitecho.Middleware(e.Client))
	router.GET("/account", benchHandler, authkitecho.RequireAuth(e.Client))
	router.GET("/sign-in", authkitecho.SignIn(e.Client))
	router.GET("/callback", authkitecho.Callback(e.Client))
	req := httptest.NewRequest(http.MethodGet, "/account", nil)
	req.AddCookie(&http.Cookie{Name: authkit.DefaultCookieName, Value: e.SignIn(b, conformance.ServeHTTP(b, router), authkittest.AdminEmail)})
	conformance.BenchmarkHandler(b, router, req)
}

// BenchmarkBaseline serves the same route without the middleware.
func BenchmarkBaseline(b *testing.B) {
	router := newEcho()
	router.GET("/account", benchHandler)
	conformance.BenchmarkHandler(b, router, httptest.NewRequest(http.MethodGet, "/account", nil))
}
