package authkitconnect_test

import (
	"context"
	"log"
	"net/http"

	"connectrpc.com/connect"

	authkit "github.com/authkit-go/authkit/core"

	authkitconnect "github.com/authkit-go/authkit/adapters/connect"
)

// A Connect handler whose every procedure requires a valid access token,
// except the health check; the billing service also requires the admin
// role.
func ExampleNewInterceptor() {
	kit, err := authkit.New(authkit.Config{}) // WORKOS_* from the environment
	if err != nil {
		log.Fatal(err)
	}
	auth := connect.WithInterceptors(authkitconnect.NewInterceptor(kit,
		authkitconnect.WithPublicProcedures("/grpc.health.v1.Health/*"),
		authkitconnect.WithRequirements("/billing.v1.Billing/*", authkit.RequireRole("admin")),
	))
	mux := http.NewServeMux()
	// mux.Handle(greetv1connect.NewGreeterHandler(greeter{}, auth)) — handlers read authkitconnect.Auth(ctx).
	_ = auth
	log.Fatal(http.ListenAndServe(":8081", mux))
}

// Auth reads the caller's identity in a handler.
func ExampleAuth() {
	whoAmI := func(ctx context.Context) (string, error) {
		a := authkitconnect.Auth(ctx) // nil only on a public procedure called without a token
		return a.User.ID + " in " + a.OrganizationID, nil
	}
	_ = whoAmI
}

// A client that forwards the signed-in user's token: call it with the
// context of a request authkit-go authenticated (an HTTP handler behind an
// adapter's Middleware, or another Connect handler).
func ExampleNewClientInterceptor() {
	opts := connect.WithInterceptors(authkitconnect.NewClientInterceptor())
	// client := greetv1connect.NewGreeterClient(http.DefaultClient, "http://greeter.internal:8081", opts)
	// resp, err := client.WhoAmI(r.Context(), connect.NewRequest(&greetv1.WhoAmIRequest{}))
	_ = opts
}
