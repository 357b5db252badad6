package authkitfiberv3_test

import (
	"log"
	"time"

	"github.com/gofiber/fiber/v3"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/workos"

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

// Handlers call the client directly with authkitfiberv3.Request(c) and write the
// Decision with authkitfiberv3.Write: refresh now, save a session from the app's own
// password page, a sign-in link with options, a recent-sign-in guard.
func Example_handlers() {
	kit, err := authkit.New(authkit.Config{AcceptAPIKeys: true}) // Bearer <WorkOS API key> on API routes
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New()
	app.Use(authkitfiberv3.Middleware(kit))
	app.Post("/refresh", func(c fiber.Ctx) error {
		d := kit.Refresh(c.Context(), authkitfiberv3.Request(c), authkit.RefreshOptions{OrganizationID: c.FormValue("organization_id")})
		if d.Err != nil {
			d.Respond(fiber.StatusConflict, "text/plain", []byte("could not refresh"))
		}
		return authkitfiberv3.Write(c, &d) // the new session cookie
	})
	app.Post("/password-sign-in", func(c fiber.Ctx) error {
		resp, err := kit.WorkOS().AuthenticateWithPassword(c.Context(), workos.PasswordParams{Email: c.FormValue("email"), Password: c.FormValue("password")})
		if err != nil {
			return c.Status(fiber.StatusUnauthorized).SendString("wrong email or password")
		}
		d := kit.SaveSession(c.Context(), authkitfiberv3.Request(c), resp)
		d.Redirect(fiber.StatusSeeOther, "/account")
		return authkitfiberv3.Write(c, &d)
	})
	app.Get("/sign-in-link", func(c fiber.Ctx) error {
		link, _ := kit.SignInURL(authkit.SignInOptions{ReturnTo: "/account", OrganizationID: c.Query("org"), MaxAge: time.Hour})
		return c.SendString(link)
	})
	app.Get("/settings/security", authkitfiberv3.RequireAuth(kit, authkitfiberv3.WithRecentAuth(10*time.Minute)), func(c fiber.Ctx) error {
		return c.SendString("settings")
	})
}
