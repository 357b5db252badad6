package conformance

// The adapter options (authkit.AdapterConfig: skipper, error handler,
// public paths, requirements, refresh hooks), described without naming a
// framework so that one set of checks runs against every adapter.

import (
	"net/http"
	"testing"

	authkit "github.com/authkit-go/authkit/core"
)

// Options describes the options of an adapter's Middleware or RequireAuth
// without naming its framework. Harness.NewWithOptions translates each one
// that is set into the adapter's own Option (Translate helps); unset ones
// are left out.
type Options struct {
	// NoMiddleware, on the Middleware options, builds the app without the
	// adapter's Middleware: RequireAuth then loads the session itself.
	NoMiddleware bool
	// Skip is the skipper (WithSkipper). The harness calls it with the
	// request as net/http would see it: method, URL (path and query) and
	// headers.
	Skip func(*http.Request) bool
	// ErrorHandler is the custom error handler (WithErrorHandler): it
	// returns the status and body the adapter's handler must write, in the
	// framework's idiom, and nothing else.
	ErrorHandler func(d *authkit.Decision) (status int, body string)
	// PublicPaths are RequireAuth's public paths (WithPublicPaths).
	PublicPaths []string
	// Role and Permission are RequireAuth requirements (WithRole,
	// WithPermission).
	Role, Permission string
	// OnRefresh is the refresh hook (WithOnRefresh). The harness calls it
	// with the Auth the hook received and the one the adapter's Auth
	// accessor returns at that moment (the suite checks they are the same).
	OnRefresh func(refreshed, current *authkit.Auth)
	// OnRefreshError is the refresh-error hook (WithOnRefreshError).
	OnRefreshError func(error)
}

// Translator turns each kind of Options field into an adapter's Option
// type O. A field left nil is an option the adapter lacks: Translate fails
// the test when the suite sets it.
//
//	conformance.Translator[authkitgin.Option]{
//		Skipper: func(skip func(*http.Request) bool) authkitgin.Option {
//			return authkitgin.WithSkipper(func(c *gin.Context) bool { return skip(c.Request) })
//		},
//		PublicPaths: authkitgin.WithPublicPaths,
//		Role:        authkitgin.WithRole,
//		...
//	}
type Translator[O any] struct {
	Skipper        func(skip func(*http.Request) bool) O
	ErrorHandler   func(h func(*authkit.Decision) (status int, body string)) O
	PublicPaths    func(patterns ...string) O
	Role           func(role string) O
	Permission     func(permission string) O
	OnRefresh      func(f func(refreshed, current *authkit.Auth)) O
	OnRefreshError func(f func(error)) O
}

// Translate returns the adapter's options for the fields of o that are set
// (NoMiddleware is the harness's to read), calling tr's matching func for
// each.
func Translate[O any](t testing.TB, o Options, tr Translator[O]) []O {
	t.Helper()
	var out []O
	lacks := func(name string) { t.Fatalf("conformance: the harness's Translator has no %s", name) }
	if o.Skip != nil {
		if tr.Skipper == nil {
			lacks("Skipper")
		}
		out = append(out, tr.Skipper(o.Skip))
	}
	if o.ErrorHandler != nil {
		if tr.ErrorHandler == nil {
			lacks("ErrorHandler")
		}
		out = append(out, tr.ErrorHandler(o.ErrorHandler))
	}
	if len(o.PublicPaths) > 0 {
		if tr.PublicPaths == nil {
			lacks("PublicPaths")
		}
		out = append(out, tr.PublicPaths(o.PublicPaths...))
	}
	if o.Role != "" {
		if tr.Role == nil {
			lacks("Role")
		}
		out = append(out, tr.Role(o.Role))
	}
	if o.Permission != "" {
		if tr.Permission == nil {
			lacks("Permission")
		}
		out = append(out, tr.Permission(o.Permission))
	}
	if o.OnRefresh != nil {
		if tr.OnRefresh == nil {
			lacks("OnRefresh")
		}
		out = append(out, tr.OnRefresh(o.OnRefresh))
	}
	if o.OnRefreshError != nil {
		if tr.OnRefreshError == nil {
			lacks("OnRefreshError")
		}
		out = append(out, tr.OnRefreshError(o.OnRefreshError))
	}
	return out
}
