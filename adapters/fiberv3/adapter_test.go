package authkitfiberv3_test

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

	"github.com/gofiber/fiber/v3"
	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/conformance"

	authkitfiberv3 "github.com/authkit-go/authkit/adapters/fiberv3"
)

// The options' behaviour is checked by the conformance suite
// (conformance_test.go); this file holds what is Fiber's own.

var jsonAccept = http.Header{"Accept": {"application/json"}}

func bearer(tok string) http.Header {
	return http.Header{"Authorization": {"Bearer " + tok}, "Accept": {"application/json"}}
}

func TestSetCookieLinesUntouched(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	srv := server(newTestApp(e.Client))
	resp := conformance.Get(t, srv, "/sign-in", "", nil)
	require.Equal(t, http.StatusFound, resp.Status)
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	lines := resp.Header.Values("Set-Cookie")
	require.Len(t, lines, 1, "the verifier cookie as Fiber wrote it")
	for _, attr := range []string{"Max-Age=600", "HttpOnly", "SameSite=Lax", "Path=/"} {
		require.Contains(t, lines[0], attr)
	}
}

// TestErrorHandlerError: the error the custom handler returns goes to
// Fiber's ErrorHandler, from Middleware and from RequireAuth.
func TestErrorHandlerError(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	app := fiber.New(fiber.Config{ErrorHandler: func(c fiber.Ctx, err error) error {
		if errors.Is(err, errTeapot) {
			return c.Status(599).SendString("from fiber's error handler")
		}
		return fiber.DefaultErrorHandler(c, err)
	}})
	onError := authkitfiberv3.WithErrorHandler(func(fiber.Ctx, *authkit.Decision) error { return errTeapot })
	app.Use(authkitfiberv3.Middleware(e.Client, onError))
	app.Get("/api", authkitfiberv3.RequireAuth(e.Client, onError), whoami)
	srv := server(app)

	for name, h := range map[string]http.Header{"RequireAuth": jsonAccept, "Middleware": bearer("not.a.jwt")} {
		resp := conformance.Get(t, srv, "/api", "", h)
		require.Equal(t, 599, resp.Status, name)
		require.Equal(t, "from fiber's error handler", resp.Body, name)
		require.NotEmpty(t, resp.Header.Get("WWW-Authenticate"), name)
	}
}

// TestBufferReuse serves a real fasthttp server and sends it many
// concurrent keep-alive requests from different users. fasthttp reuses its
// request buffers (and Fiber v3 its Ctx values), so anything the adapter
// failed to copy would show up as a wrong user, a corrupted retained Auth,
// or a data race (-race).
func TestBufferReuse(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	app := newTestApp(e.Client)
	srv := server(app)
	app.Use(authkitfiberv3.Middleware(e.Client))
	var retained sync.Map // query n -> *authkit.Auth, kept past the request
	app.Get("/me", func(c fiber.Ctx) error {
		retained.Store(strings.Clone(c.Query("n")), authkitfiberv3.Auth(c))
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
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln, fiber.ListenConfig{DisableStartupMessage: true}) }()
	t.Cleanup(func() {
		require.NoError(t, app.Shutdown())
		require.NoError(t, <-served)
	})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	t.Cleanup(client.CloseIdleConnections)
	base := "http://" + ln.Addr().String()

	const workers, perWorker = 16, 40
	expected := make([]string, workers*perWorker)    // user IDs
	expectedTok := make([]string, workers*perWorker) // bearer tokens
	// call sends request n as cl (on a worker goroutine: it returns errors
	// rather than failing the test).
	call := func(n int, cl caller) error {
		req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/me?n=%d", base, n), nil)
		if err != nil {
			return err
		}
		for k, vs := range cl.header {
			req.Header[k] = vs
		}
		req.Header.Set("User-Agent", strings.Repeat("x", n%97))
		if cl.cookie != "" {
			req.AddCookie(&http.Cookie{Name: authkit.DefaultCookieName, Value: cl.cookie})
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		var got who
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &got) != nil {
			return fmt.Errorf("request %d: status %d: %.200s", n, resp.StatusCode, body)
		}
		if got.UserID != cl.user || got.Query != fmt.Sprint(n) || !got.SameContext {
			return fmt.Errorf("request %d: want user %q, got %+v", n, cl.user, got)
		}
		return nil
	}
	run := func(phase int) {
		errs := make(chan error, workers*perWorker)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range perWorker {
					n := w*perWorker + i
					cl := callers[(w+i)%len(callers)]
					expected[n] = cl.user
					expectedTok[n] = strings.TrimPrefix(cl.header.Get("Authorization"), "Bearer ")
					if err := call(n, cl); err != nil {
						errs <- fmt.Errorf("phase %d: %w", phase, err)
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
			if expected[n] == "" {
				require.Nil(t, a, "phase %d: retained Auth of anonymous request %d", phase, n)
				return true
			}
			require.NotNil(t, a, "phase %d: retained Auth of request %d", phase, n)
			require.Equal(t, expected[n], a.User.ID, "phase %d: retained Auth of request %d", phase, n)
			require.NotEmpty(t, a.AccessToken)
			// Compared as a bool: a failure must not print the token.
			require.True(t, expectedTok[n] == "" || a.AccessToken == expectedTok[n],
				"phase %d: the retained access token of request %d changed", phase, n)
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
// c.Locals under the name "authkit.auth", before or after ours, changes
// neither what Auth(c) and FromContext return nor what RequireAuth lets
// through.
func TestStoredAuthCannotBeForged(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	forged := &authkit.Auth{User: authkit.User{ID: "user_forged"}, SessionID: "session_forged", Role: "admin"}
	forge := func(c fiber.Ctx) error { c.Locals("authkit.auth", forged); return c.Next() }
	app := newTestApp(e.Client)
	app.Use(forge, authkitfiberv3.Middleware(e.Client), forge)
	app.Get(conformance.PathPublic, report)
	app.Get(conformance.PathProtected, authkitfiberv3.RequireAuth(e.Client), report)
	guardOnly := newTestApp(e.Client)
	guardOnly.Use(forge)
	guardOnly.Get(conformance.PathProtected, authkitfiberv3.RequireAuth(e.Client), report)
	a, g := server(app), server(guardOnly)

	rep := decodeReport(t, conformance.Get(t, a, conformance.PathPublic, "", nil))
	require.Nil(t, rep.Framework, "signed out")
	require.Nil(t, rep.Context, "signed out")
	require.Empty(t, rep.AccessToken, "signed out")
	rep = decodeReport(t, conformance.Get(t, a, conformance.PathPublic, "", bearer(mint(t, e, authkittest.PlainUserID, ""))))
	require.NotNil(t, rep.Framework)
	require.Equal(t, authkittest.PlainUserID, rep.Framework.UserID)
	require.True(t, rep.Same, "Auth(c) and FromContext(c.Context()) agree")
	for _, srv := range []conformance.Server{a, g} {
		r := conformance.Get(t, srv, conformance.PathProtected, "", jsonAccept)
		require.Equal(t, http.StatusUnauthorized, r.Status, "a forged Auth passed RequireAuth")
	}
}

// TestCtxIsNotTheSessionContext: a Fiber v3 Ctx is a context.Context too,
// but the Auth is in c.Context(), not in c: FromContext(c) reads as signed
// out rather than as anything a Locals value could forge.
func TestCtxIsNotTheSessionContext(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	app := newTestApp(e.Client)
	app.Use(authkitfiberv3.Middleware(e.Client))
	app.Get("/", func(c fiber.Ctx) error {
		return c.JSON(map[string]bool{"ctx": authkit.FromContext(c.Context()) != nil, "c": authkit.FromContext(c) != nil})
	})
	resp := conformance.Get(t, server(app), "/", "", bearer(mint(t, e, authkittest.AdminUserID, "")))
	require.Equal(t, http.StatusOK, resp.Status)
	require.JSONEq(t, `{"ctx": true, "c": false}`, resp.Body)
}

func decodeReport(t *testing.T, r *conformance.Response) conformance.Report {
	t.Helper()
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	var rep conformance.Report
	require.NoError(t, json.Unmarshal([]byte(r.Body), &rep))
	return rep
}
