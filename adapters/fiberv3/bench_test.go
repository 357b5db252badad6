package authkitfiberv3_test

import (
	"net"
	"net/http"
	"testing"

	"github.com/gofiber/fiber/v3"
	"github.com/valyala/fasthttp"

	authkit "github.com/authkit-go/authkit/core"
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
		app.Get(conformance.BenchPath, handler)
	} else {
		app.Use(authkitfiberv3.Middleware(kit))
		app.Get(conformance.BenchPath, authkitfiberv3.RequireAuth(kit), handler)
	}
	return app
}

// prepare readies a request for app's fasthttp handler, served in-process
// (the network kept out of the loop): one RequestCtx, whose response and
// user values are reset between requests as fasthttp's server does.
func prepare(app *fiber.App, header http.Header) func() int {
	h := app.Handler()
	var req fasthttp.Request
	req.SetRequestURI("http://app.test" + conformance.BenchPath)
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	var ctx fasthttp.RequestCtx
	ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1234}, nil)
	return func() int {
		ctx.Response.Reset()
		ctx.ResetUserValues()
		h(&ctx)
		return ctx.Response.StatusCode()
	}
}

// BenchmarkPaths runs the performance table's rows (see
// conformance.RunBenchmarks) through Middleware and RequireAuth.
func BenchmarkPaths(b *testing.B) {
	conformance.RunBenchmarks(b, conformance.BenchTarget[*fiber.App]{
		App:     benchApp,
		Server:  func(_ testing.TB, app *fiber.App) conformance.Server { return server(app) },
		Prepare: prepare,
	})
}
