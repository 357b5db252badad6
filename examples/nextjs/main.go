// Command nextjs is the Go half of the authkit-go Next.js example: a Gin JSON
// API that shares one WorkOS AuthKit sign-in with a Next.js App Router front
// end on @workos-inc/authkit-nextjs (in ./web). Next.js serves the browser and
// rewrites /api/* to this API, so both live on one origin and read and write
// the same wos-session cookie, sealed with the same cookie password. With
// --site-addr it also serves the split setup: the Go app's own pages on
// another port of the same host, trusting the Next.js origin for sign-out
// and organization switch (siteConfig).
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
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
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
	// SiteAddr, when not empty, is the listen address of the split setup:
	// the Go app serving its own pages and routes (/, /account, /sign-in,
	// /callback, /sign-out, /switch-organization, /api/me) on its own port,
	// no proxy in between. On the same host as the Next.js app it shares
	// the session cookie (cookies are per host, not per port).
	SiteAddr string
}

// started is what run reports once it serves.
type started struct {
	API  string // the Go API's base URL (API_URL: Next.js forwards /api/* to it)
	Site string // the split Go app's base URL ("" without app.SiteAddr)
	// FrontEnv is the environment to add to the Next.js server's, so that
	// both use the same WorkOS environment and cookie password.
	FrontEnv []string
}

func main() {
	appURL := flag.String("app-url", envOr("APP_URL", defaultAppURL), "public origin of the Next.js front end (env APP_URL)")
	nextDir := flag.String("next-dir", defaultNextDir, "Next.js app to build and start on the port of --app-url (demo); empty: run the API only")
	siteAddr := flag.String("site-addr", "", "also serve the Go app's own pages on this address (split setup, e.g. :8082); empty: none")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := demo.FromFlags()
	a := app{URL: strings.TrimRight(*appURL, "/"), TokenTTL: 2 * time.Minute, SiteAddr: *siteAddr}
	var ready func(started)
	var front *frontEnd
	var built *build
	if *nextDir != "" {
		ready = func(st started) {
			b, err := prepare(ctx, *nextDir, os.Stdout)
			if err == nil {
				built = b
				front, err = startFrontEnd(ctx, b, a.URL, st.FrontEnv, os.Stdout)
			}
			if err == nil && st.Site != "" {
				fmt.Printf("Go app on %s: its own pages, sharing the session with the Next.js app (split setup)\n", st.Site)
			}
			if err != nil {
				log.Print(err)
				stop()
			}
		}
	}
	err := run(ctx, opts, a, ready)
	front.Stop()
	built.Release()
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

// run serves the API (and, with a.SiteAddr, the split Go app) until ctx
// ends. ready, when not nil, is called once they serve.
func run(ctx context.Context, opts demo.Options, a app, ready func(started)) error {
	ctx, cancel := context.WithCancel(ctx) // stops the split Go app if the API fails
	defer cancel()
	gin.SetMode(gin.ReleaseMode) // no route dump on start
	site, err := demo.Listen(opts)
	if err != nil {
		return err
	}
	cfg := apiConfig(opts, a)
	kit, emu, err := dev.New(cfg, site.Emulator(authkittest.WithAccessTokenTTL(a.TokenTTL))...)
	if err != nil {
		site.Close()
		return err
	}
	orgs := ui.NewDirectory(kit)
	if emu != nil {
		// The other servers use the emulator dev.New started.
		cfg.ClientID, cfg.APIKey, cfg.APIBaseURL = emu.ClientID(), emu.APIKey(), emu.URL()
	}
	var split *splitSite
	if a.SiteAddr != "" {
		if split, err = startSplitSite(ctx, opts, a, cfg, orgs); err != nil {
			site.Close()
			if emu != nil {
				_ = emu.Close()
			}
			return err
		}
	}
	frontEnv := []string{"NEXT_PUBLIC_WORKOS_REDIRECT_URI=" + a.URL + "/callback"}
	if emu != nil {
		frontEnv = append(frontEnv, emulatorEnv(emu, cfg.CookiePassword, opts.Getenv)...)
	}
	serveReady := func(apiURL string) {
		st := started{API: apiURL, FrontEnv: append(frontEnv, "API_URL="+apiURL)}
		if split != nil {
			st.Site = split.URL
			st.FrontEnv = append(st.FrontEnv, "GO_SITE_URL="+split.URL)
		}
		if ready != nil {
			ready(st)
		}
	}

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

	err = site.Serve(ctx, r, emu, serveReady)
	if split != nil {
		cancel()
		err = errors.Join(err, split.Wait())
	}
	return err
}

// apiConfig is the Go API's configuration: the same WORKOS_* variables as
// the Next.js server, except the redirect URI (authkit-nextjs reads
// NEXT_PUBLIC_WORKOS_REDIRECT_URI, its /callback; the Go API has its own
// callback on the same origin).
func apiConfig(opts demo.Options, a app) authkit.Config {
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
			// One random password for all servers (sessions end with the demo).
			cfg.CookiePassword = rand.Text() + rand.Text()
		}
	}
	return cfg
}

// siteConfig is the configuration of the split Go app at siteURL, from the
// API's: the same WorkOS environment, cookie and password, its own
// callback, and the Next.js app's origin trusted for sign-out and
// organization switch (the forms on the Next.js pages post to this app:
// a cross-origin POST, refused with 403 unless its origin is listed). With
// WORKOS_* variables that is WORKOS_REDIRECT_URI=<site>/callback and
// WORKOS_TRUSTED_ORIGINS=<Next.js origin>.
func siteConfig(api authkit.Config, siteURL, nextOrigin string) authkit.Config {
	cfg := api
	cfg.RedirectURI = siteURL + "/callback"
	cfg.TrustedOrigins = []string{nextOrigin}
	if cfg.SignOutReturnTo != "" { // on the emulator
		cfg.SignOutReturnTo = siteURL + "/?signed_out=1"
	}
	return cfg
}

// siteRouter is the split Go app: the pages and routes of the Gin example,
// on the Next.js app's session.
func siteRouter(kit *authkit.Client, orgs *ui.Directory) http.Handler {
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
	return r
}

// splitSite is the running split Go app.
type splitSite struct {
	URL  string
	done chan error
}

// startSplitSite listens on a.SiteAddr and serves the split Go app, with
// the API's configuration api (WorkOS environment already resolved), until
// ctx ends.
func startSplitSite(ctx context.Context, opts demo.Options, a app, api authkit.Config, orgs *ui.Directory) (*splitSite, error) {
	site, err := demo.Listen(demo.Options{Addr: a.SiteAddr, Getenv: opts.Getenv, Clock: opts.Clock, Out: io.Discard})
	if err != nil {
		return nil, err
	}
	kit, err := authkit.New(siteConfig(api, site.BaseURL, a.URL))
	if err != nil {
		site.Close()
		return nil, err
	}
	s := &splitSite{URL: site.BaseURL, done: make(chan error, 1)}
	go func() { s.done <- site.Serve(ctx, siteRouter(kit, orgs), nil, nil) }()
	return s, nil
}

// Wait returns once the split Go app has stopped.
func (s *splitSite) Wait() error { return <-s.done }
