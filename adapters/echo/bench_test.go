package authkitecho_test

import (
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/conformance"

	authkitecho "github.com/authkit-go/authkit/adapters/echo"
)

func benchHandler(c echo.Context) error {
	if a := authkitecho.Auth(c); a != nil {
		return c.String(http.StatusOK, a.User.ID)
	}
	return c.String(http.StatusOK, "anonymous")
}

// BenchmarkPaths runs the performance table's rows (see
// conformance.RunBenchmarks) through Middleware and RequireAuth.
func BenchmarkPaths(b *testing.B) {
	conformance.RunBenchmarks(b, conformance.BenchTarget[*echo.Echo]{
		App: func(kit *authkit.Client) *echo.Echo {
			router := newEcho()
			if kit == nil {
				router.GET(conformance.BenchPath, benchHandler)
				return router
			}
			router.Use(authkitecho.Middleware(kit))
			router.GET(conformance.BenchPath, benchHandler, authkitecho.RequireAuth(kit))
			router.GET(conformance.PathSignIn, authkitecho.SignIn(kit))
			router.GET(conformance.PathCallback, authkitecho.Callback(kit))
			return router
		},
		Server:  func(tb testing.TB, app *echo.Echo) conformance.Server { return conformance.ServeHTTP(tb, app) },
		Prepare: func(app *echo.Echo, h http.Header) func() int { return conformance.PrepareHTTP(app, h) },
	})
}
