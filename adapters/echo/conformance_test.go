package authkitecho_test

import (
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/conformance"

	authkitecho "github.com/authkit-go/authkit/adapters/echo"
)

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Harness{
		Name: "echo",
		New: func(t *testing.T, kit *authkit.Client) conformance.Server {
			return conformance.ServeHTTP(t, newApp(kit))
		},
	})
}

func newApp(kit *authkit.Client) *echo.Echo {
	report := func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/json",
			conformance.Body(authkitecho.Auth(c), authkit.FromContext(c.Request().Context()), authkitecho.AccessToken(c)))
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(authkitecho.Middleware(kit))
	e.GET(conformance.PathPublic, report)
	e.GET(conformance.PathProtected, report, authkitecho.RequireAuth(kit))
	e.GET(conformance.PathAPI, report, authkitecho.RequireAuth(kit))
	e.GET(conformance.PathAdmin, report, authkitecho.RequireAuth(kit, authkitecho.WithRole("admin")))
	e.GET(conformance.PathSignIn, authkitecho.SignIn(kit))
	e.GET(conformance.PathSignUp, authkitecho.SignUp(kit))
	e.GET(conformance.PathCallback, authkitecho.Callback(kit))
	e.Match([]string{http.MethodGet, http.MethodPost}, conformance.PathSignOut, authkitecho.SignOut(kit))
	e.Match([]string{http.MethodGet, http.MethodPost}, conformance.PathSwitchOrganization, authkitecho.SwitchOrganization(kit))
	return e
}
