// Package authkitfiberv3 is the authkit-go adapter for Fiber v3.
//
//	kit, err := authkit.New(authkit.Config{})      // WORKOS_* from the environment
//	app.Use(authkitfiberv3.Middleware(kit))
//	app.Get("/callback", authkitfiberv3.Callback(kit))
//
// Middleware loads the session on every request (refreshing it when due)
// and stores the Auth both in c.Locals (read it with Auth(c)) and in the
// request's context (read it with authkit.FromContext(c.Context())).
// RequireAuth guards routes. An Authorization: Bearer header, when present,
// wins over the session cookie.
//
// Fiber reuses request buffers once a handler returns, so the adapter copies
// every request value (URL, form fields, and the headers the core reads:
// Client.RequestHeaders) it hands to the core: the Auth it stores is safe
// to keep after the request.
package authkitfiberv3

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v3"

	authkit "github.com/authkit-go/authkit/core"
)

// authKey is the c.Locals key of the request's *authkit.Auth. It is an
// unexported type, so no other package can store a value under it: a forged
// c.Locals("authkit.auth", ...) cannot change what Auth(c) returns.
type authKey struct{}

// requestKey is the private c.Locals key of the core Request built by load
// (its presence means the session is loaded).
type requestKey struct{}

// Option configures Middleware and RequireAuth.
type Option = authkit.AdapterOption[fiber.Ctx]

// WithSkipper skips requests for which skip returns true: no session is
// loaded and nothing is written.
func WithSkipper(skip func(fiber.Ctx) bool) Option { return authkit.WithSkipper(skip) }

// WithErrorHandler writes refused requests' responses (401, 403, invalid
// bearer token, ...) instead of the default ones. The decision's headers,
// cookies included, are already on the response. A non-nil error returned
// by h is returned by the middleware, so it reaches Fiber's ErrorHandler.
// Redirects to sign-in are not errors and are not passed to h.
func WithErrorHandler(h func(c fiber.Ctx, d *authkit.Decision) error) Option {
	return authkit.WithErrorHandler(h)
}

// WithPublicPaths lets RequireAuth through for these paths ("/health",
// "/public/*"), matched against c.Path().
func WithPublicPaths(patterns ...string) Option {
	return authkit.WithPublicPaths[fiber.Ctx](patterns...)
}

// WithRole makes RequireAuth require role (403 otherwise).
func WithRole(role string) Option {
	return authkit.WithRequirements[fiber.Ctx](authkit.RequireRole(role))
}

// WithPermission makes RequireAuth require permission (403 otherwise).
func WithPermission(permission string) Option {
	return authkit.WithRequirements[fiber.Ctx](authkit.RequirePermission(permission))
}

// WithRecentAuth makes RequireAuth require a sign-in within maxAge
// (authkit.RequireRecentAuth): older sessions sign in again with max_age.
func WithRecentAuth(maxAge time.Duration) Option {
	return authkit.WithRequirements[fiber.Ctx](authkit.RequireRecentAuth(maxAge))
}

// WithOnRefresh is called on each request whose session was refreshed.
func WithOnRefresh(f func(fiber.Ctx, *authkit.Auth)) Option { return authkit.WithOnRefresh(f) }

// WithOnRefreshError is called on each request whose session refresh failed.
func WithOnRefreshError(f func(fiber.Ctx, error)) Option { return authkit.WithOnRefreshError(f) }

// Auth returns the request's Auth, or nil when signed out.
func Auth(c fiber.Ctx) *authkit.Auth {
	a, _ := c.Locals(authKey{}).(*authkit.Auth)
	return a
}

// AccessToken returns the request's verified access token, for calling
// other APIs, or "" when signed out.
func AccessToken(c fiber.Ctx) string {
	if a := Auth(c); a != nil {
		return a.AccessToken
	}
	return ""
}

// Middleware loads the session of every request.
func Middleware(kit *authkit.Client, opts ...Option) fiber.Handler {
	cfg := authkit.NewAdapterConfig(opts)
	return func(c fiber.Ctx) error {
		if cfg.Skip(c) {
			return c.Next()
		}
		if done, err := load(kit, cfg, c); done {
			return err
		}
		return c.Next()
	}
}

// RequireAuth lets only signed-in requests through: browsers are redirected
// to sign-in and API requests get 401, as the core decides. It loads the
// session itself when Middleware has not run.
func RequireAuth(kit *authkit.Client, opts ...Option) fiber.Handler {
	cfg := authkit.NewAdapterConfig(opts)
	return func(c fiber.Ctx) error {
		if cfg.Skip(c) || cfg.Public(c.Path()) {
			return c.Next()
		}
		r, _ := c.Locals(requestKey{}).(*authkit.Request)
		if r == nil {
			if done, err := load(kit, cfg, c); done {
				return err
			}
			r = c.Locals(requestKey{}).(*authkit.Request)
		}
		d := kit.Require(c.Context(), r, Auth(c), cfg.Requirements()...)
		if done, err := write(cfg, c, &d); done {
			return err
		}
		return c.Next()
	}
}

// load runs the core's Load, stores the Auth and writes the decision; done
// is true when the response is complete.
func load(kit *authkit.Client, cfg *authkit.AdapterConfig[fiber.Ctx], c fiber.Ctx) (done bool, err error) {
	r := request(kit.RequestHeaders(), c)
	d := kit.Load(c.Context(), r)
	c.Locals(authKey{}, d.Auth)
	c.SetContext(authkit.NewContext(c.Context(), d.Auth))
	cfg.Loaded(c, &d)
	if done, err := write(cfg, c, &d); done {
		return true, err
	}
	c.Locals(requestKey{}, r)
	return false, nil
}

// write writes a decision; done reports whether the response is complete.
func write(cfg *authkit.AdapterConfig[fiber.Ctx], c fiber.Ctx, d *authkit.Decision) (done bool, err error) {
	if cfg.CustomError(d) {
		writeHeaders(c, d)
		return true, cfg.HandleError(c, d)
	}
	return send(c, d), nil
}

// writeHeaders adds the decision's headers, Set-Cookie lines included.
func writeHeaders(c fiber.Ctx, d *authkit.Decision) {
	for k, vs := range d.Header {
		for _, v := range vs {
			c.Response().Header.Add(k, v)
		}
	}
}

// send writes the decision's headers and, when it is Done, its status and
// body; it reports d.Done().
func send(c fiber.Ctx, d *authkit.Decision) bool {
	writeHeaders(c, d)
	if !d.Done() {
		return false
	}
	if d.ContentType != "" {
		c.Set(fiber.HeaderContentType, d.ContentType)
	}
	_ = c.Status(d.Status).Send(d.Body)
	return true
}

// request copies what the core reads from the fasthttp request: nothing in
// it aliases fasthttp's buffers. Of the headers, it copies those named
// (Client.RequestHeaders, for Load), or every one when names is nil. (c.Method() needs no copy: Fiber v3 returns
// one of its configured method strings.)
func request(names []string, c fiber.Ctx) *authkit.Request {
	h := make(http.Header)
	for k, v := range c.Request().Header.All() {
		if name, ok := authkit.WantHeader(names, k); ok {
			h[name] = append(h[name], string(v))
		}
	}
	u, err := url.ParseRequestURI(string(c.Request().RequestURI()))
	if err != nil {
		u = &url.URL{Path: string(c.Request().URI().Path())}
	}
	return &authkit.Request{Method: c.Method(), URL: u, Header: h, RemoteAddr: c.RequestCtx().RemoteAddr().String()}
}

// serve answers c with one of the core's route handlers.
func serve(c fiber.Ctx, route func(context.Context, *authkit.Request) authkit.Decision) error {
	d := route(c.Context(), request(nil, c))
	send(c, &d)
	return nil
}

// SignIn redirects to WorkOS sign-in (query: return_to, login_hint,
// organization_id).
func SignIn(kit *authkit.Client) fiber.Handler {
	return func(c fiber.Ctx) error { return serve(c, kit.HandleSignIn) }
}

// SignUp redirects to WorkOS sign-up (same query as SignIn).
func SignUp(kit *authkit.Client) fiber.Handler {
	return func(c fiber.Ctx) error { return serve(c, kit.HandleSignUp) }
}

// Callback completes sign-in; mount it at the path of WORKOS_REDIRECT_URI.
func Callback(kit *authkit.Client) fiber.Handler {
	return func(c fiber.Ctx) error { return serve(c, kit.Callback) }
}

// SignOut ends the session (POST only by default; mount it for all methods
// with app.All so other methods get 405).
// The return_to form field or query parameter, when allowed, is where
// WorkOS sends the browser afterwards (authkit.SignOutOptions).
func SignOut(kit *authkit.Client) fiber.Handler {
	return func(c fiber.Ctx) error {
		returnTo := strings.Clone(c.FormValue(authkit.ParamReturnTo))
		return serve(c, func(ctx context.Context, r *authkit.Request) authkit.Decision {
			return kit.SignOutWith(ctx, r, authkit.SignOutOptions{ReturnTo: returnTo})
		})
	}
}

// Request translates the request into the core's, for calling the
// client's functions from a handler (kit.Refresh, kit.SaveSession,
// kit.SignOutWith, ...). Every value is copied: it is safe to keep after
// the handler returns.
func Request(c fiber.Ctx) *authkit.Request { return request(nil, c) }

// Write writes a decision the client returned to the response: its headers
// and cookies and, when d.Done(), its status and body.
func Write(c fiber.Ctx, d *authkit.Decision) error {
	send(c, d)
	return nil
}

// SwitchOrganization switches the session to the organization_id form
// field (POST), then redirects to the return_to field.
func SwitchOrganization(kit *authkit.Client) fiber.Handler {
	return func(c fiber.Ctx) error {
		return serve(c, func(ctx context.Context, r *authkit.Request) authkit.Decision {
			return kit.SwitchOrganization(ctx, r,
				strings.Clone(c.FormValue(authkit.ParamOrganizationID)), strings.Clone(c.FormValue(authkit.ParamReturnTo)))
		})
	}
}
