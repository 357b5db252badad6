package authkitfiberv3_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/middleware/adaptor"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/conformance"

	authkitfiberv3 "github.com/authkit-go/authkit/adapters/fiberv3"
)

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Harness{
		Name:   "fiberv3",
		Parity: true,
		New: func(t *testing.T, kit *authkit.Client) conformance.Server {
			return server(newApp(kit))
		},
		NewWithOptions: func(t *testing.T, kit *authkit.Client, mw, req conformance.Options) conformance.Server {
			app := fiber.New()
			if !mw.NoMiddleware {
				app.Use(authkitfiberv3.Middleware(kit, conformance.Translate(t, mw, translator)...))
			}
			guard := authkitfiberv3.RequireAuth(kit, conformance.Translate(t, req, translator)...)
			app.Get(conformance.PathPublic, report)
			app.Get(conformance.PathProtected+"/*", guard, report) // the path itself and every path below it
			app.Get(conformance.PathSignIn, authkitfiberv3.SignIn(kit))
			app.Get(conformance.PathCallback, authkitfiberv3.Callback(kit))
			return server(app)
		},
	})
}

// translator turns the suite's options into Fiber's.
var translator = conformance.Translator[authkitfiberv3.Option]{
	Skipper: func(skip func(*http.Request) bool) authkitfiberv3.Option {
		return authkitfiberv3.WithSkipper(func(c fiber.Ctx) bool {
			r, err := adaptor.ConvertRequest(c, false)
			return err == nil && skip(r)
		})
	},
	ErrorHandler: func(h func(*authkit.Decision) (int, string)) authkitfiberv3.Option {
		return authkitfiberv3.WithErrorHandler(func(c fiber.Ctx, d *authkit.Decision) error {
			status, body := h(d)
			return c.Status(status).SendString(body)
		})
	},
	PublicPaths: authkitfiberv3.WithPublicPaths,
	Role:        authkitfiberv3.WithRole,
	Permission:  authkitfiberv3.WithPermission,
	OnRefresh: func(f func(refreshed, current *authkit.Auth)) authkitfiberv3.Option {
		return authkitfiberv3.WithOnRefresh(func(c fiber.Ctx, a *authkit.Auth) { f(a, authkitfiberv3.Auth(c)) })
	},
	OnRefreshError: func(f func(error)) authkitfiberv3.Option {
		return authkitfiberv3.WithOnRefreshError(func(_ fiber.Ctx, err error) { f(err) })
	},
}

// report answers the conformance suite's JSON Body.
func report(c fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(conformance.Body(authkitfiberv3.Auth(c), authkit.FromContext(c.Context()), authkitfiberv3.AccessToken(c)))
}

// newApp serves the conformance routes. Fiber's default 4 KiB read buffer
// caps the whole request header; the suite sends a 70 kB cookie, which a
// real app would refuse, so the buffer is raised like net/http's 1 MB cap.
func newApp(kit *authkit.Client) *fiber.App {
	app := fiber.New(fiber.Config{ReadBufferSize: 128 << 10})
	app.Use(authkitfiberv3.Middleware(kit))
	app.Get(conformance.PathPublic, report)
	app.Get(conformance.PathProtected, authkitfiberv3.RequireAuth(kit), report)
	app.Get(conformance.PathAPI, authkitfiberv3.RequireAuth(kit), report)
	app.Get(conformance.PathAdmin, authkitfiberv3.RequireAuth(kit, authkitfiberv3.WithRole("admin")), report)
	app.Get(conformance.PathSignIn, authkitfiberv3.SignIn(kit))
	app.Get(conformance.PathSignUp, authkitfiberv3.SignUp(kit))
	app.Get(conformance.PathCallback, authkitfiberv3.Callback(kit))
	app.All(conformance.PathSignOut, authkitfiberv3.SignOut(kit))
	app.Post(conformance.PathSwitchOrganization, authkitfiberv3.SwitchOrganization(kit))
	app.Get(conformance.PathRecent, authkitfiberv3.RequireAuth(kit, authkitfiberv3.WithRecentAuth(conformance.RecentAuthMaxAge)), report)
	parity := conformance.ParityHandler(kit)
	app.All(conformance.PathParity+"/*", func(c fiber.Ctx) error {
		form := url.Values{}
		for k, v := range c.Request().PostArgs().All() {
			form.Add(string(k), string(v))
		}
		d := parity(c.Context(), authkitfiberv3.Request(c), form)
		return authkitfiberv3.Write(c, &d)
	})
	return app
}
