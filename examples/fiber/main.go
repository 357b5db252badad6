// Command fiber is the authkit-go example app for Fiber v2: a public home
// page, a protected account page and a protected JSON API, signed in with
// WorkOS AuthKit.
//
//	go run ./fiber              # built-in WorkOS emulator on http://localhost:8080
//
// Set WORKOS_CLIENT_ID, WORKOS_API_KEY, WORKOS_REDIRECT_URI and
// WORKOS_COOKIE_PASSWORD to use a real WorkOS environment.
package main

import (
	"context"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"

	authkitfiber "github.com/authkit-go/authkit/adapters/fiber"
	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/dev"

	"github.com/authkit-go/authkit/examples/internal/demo"
	"github.com/authkit-go/authkit/examples/internal/ui"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, demo.FromFlags(), nil); err != nil {
		log.Fatal(err)
	}
}

// run serves the app until ctx ends; ready gets the base URL once it is up.
func run(ctx context.Context, opts demo.Options, ready func(baseURL string)) error {
	site, err := demo.Listen(opts)
	if err != nil {
		return err
	}
	// WORKOS_* from the environment. Without credentials dev.New starts the
	// built-in emulator, with 2-minute access tokens so that refreshes (60 s
	// before expiry) show on the account page after a minute.
	kit, emu, err := dev.New(authkit.Config{
		RedirectURI:  site.RedirectURI(),
		IsAPIRequest: demo.IsAPIRequest,
		Clock:        opts.Clock,
		Getenv:       opts.Getenv,
		// On the emulator, sign-out lands on the home page with a notice.
		SignOutReturnTo: site.SignOutReturnTo(),
		Store:           site.Store(), // Redis when AUTHKIT_REDIS_URL is set
	}, site.Emulator(authkittest.WithAccessTokenTTL(2*time.Minute))...)
	if err != nil {
		site.Close()
		return err
	}
	orgs := ui.NewDirectory(kit)

	// Fiber reads at most 4 KiB of request headers by default; a WorkOS
	// session cookie alone can be 2-4 KiB, so leave room for it.
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ReadBufferSize: 16 << 10})
	app.Use(authkitfiber.Middleware(kit))
	app.Get("/", func(c *fiber.Ctx) error {
		c.Type("html")
		return ui.Home(c, authkitfiber.Auth(c))
	})
	app.Get("/account", authkitfiber.RequireAuth(kit), func(c *fiber.Ctx) error {
		auth := authkitfiber.Auth(c)
		c.Type("html")
		return ui.Account(c, auth, orgs.Of(c.UserContext(), auth))
	})
	app.Get("/api/me", authkitfiber.RequireAuth(kit), func(c *fiber.Ctx) error {
		c.Type("json")
		return ui.WriteJSON(c, ui.JSONUser(authkitfiber.Auth(c)))
	})
	app.Get("/sign-in", authkitfiber.SignIn(kit))
	app.Get("/sign-up", authkitfiber.SignUp(kit))
	app.Get(kit.CallbackPath(), authkitfiber.Callback(kit))
	app.Post("/sign-out", authkitfiber.SignOut(kit))
	app.Post("/switch-organization", authkitfiber.SwitchOrganization(kit))

	return site.ServeWith(ctx, app.Listener, app.ShutdownWithContext, emu, ready)
}
