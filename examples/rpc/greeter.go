package main

import (
	"context"
	"net"
	"net/http"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/grpc"

	authkitconnect "github.com/authkit-go/authkit/adapters/connect"
	authkitgrpc "github.com/authkit-go/authkit/adapters/grpc"
	authkit "github.com/authkit-go/authkit/core"

	greetv1 "github.com/authkit-go/authkit/examples/rpc/gen/greet/v1"
	"github.com/authkit-go/authkit/examples/rpc/gen/greet/v1/greetv1connect"
)

// whoAmI is the Greeter's one method: the caller, as the interceptor
// verified it. Every Greeter method requires a token, so Auth is set.
func whoAmI(ctx context.Context) *greetv1.WhoAmIResponse {
	a := authkit.FromContext(ctx)
	return &greetv1.WhoAmIResponse{UserId: a.User.ID, OrganizationId: a.OrganizationID, Role: a.Role, SessionId: a.SessionID}
}

type connectGreeter struct{}

func (connectGreeter) WhoAmI(ctx context.Context, _ *connect.Request[greetv1.WhoAmIRequest]) (*connect.Response[greetv1.WhoAmIResponse], error) {
	return connect.NewResponse(whoAmI(ctx)), nil
}

type grpcGreeter struct {
	greetv1.UnimplementedGreeterServer
}

func (grpcGreeter) WhoAmI(ctx context.Context, _ *greetv1.WhoAmIRequest) (*greetv1.WhoAmIResponse, error) {
	return whoAmI(ctx), nil
}

// greeter is the Greeter service served twice, as a Connect handler and as
// a gRPC server, each on its own loopback listener. In production it is
// another program, with its own authkit.Client for the same WorkOS client
// ID (only the client ID matters for verifying tokens).
type greeter struct {
	ConnectURL string // http://127.0.0.1:port
	GRPCAddr   string // 127.0.0.1:port

	http *http.Server
	grpc *grpc.Server
}

// startGreeter starts the Greeter service behind the authkit interceptors.
func startGreeter(kit *authkit.Client) (*greeter, error) {
	connectLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	grpcLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = connectLn.Close()
		return nil, err
	}
	g := &greeter{ConnectURL: "http://" + connectLn.Addr().String(), GRPCAddr: grpcLn.Addr().String()}

	// Connect: the interceptor on the handler. The server also speaks
	// unencrypted HTTP/2, for Connect clients using the gRPC protocol.
	mux := http.NewServeMux()
	mux.Handle(greetv1connect.NewGreeterHandler(connectGreeter{},
		connect.WithInterceptors(authkitconnect.NewInterceptor(kit))))
	g.http = &http.Server{Handler: mux, Protocols: new(http.Protocols), ReadHeaderTimeout: 10 * time.Second}
	g.http.Protocols.SetHTTP1(true)
	g.http.Protocols.SetUnencryptedHTTP2(true)
	go func() { _ = g.http.Serve(connectLn) }()

	// gRPC: the interceptors as server options.
	g.grpc = grpc.NewServer(authkitgrpc.ServerOptions(kit)...)
	greetv1.RegisterGreeterServer(g.grpc, grpcGreeter{})
	go func() { _ = g.grpc.Serve(grpcLn) }()
	return g, nil
}

// Close stops both servers.
func (g *greeter) Close() {
	g.grpc.Stop()
	_ = g.http.Close()
}
