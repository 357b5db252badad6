package authkitfiber_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/conformance"

	authkitfiber "github.com/authkit-go/authkit/adapters/fiber"
)

var jsonAccept = http.Header{"Accept": {"application/json"}}

func bearer(tok string) http.Header {
	return http.Header{"Authorization": {"Bearer " + tok}, "Accept": {"application/json"}}
}

func TestAccessors(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	app := newTestApp(e.Client)
	srv := server(app)
	app.Use(authkitfiber.Middleware(e.Client))
	app.Get("/me", whoami)
	cookie := e.SignIn(t, srv, authkittest.AdminEmail)

	w := decode(t, conformance.Get(t, srv, "/me", cookie, nil))
	if w.UserID != authkittest.AdminUserID || w.Source != "cookie" || w.Token == "" || !w.SameContext {
		t.Fatalf("cookie session: %+v", w)
	}
	tok := mint(t, e, authkittest.MultiOrgUserID, authkittest.GlobexOrgID)
	w = decode(t, conformance.Get(t, srv, "/me", cookie, bearer(tok)))
	if w.UserID != authkittest.MultiOrgUserID || w.Source != "bearer" || w.Token != tok || !w.SameContext {
		t.Fatalf("a bearer token wins over the cookie: %+v", w)
	}
	w = decode(t, conformance.Get(t, srv, "/me", "", nil))
	if w.UserID != "" || w.Token != "" || !w.SameContext {
		t.Fatalf("signed out: %+v", w)
	}
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

func TestSkipper(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	app := newTestApp(e.Client)
	srv := server(app)
	skip := authkitfiber.WithSkipper(func(c *fiber.Ctx) bool { return strings.HasPrefix(c.Path(), "/skip") })
	app.Use(authkitfiber.Middleware(e.Client, skip))
	app.Get("/skip", authkitfiber.RequireAuth(e.Client, skip), whoami)
	app.Get("/me", whoami)

	bad := bearer("not.a.jwt")
	resp := conformance.Get(t, srv, "/skip", "", bad)
	if len(resp.Header.Values("Set-Cookie")) != 0 {
		t.Fatal("a skipped request gets no cookie")
	}
	if w := decode(t, resp); w.UserID != "" {
		t.Fatalf("skipped: %+v", w)
	}
	resp = conformance.Get(t, srv, "/me", "", bad)
	if resp.Status != http.StatusUnauthorized {
		t.Fatalf("not skipped: status %d, want 401", resp.Status)
	}
}

func TestErrorHandler(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ErrorHandler: func(c *fiber.Ctx, err error) error {
		if errors.Is(err, errTeapot) {
			return c.Status(599).SendString("from fiber's error handler")
		}
		return fiber.DefaultErrorHandler(c, err)
	}})
	srv := server(app)
	var calls atomic.Int32
	var seen atomic.Value
	onError := authkitfiber.WithErrorHandler(func(c *fiber.Ctx, d *authkit.Decision) error {
		calls.Add(1)
		seen.Store(errBox{d.Err})
		if c.Query("fail") != "" {
			return errTeapot
		}
		return c.Status(http.StatusTeapot).JSON(fiber.Map{"status": d.Status})
	})
	app.Use(authkitfiber.Middleware(e.Client, onError))
	app.Get("/api", authkitfiber.RequireAuth(e.Client, onError), whoami)

	// An API request without a session: the handler writes the response,
	// after the decision's headers.
	resp := conformance.Get(t, srv, "/api", "", jsonAccept)
	if resp.Status != http.StatusTeapot || resp.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("status %d, WWW-Authenticate %q", resp.Status, resp.Header.Get("WWW-Authenticate"))
	}
	if err := seen.Load().(errBox).err; !errors.Is(err, authkit.ErrUnauthenticated) {
		t.Fatalf("decision error: %v", err)
	}
	// An invalid bearer token is refused by Middleware, through the handler.
	resp = conformance.Get(t, srv, "/api", "", bearer("not.a.jwt"))
	if err := seen.Load().(errBox).err; resp.Status != http.StatusTeapot || !errors.Is(err, authkit.ErrInvalidBearer) {
		t.Fatalf("invalid bearer: status %d, error %v", resp.Status, err)
	}
	// The handler's error goes to Fiber's ErrorHandler.
	resp = conformance.Get(t, srv, "/api?fail=1", "", jsonAccept)
	if resp.Status != 599 {
		t.Fatalf("handler error: status %d, want 599", resp.Status)
	}
	// A browser is redirected to sign-in: not an error.
	n := calls.Load()
	resp = conformance.Get(t, srv, "/api", "", nil)
	if resp.Status != http.StatusFound || calls.Load() != n {
		t.Fatalf("redirect: status %d, handler called %d times", resp.Status, calls.Load()-n)
	}
}

func TestPublicPaths(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	app := newTestApp(e.Client)
	srv := server(app)
	app.Use(authkitfiber.Middleware(e.Client), authkitfiber.RequireAuth(e.Client, authkitfiber.WithPublicPaths("/health", "/public/*")))
	app.Get("/health", whoami)
	app.Get("/public/*", whoami)
	app.Get("/private", whoami)

	for _, p := range []string{"/health", "/public/a", "/public/a/b"} {
		if w := decode(t, conformance.Get(t, srv, p, "", jsonAccept)); w.UserID != "" {
			t.Fatalf("%s: %+v", p, w)
		}
	}
	for _, p := range []string{"/private", "/healthz", "/public"} {
		resp := conformance.Get(t, srv, p, "", jsonAccept)
		if resp.Status != http.StatusUnauthorized {
			t.Fatalf("%s: status %d, want 401", p, resp.Status)
		}
	}
	// Public paths still see the session.
	cookie := e.SignIn(t, srv, authkittest.AdminEmail)
	for _, p := range []string{"/health", "/private"} {
		if w := decode(t, conformance.Get(t, srv, p, cookie, nil)); w.UserID != authkittest.AdminUserID {
			t.Fatalf("%s signed in: %+v", p, w)
		}
	}
}

func TestRequireAuthWithoutMiddleware(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	app := newTestApp(e.Client)
	srv := server(app)
	app.Get("/admin", authkitfiber.RequireAuth(e.Client, authkitfiber.WithRole("admin")), whoami)
	app.Get("/posts", authkitfiber.RequireAuth(e.Client, authkitfiber.WithPermission("no-such-permission")), whoami)
	cookie := e.SignIn(t, srv, authkittest.AdminEmail)

	if w := decode(t, conformance.Get(t, srv, "/admin", cookie, nil)); w.UserID != authkittest.AdminUserID || !w.SameContext {
		t.Fatalf("RequireAuth loads the session: %+v", w)
	}
	resp := conformance.Get(t, srv, "/posts", cookie, nil)
	if resp.Status != http.StatusForbidden {
		t.Fatalf("missing permission: status %d, want 403", resp.Status)
	}
	resp = conformance.Get(t, srv, "/admin", "", nil)
	if resp.Status != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), e.Emulator.URL()) {
		t.Fatalf("signed out: status %d, Location %q", resp.Status, resp.Header.Get("Location"))
	}
	// An expired session is refreshed by RequireAuth's own load.
	e.Clock.Advance(authkittest.DefaultAccessTokenTTL + time.Minute)
	resp = conformance.Get(t, srv, "/admin", cookie, nil)
	if resp.Cookie(authkit.DefaultCookieName) == nil {
		t.Fatal("the refreshed session is set")
	}
	if w := decode(t, resp); w.UserID != authkittest.AdminUserID {
		t.Fatalf("after refresh: %+v", w)
	}
}

func TestRefreshHooks(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	app := newTestApp(e.Client)
	srv := server(app)
	var refreshed, guardRefreshed atomic.Int32
	var refreshedUser atomic.Value
	var refreshErr atomic.Value
	app.Use(authkitfiber.Middleware(e.Client,
		authkitfiber.WithOnRefresh(func(c *fiber.Ctx, a *authkit.Auth) {
			refreshed.Add(1)
			refreshedUser.Store(a.User.ID)
		}),
		authkitfiber.WithOnRefreshError(func(c *fiber.Ctx, err error) { refreshErr.Store(errBox{err}) }),
	))
	// RequireAuth after Middleware does not load (nor refresh) again.
	app.Get("/me", authkitfiber.RequireAuth(e.Client, authkitfiber.WithOnRefresh(func(*fiber.Ctx, *authkit.Auth) {
		guardRefreshed.Add(1)
	})), whoami)
	cookie := e.SignIn(t, srv, authkittest.AdminEmail)

	decode(t, conformance.Get(t, srv, "/me", cookie, nil))
	if refreshed.Load() != 0 {
		t.Fatal("a fresh session is not refreshed")
	}
	e.Clock.Advance(authkittest.DefaultAccessTokenTTL + time.Minute)
	resp := conformance.Get(t, srv, "/me", cookie, nil)
	c := resp.Cookie(authkit.DefaultCookieName)
	w := decode(t, resp)
	if refreshed.Load() != 1 || refreshedUser.Load() != authkittest.AdminUserID || w.UserID != authkittest.AdminUserID {
		t.Fatalf("refresh hook: %d calls, user %v, response %+v", refreshed.Load(), refreshedUser.Load(), w)
	}
	if guardRefreshed.Load() != 0 {
		t.Fatal("RequireAuth loaded the session again after Middleware")
	}
	if c == nil || c.Value == cookie || c.MaxAge <= 0 {
		t.Fatalf("refreshed cookie: %+v", c)
	}

	// The refreshed session is revoked at WorkOS: the next refresh fails.
	var sid string
	app.Get("/sid", func(c *fiber.Ctx) error { sid = authkitfiber.Auth(c).SessionID; return nil })
	conformance.Get(t, srv, "/sid", c.Value, nil)
	if !e.Emulator.RevokeSession(sid) {
		t.Fatalf("no session %q to revoke", sid)
	}
	e.Clock.Advance(authkittest.DefaultAccessTokenTTL + 2*time.Minute)
	resp = conformance.Get(t, srv, "/me", c.Value, jsonAccept)
	if err, _ := refreshErr.Load().(errBox); !errors.Is(err.err, authkit.ErrRefreshFailed) {
		t.Fatalf("refresh error hook: %v", err.err)
	}
	if cleared := resp.Cookie(authkit.DefaultCookieName); resp.Status != http.StatusUnauthorized || cleared == nil || cleared.MaxAge >= 0 {
		t.Fatalf("failed refresh: status %d, cookie %+v", resp.Status, cleared)
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
