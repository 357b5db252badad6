package authkitfiber_test

import (
	"errors"
	"fmt"
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

	authkitfiber "github.com/authkit-go/authkit/adapters/fiber"
)

var jsonAccept = http.Header{"Accept": {"application/json"}}

func bearer(tok string) http.Header {
	return http.Header{"Authorization": {"Bearer " + tok}, "Accept": {"application/json"}}
}

func TestAccessors(t *testing.T) {
	e := newEnv(t)
	app := newTestApp(e.kit)
	app.Use(authkitfiber.Middleware(e.kit))
	app.Get("/me", whoami)
	cookie := e.signIn(app, authkittest.AdminEmail)

	w := decode(t, e.send(app, http.MethodGet, "/me", cookie, nil))
	if w.UserID != authkittest.AdminUserID || w.Source != "cookie" || w.Token == "" || !w.SameContext {
		t.Fatalf("cookie session: %+v", w)
	}
	tok := e.token(authkittest.MultiOrgUserID, authkittest.GlobexOrgID)
	w = decode(t, e.send(app, http.MethodGet, "/me", cookie, bearer(tok)))
	if w.UserID != authkittest.MultiOrgUserID || w.Source != "bearer" || w.Token != tok || !w.SameContext {
		t.Fatalf("a bearer token wins over the cookie: %+v", w)
	}
	w = decode(t, e.send(app, http.MethodGet, "/me", "", nil))
	if w.UserID != "" || w.Token != "" || !w.SameContext {
		t.Fatalf("signed out: %+v", w)
	}
}

func TestSetCookieLinesUntouched(t *testing.T) {
	e := newEnv(t)
	app := newTestApp(e.kit)
	resp := e.send(app, http.MethodGet, "/sign-in", "", nil)
	drain(resp)
	lines := resp.Header.Values("Set-Cookie")
	if len(lines) != 1 || !strings.Contains(lines[0], "Max-Age=600") || !strings.Contains(lines[0], "HttpOnly") ||
		!strings.Contains(lines[0], "SameSite=Lax") || !strings.Contains(lines[0], "Path=/") {
		t.Fatalf("verifier cookie as Fiber wrote it: %q", lines)
	}
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("status %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
}

func TestSkipper(t *testing.T) {
	e := newEnv(t)
	app := newTestApp(e.kit)
	skip := authkitfiber.WithSkipper(func(c *fiber.Ctx) bool { return strings.HasPrefix(c.Path(), "/skip") })
	app.Use(authkitfiber.Middleware(e.kit, skip))
	app.Get("/skip", authkitfiber.RequireAuth(e.kit, skip), whoami)
	app.Get("/me", whoami)

	bad := bearer("not.a.jwt")
	resp := e.send(app, http.MethodGet, "/skip", "", bad)
	if len(resp.Header.Values("Set-Cookie")) != 0 {
		t.Fatal("a skipped request gets no cookie")
	}
	if w := decode(t, resp); w.UserID != "" {
		t.Fatalf("skipped: %+v", w)
	}
	resp = e.send(app, http.MethodGet, "/me", "", bad)
	drain(resp)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("not skipped: status %d, want 401", resp.StatusCode)
	}
}

func TestErrorHandler(t *testing.T) {
	e := newEnv(t)
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ErrorHandler: func(c *fiber.Ctx, err error) error {
		if errors.Is(err, errTeapot) {
			return c.Status(599).SendString("from fiber's error handler")
		}
		return fiber.DefaultErrorHandler(c, err)
	}})
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
	app.Use(authkitfiber.Middleware(e.kit, onError))
	app.Get("/api", authkitfiber.RequireAuth(e.kit, onError), whoami)

	// An API request without a session: the handler writes the response,
	// after the decision's headers.
	resp := e.send(app, http.MethodGet, "/api", "", jsonAccept)
	drain(resp)
	if resp.StatusCode != http.StatusTeapot || resp.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("status %d, WWW-Authenticate %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	if err := seen.Load().(errBox).err; !errors.Is(err, authkit.ErrUnauthenticated) {
		t.Fatalf("decision error: %v", err)
	}
	// An invalid bearer token is refused by Middleware, through the handler.
	resp = e.send(app, http.MethodGet, "/api", "", bearer("not.a.jwt"))
	drain(resp)
	if err := seen.Load().(errBox).err; resp.StatusCode != http.StatusTeapot || !errors.Is(err, authkit.ErrInvalidBearer) {
		t.Fatalf("invalid bearer: status %d, error %v", resp.StatusCode, err)
	}
	// The handler's error goes to Fiber's ErrorHandler.
	resp = e.send(app, http.MethodGet, "/api?fail=1", "", jsonAccept)
	drain(resp)
	if resp.StatusCode != 599 {
		t.Fatalf("handler error: status %d, want 599", resp.StatusCode)
	}
	// A browser is redirected to sign-in: not an error.
	n := calls.Load()
	resp = e.send(app, http.MethodGet, "/api", "", nil)
	drain(resp)
	if resp.StatusCode != http.StatusFound || calls.Load() != n {
		t.Fatalf("redirect: status %d, handler called %d times", resp.StatusCode, calls.Load()-n)
	}
}

func TestPublicPaths(t *testing.T) {
	e := newEnv(t)
	app := newTestApp(e.kit)
	app.Use(authkitfiber.Middleware(e.kit), authkitfiber.RequireAuth(e.kit, authkitfiber.WithPublicPaths("/health", "/public/*")))
	app.Get("/health", whoami)
	app.Get("/public/*", whoami)
	app.Get("/private", whoami)

	for _, p := range []string{"/health", "/public/a", "/public/a/b"} {
		if w := decode(t, e.send(app, http.MethodGet, p, "", jsonAccept)); w.UserID != "" {
			t.Fatalf("%s: %+v", p, w)
		}
	}
	for _, p := range []string{"/private", "/healthz", "/public"} {
		resp := e.send(app, http.MethodGet, p, "", jsonAccept)
		drain(resp)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("%s: status %d, want 401", p, resp.StatusCode)
		}
	}
	// Public paths still see the session.
	cookie := e.signIn(app, authkittest.AdminEmail)
	for _, p := range []string{"/health", "/private"} {
		if w := decode(t, e.send(app, http.MethodGet, p, cookie, nil)); w.UserID != authkittest.AdminUserID {
			t.Fatalf("%s signed in: %+v", p, w)
		}
	}
}

func TestRequireAuthWithoutMiddleware(t *testing.T) {
	e := newEnv(t)
	app := newTestApp(e.kit)
	app.Get("/admin", authkitfiber.RequireAuth(e.kit, authkitfiber.WithRole("admin")), whoami)
	app.Get("/posts", authkitfiber.RequireAuth(e.kit, authkitfiber.WithPermission("no-such-permission")), whoami)
	cookie := e.signIn(app, authkittest.AdminEmail)

	if w := decode(t, e.send(app, http.MethodGet, "/admin", cookie, nil)); w.UserID != authkittest.AdminUserID || !w.SameContext {
		t.Fatalf("RequireAuth loads the session: %+v", w)
	}
	resp := e.send(app, http.MethodGet, "/posts", cookie, nil)
	drain(resp)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("missing permission: status %d, want 403", resp.StatusCode)
	}
	resp = e.send(app, http.MethodGet, "/admin", "", nil)
	drain(resp)
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), e.emu.URL()) {
		t.Fatalf("signed out: status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// An expired session is refreshed by RequireAuth's own load.
	e.clock.Advance(authkittest.DefaultAccessTokenTTL + time.Minute)
	resp = e.send(app, http.MethodGet, "/admin", cookie, nil)
	if sessionCookie(resp) == nil {
		t.Fatal("the refreshed session is set")
	}
	if w := decode(t, resp); w.UserID != authkittest.AdminUserID {
		t.Fatalf("after refresh: %+v", w)
	}
}

func TestRefreshHooks(t *testing.T) {
	e := newEnv(t)
	app := newTestApp(e.kit)
	var refreshed, guardRefreshed atomic.Int32
	var refreshedUser atomic.Value
	var refreshErr atomic.Value
	app.Use(authkitfiber.Middleware(e.kit,
		authkitfiber.WithOnRefresh(func(c *fiber.Ctx, a *authkit.Auth) {
			refreshed.Add(1)
			refreshedUser.Store(a.User.ID)
		}),
		authkitfiber.WithOnRefreshError(func(c *fiber.Ctx, err error) { refreshErr.Store(errBox{err}) }),
	))
	// RequireAuth after Middleware does not load (nor refresh) again.
	app.Get("/me", authkitfiber.RequireAuth(e.kit, authkitfiber.WithOnRefresh(func(*fiber.Ctx, *authkit.Auth) {
		guardRefreshed.Add(1)
	})), whoami)
	cookie := e.signIn(app, authkittest.AdminEmail)

	decode(t, e.send(app, http.MethodGet, "/me", cookie, nil))
	if refreshed.Load() != 0 {
		t.Fatal("a fresh session is not refreshed")
	}
	e.clock.Advance(authkittest.DefaultAccessTokenTTL + time.Minute)
	resp := e.send(app, http.MethodGet, "/me", cookie, nil)
	c := sessionCookie(resp)
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
	drain(e.send(app, http.MethodGet, "/sid", c.Value, nil))
	if !e.emu.RevokeSession(sid) {
		t.Fatalf("no session %q to revoke", sid)
	}
	e.clock.Advance(authkittest.DefaultAccessTokenTTL + 2*time.Minute)
	resp = e.send(app, http.MethodGet, "/me", c.Value, jsonAccept)
	drain(resp)
	if err, _ := refreshErr.Load().(errBox); !errors.Is(err.err, authkit.ErrRefreshFailed) {
		t.Fatalf("refresh error hook: %v", err.err)
	}
	if cleared := sessionCookie(resp); resp.StatusCode != http.StatusUnauthorized || cleared == nil || cleared.MaxAge >= 0 {
		t.Fatalf("failed refresh: status %d, cookie %+v", resp.StatusCode, cleared)
	}
}

// TestBufferReuse serves a real fasthttp server and sends it many
// concurrent keep-alive requests from different users. fasthttp reuses its
// request buffers, so anything the adapter failed to copy would show up as
// a wrong user, a corrupted retained Auth, or a data race (-race).
func TestBufferReuse(t *testing.T) {
	e := newEnv(t)
	app := newTestApp(e.kit)
	app.Use(authkitfiber.Middleware(e.kit))
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
			caller{user: u.id, cookie: e.signIn(app, u.email)},
			caller{user: u.id, header: bearer(e.token(u.id, u.org))})
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
					got := decode(t, resp)
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
	e.clock.Advance(authkittest.DefaultAccessTokenTTL + time.Minute)
	for i := range callers {
		if callers[i].header != nil {
			callers[i].header = bearer(e.token(callers[i].user, ""))
		}
	}
	run(2)
}
