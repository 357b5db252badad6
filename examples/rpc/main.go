// Command rpc is the authkit-go example of a web app calling an RPC service
// with the signed-in user's token, both sides verified: the web app
// (net/http, authkithttp) signs users in; its GET /api/whoami calls the
// Greeter service over Connect and over gRPC with the caller's access
// token, and the service's interceptors (authkitconnect, authkitgrpc)
// verify it and answer who is calling.
//
//	go run ./rpc            # built-in WorkOS emulator on http://localhost:8080
//
// Set WORKOS_CLIENT_ID, WORKOS_API_KEY, WORKOS_REDIRECT_URI and
// WORKOS_COOKIE_PASSWORD to use a real WorkOS environment.
package main

import (
	"context"
	"encoding/json"
	"html/template"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"connectrpc.com/connect"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	authkitconnect "github.com/authkit-go/authkit/adapters/connect"
	authkitgrpc "github.com/authkit-go/authkit/adapters/grpc"
	authkithttp "github.com/authkit-go/authkit/adapters/nethttp"
	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/dev"

	"github.com/authkit-go/authkit/examples/internal/demo"
	greetv1 "github.com/authkit-go/authkit/examples/rpc/gen/greet/v1"
	"github.com/authkit-go/authkit/examples/rpc/gen/greet/v1/greetv1connect"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, demo.FromFlags(), nil); err != nil {
		log.Fatal(err)
	}
}

// run serves the web app and the Greeter until ctx ends; ready gets the
// web app's base URL once it is up.
func run(ctx context.Context, opts demo.Options, ready func(baseURL string)) error {
	site, err := demo.Listen(opts)
	if err != nil {
		return err
	}
	kit, emu, err := dev.New(authkit.Config{
		RedirectURI:     site.RedirectURI(),
		IsAPIRequest:    demo.IsAPIRequest,
		Clock:           opts.Clock,
		Getenv:          opts.Getenv,
		SignOutReturnTo: site.SignOutReturnTo(),
	}, site.Emulator()...)
	if err != nil {
		site.Close()
		return err
	}
	svc, err := startGreeter(kit)
	if err != nil {
		site.Close()
		return err
	}
	defer svc.Close()
	app, closeApp, err := newApp(kit, svc)
	if err != nil {
		site.Close()
		return err
	}
	defer closeApp()
	return site.Serve(ctx, app, emu, ready)
}

// WhoAmI is what GET /api/whoami answers: the Greeter's answer over each
// transport.
type WhoAmI struct {
	Connect *Identity `json:"connect"`
	GRPC    *Identity `json:"grpc"`
}

// Identity is one Greeter answer.
type Identity struct {
	UserID         string `json:"userId"`
	OrganizationID string `json:"organizationId"`
	Role           string `json:"role"`
	SessionID      string `json:"sessionId"`
}

func identity(r *greetv1.WhoAmIResponse) *Identity {
	return &Identity{UserID: r.GetUserId(), OrganizationID: r.GetOrganizationId(), Role: r.GetRole(), SessionID: r.GetSessionId()}
}

var home = template.Must(template.New("home").Parse(`<!doctype html>
<title>authkit-go RPC example</title>
{{if .}}<p>Signed in as {{.User.Email}}. <a href="/api/whoami">Ask the Greeter who I am</a> (over Connect and gRPC, with my access token).</p>
<form method="post" action="/sign-out"><button>Sign out</button></form>
{{else}}<p><a href="/sign-in">Sign in</a> or <a href="/sign-up">sign up</a>.</p>{{end}}`))

// newApp is the web app: the authkithttp routes, and /api/whoami, which
// calls the Greeter with clients that forward the caller's token.
func newApp(kit *authkit.Client, svc *greeter) (http.Handler, func(), error) {
	// The Connect client forwards the token with its interceptor
	// (authkit.Transport on its http.Client would do the same).
	connectClient := greetv1connect.NewGreeterClient(http.DefaultClient, svc.ConnectURL,
		connect.WithInterceptors(authkitconnect.NewClientInterceptor()))
	// The gRPC client forwards it with its interceptors. Use TLS
	// credentials beyond loopback: the token is a credential.
	conn, err := grpc.NewClient(svc.GRPCAddr, append(authkitgrpc.DialOptions(),
		grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		return nil, nil, err
	}
	grpcClient := greetv1.NewGreeterClient(conn)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		_ = home.Execute(w, authkithttp.Auth(r))
	})
	mux.Handle("GET /api/whoami", authkithttp.RequireAuth(kit)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// r.Context() carries the caller's Auth: both clients send its token.
		viaConnect, err := connectClient.WhoAmI(r.Context(), connect.NewRequest(&greetv1.WhoAmIRequest{}))
		if err != nil {
			http.Error(w, "greeter (connect): "+err.Error(), http.StatusBadGateway)
			return
		}
		viaGRPC, err := grpcClient.WhoAmI(r.Context(), &greetv1.WhoAmIRequest{})
		if err != nil {
			http.Error(w, "greeter (grpc): "+err.Error(), http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(WhoAmI{Connect: identity(viaConnect.Msg), GRPC: identity(viaGRPC)})
	})))
	mux.Handle("GET /sign-in", authkithttp.SignIn(kit))
	mux.Handle("GET /sign-up", authkithttp.SignUp(kit))
	mux.Handle("GET "+kit.CallbackPath(), authkithttp.Callback(kit))
	mux.Handle("POST /sign-out", authkithttp.SignOut(kit))
	return authkithttp.Middleware(kit)(mux), func() { _ = conn.Close() }, nil
}
