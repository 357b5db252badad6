// Package demo is the plumbing the example apps share and that is not about
// authkit: flags and environment, the listener, the start-up banner and a
// clean shutdown. Each example's main.go keeps the authkit setup and the
// framework wiring, which is the part worth copying.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	authkitredis "github.com/authkit-go/authkit/stores/redis"
)

// Options are an example's run settings. The zero value is usable: address
// :8080, the process environment, the real clock, output to stdout.
type Options struct {
	// Addr is the listen address (default ":8080").
	Addr string
	// Getenv reads the environment (default os.Getenv); passed on to
	// authkit.Config.Getenv.
	Getenv func(string) string
	// Clock is the time source of the app and of its emulator (default
	// time.Now). Tests pass a settable clock to expire tokens without
	// waiting.
	Clock func() time.Time
	// EmulatorOptions are added to the built-in emulator's options (tests).
	EmulatorOptions []authkittest.Option
	// Out receives the start-up banner (default os.Stdout).
	Out io.Writer

	// demoCookiePassword is the random cookie password FromFlags made for
	// a run on the emulator without WORKOS_COOKIE_PASSWORD: Getenv answers
	// it, and the banner prints it so that a demo cookie can be unsealed.
	demoCookiePassword string
}

// FromFlags returns the options of a command-line run: --addr, else
// :$PORT, else :8080. On the built-in emulator without
// WORKOS_COOKIE_PASSWORD it makes up a demo-only cookie password, which the
// banner shows. An invalid PORT ends the program with a message naming it.
func FromFlags() Options {
	opts, err := parseArgs(flag.CommandLine, os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	return opts
}

// parseArgs is FromFlags with its flag set, arguments and environment.
func parseArgs(fs *flag.FlagSet, args []string, getenv func(string) string) (Options, error) {
	addr := fs.String("addr", ":8080", "listen address (default from PORT, else :8080)")
	if err := fs.Parse(args); err != nil {
		return Options{}, err
	}
	opts := Options{Addr: *addr, Getenv: getenv}
	addrSet := false
	fs.Visit(func(f *flag.Flag) { addrSet = addrSet || f.Name == "addr" })
	if p := strings.TrimSpace(getenv("PORT")); p != "" && !addrSet {
		if n, err := strconv.Atoi(p); err != nil || n < 0 || n > 65535 {
			return Options{}, fmt.Errorf("invalid PORT %q: want a port number, e.g. PORT=9000 make demo", p)
		}
		opts.Addr = ":" + p
	}
	if opts.DevMode() && getenv("WORKOS_COOKIE_PASSWORD") == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return Options{}, err
		}
		pw := base64.RawURLEncoding.EncodeToString(b)
		opts.demoCookiePassword = pw
		opts.Getenv = func(k string) string {
			if k == "WORKOS_COOKIE_PASSWORD" {
				return pw
			}
			return getenv(k)
		}
	}
	return opts, nil
}

func (o Options) getenv(k string) string {
	if o.Getenv != nil {
		return o.Getenv(k)
	}
	return os.Getenv(k)
}

// DevMode reports whether dev.New will start the built-in emulator: no
// WorkOS credentials are configured.
func (o Options) DevMode() bool {
	return strings.TrimSpace(o.getenv("WORKOS_CLIENT_ID")) == "" && strings.TrimSpace(o.getenv("WORKOS_API_KEY")) == ""
}

// Site is an example's listener and its public base URL.
type Site struct {
	opts  Options
	ln    net.Listener
	redis *authkitredis.Store // nil unless AUTHKIT_REDIS_URL is set
	// BaseURL is where a browser on this machine reaches the app, e.g.
	// http://localhost:8080.
	BaseURL string
}

// Listen opens the listener, so that the port (and so the redirect URI) is
// known before the authkit client is built.
func Listen(opts Options) (*Site, error) {
	if opts.Addr == "" {
		opts.Addr = ":8080"
	}
	if opts.Out == nil {
		opts.Out = os.Stdout
	}
	rs, err := openRedis(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		closeRedis(rs)
		return nil, listenError(opts.Addr, err)
	}
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() || ip.IsLoopback() {
		host = "localhost"
	}
	return &Site{opts: opts, ln: ln, redis: rs, BaseURL: "http://" + net.JoinHostPort(host, port)}, nil
}

// listenError explains a failed listen on addr; a busy port suggests the
// next one.
func listenError(addr string, err error) error {
	if !errors.Is(err, syscall.EADDRINUSE) {
		return err
	}
	_, port, _ := net.SplitHostPort(addr)
	next := "9000"
	if n, perr := strconv.Atoi(port); perr == nil && n > 0 && n < 65535 {
		next = strconv.Itoa(n + 1)
	}
	return fmt.Errorf("port %s is already in use (another make demo?): stop that app or pick another port, e.g. PORT=%s make demo (or --addr :%s): %w",
		port, next, next, err)
}

// Listener returns the site's listener, for frameworks that serve
// themselves (Fiber).
func (s *Site) Listener() net.Listener { return s.ln }

// Close closes the listener and the store (when run gives up before
// serving).
func (s *Site) Close() { _ = s.ln.Close(); closeRedis(s.redis) }

// RedirectURI is the redirect URI to put in authkit.Config: in dev mode,
// unless WORKOS_REDIRECT_URI is set, BaseURL + "/callback"; otherwise ""
// (WORKOS_REDIRECT_URI then applies).
func (s *Site) RedirectURI() string {
	if s.opts.DevMode() && s.opts.getenv("WORKOS_REDIRECT_URI") == "" {
		return s.BaseURL + "/callback"
	}
	return ""
}

// SignOutReturnTo is the sign-out return URL to put in authkit.Config: in
// dev mode, BaseURL + "/?signed_out=1", so the home page says the user is
// signed out; otherwise "" (the default, the origin of the redirect URI:
// WorkOS accepts only the sign-out redirects set in its dashboard).
func (s *Site) SignOutReturnTo() string {
	if s.opts.DevMode() {
		return s.BaseURL + "/?signed_out=1"
	}
	return ""
}

// Emulator returns the built-in emulator's options: opts, then the shared
// clock and the test's extra options.
func (s *Site) Emulator(opts ...authkittest.Option) []authkittest.Option {
	if s.opts.Clock != nil {
		opts = append(opts, authkittest.WithClock(s.opts.Clock))
	}
	return append(opts, s.opts.EmulatorOptions...)
}

// IsAPIRequest is the examples' authkit.Config.IsAPIRequest: everything
// under /api/ answers 401 without a session (never a redirect to sign-in),
// and so does any request authkit.DefaultIsAPIRequest recognises.
func IsAPIRequest(r *authkit.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || authkit.DefaultIsAPIRequest(r)
}

// Serve serves h until ctx ends, then shuts down gracefully and closes the
// emulator (if any). ready, when not nil, is called with BaseURL once the
// app accepts connections.
func (s *Site) Serve(ctx context.Context, h http.Handler, emu *authkittest.Emulator, ready func(baseURL string)) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	return s.ServeWith(ctx, func(ln net.Listener) error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}, srv.Shutdown, emu, ready)
}

// ServeWith is Serve for frameworks with their own server: serve runs until
// shutdown is called (a nil error when that is why it returned).
func (s *Site) ServeWith(ctx context.Context, serve func(net.Listener) error, shutdown func(context.Context) error,
	emu *authkittest.Emulator, ready func(baseURL string)) error {
	defer closeRedis(s.redis) // after the server: requests in flight may use it
	if emu != nil {
		defer emu.Close()
	}
	errc := make(chan error, 1)
	go func() { errc <- serve(s.ln) }()
	s.banner(emu)
	if ready != nil {
		ready(s.BaseURL)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil {
		return err
	}
	fmt.Fprintln(s.opts.Out, "Stopped.")
	return nil
}

// banner prints the URL, the mode and, on the emulator, the seeded users.
func (s *Site) banner(emu *authkittest.Emulator) {
	out := s.opts.Out
	fmt.Fprintf(out, "Listening on %s\n", s.BaseURL)
	s.storeBanner()
	if emu == nil {
		fmt.Fprintln(out, "Using the WorkOS environment of WORKOS_CLIENT_ID.")
		return
	}
	fmt.Fprintf(out, "No WORKOS_CLIENT_ID/WORKOS_API_KEY: using the built-in WorkOS emulator at %s (set WORKOS_CLIENT_ID, WORKOS_API_KEY, WORKOS_REDIRECT_URI and WORKOS_COOKIE_PASSWORD to use a real WorkOS environment).\n", emu.URL())
	if pw := s.opts.demoCookiePassword; pw != "" {
		fmt.Fprintf(out, "Cookie password, DEMO ONLY (random, new every run): %s\n", pw)
		fmt.Fprintf(out, "  read a session cookie with: authkit unseal --password %s < cookie.txt\n", pw)
	}
	fmt.Fprintln(out, "Seeded users (pick one on the sign-in page):")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	for _, u := range emu.Users() {
		var orgs []string
		for _, m := range u.Memberships {
			orgs = append(orgs, m.OrganizationName+" ("+m.Role+")")
		}
		if len(orgs) == 0 {
			orgs = []string{"no organization"}
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", u.Email, u.Name(), strings.Join(orgs, ", "))
	}
	_ = tw.Flush()
}

// redisURLVar names the environment variable that selects the Redis store.
const redisURLVar = "AUTHKIT_REDIS_URL"

// openRedis opens the Redis store when AUTHKIT_REDIS_URL is set (nil
// otherwise). Its errors never repeat the URL, which may hold a password.
func openRedis(opts Options) (*authkitredis.Store, error) {
	u := strings.TrimSpace(opts.getenv(redisURLVar))
	if u == "" {
		return nil, nil
	}
	rs, err := authkitredis.NewFromURL(u)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", redisURLVar, err)
	}
	return rs, nil
}

// closeRedis closes rs, if any.
func closeRedis(rs *authkitredis.Store) {
	if rs != nil {
		_ = rs.Close()
	}
}

// Store is the authkit.Config.Store of the example: the Redis store when
// AUTHKIT_REDIS_URL is set, so that several copies of the app share
// refreshes and sign-outs; otherwise nil (authkit's in-process default).
// It is closed when Serve returns.
func (s *Site) Store() authkit.Store {
	if s.redis == nil {
		return nil // a nil interface, not a nil *authkitredis.Store in one
	}
	return s.redis
}

// storeBanner says which store is in use (never the URL: it may hold a
// password).
func (s *Site) storeBanner() {
	if s.redis != nil {
		fmt.Fprintf(s.opts.Out, "Session store: Redis (%s): refreshes and sign-outs are shared with every copy of the app using it.\n", redisURLVar)
		if s.opts.DevMode() {
			fmt.Fprintln(s.opts.Out, "  This copy runs its own emulator and cookie password, so no other copy can read its sessions: to share them, run one `authkit dev` and give every copy its WORKOS_* variables.")
		}
		return
	}
	fmt.Fprintf(s.opts.Out, "Session store: in-process (set %s, e.g. redis://127.0.0.1:6379/0, to share refreshes and sign-outs between copies of the app).\n", redisURLVar)
}
