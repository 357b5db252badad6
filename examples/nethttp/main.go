// Command nethttp is the authkit-go example app for net/http (and chi, or
// anything http.Handler-shaped): a public home page, a protected account
// page and a protected JSON API, signed in with WorkOS AuthKit.
//
//	go run ./nethttp            # built-in WorkOS emulator on http://localhost:8080
//
// Set WORKOS_CLIENT_ID, WORKOS_API_KEY, WORKOS_REDIRECT_URI and
// WORKOS_COOKIE_PASSWORD to use a real WorkOS environment.
package main

import (
	"context"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	authkithttp "github.com/authkit-go/authkit/adapters/nethttp"
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

	protected := authkithttp.RequireAuth(kit)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		_ = ui.Home(w, authkithttp.Auth(r))
	})
	mux.Handle("GET /account", protected(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := authkithttp.Auth(r)
		_ = ui.Account(w, auth, orgs.Of(r.Context(), auth))
	})))
	mux.Handle("GET /api/me", protected(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = ui.WriteJSON(w, ui.JSONUser(authkithttp.Auth(r)))
	})))
	mux.Handle("GET /sign-in", authkithttp.SignIn(kit))
	mux.Handle("GET /sign-up", authkithttp.SignUp(kit))
	mux.Handle("GET "+kit.CallbackPath(), authkithttp.Callback(kit))
	mux.Handle("POST /sign-out", authkithttp.SignOut(kit))
	mux.Handle("POST /switch-organization", authkithttp.SwitchOrganization(kit))

	return site.Serve(ctx, authkithttp.Middleware(kit)(mux), emu, ready)
}
