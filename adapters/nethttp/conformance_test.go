package authkithttp_test

import (
	"net/http"
	"testing"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/conformance"

	authkithttp "github.com/authkit-go/authkit/adapters/nethttp"
)

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Harness{
		Name: "nethttp",
		New: func(t *testing.T, kit *authkit.Client) conformance.Server {
			return conformance.ServeHTTP(t, newApp(kit))
		},
	})
}

func newApp(kit *authkit.Client) http.Handler {
	report := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(conformance.Body(authkithttp.Auth(r), authkit.FromContext(r.Context()), authkithttp.AccessToken(r)))
	}
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
	return authkithttp.Middleware(kit)(mux)
}
