package authkitfiberv3_test

import (
	"log"

	"github.com/gofiber/fiber/v3"

	authkit "github.com/authkit-go/authkit/core"

	authkitfiberv3 "github.com/authkit-go/authkit/adapters/fiberv3"
)

// Middleware loads the session of every request; handlers read it with
// Auth (or authkit.FromContext(c.Context())).
func ExampleMiddleware() {
	kit, err := authkit.New(authkit.Config{}) // WORKOS_* from the environment
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New(fiber.Config{ReadBufferSize: 16 << 10}) // room for the session cookie
	app.Use(authkitfiberv3.Middleware(kit))
	app.Get("/sign-in", authkitfiberv3.SignIn(kit))
	app.Get("/sign-up", authkitfiberv3.SignUp(kit))
	app.Get("/callback", authkitfiberv3.Callback(kit)) // the path of WORKOS_REDIRECT_URI
	app.Post("/sign-out", authkitfiberv3.SignOut(kit))
	app.Post("/switch-organization", authkitfiberv3.SwitchOrganization(kit))
	app.Get("/", func(c fiber.Ctx) error {
		if a := authkitfiberv3.Auth(c); a != nil {
			return c.SendString("Hello, " + a.User.Name())
		}
		return c.SendString("Hello, stranger")
	})
	log.Fatal(app.Listen(":3000"))
}

// RequireAuth guards routes: browsers go to sign-in, API requests get 401,
// and sessions missing a role or permission get 403.
func ExampleRequireAuth() {
	kit, err := authkit.New(authkit.Config{})
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New(fiber.Config{ReadBufferSize: 16 << 10})
	app.Use(authkitfiberv3.Middleware(kit))
	app.Get("/callback", authkitfiberv3.Callback(kit))

	// A single route.
	app.Get("/account", authkitfiberv3.RequireAuth(kit), func(c fiber.Ctx) error {
		return c.JSON(fiber.Map{"email": authkitfiberv3.Auth(c).User.Email})
	})

	// A whole group, with a role, some public paths and a JSON error body.
	admin := app.Group("/admin", authkitfiberv3.RequireAuth(kit,
		authkitfiberv3.WithRole("admin"),
		authkitfiberv3.WithPublicPaths("/admin/status"),
		authkitfiberv3.WithErrorHandler(func(c fiber.Ctx, d *authkit.Decision) error {
			return c.Status(d.Status).JSON(fiber.Map{"error": d.Err.Error()})
		}),
	))
	admin.Get("/users", func(c fiber.Ctx) error {
		// The access token, to call other APIs on the user's behalf.
		return c.SendString(authkitfiberv3.AccessToken(c))
	})
	log.Fatal(app.Listen(":3000"))
}
