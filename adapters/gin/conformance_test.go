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
		Name:   "gin",
		Parity: true,
		New: func(t *testing.T, kit *authkit.Client) conformance.Server {
			return conformance.ServeHTTP(t, newApp(kit))
		},
		NewWithOptions: func(t *testing.T, kit *authkit.Client, mw, req conformance.Options) conformance.Server {
			r := gin.New()
			if !mw.NoMiddleware {
				r.Use(authkitgin.Middleware(kit, conformance.Translate(t, mw, translator)...))
			}
			guard := authkitgin.RequireAuth(kit, conformance.Translate(t, req, translator)...)
			r.GET(conformance.PathPublic, report)
			r.GET(conformance.PathProtected, guard, report)
			r.GET(conformance.PathProtected+"/*rest", guard, report)
			r.GET(conformance.PathSignIn, authkitgin.SignIn(kit))
			r.GET(conformance.PathCallback, authkitgin.Callback(kit))
			return conformance.ServeHTTP(t, r)
		},
	})
}

// translator turns the suite's options into gin's.
var translator = conformance.Translator[authkitgin.Option]{
	Skipper: func(skip func(*http.Request) bool) authkitgin.Option {
		return authkitgin.WithSkipper(func(c *gin.Context) bool { return skip(c.Request) })
	},
	ErrorHandler: func(h func(*authkit.Decision) (int, string)) authkitgin.Option {
		return authkitgin.WithErrorHandler(func(c *gin.Context, d *authkit.Decision) {
			status, body := h(d)
			c.String(status, "%s", body)
		})
	},
	PublicPaths: authkitgin.WithPublicPaths,
	Role:        authkitgin.WithRole,
	Permission:  authkitgin.WithPermission,
	OnRefresh: func(f func(refreshed, current *authkit.Auth)) authkitgin.Option {
		return authkitgin.WithOnRefresh(func(c *gin.Context, a *authkit.Auth) { f(a, authkitgin.Auth(c)) })
	},
	OnRefreshError: func(f func(error)) authkitgin.Option {
		return authkitgin.WithOnRefreshError(func(_ *gin.Context, err error) { f(err) })
	},
}

// report answers the suite's JSON Body.
func report(c *gin.Context) {
	c.Data(http.StatusOK, "application/json",
		conformance.Body(authkitgin.Auth(c), authkit.FromContext(c.Request.Context()), authkitgin.AccessToken(c)))
}

func newApp(kit *authkit.Client) *gin.Engine {
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
	r.GET(conformance.PathRecent, authkitgin.RequireAuth(kit, authkitgin.WithRecentAuth(conformance.RecentAuthMaxAge)), report)
	parity := conformance.ParityHandler(kit)
	r.Match([]string{http.MethodGet, http.MethodPost}, conformance.PathParity+"/*rest", func(c *gin.Context) {
		_ = c.Request.ParseForm()
		d := parity(c.Request.Context(), authkit.FromHTTPRequest(c.Request), c.Request.PostForm)
		d.Write(c.Writer)
	})
	return r
}
