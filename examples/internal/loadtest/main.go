// Command loadtest measures requests per second through each adapter over
// real TCP (make loadtest): a signed-in browser (session cookie), an API
// client (bearer token) and an anonymous visitor of a public page, each
// against the bare framework route sent the same headers, printed as
// ratios. It starts the built-in WorkOS emulator; the load generator is
// its own (keep-alive connections, a fixed number of concurrent workers).
//
//	go run ./internal/loadtest -d 2s -c 8 gin fiber
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	fiberv2 "github.com/gofiber/fiber/v2"
	fiberv3 "github.com/gofiber/fiber/v3"
	"github.com/labstack/echo/v4"

	authkitecho "github.com/authkit-go/authkit/adapters/echo"
	authkitfiber "github.com/authkit-go/authkit/adapters/fiber"
	authkitfiberv3 "github.com/authkit-go/authkit/adapters/fiberv3"
	authkitgin "github.com/authkit-go/authkit/adapters/gin"
	authkithttp "github.com/authkit-go/authkit/adapters/nethttp"
	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
)

// An app serves "/" (public: Middleware only), "/me" (RequireAuth) and,
// with the adapter, the sign-in and callback routes; bare, the same two
// routes with no middleware. Both answer with a short text.
type app struct {
	name  string
	serve func(ln net.Listener, kit *authkit.Client) (stop func())
}

const ok = "ok"

var apps = []app{
	{"gin", func(ln net.Listener, kit *authkit.Client) func() {
		gin.SetMode(gin.ReleaseMode)
		r := gin.New()
		h := func(c *gin.Context) { c.String(http.StatusOK, ok) }
		if kit == nil {
			r.GET("/", h)
			r.GET("/me", h)
		} else {
			r.Use(authkitgin.Middleware(kit))
			r.GET("/", h)
			r.GET("/me", authkitgin.RequireAuth(kit), h)
			r.GET("/sign-in", authkitgin.SignIn(kit))
			r.GET("/callback", authkitgin.Callback(kit))
		}
		return serveHTTP(ln, r)
	}},
	{"echo", func(ln net.Listener, kit *authkit.Client) func() {
		e := echo.New()
		e.HideBanner, e.HidePort = true, true
		h := func(c echo.Context) error { return c.String(http.StatusOK, ok) }
		if kit == nil {
			e.GET("/", h)
			e.GET("/me", h)
		} else {
			e.Use(authkitecho.Middleware(kit))
			e.GET("/", h)
			e.GET("/me", h, authkitecho.RequireAuth(kit))
			e.GET("/sign-in", authkitecho.SignIn(kit))
			e.GET("/callback", authkitecho.Callback(kit))
		}
		return serveHTTP(ln, e)
	}},
	{"nethttp", func(ln net.Listener, kit *authkit.Client) func() {
		mux := http.NewServeMux()
		h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, ok) })
		if kit == nil {
			mux.Handle("GET /{$}", h)
			mux.Handle("GET /me", h)
			return serveHTTP(ln, mux)
		}
		mux.Handle("GET /{$}", h)
		mux.Handle("GET /me", authkithttp.RequireAuth(kit)(h))
		mux.Handle("GET /sign-in", authkithttp.SignIn(kit))
		mux.Handle("GET /callback", authkithttp.Callback(kit))
		return serveHTTP(ln, authkithttp.Middleware(kit)(mux))
	}},
	{"fiber", func(ln net.Listener, kit *authkit.Client) func() {
		a := fiberv2.New(fiberv2.Config{DisableStartupMessage: true, ReadBufferSize: 16 << 10})
		h := func(c *fiberv2.Ctx) error { return c.SendString(ok) }
		if kit == nil {
			a.Get("/", h)
			a.Get("/me", h)
		} else {
			a.Use(authkitfiber.Middleware(kit))
			a.Get("/", h)
			a.Get("/me", authkitfiber.RequireAuth(kit), h)
			a.Get("/sign-in", authkitfiber.SignIn(kit))
			a.Get("/callback", authkitfiber.Callback(kit))
		}
		go func() { _ = a.Listener(ln) }()
		return func() { _ = a.Shutdown() }
	}},
	{"fiberv3", func(ln net.Listener, kit *authkit.Client) func() {
		a := fiberv3.New(fiberv3.Config{ReadBufferSize: 16 << 10})
		h := func(c fiberv3.Ctx) error { return c.SendString(ok) }
		if kit == nil {
			a.Get("/", h)
			a.Get("/me", h)
		} else {
			a.Use(authkitfiberv3.Middleware(kit))
			a.Get("/", h)
			a.Get("/me", h, authkitfiberv3.RequireAuth(kit))
			a.Get("/sign-in", authkitfiberv3.SignIn(kit))
			a.Get("/callback", authkitfiberv3.Callback(kit))
		}
		go func() { _ = a.Listener(ln, fiberv3.ListenConfig{DisableStartupMessage: true}) }()
		return func() { _ = a.Shutdown() }
	}},
}

func serveHTTP(ln net.Listener, h http.Handler) func() {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return func() { _ = srv.Close() }
}

// scenario is one kind of request: the path and the headers.
type scenario struct {
	name   string
	path   string
	header http.Header
}

func main() {
	dur := flag.Duration("d", 2*time.Second, "duration of each measurement")
	conc := flag.Int("c", 8, "concurrent connections")
	flag.Parse()
	only := map[string]bool{}
	for _, a := range flag.Args() {
		only[a] = true
	}
	if err := run(*dur, *conc, only); err != nil {
		log.Fatal(err)
	}
}

func run(dur time.Duration, conc int, only map[string]bool) error {
	emu, err := authkittest.Start(authkittest.WithAutoApprove(authkittest.AdminEmail))
	if err != nil {
		return err
	}
	defer emu.Close()
	fmt.Printf("requests/s over TCP, %d connections, %s each; ratio = with authkit / bare route, same headers\n", conc, dur)
	fmt.Printf("%-8s %-10s %12s %12s %7s\n", "adapter", "request", "authkit", "bare", "ratio")
	for _, a := range apps {
		if len(only) > 0 && !only[a.name] {
			continue
		}
		if err := measure(a, emu, dur, conc); err != nil {
			return fmt.Errorf("%s: %w", a.name, err)
		}
	}
	return nil
}

func measure(a app, emu *authkittest.Emulator, dur time.Duration, conc int) error {
	withLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	base := "http://" + withLn.Addr().String()
	kit, err := authkit.New(authkit.Config{
		ClientID: emu.ClientID(), APIKey: emu.APIKey(), APIBaseURL: emu.URL(),
		RedirectURI:    base + "/callback",
		CookiePassword: "loadtest-cookie-password-0123456789abcdef",
		Getenv:         func(string) string { return "" },
		Logger:         slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return err
	}
	stop := a.serve(withLn, kit)
	defer stop()
	bareLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	stopBare := a.serve(bareLn, nil)
	defer stopBare()
	bareBase := "http://" + bareLn.Addr().String()

	cookie, err := signIn(base)
	if err != nil {
		return fmt.Errorf("signing in: %w", err)
	}
	u, _ := emu.UserByEmail(authkittest.AdminEmail)
	bearer, err := emu.MintAccessToken(authkittest.TokenParams{UserID: u.ID, OrganizationID: u.Memberships[0].OrganizationID})
	if err != nil {
		return err
	}
	for _, s := range []scenario{
		{"cookie", "/me", http.Header{"Cookie": {authkit.DefaultCookieName + "=" + cookie}, "Accept": {"text/html"}}},
		{"bearer", "/me", http.Header{"Authorization": {"Bearer " + bearer}, "Accept": {"application/json"}}},
		{"anonymous", "/", http.Header{"Accept": {"text/html"}}},
	} {
		with, err := load(base+s.path, s.header, dur, conc)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		bare, err := load(bareBase+s.path, s.header, dur, conc)
		if err != nil {
			return fmt.Errorf("%s (bare): %w", s.name, err)
		}
		fmt.Printf("%-8s %-10s %12.0f %12.0f %6.2fx\n", a.name, s.name, with, bare, with/bare)
	}
	return nil
}

// load sends GET target with header from conc workers for dur and returns
// the requests per second; every answer must be 200.
func load(target string, header http.Header, dur time.Duration, conc int) (float64, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: conc, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var n atomic.Int64
	var firstErr error
	var once sync.Once
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, target, nil)
			req.Header = header.Clone()
			for time.Now().Before(deadline) {
				resp, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				n.Add(1)
			}
		})
	}
	start := time.Now()
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds(), firstErr
}

// signIn goes through the sign-in flow as a browser would (the emulator
// approves AdminEmail) and returns the session cookie's value.
func signIn(base string) (string, error) {
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(target string, cookies []*http.Cookie) (*http.Response, error) {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, target, nil)
		if err != nil {
			return nil, err
		}
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp, nil
	}
	start, err := get(base+"/sign-in?"+url.Values{authkit.ParamLoginHint: {authkittest.AdminEmail}}.Encode(), nil)
	if err != nil {
		return "", err
	}
	approved, err := get(start.Header.Get("Location"), nil)
	if err != nil {
		return "", err
	}
	callback := approved.Header.Get("Location")
	if !strings.HasPrefix(callback, base+"/callback") {
		return "", fmt.Errorf("the emulator did not approve: %d %q", approved.StatusCode, callback)
	}
	done, err := get(callback, start.Cookies())
	if err != nil {
		return "", err
	}
	for _, c := range done.Cookies() {
		if c.Name == authkit.DefaultCookieName && c.Value != "" {
			return c.Value, nil
		}
	}
	return "", errors.New("the callback set no session cookie")
}

func init() { log.SetFlags(0); log.SetOutput(os.Stderr) }
