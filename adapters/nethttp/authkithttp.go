// Package authkithttp is the authkit-go adapter for net/http, chi and
// anything http.Handler-shaped.
//
//	kit, err := authkit.New(authkit.Config{})            // WORKOS_* from the environment
//	mux.Handle("GET /callback", authkithttp.Callback(kit))
//	handler := authkithttp.Middleware(kit)(mux)
//
// Middleware loads the session on every request (refreshing it when due)
// and puts the Auth in the request's context: read it with Auth(r) or
// authkit.FromContext(ctx). RequireAuth guards routes. An Authorization:
// Bearer header, when present, wins over the session cookie.
package authkithttp

import (
	"context"
	"net/http"
	"time"

	authkit "github.com/authkit-go/authkit/core"
)

// Option configures Middleware and RequireAuth.
type Option = authkit.AdapterOption[*http.Request]

// WithSkipper skips requests for which skip returns true.
func WithSkipper(skip func(*http.Request) bool) Option { return authkit.WithSkipper(skip) }

// WithErrorHandler writes refused requests' responses (401, 403, ...)
// instead of the default ones.
func WithErrorHandler(h func(w http.ResponseWriter, r *http.Request, d *authkit.Decision)) Option {
	return authkit.WithErrorHandler(func(r *http.Request, d *authkit.Decision) error {
		h(r.Context().Value(writerKey{}).(http.ResponseWriter), r, d)
		return nil
	})
}

// WithPublicPaths lets RequireAuth through for these paths ("/health",
// "/public/*").
func WithPublicPaths(patterns ...string) Option {
	return authkit.WithPublicPaths[*http.Request](patterns...)
}

// WithRole makes RequireAuth require role (403 otherwise).
func WithRole(role string) Option {
	return authkit.WithRequirements[*http.Request](authkit.RequireRole(role))
}

// WithPermission makes RequireAuth require permission (403 otherwise).
func WithPermission(permission string) Option {
	return authkit.WithRequirements[*http.Request](authkit.RequirePermission(permission))
}

// WithRecentAuth makes RequireAuth require a sign-in within maxAge
// (authkit.RequireRecentAuth): older sessions sign in again with max_age.
func WithRecentAuth(maxAge time.Duration) Option {
	return authkit.WithRequirements[*http.Request](authkit.RequireRecentAuth(maxAge))
}

// WithOnRefresh is called on each request whose session was refreshed.
func WithOnRefresh(f func(*http.Request, *authkit.Auth)) Option { return authkit.WithOnRefresh(f) }

// WithOnRefreshError is called on each request whose session refresh failed.
func WithOnRefreshError(f func(*http.Request, error)) Option { return authkit.WithOnRefreshError(f) }

type writerKey struct{}

// Auth returns the request's Auth, or nil when signed out.
func Auth(r *http.Request) *authkit.Auth { return authkit.FromContext(r.Context()) }

// AccessToken returns the request's verified access token, for calling
// other APIs, or "" when signed out.
func AccessToken(r *http.Request) string {
	if a := Auth(r); a != nil {
		return a.AccessToken
	}
	return ""
}

type loadedKey struct{}

// Middleware loads the session of every request.
func Middleware(kit *authkit.Client, opts ...Option) func(http.Handler) http.Handler {
	cfg := authkit.NewAdapterConfig(opts)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if cfg.Skip(r) {
				next.ServeHTTP(w, r)
				return
			}
			if r, ok := load(kit, cfg, w, r); ok {
				next.ServeHTTP(w, r)
			}
		})
	}
}

// load runs the core's Load and writes its decision; ok is false when the
// response has been written.
func load(kit *authkit.Client, cfg *authkit.AdapterConfig[*http.Request], w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	d := kit.Load(r.Context(), authkit.FromHTTPRequest(r))
	ctx := authkit.NewContext(r.Context(), d.Auth)
	r = r.WithContext(ctx)
	cfg.Loaded(r, &d)
	if write(cfg, w, r, &d) {
		return r, false
	}
	return r.WithContext(context.WithValue(ctx, loadedKey{}, true)), true
}

// RequireAuth lets only signed-in requests through: browsers are redirected
// to sign-in and API requests get 401, as the core decides. It loads the
// session itself when Middleware has not run.
func RequireAuth(kit *authkit.Client, opts ...Option) func(http.Handler) http.Handler {
	cfg := authkit.NewAdapterConfig(opts)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if cfg.Skip(r) || cfg.Public(r.URL.Path) {
				next.ServeHTTP(w, r)
				return
			}
			if r.Context().Value(loadedKey{}) == nil {
				var ok bool
				if r, ok = load(kit, cfg, w, r); !ok {
					return
				}
			}
			d := kit.Require(r.Context(), authkit.FromHTTPRequest(r), Auth(r), cfg.Requirements()...)
			if !write(cfg, w, r, &d) {
				next.ServeHTTP(w, r)
			}
		})
	}
}

// write writes a decision; it reports whether the response is complete.
func write(cfg *authkit.AdapterConfig[*http.Request], w http.ResponseWriter, r *http.Request, d *authkit.Decision) bool {
	if cfg.CustomError(d) {
		d.WriteHeaders(w.Header())
		_ = cfg.HandleError(r.WithContext(context.WithValue(r.Context(), writerKey{}, w)), d) // never fails
		return true
	}
	d.Write(w)
	return d.Done()
}

// serve answers r with one of the core's route handlers.
func serve(w http.ResponseWriter, r *http.Request, route func(context.Context, *authkit.Request) authkit.Decision) {
	d := route(r.Context(), authkit.FromHTTPRequest(r))
	d.Write(w)
}

// SignIn redirects to WorkOS sign-in (query: return_to, login_hint,
// organization_id).
func SignIn(kit *authkit.Client) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serve(w, r, kit.HandleSignIn) })
}

// SignUp redirects to WorkOS sign-up (same query as SignIn).
func SignUp(kit *authkit.Client) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serve(w, r, kit.HandleSignUp) })
}

// Callback completes sign-in; mount it at the path of WORKOS_REDIRECT_URI.
func Callback(kit *authkit.Client) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serve(w, r, kit.Callback) })
}

// SignOut ends the session (POST only by default), then WorkOS sends the
// browser to the return_to form field or query parameter when it is
// allowed (authkit.SignOutOptions), else to Config.SignOutReturnTo.
func SignOut(kit *authkit.Client) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serve(w, r, func(ctx context.Context, req *authkit.Request) authkit.Decision {
			return kit.SignOutWith(ctx, req, authkit.SignOutOptions{ReturnTo: r.FormValue(authkit.ParamReturnTo)})
		})
	})
}

// SwitchOrganization switches the session to the organization_id form
// field (POST), then redirects to return_to.
func SwitchOrganization(kit *authkit.Client) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serve(w, r, func(ctx context.Context, req *authkit.Request) authkit.Decision {
			return kit.SwitchOrganization(ctx, req, r.FormValue(authkit.ParamOrganizationID), r.FormValue(authkit.ParamReturnTo))
		})
	})
}
