package authkitgrpc_test

import (
	"context"
	"log"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	authkit "github.com/authkit-go/authkit/core"

	authkitgrpc "github.com/authkit-go/authkit/adapters/grpc"
)

// A gRPC server whose every method requires a valid access token, except
// the health service; the billing service also requires the admin role.
func ExampleServerOptions() {
	kit, err := authkit.New(authkit.Config{}) // WORKOS_* from the environment
	if err != nil {
		log.Fatal(err)
	}
	srv := grpc.NewServer(authkitgrpc.ServerOptions(kit,
		authkitgrpc.WithPublicMethods("/grpc.health.v1.Health/*"),
		authkitgrpc.WithRequirements("/billing.v1.Billing/*", authkit.RequireRole("admin")),
	)...)
	// pb.RegisterGreeterServer(srv, greeter{}) — handlers read authkitgrpc.Auth(ctx).
	lis, err := net.Listen("tcp", ":9090")
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(srv.Serve(lis))
}

// Auth reads the caller's identity in a handler.
func ExampleAuth() {
	whoAmI := func(ctx context.Context) (string, error) {
		a := authkitgrpc.Auth(ctx) // nil only on a public method called without a token
		return a.User.ID + " in " + a.OrganizationID, nil
	}
	_ = whoAmI
}

// A client connection that forwards the signed-in user's token: call it
// with the context of a request authkit-go authenticated (an HTTP handler
// behind an adapter's Middleware, or another gRPC handler).
func ExampleDialOptions() {
	conn, err := grpc.NewClient("greeter.internal:9090",
		append(authkitgrpc.DialOptions(), grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	// pb.NewGreeterClient(conn).WhoAmI(r.Context(), &pb.WhoAmIRequest{})
}
