package authkitfiber_test

import (
	"log"
	"time"

	"github.com/gofiber/fiber/v2"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/workos"

	authkitfiber "github.com/authkit-go/authkit/adapters/fiber"
)

// Middleware loads the session of every request; handlers read it with
// Auth (or authkit.FromContext(c.UserContext())).
func ExampleMiddleware() {
	kit, err := authkit.New(authkit.Config{}) // WORKOS_* from the environment
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New(fiber.Config{ReadBufferSize: 16 << 10}) // room for the session cookie
	app.Use(authkitfiber.Middleware(kit))
	app.Get("/sign-in", authkitfiber.SignIn(kit))
	app.Get("/sign-up", authkitfiber.SignUp(kit))
	app.Get("/callback", authkitfiber.Callback(kit)) // the path of WORKOS_REDIRECT_URI
	app.Post("/sign-out", authkitfiber.SignOut(kit))
	app.Post("/switch-organization", authkitfiber.SwitchOrganization(kit))
	app.Get("/", func(c *fiber.Ctx) error {
		if a := authkitfiber.Auth(c); a != nil {
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
	app := fiber.New()
	app.Use(authkitfiber.Middleware(kit))
	app.Get("/callback", authkitfiber.Callback(kit))

	// A single route.
	app.Get("/account", authkitfiber.RequireAuth(kit), func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"email": authkitfiber.Auth(c).User.Email})
	})

	// A whole group, with a role, some public paths and a JSON error body.
	admin := app.Group("/admin", authkitfiber.RequireAuth(kit,
		authkitfiber.WithRole("admin"),
		authkitfiber.WithPublicPaths("/admin/status"),
		authkitfiber.WithErrorHandler(func(c *fiber.Ctx, d *authkit.Decision) error {
			return c.Status(d.Status).JSON(fiber.Map{"error": d.Err.Error()})
		}),
	))
	admin.Get("/users", func(c *fiber.Ctx) error {
		// The access token, to call other APIs on the user's behalf.
		return c.SendString(authkitfiber.AccessToken(c))
	})
	log.Fatal(app.Listen(":3000"))
}

// Handlers call the client directly with authkitfiber.Request(c) and write the
// Decision with authkitfiber.Write: refresh now, save a session from the app's own
// password page, a sign-in link with options, a recent-sign-in guard.
func Example_handlers() {
	kit, err := authkit.New(authkit.Config{AcceptAPIKeys: true}) // Bearer <WorkOS API key> on API routes
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New()
	app.Use(authkitfiber.Middleware(kit))
	app.Post("/refresh", func(c *fiber.Ctx) error {
		d := kit.Refresh(c.UserContext(), authkitfiber.Request(c), authkit.RefreshOptions{OrganizationID: c.FormValue("organization_id")})
		if d.Err != nil {
			d.Respond(fiber.StatusConflict, "text/plain", []byte("could not refresh"))
		}
		return authkitfiber.Write(c, &d) // the new session cookie
	})
	app.Post("/password-sign-in", func(c *fiber.Ctx) error {
		resp, err := kit.WorkOS().AuthenticateWithPassword(c.UserContext(), workos.PasswordParams{Email: c.FormValue("email"), Password: c.FormValue("password")})
		if err != nil {
			return c.Status(fiber.StatusUnauthorized).SendString("wrong email or password")
		}
		d := kit.SaveSession(c.UserContext(), authkitfiber.Request(c), resp)
		d.Redirect(fiber.StatusSeeOther, "/account")
		return authkitfiber.Write(c, &d)
	})
	app.Get("/sign-in-link", func(c *fiber.Ctx) error {
		link, _ := kit.SignInURL(authkit.SignInOptions{ReturnTo: "/account", OrganizationID: c.Query("org"), MaxAge: time.Hour})
		return c.SendString(link)
	})
	app.Get("/settings/security", authkitfiber.RequireAuth(kit, authkitfiber.WithRecentAuth(10*time.Minute)), func(c *fiber.Ctx) error {
		return c.SendString("settings")
	})
}
