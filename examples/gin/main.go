// Command gin is the authkit-go example app for Gin: a public home page, a
// protected account page and a protected JSON API, signed in with WorkOS
// AuthKit.
//
//	go run ./gin                # built-in WorkOS emulator on http://localhost:8080
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

	"github.com/gin-gonic/gin"

	authkitgin "github.com/authkit-go/authkit/adapters/gin"
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

	gin.SetMode(gin.ReleaseMode) // no route dump on start
	r := gin.New()
	r.Use(gin.Recovery(), authkitgin.Middleware(kit))
	r.GET("/", func(c *gin.Context) {
		_ = ui.Home(c.Writer, authkitgin.Auth(c))
	})
	r.GET("/account", authkitgin.RequireAuth(kit), func(c *gin.Context) {
		auth := authkitgin.Auth(c)
		_ = ui.Account(c.Writer, auth, orgs.Of(c.Request.Context(), auth))
	})
	r.GET("/api/me", authkitgin.RequireAuth(kit), func(c *gin.Context) {
		_ = ui.WriteJSON(c.Writer, ui.JSONUser(authkitgin.Auth(c)))
	})
	r.GET("/sign-in", authkitgin.SignIn(kit))
	r.GET("/sign-up", authkitgin.SignUp(kit))
	r.GET(kit.CallbackPath(), authkitgin.Callback(kit))
	r.POST("/sign-out", authkitgin.SignOut(kit))
	r.POST("/switch-organization", authkitgin.SwitchOrganization(kit))

	return site.Serve(ctx, r, emu, ready)
}
