package authkitfiber_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/conformance"

	authkitfiber "github.com/authkit-go/authkit/adapters/fiber"
)

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Harness{
		Name:   "fiber",
		Parity: true,
		New: func(t *testing.T, kit *authkit.Client) conformance.Server {
			return server(newApp(kit))
		},
		NewWithOptions: func(t *testing.T, kit *authkit.Client, mw, req conformance.Options) conformance.Server {
			app := fiber.New(fiber.Config{DisableStartupMessage: true})
			if !mw.NoMiddleware {
				app.Use(authkitfiber.Middleware(kit, conformance.Translate(t, mw, translator)...))
			}
			guard := authkitfiber.RequireAuth(kit, conformance.Translate(t, req, translator)...)
			app.Get(conformance.PathPublic, report)
			app.Get(conformance.PathProtected+"/*", guard, report) // the path itself and every path below it
			app.Get(conformance.PathSignIn, authkitfiber.SignIn(kit))
			app.Get(conformance.PathCallback, authkitfiber.Callback(kit))
			return server(app)
		},
	})
}

// translator turns the suite's options into Fiber's.
var translator = conformance.Translator[authkitfiber.Option]{
	Skipper: func(skip func(*http.Request) bool) authkitfiber.Option {
		return authkitfiber.WithSkipper(func(c *fiber.Ctx) bool {
			r, err := adaptor.ConvertRequest(c, false)
			return err == nil && skip(r)
		})
	},
	ErrorHandler: func(h func(*authkit.Decision) (int, string)) authkitfiber.Option {
		return authkitfiber.WithErrorHandler(func(c *fiber.Ctx, d *authkit.Decision) error {
			status, body := h(d)
			return c.Status(status).SendString(body)
		})
	},
	PublicPaths: authkitfiber.WithPublicPaths,
	Role:        authkitfiber.WithRole,
	Permission:  authkitfiber.WithPermission,
	OnRefresh: func(f func(refreshed, current *authkit.Auth)) authkitfiber.Option {
		return authkitfiber.WithOnRefresh(func(c *fiber.Ctx, a *authkit.Auth) { f(a, authkitfiber.Auth(c)) })
	},
	OnRefreshError: func(f func(error)) authkitfiber.Option {
		return authkitfiber.WithOnRefreshError(func(_ *fiber.Ctx, err error) { f(err) })
	},
}

// report answers the conformance suite's JSON Body.
func report(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(conformance.Body(authkitfiber.Auth(c), authkit.FromContext(c.UserContext()), authkitfiber.AccessToken(c)))
}

// newApp serves the conformance routes. Fiber's default 4 KiB read buffer
// caps the whole request header; the suite sends a 70 kB cookie, which a
// real app would refuse, so the buffer is raised like net/http's 1 MB cap.
func newApp(kit *authkit.Client) *fiber.App {
	app := fiber.New(fiber.Config{ReadBufferSize: 128 << 10, DisableStartupMessage: true})
	app.Use(authkitfiber.Middleware(kit))
	app.Get(conformance.PathPublic, report)
	app.Get(conformance.PathProtected, authkitfiber.RequireAuth(kit), report)
	app.Get(conformance.PathAPI, authkitfiber.RequireAuth(kit), report)
	app.Get(conformance.PathAdmin, authkitfiber.RequireAuth(kit, authkitfiber.WithRole("admin")), report)
	app.Get(conformance.PathSignIn, authkitfiber.SignIn(kit))
	app.Get(conformance.PathSignUp, authkitfiber.SignUp(kit))
	app.Get(conformance.PathCallback, authkitfiber.Callback(kit))
	app.All(conformance.PathSignOut, authkitfiber.SignOut(kit))
	app.Post(conformance.PathSwitchOrganization, authkitfiber.SwitchOrganization(kit))
	app.Get(conformance.PathRecent, authkitfiber.RequireAuth(kit, authkitfiber.WithRecentAuth(conformance.RecentAuthMaxAge)), report)
	parity := conformance.ParityHandler(kit)
	app.All(conformance.PathParity+"/*", func(c *fiber.Ctx) error {
		form := url.Values{}
		for k, v := range c.Request().PostArgs().All() {
			form.Add(string(k), string(v))
		}
		d := parity(c.UserContext(), authkitfiber.Request(c), form)
		return authkitfiber.Write(c, &d)
	})
	return app
}
