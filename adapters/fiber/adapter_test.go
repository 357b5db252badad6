package authkitfiber_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/conformance"

	authkitfiber "github.com/authkit-go/authkit/adapters/fiber"
)

// The options' behaviour is checked by the conformance suite
// (conformance_test.go); this file holds what is Fiber's own.

var jsonAccept = http.Header{"Accept": {"application/json"}}

func bearer(tok string) http.Header {
	return http.Header{"Authorization": {"Bearer " + tok}, "Accept": {"application/json"}}
}

func TestSetCookieLinesUntouched(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	app := newTestApp(e.Client)
	srv := server(app)
	resp := conformance.Get(t, srv, "/sign-in", "", nil)
	lines := resp.Header.Values("Set-Cookie")
	if len(lines) != 1 || !strings.Contains(lines[0], "Max-Age=600") || !strings.Contains(lines[0], "HttpOnly") ||
		!strings.Contains(lines[0], "SameSite=Lax") || !strings.Contains(lines[0], "Path=/") {
		t.Fatalf("verifier cookie as Fiber wrote it: %q", lines)
	}
	if resp.Status != http.StatusFound || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("status %d, Cache-Control %q", resp.Status, resp.Header.Get("Cache-Control"))
	}
}

// TestErrorHandlerError: the error the custom handler returns goes to
// Fiber's ErrorHandler, from Middleware and from RequireAuth.
func TestErrorHandlerError(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ErrorHandler: func(c *fiber.Ctx, err error) error {
		if errors.Is(err, errTeapot) {
			return c.Status(599).SendString("from fiber's error handler")
		}
		return fiber.DefaultErrorHandler(c, err)
	}})
	srv := server(app)
	onError := authkitfiber.WithErrorHandler(func(c *fiber.Ctx, d *authkit.Decision) error { return errTeapot })
	app.Use(authkitfiber.Middleware(e.Client, onError))
	app.Get("/api", authkitfiber.RequireAuth(e.Client, onError), whoami)

	for name, h := range map[string]http.Header{"RequireAuth": jsonAccept, "Middleware": bearer("not.a.jwt")} {
		resp := conformance.Get(t, srv, "/api", "", h)
		if resp.Status != 599 || resp.Body != "from fiber's error handler" || resp.Header.Get("WWW-Authenticate") == "" {
			t.Fatalf("%s: status %d, body %q, WWW-Authenticate %q", name, resp.Status, resp.Body, resp.Header.Get("WWW-Authenticate"))
		}
	}
}

// TestBufferReuse serves a real fasthttp server and sends it many
// concurrent keep-alive requests from different users. fasthttp reuses its
// request buffers, so anything the adapter failed to copy would show up as
// a wrong user, a corrupted retained Auth, or a data race (-race).
func TestBufferReuse(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	app := newTestApp(e.Client)
	srv := server(app)
	app.Use(authkitfiber.Middleware(e.Client))
	var retained sync.Map // query n -> *authkit.Auth, kept past the request
	app.Get("/me", func(c *fiber.Ctx) error {
		retained.Store(strings.Clone(c.Query("n")), authkitfiber.Auth(c))
		return whoami(c)
	})

	type caller struct {
		user   string
		cookie string
		header http.Header
	}
	var callers []caller
	for _, u := range []struct{ email, id, org string }{
		{authkittest.AdminEmail, authkittest.AdminUserID, authkittest.AcmeOrgID},
		{authkittest.MultiOrgEmail, authkittest.MultiOrgUserID, authkittest.GlobexOrgID},
		{authkittest.PlainEmail, authkittest.PlainUserID, ""},
	} {
		callers = append(callers,
			caller{user: u.id, cookie: e.SignIn(t, srv, u.email)},
			caller{user: u.id, header: bearer(mint(t, e, u.id, u.org))})
	}
	callers = append(callers, caller{})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	t.Cleanup(client.CloseIdleConnections)
	base := "http://" + ln.Addr().String()

	const workers, perWorker = 16, 40
	expected := make([]string, workers*perWorker)    // user IDs
	expectedTok := make([]string, workers*perWorker) // bearer tokens
	run := func(phase int) {
		var wg sync.WaitGroup
		errs := make(chan error, workers*perWorker)
		for w := range workers {
			wg.Go(func() {
				for i := range perWorker {
					n := w*perWorker + i
					cl := callers[(w+i)%len(callers)]
					expected[n] = cl.user
					expectedTok[n] = strings.TrimPrefix(cl.header.Get("Authorization"), "Bearer ")
					req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/me?n=%d", base, n), nil)
					for k, vs := range cl.header {
						req.Header[k] = vs
					}
					req.Header.Set("User-Agent", strings.Repeat("x", n%97))
					if cl.cookie != "" {
						req.AddCookie(&http.Cookie{Name: authkit.DefaultCookieName, Value: cl.cookie})
					}
					resp, err := client.Do(req)
					if err != nil {
						errs <- err
						continue
					}
					body, err := io.ReadAll(resp.Body)
					_ = resp.Body.Close()
					if err != nil {
						errs <- err
						continue
					}
					got := decode(t, &conformance.Response{Status: resp.StatusCode, Header: resp.Header, Body: string(body)})
					if got.UserID != cl.user || got.Query != fmt.Sprint(n) || !got.SameContext {
						errs <- fmt.Errorf("phase %d request %d: want user %q, got %+v", phase, n, cl.user, got)
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		// Auths kept after their requests still hold their own values.
		retained.Range(func(k, v any) bool {
			var n int
			_, _ = fmt.Sscan(k.(string), &n)
			a := v.(*authkit.Auth)
			if got := ""; a != nil {
				got = a.User.ID
				if got != expected[n] || a.AccessToken == "" || (expectedTok[n] != "" && a.AccessToken != expectedTok[n]) {
					t.Errorf("phase %d: retained Auth of request %d: user %q, want %q; token intact: %v",
						phase, n, got, expected[n], expectedTok[n] == "" || a.AccessToken == expectedTok[n])
				}
			} else if expected[n] != "" {
				t.Errorf("phase %d: retained Auth of request %d is nil, want %q", phase, n, expected[n])
			}
			return true
		})
		retained.Clear()
	}
	run(1)
	// With every cookie session expired, requests also go through the
	// core's shared refresh, which keeps request values past the request.
	e.Clock.Advance(authkittest.DefaultAccessTokenTTL + time.Minute)
	for i := range callers {
		if callers[i].header != nil {
			callers[i].header = bearer(mint(t, e, callers[i].user, ""))
		}
	}
	run(2)
}

// TestStoredAuthCannotBeForged: a middleware that stores a forged Auth in
// c.Locals under the old exported key "authkit.auth", before or after ours,
// changes neither what Auth(c) and FromContext return nor what RequireAuth
// lets through.
func TestStoredAuthCannotBeForged(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	forged := &authkit.Auth{User: authkit.User{ID: "user_forged"}, SessionID: "session_forged", Role: "admin"}
	forge := func(c *fiber.Ctx) error { c.Locals("authkit.auth", forged); return c.Next() }
	app := newTestApp(e.Client)
	app.Use(forge, authkitfiber.Middleware(e.Client), forge)
	app.Get(conformance.PathPublic, report)
	app.Get(conformance.PathProtected, authkitfiber.RequireAuth(e.Client), report)
	guardOnly := newTestApp(e.Client)
	guardOnly.Use(forge)
	guardOnly.Get(conformance.PathProtected, authkitfiber.RequireAuth(e.Client), report)
	a, g := server(app), server(guardOnly)

	rep := decodeReport(t, conformance.Get(t, a, conformance.PathPublic, "", nil))
	if rep.Framework != nil || rep.Context != nil || rep.AccessToken != "" {
		t.Fatalf("signed out reads as %+v / %+v", rep.Framework, rep.Context)
	}
	rep = decodeReport(t, conformance.Get(t, a, conformance.PathPublic, "", bearer(mint(t, e, authkittest.PlainUserID, ""))))
	if rep.Framework == nil || rep.Framework.UserID != authkittest.PlainUserID || !rep.Same {
		t.Fatalf("signed in as plain, read as %+v (same context: %v)", rep.Framework, rep.Same)
	}
	for _, srv := range []conformance.Server{a, g} {
		if r := conformance.Get(t, srv, conformance.PathProtected, "", jsonAccept); r.Status != http.StatusUnauthorized {
			t.Fatalf("a forged Auth passed RequireAuth: status %d", r.Status)
		}
	}
}

func decodeReport(t *testing.T, r *conformance.Response) conformance.Report {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var rep conformance.Report
	if err := json.Unmarshal([]byte(r.Body), &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}
