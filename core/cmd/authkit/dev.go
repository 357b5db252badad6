package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/authkit-go/authkit/core/authkittest"
)

// devDefaultAddr is where `authkit dev` listens unless --addr says otherwise.
const devDefaultAddr = "127.0.0.1:8484"

// devDefaultRedirectURI is the app callback the banner's WORKOS_REDIRECT_URI
// names unless --redirect-uri says otherwise: an app on localhost:8080, as
// the examples run.
const devDefaultRedirectURI = "http://localhost:8080/callback"

func init() {
	commands["dev"] = command{summary: "run a local WorkOS emulator (no WorkOS account needed) until interrupted", run: runDev}
}

// runDev is the `authkit dev` entry point: it serves until SIGINT/SIGTERM.
func runDev(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runDevContext(ctx, args, stdout, stderr, nil)
}

// runDevContext starts the emulator described by args, prints how to use
// it, and serves until ctx is done. ready, when non-nil, is called with the
// running emulator once it listens (tests use it).
func runDevContext(ctx context.Context, args []string, stdout, stderr io.Writer, ready func(*authkittest.Emulator)) int {
	fs := flag.NewFlagSet("authkit dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", devDefaultAddr, "listen address (host:port; port 0 picks a free one)")
	seedFile := fs.String("seed", "", "JSON seed file with organizations and users (default: built-in seed)")
	clientID := fs.String("client-id", authkittest.DefaultClientID, "WorkOS client ID the emulator accepts")
	apiKey := fs.String("api-key", authkittest.DefaultAPIKey, "API key (client_secret) the emulator accepts")
	ttl := fs.Duration("token-ttl", authkittest.DefaultAccessTokenTTL, "access token lifetime")
	auto := fs.String("auto-approve", "", "sign in as this seeded email without showing the sign-in page")
	redirectURI := fs.String("redirect-uri", devDefaultRedirectURI, "your app's callback URL, printed as WORKOS_REDIRECT_URI")
	verbose := fs.Bool("v", false, "log requests (never secrets) to stderr")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: authkit dev [--addr 127.0.0.1:8484] [--seed file] [--client-id id] [--api-key key] [--token-ttl 5m] [--auto-approve email] [--redirect-uri url] [-v]")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Runs a local emulator of the WorkOS User Management API and prints the")
		fmt.Fprintln(stderr, "environment variables that point an app at it (with a dev-only cookie")
		fmt.Fprintln(stderr, "password generated for the run). Stop it with Ctrl-C.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "authkit dev: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return exitUsage
	}
	if *ttl <= 0 {
		fmt.Fprintln(stderr, "authkit dev: --token-ttl must be positive")
		return exitUsage
	}
	if u, err := url.Parse(*redirectURI); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fmt.Fprintf(stderr, "authkit dev: --redirect-uri %q must be an absolute http(s) URL, e.g. %s\n", *redirectURI, devDefaultRedirectURI)
		return exitUsage
	}
	cookiePassword, err := devCookiePassword()
	if err != nil {
		fmt.Fprintf(stderr, "authkit dev: %v\n", err)
		return exitFailure
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	opts := []authkittest.Option{
		authkittest.WithAddr(*addr),
		authkittest.WithClientID(*clientID),
		authkittest.WithAPIKey(*apiKey),
		authkittest.WithAccessTokenTTL(*ttl),
		authkittest.WithAutoApprove(*auto),
		authkittest.WithLogger(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))),
	}
	if *seedFile != "" {
		f, err := os.Open(*seedFile)
		if err != nil {
			fmt.Fprintf(stderr, "authkit dev: %v\n", err)
			return exitFailure
		}
		seed, err := authkittest.LoadSeed(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(stderr, "authkit dev: %s: %v\n", *seedFile, err)
			return exitFailure
		}
		opts = append(opts, authkittest.WithSeed(seed))
	}
	emu, err := authkittest.Start(opts...)
	if err != nil {
		fmt.Fprintf(stderr, "authkit dev: %v\n", err)
		return exitFailure
	}
	if *auto != "" {
		if _, ok := emu.UserByEmail(*auto); !ok {
			_ = emu.Close()
			fmt.Fprintf(stderr, "authkit dev: --auto-approve %q is not a seeded user\n", *auto)
			return exitUsage
		}
	}
	printDevBanner(stdout, emu, *redirectURI, cookiePassword)
	if ready != nil {
		ready(emu)
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "authkit dev: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := emu.Shutdown(sctx); err != nil {
		fmt.Fprintf(stderr, "authkit dev: shutdown: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// devCookiePassword returns a fresh random cookie password for one run of
// `authkit dev`: 32 random bytes, base64url (43 characters, shell-safe).
func devCookiePassword() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating a cookie password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// printDevBanner tells the developer where the emulator is and how to use
// it: the export lines are every variable an app needs, ready to paste.
func printDevBanner(w io.Writer, emu *authkittest.Emulator, redirectURI, cookiePassword string) {
	u, _ := url.Parse(emu.URL())
	host, port, _ := net.SplitHostPort(u.Host)
	fmt.Fprintf(w, "WorkOS emulator listening on %s\n\n", emu.URL())
	fmt.Fprintf(w, "  client ID:  %s\n", emu.ClientID())
	fmt.Fprintf(w, "  API key:    %s   (emulator-only test key)\n", emu.APIKey())
	fmt.Fprintf(w, "  JWKS:       %s\n", emu.JWKSURL())
	fmt.Fprintf(w, "  issuer:     %s\n\n", emu.Issuer())
	fmt.Fprintln(w, "Point your app at it: paste these into the shell that starts the app.")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  export WORKOS_API_HOSTNAME=%s\n", host)
	fmt.Fprintln(w, "  export WORKOS_API_HTTPS=false")
	fmt.Fprintf(w, "  export WORKOS_API_PORT=%s\n", port)
	fmt.Fprintf(w, "  export WORKOS_CLIENT_ID=%s\n", emu.ClientID())
	fmt.Fprintf(w, "  export WORKOS_API_KEY=%s\n", emu.APIKey())
	fmt.Fprintln(w, "  # your app's callback route (authkit dev --redirect-uri URL to change it)")
	fmt.Fprintf(w, "  export WORKOS_REDIRECT_URI=%s\n", shellQuote(redirectURI))
	fmt.Fprintln(w, "  # DEV ONLY: generated for this run of authkit dev; never use it in production")
	fmt.Fprintf(w, "  export WORKOS_COOKIE_PASSWORD=%s\n\n", cookiePassword)
	fmt.Fprintln(w, "Seeded users (pick one on the sign-in page):")
	fmt.Fprintln(w)
	for _, usr := range emu.Users() {
		var orgs []string
		for _, m := range usr.Memberships {
			orgs = append(orgs, fmt.Sprintf("%s [%s] %s", m.OrganizationName, m.OrganizationID, m.Role))
		}
		if len(orgs) == 0 {
			orgs = []string{"no organization"}
		}
		fmt.Fprintf(w, "  %-22s %-32s %s\n", usr.Email, usr.ID, usr.Name())
		fmt.Fprintf(w, "  %-22s %s\n", "", strings.Join(orgs, "; "))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Press Ctrl-C to stop.")
}

// shellQuote single-quotes s for a POSIX shell unless it needs no quoting.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/@%+=,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
