package authkithttp_test

import (
	"io"
	"net/http"
	"testing"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/conformance"

	authkithttp "github.com/authkit-go/authkit/adapters/nethttp"
)

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Harness{
		Name:   "nethttp",
		Parity: true,
		New: func(t *testing.T, kit *authkit.Client) conformance.Server {
			return conformance.ServeHTTP(t, newApp(kit))
		},
		NewWithOptions: func(t *testing.T, kit *authkit.Client, mw, req conformance.Options) conformance.Server {
			guard := authkithttp.RequireAuth(kit, conformance.Translate(t, req, translator)...)(http.HandlerFunc(report))
			mux := http.NewServeMux()
			mux.HandleFunc("GET "+conformance.PathPublic+"{$}", report)
			mux.Handle("GET "+conformance.PathProtected, guard)
			mux.Handle("GET "+conformance.PathProtected+"/", guard)
			mux.Handle(conformance.PathSignIn, authkithttp.SignIn(kit))
			mux.Handle(conformance.PathCallback, authkithttp.Callback(kit))
			if mw.NoMiddleware {
				return conformance.ServeHTTP(t, mux)
			}
			return conformance.ServeHTTP(t, authkithttp.Middleware(kit, conformance.Translate(t, mw, translator)...)(mux))
		},
	})
}

// translator turns the suite's options into net/http's.
var translator = conformance.Translator[authkithttp.Option]{
	Skipper: authkithttp.WithSkipper,
	ErrorHandler: func(h func(*authkit.Decision) (int, string)) authkithttp.Option {
		return authkithttp.WithErrorHandler(func(w http.ResponseWriter, _ *http.Request, d *authkit.Decision) {
			status, body := h(d)
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		})
	},
	PublicPaths: authkithttp.WithPublicPaths,
	Role:        authkithttp.WithRole,
	Permission:  authkithttp.WithPermission,
	OnRefresh: func(f func(refreshed, current *authkit.Auth)) authkithttp.Option {
		return authkithttp.WithOnRefresh(func(r *http.Request, a *authkit.Auth) { f(a, authkithttp.Auth(r)) })
	},
	OnRefreshError: func(f func(error)) authkithttp.Option {
		return authkithttp.WithOnRefreshError(func(_ *http.Request, err error) { f(err) })
	},
}

// report answers the suite's JSON Body.
func report(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(conformance.Body(authkithttp.Auth(r), authkit.FromContext(r.Context()), authkithttp.AccessToken(r)))
}

func newApp(kit *authkit.Client) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+conformance.PathPublic+"{$}", report)
	mux.Handle("GET "+conformance.PathProtected, authkithttp.RequireAuth(kit)(http.HandlerFunc(report)))
	mux.Handle("GET "+conformance.PathAPI, authkithttp.RequireAuth(kit)(http.HandlerFunc(report)))
	mux.Handle("GET "+conformance.PathAdmin, authkithttp.RequireAuth(kit, authkithttp.WithRole("admin"))(http.HandlerFunc(report)))
	mux.Handle(conformance.PathSignIn, authkithttp.SignIn(kit))
	mux.Handle(conformance.PathSignUp, authkithttp.SignUp(kit))
	mux.Handle(conformance.PathCallback, authkithttp.Callback(kit))
	mux.Handle(conformance.PathSignOut, authkithttp.SignOut(kit))
	mux.Handle(conformance.PathSwitchOrganization, authkithttp.SwitchOrganization(kit))
	mux.Handle("GET "+conformance.PathRecent, authkithttp.RequireAuth(kit, authkithttp.WithRecentAuth(conformance.RecentAuthMaxAge))(http.HandlerFunc(report)))
	parity := conformance.ParityHandler(kit)
	mux.HandleFunc(conformance.PathParity+"/", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		d := parity(r.Context(), authkit.FromHTTPRequest(r), r.PostForm)
		d.Write(w)
	})
	return authkithttp.Middleware(kit)(mux)
}
