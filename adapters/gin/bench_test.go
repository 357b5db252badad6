package authkitgin_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/conformance"

	authkitgin "github.com/authkit-go/authkit/adapters/gin"
)

func benchHandler(c *gin.Context) { c.String(http.StatusOK, "ok") }

// BenchmarkAuthenticatedRequest serves a request with a valid session
// cookie through Middleware and RequireAuth, keys cached.
func BenchmarkAuthenticatedRequest(b *testing.B) {
	e := conformance.NewEnv(b, nil)
	router := gin.New()
	router.Use(authkitgin.Middleware(e.Client))
	router.GET("/account", authkitgin.RequireAuth(e.Client), benchHandler)
	router.GET("/sign-in", authkitgin.SignIn(e.Client))
	router.GET("/callback", authkitgin.Callback(e.Client))
	req := httptest.NewRequest(http.MethodGet, "/account", nil)
	req.AddCookie(&http.Cookie{Name: authkit.DefaultCookieName, Value: e.SignIn(b, conformance.ServeHTTP(b, router), authkittest.AdminEmail)})
	conformance.BenchmarkHandler(b, router, req)
}

// BenchmarkBaseline serves the same route without the middleware.
func BenchmarkBaseline(b *testing.B) {
	router := gin.New()
	router.GET("/account", benchHandler)
	conformance.BenchmarkHandler(b, router, httptest.NewRequest(http.MethodGet, "/account", nil))
}
