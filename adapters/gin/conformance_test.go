package authkitgin_test

import (
	"net/http"
	"os"
	"testing"

	"github.com/gin-gonic/gin"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/conformance"

	authkitgin "github.com/authkit-go/authkit/adapters/gin"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Harness{
		Name: "gin",
		New: func(t *testing.T, kit *authkit.Client) conformance.Server {
			return conformance.ServeHTTP(t, newApp(kit))
		},
	})
}

func newApp(kit *authkit.Client) *gin.Engine {
	report := func(c *gin.Context) {
		c.Data(http.StatusOK, "application/json",
			conformance.Body(authkitgin.Auth(c), authkit.FromContext(c.Request.Context()), authkitgin.AccessToken(c)))
	}
	r := gin.New()
	r.Use(authkitgin.Middleware(kit))
	r.GET(conformance.PathPublic, report)
	r.GET(conformance.PathProtected, authkitgin.RequireAuth(kit), report)
	r.GET(conformance.PathAPI, authkitgin.RequireAuth(kit), report)
	r.GET(conformance.PathAdmin, authkitgin.RequireAuth(kit, authkitgin.WithRole("admin")), report)
	r.GET(conformance.PathSignIn, authkitgin.SignIn(kit))
	r.GET(conformance.PathSignUp, authkitgin.SignUp(kit))
	r.GET(conformance.PathCallback, authkitgin.Callback(kit))
	r.Match([]string{http.MethodGet, http.MethodPost}, conformance.PathSignOut, authkitgin.SignOut(kit))
	r.Match([]string{http.MethodGet, http.MethodPost}, conformance.PathSwitchOrganization, authkitgin.SwitchOrganization(kit))
	return r
}
