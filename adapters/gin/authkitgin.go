// Package authkitgin is the authkit-go adapter for Gin.
//
//	kit, err := authkit.New(authkit.Config{})            // WORKOS_* from the environment
//	router.Use(authkitgin.Middleware(kit))
//	router.GET("/callback", authkitgin.Callback(kit))
//
// Middleware loads the session on every request (refreshing it when due)
// and stores the Auth both in the gin.Context (read it with Auth(c)) and in
// the request's context.Context (authkit.FromContext(c.Request.Context())).
// RequireAuth guards routes. An Authorization: Bearer header, when present,
// wins over the session cookie.
package authkitgin

import (
	"context"
	"time"

	"github.com/gin-gonic/gin"

	authkit "github.com/authkit-go/authkit/core"
)

// authKey is the gin.Context key of the request's *authkit.Auth. It is an
// unexported type, so no other package can set a value under it: a forged
// c.Set("authkit.auth", ...) cannot change what Auth(c) returns.
type authKey struct{}

// loadedKey marks a request whose session Middleware has loaded.
type loadedKey struct{}

// Option configures Middleware and RequireAuth.
type Option = authkit.AdapterOption[*gin.Context]

// WithSkipper skips requests for which skip returns true: no session is
// loaded and nothing is written.
func WithSkipper(skip func(*gin.Context) bool) Option { return authkit.WithSkipper(skip) }

// WithErrorHandler writes refused requests' responses (401, 403, ...)
// instead of the default ones. The decision's headers (cookies included) are
// already set on c.Writer; the chain is aborted after h returns.
func WithErrorHandler(h func(*gin.Context, *authkit.Decision)) Option {
	return authkit.WithErrorHandler(func(c *gin.Context, d *authkit.Decision) error { h(c, d); return nil })
}

// WithPublicPaths lets RequireAuth through for these paths ("/health",
// "/public/*").
func WithPublicPaths(patterns ...string) Option {
	return authkit.WithPublicPaths[*gin.Context](patterns...)
}

// WithRole makes RequireAuth require role (403 otherwise).
func WithRole(role string) Option {
	return authkit.WithRequirements[*gin.Context](authkit.RequireRole(role))
}

// WithPermission makes RequireAuth require permission (403 otherwise).
func WithPermission(permission string) Option {
	return authkit.WithRequirements[*gin.Context](authkit.RequirePermission(permission))
}

// WithRecentAuth makes RequireAuth require a sign-in within maxAge
// (authkit.RequireRecentAuth): older sessions sign in again with max_age.
func WithRecentAuth(maxAge time.Duration) Option {
	return authkit.WithRequirements[*gin.Context](authkit.RequireRecentAuth(maxAge))
}

// WithOnRefresh is called on each request whose session was refreshed.
func WithOnRefresh(f func(*gin.Context, *authkit.Auth)) Option { return authkit.WithOnRefresh(f) }

// WithOnRefreshError is called on each request whose session refresh failed.
func WithOnRefreshError(f func(*gin.Context, error)) Option { return authkit.WithOnRefreshError(f) }

// Auth returns the request's Auth, or nil when signed out.
func Auth(c *gin.Context) *authkit.Auth {
	v, _ := c.Get(authKey{})
	a, _ := v.(*authkit.Auth)
	return a
}

// AccessToken returns the request's verified access token, for calling
// other APIs, or "" when signed out.
func AccessToken(c *gin.Context) string {
	if a := Auth(c); a != nil {
		return a.AccessToken
	}
	return ""
}

// Middleware loads the session of every request.
func Middleware(kit *authkit.Client, opts ...Option) gin.HandlerFunc {
	cfg := authkit.NewAdapterConfig(opts)
	return func(c *gin.Context) {
		if !cfg.Skip(c) {
			load(kit, cfg, c)
		}
	}
}

// load runs the core's Load, stores the Auth and writes the decision; it
// reports whether the chain may go on (it aborts c otherwise).
func load(kit *authkit.Client, cfg *authkit.AdapterConfig[*gin.Context], c *gin.Context) bool {
	d := kit.Load(c.Request.Context(), authkit.FromHTTPRequest(c.Request))
	c.Set(authKey{}, d.Auth)
	c.Request = c.Request.WithContext(authkit.NewContext(c.Request.Context(), d.Auth))
	cfg.Loaded(c, &d)
	if write(cfg, c, &d) {
		return false
	}
	c.Set(loadedKey{}, true)
	return true
}

// RequireAuth lets only signed-in requests through: browsers are redirected
// to sign-in and API requests get 401, as the core decides. It loads the
// session itself when Middleware has not run.
func RequireAuth(kit *authkit.Client, opts ...Option) gin.HandlerFunc {
	cfg := authkit.NewAdapterConfig(opts)
	return func(c *gin.Context) {
		if cfg.Skip(c) || cfg.Public(c.Request.URL.Path) {
			return
		}
		if _, ok := c.Get(loadedKey{}); !ok && !load(kit, cfg, c) {
			return
		}
		d := kit.Require(c.Request.Context(), authkit.FromHTTPRequest(c.Request), Auth(c), cfg.Requirements()...)
		write(cfg, c, &d)
	}
}

// write writes a decision, aborting c when the response is complete; it
// reports whether it did.
func write(cfg *authkit.AdapterConfig[*gin.Context], c *gin.Context, d *authkit.Decision) bool {
	if cfg.CustomError(d) {
		d.WriteHeaders(c.Writer.Header())
		c.Abort()
		_ = cfg.HandleError(c, d) // gin's handler returns nothing
		return true
	}
	d.Write(c.Writer)
	if d.Done() {
		c.Abort()
	}
	return d.Done()
}

// serve answers c with one of the core's route handlers.
func serve(c *gin.Context, route func(context.Context, *authkit.Request) authkit.Decision) {
	d := route(c.Request.Context(), authkit.FromHTTPRequest(c.Request))
	d.Write(c.Writer)
}

// SignIn redirects to WorkOS sign-in (query: return_to, login_hint,
// organization_id).
func SignIn(kit *authkit.Client) gin.HandlerFunc {
	return func(c *gin.Context) { serve(c, kit.HandleSignIn) }
}

// SignUp redirects to WorkOS sign-up (same query as SignIn).
func SignUp(kit *authkit.Client) gin.HandlerFunc {
	return func(c *gin.Context) { serve(c, kit.HandleSignUp) }
}

// Callback completes sign-in; mount it at the path of WORKOS_REDIRECT_URI.
func Callback(kit *authkit.Client) gin.HandlerFunc {
	return func(c *gin.Context) { serve(c, kit.Callback) }
}

// SignOut ends the session (POST only by default), then WorkOS sends the
// browser to the return_to form field or query parameter when it is
// allowed (authkit.SignOutOptions), else to Config.SignOutReturnTo.
func SignOut(kit *authkit.Client) gin.HandlerFunc {
	return func(c *gin.Context) {
		serve(c, func(ctx context.Context, r *authkit.Request) authkit.Decision {
			return kit.SignOutWith(ctx, r, authkit.SignOutOptions{ReturnTo: formValue(c, authkit.ParamReturnTo)})
		})
	}
}

// SwitchOrganization switches the session to the organization_id form
// field (POST), then redirects to return_to (form body first, then query).
func SwitchOrganization(kit *authkit.Client) gin.HandlerFunc {
	return func(c *gin.Context) {
		serve(c, func(ctx context.Context, r *authkit.Request) authkit.Decision {
			return kit.SwitchOrganization(ctx, r, formValue(c, authkit.ParamOrganizationID), formValue(c, authkit.ParamReturnTo))
		})
	}
}

func formValue(c *gin.Context, key string) string { return c.DefaultPostForm(key, c.Query(key)) }
