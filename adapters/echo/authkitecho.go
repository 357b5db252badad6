// Package authkitecho is the authkit-go adapter for Echo (v4).
//
//	kit, err := authkit.New(authkit.Config{})            // WORKOS_* from the environment
//	e.Use(authkitecho.Middleware(kit))
//	e.GET("/callback", authkitecho.Callback(kit))
//
// Middleware loads the session on every request (refreshing it when due)
// and stores the Auth both in the echo.Context (read it with Auth(c)) and in
// the request's context.Context (authkit.FromContext(c.Request().Context())).
// RequireAuth guards routes. An Authorization: Bearer header, when present,
// wins over the session cookie.
//
// When the core answers a request itself (a redirect, 401, 403), the
// response is written and the middleware returns nil: it never turns the
// core's answer into an echo.HTTPError.
package authkitecho

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	authkit "github.com/authkit-go/authkit/core"
)

// Echo's c.Set takes string keys, which any middleware can write. The Auth
// is therefore stored wrapped in an unexported type (as sentry-go does with
// its hub): no other package can build a stored value, so a forged or
// clobbered entry reads as signed out, never as someone else.
const (
	// authKey is the echo.Context key of the request's stored value.
	authKey = "github.com/authkit-go/authkit/adapters/echo.auth"
	// loadedKey marks a request whose session Middleware has loaded.
	loadedKey = "github.com/authkit-go/authkit/adapters/echo.loaded"
)

// stored is the value kept under authKey.
type stored struct{ auth *authkit.Auth }

// loaded is the value kept under loadedKey.
type loaded struct{}

// Option configures Middleware and RequireAuth.
type Option = authkit.AdapterOption[echo.Context]

// WithSkipper skips requests for which skip returns true (an Echo
// middleware.Skipper fits): no session is loaded and nothing is written.
func WithSkipper(skip func(echo.Context) bool) Option { return authkit.WithSkipper(skip) }

// WithErrorHandler writes refused requests' responses (401, 403, ...)
// instead of the default ones. The decision's headers (cookies included) are
// already set on c.Response(); an error h returns is returned by the
// middleware, for Echo's HTTPErrorHandler.
func WithErrorHandler(h func(echo.Context, *authkit.Decision) error) Option {
	return authkit.WithErrorHandler(h)
}

// WithPublicPaths lets RequireAuth through for these paths ("/health",
// "/public/*").
func WithPublicPaths(patterns ...string) Option {
	return authkit.WithPublicPaths[echo.Context](patterns...)
}

// WithRole makes RequireAuth require role (403 otherwise).
func WithRole(role string) Option {
	return authkit.WithRequirements[echo.Context](authkit.RequireRole(role))
}

// WithPermission makes RequireAuth require permission (403 otherwise).
func WithPermission(permission string) Option {
	return authkit.WithRequirements[echo.Context](authkit.RequirePermission(permission))
}

// WithRecentAuth makes RequireAuth require a sign-in within maxAge
// (authkit.RequireRecentAuth): older sessions sign in again with max_age.
func WithRecentAuth(maxAge time.Duration) Option {
	return authkit.WithRequirements[echo.Context](authkit.RequireRecentAuth(maxAge))
}

// WithOnRefresh is called on each request whose session was refreshed.
func WithOnRefresh(f func(echo.Context, *authkit.Auth)) Option { return authkit.WithOnRefresh(f) }

// WithOnRefreshError is called on each request whose session refresh failed.
func WithOnRefreshError(f func(echo.Context, error)) Option { return authkit.WithOnRefreshError(f) }

// Auth returns the request's Auth, or nil when signed out.
func Auth(c echo.Context) *authkit.Auth {
	s, _ := c.Get(authKey).(stored)
	return s.auth
}

// AccessToken returns the request's verified access token, for calling
// other APIs, or "" when signed out.
func AccessToken(c echo.Context) string {
	if a := Auth(c); a != nil {
		return a.AccessToken
	}
	return ""
}

// Middleware loads the session of every request.
func Middleware(kit *authkit.Client, opts ...Option) echo.MiddlewareFunc {
	cfg := authkit.NewAdapterConfig(opts)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if cfg.Skip(c) {
				return next(c)
			}
			if done, err := load(kit, cfg, c); done {
				return err
			}
			return next(c)
		}
	}
}

// load runs the core's Load, stores the Auth and writes the decision; done
// is true when the response has been written.
func load(kit *authkit.Client, cfg *authkit.AdapterConfig[echo.Context], c echo.Context) (done bool, err error) {
	r := c.Request()
	d := kit.Load(r.Context(), authkit.FromHTTPRequest(r))
	c.Set(authKey, stored{d.Auth})
	c.SetRequest(r.WithContext(authkit.NewContext(r.Context(), d.Auth)))
	cfg.Loaded(c, &d)
	if done, err = write(cfg, c, &d); !done {
		c.Set(loadedKey, loaded{})
	}
	return done, err
}

// RequireAuth lets only signed-in requests through: browsers are redirected
// to sign-in and API requests get 401, as the core decides. It loads the
// session itself when Middleware has not run.
func RequireAuth(kit *authkit.Client, opts ...Option) echo.MiddlewareFunc {
	cfg := authkit.NewAdapterConfig(opts)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if cfg.Skip(c) || cfg.Public(c.Request().URL.Path) {
				return next(c)
			}
			if _, ok := c.Get(loadedKey).(loaded); !ok {
				if done, err := load(kit, cfg, c); done {
					return err
				}
			}
			d := kit.Require(c.Request().Context(), authkit.FromHTTPRequest(c.Request()), Auth(c), cfg.Requirements()...)
			if done, err := write(cfg, c, &d); done {
				return err
			}
			return next(c)
		}
	}
}

// write writes a decision; done reports whether the response is complete,
// and err is the custom error handler's error, if any.
func write(cfg *authkit.AdapterConfig[echo.Context], c echo.Context, d *authkit.Decision) (done bool, err error) {
	if cfg.CustomError(d) {
		d.WriteHeaders(c.Response().Header())
		return true, cfg.HandleError(c, d)
	}
	d.Write(c.Response())
	return d.Done(), nil
}

// serve answers c with one of the core's route handlers.
func serve(c echo.Context, route func(context.Context, *authkit.Request) authkit.Decision) error {
	d := route(c.Request().Context(), authkit.FromHTTPRequest(c.Request()))
	d.Write(c.Response())
	return nil
}

// SignIn redirects to WorkOS sign-in (query: return_to, login_hint,
// organization_id).
func SignIn(kit *authkit.Client) echo.HandlerFunc {
	return func(c echo.Context) error { return serve(c, kit.HandleSignIn) }
}

// SignUp redirects to WorkOS sign-up (same query as SignIn).
func SignUp(kit *authkit.Client) echo.HandlerFunc {
	return func(c echo.Context) error { return serve(c, kit.HandleSignUp) }
}

// Callback completes sign-in; mount it at the path of WORKOS_REDIRECT_URI.
func Callback(kit *authkit.Client) echo.HandlerFunc {
	return func(c echo.Context) error { return serve(c, kit.Callback) }
}

// SignOut ends the session (POST only by default), then WorkOS sends the
// browser to the return_to form field or query parameter when it is
// allowed (authkit.SignOutOptions), else to Config.SignOutReturnTo.
func SignOut(kit *authkit.Client) echo.HandlerFunc {
	return func(c echo.Context) error {
		return serve(c, func(ctx context.Context, r *authkit.Request) authkit.Decision {
			return kit.SignOutWith(ctx, r, authkit.SignOutOptions{ReturnTo: c.FormValue(authkit.ParamReturnTo)})
		})
	}
}

// SwitchOrganization switches the session to the organization_id form
// field (POST), then redirects to return_to (each read with c.FormValue:
// form body first, then query).
func SwitchOrganization(kit *authkit.Client) echo.HandlerFunc {
	return func(c echo.Context) error {
		return serve(c, func(ctx context.Context, r *authkit.Request) authkit.Decision {
			return kit.SwitchOrganization(ctx, r, c.FormValue(authkit.ParamOrganizationID), c.FormValue(authkit.ParamReturnTo))
		})
	}
}
