package authkitgin_test

import (
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/conformance"

	authkitgin "github.com/authkit-go/authkit/adapters/gin"
)

func benchHandler(c *gin.Context) {
	if a := authkitgin.Auth(c); a != nil {
		c.String(http.StatusOK, a.User.ID)
		return
	}
	c.String(http.StatusOK, "anonymous")
}

// BenchmarkPaths runs the performance table's rows (see
// conformance.RunBenchmarks) through Middleware and RequireAuth.
func BenchmarkPaths(b *testing.B) {
	conformance.RunBenchmarks(b, conformance.BenchTarget[*gin.Engine]{
		App: func(kit *authkit.Client) *gin.Engine {
			router := gin.New()
			if kit == nil {
				router.GET(conformance.BenchPath, benchHandler)
				return router
			}
			router.Use(authkitgin.Middleware(kit))
			router.GET(conformance.BenchPath, authkitgin.RequireAuth(kit), benchHandler)
			router.GET(conformance.PathSignIn, authkitgin.SignIn(kit))
			router.GET(conformance.PathCallback, authkitgin.Callback(kit))
			return router
		},
		Server:  func(tb testing.TB, app *gin.Engine) conformance.Server { return conformance.ServeHTTP(tb, app) },
		Prepare: func(app *gin.Engine, h http.Header) func() int { return conformance.PrepareHTTP(app, h) },
	})
}
