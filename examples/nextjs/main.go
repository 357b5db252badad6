// Command nextjs is the Go half of the authkit-go Next.js example: a Gin JSON
// API that shares one WorkOS AuthKit sign-in with a Next.js App Router front
// end on @workos-inc/authkit-nextjs (in ./web). Next.js serves the browser and
// rewrites /api/* to this API, so both live on one origin and read and write
// the same wos-session cookie, sealed with the same cookie password.
//
//	go run ./nextjs --next-dir nextjs/web   # from examples/: emulator, Go API and Next.js
//
// or make demo FRAMEWORK=nextjs from the repository root. Set WORKOS_CLIENT_ID,
// WORKOS_API_KEY and WORKOS_COOKIE_PASSWORD (the same for both servers) to use
// a real WorkOS environment.
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"log"
	"os"
	"os/signal"
	"strings"
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

// Paths of the Go API's sign-in routes, under the /api prefix that the
// Next.js front end forwards. authkit-nextjs has its own callback (/callback);
// the Go callback is /api/auth/callback, so the two never collide.
const (
	apiSignIn      = "/api/auth/sign-in"
	apiCallback    = "/api/auth/callback"
	apiSignOut     = "/api/auth/sign-out"
	apiSwitchOrg   = "/api/auth/switch-organization"
	apiMe          = "/api/me"
	apiOrgs        = "/api/organizations"
	defaultAppURL  = "http://localhost:3000"
	defaultNextDir = ""
)

// app is what the Go API needs to know about the front end.
type app struct {
	// URL is the public origin the browser uses (the Next.js server): the Go
	// API's redirect URI and sign-out return URL are on it.
	URL string
	// TokenTTL is the built-in emulator's access-token lifetime.
	TokenTTL time.Duration
}

func main() {
	appURL := flag.String("app-url", envOr("APP_URL", defaultAppURL), "public origin of the Next.js front end (env APP_URL)")
	nextDir := flag.String("next-dir", defaultNextDir, "Next.js app to build and start on the port of --app-url (demo); empty: run the API only")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := demo.FromFlags()
	a := app{URL: strings.TrimRight(*appURL, "/"), TokenTTL: 2 * time.Minute}
	var ready func(apiURL string, frontEnv []string)
	var front *frontEnd
	if *nextDir != "" {
		ready = func(apiURL string, frontEnv []string) {
			var err error
			if front, err = startFrontEnd(ctx, *nextDir, a.URL, frontEnv, os.Stdout); err != nil {
				log.Print(err)
				stop()
			}
		}
	}
	err := run(ctx, opts, a, ready)
	if front != nil {
		front.Stop()
	}
	if err != nil {
		log.Fatal(err)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// run serves the API until ctx ends. ready, when not nil, gets the API's
// base URL once it is up, and the environment to add to the Next.js
// server's so that both use the same WorkOS environment (the emulator) and
// cookie password.
func run(ctx context.Context, opts demo.Options, a app, ready func(apiURL string, frontEnv []string)) error {
	site, err := demo.Listen(opts)
	if err != nil {
		return err
	}
	// The same WORKOS_* variables as the Next.js server, except the redirect
	// URI: authkit-nextjs reads NEXT_PUBLIC_WORKOS_REDIRECT_URI (its
	// /callback), the Go API has its own callback on the same origin.
	cfg := authkit.Config{
		RedirectURI:  a.URL + apiCallback,
		IsAPIRequest: demo.IsAPIRequest,
		Clock:        opts.Clock,
		Getenv:       opts.Getenv,
		// Refresh later than authkit-nextjs does (30 s before expiry for
		// tokens of up to 5 minutes, 60 s for longer ones). Then a cookie
		// that the Next.js server forwards to this API, after its proxy
		// has refreshed what was due, is never due here: a refresh on a
		// server-to-server call would rotate the refresh token in a
		// Set-Cookie that no browser receives.
		RefreshBuffer: 20 * time.Second,
	}
	if opts.DevMode() {
		// On the emulator, sign-out lands on the front end's home page.
		cfg.SignOutReturnTo = a.URL + "/?signed_out=1"
		if opts.Getenv == nil || opts.Getenv("WORKOS_COOKIE_PASSWORD") == "" {
			// One random password for both servers (sessions end with the demo).
			cfg.CookiePassword = rand.Text() + rand.Text()
		}
	}
	kit, emu, err := dev.New(cfg, site.Emulator(authkittest.WithAccessTokenTTL(a.TokenTTL))...)
	if err != nil {
		site.Close()
		return err
	}
	orgs := ui.NewDirectory(kit)
	frontEnv := []string{"NEXT_PUBLIC_WORKOS_REDIRECT_URI=" + a.URL + "/callback"}
	if emu != nil {
		frontEnv = append(frontEnv, emulatorEnv(emu, cfg.CookiePassword, opts.Getenv)...)
	}
	serveReady := func(apiURL string) {
		if ready != nil {
			ready(apiURL, append(frontEnv, "API_URL="+apiURL))
		}
	}

	gin.SetMode(gin.ReleaseMode)
	r := gin.New() // gin.Default()'s logger would log the callback's ?code=
	r.Use(gin.Recovery(), authkitgin.Middleware(kit))
	// GET /api/me: the session's user, from the wos-session cookie (browser
	// fetch through the Next.js rewrite) or from Authorization: Bearer
	// (Next.js server components); "source" says which.
	r.GET(apiMe, authkitgin.RequireAuth(kit), func(c *gin.Context) {
		_ = ui.WriteJSON(c.Writer, ui.JSONUser(authkitgin.Auth(c)))
	})
	// GET /api/organizations: the user's organizations (known on the
	// WorkOS's memberships), for the front end's organization switchers.
	r.GET(apiOrgs, authkitgin.RequireAuth(kit), func(c *gin.Context) {
		list := orgs.Of(c.Request.Context(), authkitgin.Auth(c)).List
		if list == nil {
			list = []ui.Org{}
		}
		_ = ui.WriteJSON(c.Writer, list)
	})
	r.GET(apiSignIn, authkitgin.SignIn(kit))
	r.GET(kit.CallbackPath(), authkitgin.Callback(kit))
	r.POST(apiSignOut, authkitgin.SignOut(kit))
	r.POST(apiSwitchOrg, authkitgin.SwitchOrganization(kit))

	return site.Serve(ctx, r, emu, serveReady)
}
