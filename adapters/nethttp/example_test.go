package authkithttp_test

import (
	"fmt"
	"log"
	"net/http"

	authkit "github.com/authkit-go/authkit/core"

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
