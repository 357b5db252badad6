package authkitfiber_test

import (
	"testing"

	"github.com/gofiber/fiber/v2"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/conformance"

	authkitfiber "github.com/authkit-go/authkit/adapters/fiber"
)

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Harness{
		Name: "fiber",
		New: func(t *testing.T, kit *authkit.Client) conformance.Server {
			return server(newApp(kit))
		},
	})
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
	return app
}
