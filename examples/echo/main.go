// Command echo is the authkit-go example app for Echo: a public home page,
// a protected account page and a protected JSON API, signed in with WorkOS
// AuthKit.
//
//	go run ./echo               # built-in WorkOS emulator on http://localhost:8080
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

	"github.com/labstack/echo/v4"

	authkitecho "github.com/authkit-go/authkit/adapters/echo"
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

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(authkitecho.Middleware(kit))
	e.GET("/", func(c echo.Context) error {
		return ui.Home(c.Response(), authkitecho.Auth(c))
	})
	e.GET("/account", func(c echo.Context) error {
		auth := authkitecho.Auth(c)
		return ui.Account(c.Response(), auth, orgs.Of(c.Request().Context(), auth))
	}, authkitecho.RequireAuth(kit))
	e.GET("/api/me", func(c echo.Context) error {
		return ui.WriteJSON(c.Response(), ui.JSONUser(authkitecho.Auth(c)))
	}, authkitecho.RequireAuth(kit))
	e.GET("/sign-in", authkitecho.SignIn(kit))
	e.GET("/sign-up", authkitecho.SignUp(kit))
	e.GET(kit.CallbackPath(), authkitecho.Callback(kit))
	e.POST("/sign-out", authkitecho.SignOut(kit))
	e.POST("/switch-organization", authkitecho.SwitchOrganization(kit))

	return site.Serve(ctx, e, emu, ready)
}
