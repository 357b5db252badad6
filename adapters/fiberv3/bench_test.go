package authkitfiberv3_test

import (
	"net"
	"net/http"
	"testing"

	"github.com/gofiber/fiber/v3"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/conformance"

	authkitfiberv3 "github.com/authkit-go/authkit/adapters/fiberv3"
)

// benchApp is the app under benchmark: one route reading the Auth, behind
// Middleware and RequireAuth when kit is set.
func benchApp(kit *authkit.Client) *fiber.App {
	app := newTestApp(kit)
	handler := func(c fiber.Ctx) error {
		if a := authkitfiberv3.Auth(c); a != nil {
			return c.SendString(a.User.ID)
		}
		return c.SendString("anonymous")
	}
	if kit == nil {
		app.Get("/me", handler)
	} else {
		app.Use(authkitfiberv3.Middleware(kit))
		app.Get("/me", authkitfiberv3.RequireAuth(kit), handler)
	}
	return app
}

// serve drives app's fasthttp handler in-process, keeping the network out
// of the loop: one RequestCtx, whose response and user values are reset
// between requests as fasthttp's server does.
func serve(b *testing.B, app *fiber.App, header http.Header) {
	h := app.Handler()
	var req fasthttp.Request
	req.SetRequestURI("http://app.test/me")
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	var ctx fasthttp.RequestCtx
	ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1234}, nil)
	h(&ctx)
	require.Equal(b, http.StatusOK, ctx.Response.StatusCode(), string(ctx.Response.Body()))
	b.ReportAllocs()
	for b.Loop() {
		ctx.Response.Reset()
		ctx.ResetUserValues()
		h(&ctx)
	}
}

// BenchmarkAuthenticatedRequest is a request through Middleware and
// RequireAuth, with a session cookie or a bearer token (keys cached, no
// refresh due).
func BenchmarkAuthenticatedRequest(b *testing.B) {
	e := conformance.NewEnv(b, nil)
	app := benchApp(e.Client)
	cookie := e.SignIn(b, server(app), authkittest.AdminEmail)
	b.Run("cookie", func(b *testing.B) {
		serve(b, app, http.Header{"Cookie": {authkit.DefaultCookieName + "=" + cookie}})
	})
	b.Run("bearer", func(b *testing.B) {
		serve(b, app, http.Header{"Authorization": {"Bearer " + e.Bearer(b, authkittest.AdminEmail)}})
	})
}

// BenchmarkBaseline is the same request and app without the middleware.
func BenchmarkBaseline(b *testing.B) {
	e := conformance.NewEnv(b, nil)
	cookie := e.SignIn(b, server(benchApp(e.Client)), authkittest.AdminEmail)
	serve(b, benchApp(nil), http.Header{"Cookie": {authkit.DefaultCookieName + "=" + cookie}})
}
