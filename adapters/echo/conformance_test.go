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
		Name:   "echo",
		Parity: true,
		New: func(t *testing.T, kit *authkit.Client) conformance.Server {
			return conformance.ServeHTTP(t, newApp(kit))
		},
		NewWithOptions: func(t *testing.T, kit *authkit.Client, mw, req conformance.Options) conformance.Server {
			e := newEcho()
			if !mw.NoMiddleware {
				e.Use(authkitecho.Middleware(kit, conformance.Translate(t, mw, translator)...))
			}
			guard := authkitecho.RequireAuth(kit, conformance.Translate(t, req, translator)...)
			e.GET(conformance.PathPublic, report)
			e.GET(conformance.PathProtected, report, guard)
			e.GET(conformance.PathProtected+"/*", report, guard)
			e.GET(conformance.PathSignIn, authkitecho.SignIn(kit))
			e.GET(conformance.PathCallback, authkitecho.Callback(kit))
			return conformance.ServeHTTP(t, e)
		},
	})
}

// translator turns the suite's options into Echo's.
var translator = conformance.Translator[authkitecho.Option]{
	Skipper: func(skip func(*http.Request) bool) authkitecho.Option {
		return authkitecho.WithSkipper(func(c echo.Context) bool { return skip(c.Request()) })
	},
	ErrorHandler: func(h func(*authkit.Decision) (int, string)) authkitecho.Option {
		return authkitecho.WithErrorHandler(func(c echo.Context, d *authkit.Decision) error { return c.String(h(d)) })
	},
	PublicPaths: authkitecho.WithPublicPaths,
	Role:        authkitecho.WithRole,
	Permission:  authkitecho.WithPermission,
	OnRefresh: func(f func(refreshed, current *authkit.Auth)) authkitecho.Option {
		return authkitecho.WithOnRefresh(func(c echo.Context, a *authkit.Auth) { f(a, authkitecho.Auth(c)) })
	},
	OnRefreshError: func(f func(error)) authkitecho.Option {
		return authkitecho.WithOnRefreshError(func(_ echo.Context, err error) { f(err) })
	},
}

// report answers the suite's JSON Body.
func report(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/json",
		conformance.Body(authkitecho.Auth(c), authkit.FromContext(c.Request().Context()), authkitecho.AccessToken(c)))
}

func newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	return e
}

func newApp(kit *authkit.Client) *echo.Echo {
	e := newEcho()
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
	e.GET(conformance.PathRecent, report, authkitecho.RequireAuth(kit, authkitecho.WithRecentAuth(conformance.RecentAuthMaxAge)))
	parity := conformance.ParityHandler(kit)
	e.Match([]string{http.MethodGet, http.MethodPost}, conformance.PathParity+"/*", func(c echo.Context) error {
		form, _ := c.FormParams()
		r := c.Request()
		d := parity(r.Context(), authkit.FromHTTPRequest(r), form)
		d.Write(c.Response())
		return nil
	})
	return e
}
