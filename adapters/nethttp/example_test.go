package authkithttp_test

import (
	"fmt"
	"html"
	"log"
	"net/http"
	"time"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/workos"

	authkithttp "github.com/authkit-go/authkit/adapters/nethttp"
)

// The whole setup: the middleware around the mux, the sign-in routes, and a
// protected page.
func ExampleMiddleware() {
	kit, err := authkit.New(authkit.Config{}) // WORKOS_* from the environment
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /sign-in", authkithttp.SignIn(kit))
	mux.Handle("GET /callback", authkithttp.Callback(kit))
	mux.Handle("POST /sign-out", authkithttp.SignOut(kit))
	mux.Handle("POST /switch-organization", authkithttp.SwitchOrganization(kit))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		if a := authkithttp.Auth(r); a != nil {
			fmt.Fprintf(w, "Hello, %s\n", a.User.Name())
			return
		}
		fmt.Fprintln(w, `<a href="/sign-in">Sign in</a>`)
	})
	log.Fatal(http.ListenAndServe(":8080", authkithttp.Middleware(kit)(mux)))
}

// RequireAuth guards a handler; options add role or permission checks.
func ExampleRequireAuth() {
	kit, err := authkit.New(authkit.Config{})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	account := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, authkithttp.Auth(r).User.Email)
	})
	mux.Handle("GET /account", authkithttp.RequireAuth(kit)(account))
	mux.Handle("GET /admin", authkithttp.RequireAuth(kit, authkithttp.WithRole("admin"))(account))
	mux.Handle("GET /reports", authkithttp.RequireAuth(kit, authkithttp.WithPermission("reports:read"))(account))
	_ = authkithttp.Middleware(kit)(mux)
}

// AccessToken returns the verified access token, to call other APIs as the
// user.
func ExampleAccessToken() {
	handler := func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, "https://api.example.com/reports", nil)
		req.Header.Set("Authorization", "Bearer "+authkithttp.AccessToken(r))
		// ... http.DefaultClient.Do(req)
	}
	_ = handler
}

// Handlers call the client directly with authkit.FromHTTPRequest(r) and
// write the Decision: refresh now (into another organization), save a
// session from the app's own password page, link to sign-in with options,
// guard a sensitive page with a recent sign-in, accept WorkOS API keys.
func Example_handlers() {
	kit, err := authkit.New(authkit.Config{AcceptAPIKeys: true}) // Bearer <WorkOS API key> on API routes
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /refresh", func(w http.ResponseWriter, r *http.Request) {
		d := kit.Refresh(r.Context(), authkit.FromHTTPRequest(r), authkit.RefreshOptions{OrganizationID: r.FormValue("organization_id")})
		d.Write(w) // the new session cookie
		if d.Err != nil {
			http.Error(w, "could not refresh", http.StatusConflict)
			return
		}
		fmt.Fprintln(w, d.Auth.Role)
	})
	mux.HandleFunc("POST /password-sign-in", func(w http.ResponseWriter, r *http.Request) {
		resp, err := kit.WorkOS().AuthenticateWithPassword(r.Context(), workos.PasswordParams{Email: r.FormValue("email"), Password: r.FormValue("password")})
		if err != nil {
			http.Error(w, "wrong email or password", http.StatusUnauthorized)
			return
		}
		d := kit.SaveSession(r.Context(), authkit.FromHTTPRequest(r), resp)
		d.Write(w)
		http.Redirect(w, r, "/account", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		link, _ := kit.SignInURL(authkit.SignInOptions{ReturnTo: "/account", LoginHint: "ada@example.com", MaxAge: time.Hour})
		fmt.Fprintf(w, `<a href="%s">Sign in</a>`, html.EscapeString(link))
	})
	mux.HandleFunc("GET /organizations", func(w http.ResponseWriter, r *http.Request) {
		orgs, err := kit.OrganizationMemberships(r.Context(), authkithttp.Auth(r))
		if err != nil {
			http.Error(w, "unavailable", http.StatusBadGateway)
			return
		}
		for _, m := range orgs {
			fmt.Fprintln(w, m.OrganizationName)
		}
	})
	settings := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "settings") })
	mux.Handle("GET /settings/security", authkithttp.RequireAuth(kit, authkithttp.WithRecentAuth(10*time.Minute))(settings))
	_ = authkithttp.Middleware(kit)(mux)
}
