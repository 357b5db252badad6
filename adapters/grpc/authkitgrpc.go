// Package authkitgrpc is the authkit-go adapter for gRPC servers and clients
// (google.golang.org/grpc).
//
//	kit, err := authkit.New(authkit.Config{}) // WORKOS_* from the environment
//	srv := grpc.NewServer(authkitgrpc.ServerOptions(kit,
//		authkitgrpc.WithPublicMethods("/grpc.health.v1.Health/*"),
//		authkitgrpc.WithRequirements("/billing.v1.Billing/*", authkit.RequireRole("admin")),
//	)...)
//
// The server interceptors read the authorization metadata of each call and
// let the core verify it, exactly like an Authorization: Bearer header
// (same key cache, same checks, signed-out sessions refused). A call with
// a valid token reaches the handler with the Auth in its context (Auth(ctx)
// or authkit.FromContext). Calls are refused with codes.Unauthenticated
// (no token, or an invalid one: the message is a fixed "missing token" or
// "invalid token") or codes.PermissionDenied (a missing role or
// permission). Every method requires a token unless made public.
//
// The client interceptors forward the caller's token: a gRPC call made
// with the context of a request that authkit-go authenticated carries
// authorization: Bearer <its access token>.
package authkitgrpc

import (
	"context"
	"errors"
	"net/http"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	authkit "github.com/authkit-go/authkit/core"
)

// Option configures the server interceptors.
type Option func(*config)

type config struct{ policy authkit.MethodPolicy }

// WithPublicMethods serves the matching methods without a token (a valid
// token still puts its Auth in the context; an invalid one is still
// refused). Patterns are full method names ("/pkg.Service/Method") or end
// in "*" ("/grpc.health.v1.Health/*").
func WithPublicMethods(patterns ...string) Option {
	return func(c *config) { c.policy.AddPublic(patterns...) }
}

// WithRequirements makes the methods matching pattern (as for
// WithPublicMethods; "*" is every method) also require roles or
// permissions (authkit.RequireRole, authkit.RequirePermission); a call
// missing one gets codes.PermissionDenied. Every matching option applies.
func WithRequirements(pattern string, reqs ...authkit.Requirement) Option {
	return func(c *config) { c.policy.AddRequirements(pattern, reqs...) }
}

func newConfig(opts []Option) *config {
	c := &config{}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	return c
}

// Auth returns the call's Auth, or nil when anonymous (a public method).
func Auth(ctx context.Context) *authkit.Auth { return authkit.FromContext(ctx) }

// authorize lets the core decide the call and returns the context for the
// handler or the refusal.
func (c *config) authorize(ctx context.Context, kit *authkit.Client, method string) (context.Context, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	addr := ""
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		addr = p.Addr.String()
	}
	d := kit.AuthorizeCall(ctx, &c.policy, method, md.Get("authorization"), addr)
	if d.Done() {
		return nil, refusal(&d)
	}
	return authkit.NewContext(ctx, d.Auth), nil
}

// refusal is the status of a refused call: a fixed message, never the
// token or the reason it was rejected (that is in d.Err, for logs).
func refusal(d *authkit.Decision) error {
	switch {
	case d.Status == http.StatusForbidden:
		return status.Error(codes.PermissionDenied, "permission denied")
	case errors.Is(d.Err, authkit.ErrInvalidBearer):
		return status.Error(codes.Unauthenticated, "invalid token")
	case d.Status == http.StatusUnauthorized:
		return status.Error(codes.Unauthenticated, "missing token")
	}
	return status.Error(codes.Unavailable, "authentication unavailable")
}

// UnaryServerInterceptor authenticates unary calls.
func UnaryServerInterceptor(kit *authkit.Client, opts ...Option) grpc.UnaryServerInterceptor {
	c := newConfig(opts)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, err := c.authorize(ctx, kit, info.FullMethod)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// StreamServerInterceptor authenticates streaming calls when they open.
func StreamServerInterceptor(kit *authkit.Client, opts ...Option) grpc.StreamServerInterceptor {
	c := newConfig(opts)
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, err := c.authorize(ss.Context(), kit, info.FullMethod)
		if err != nil {
			return err
		}
		return handler(srv, &serverStream{ServerStream: ss, ctx: ctx})
	}
}

type serverStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *serverStream) Context() context.Context { return s.ctx }

// ServerOptions returns both server interceptors as grpc.NewServer
// options.
func ServerOptions(kit *authkit.Client, opts ...Option) []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(UnaryServerInterceptor(kit, opts...)),
		grpc.ChainStreamInterceptor(StreamServerInterceptor(kit, opts...)),
	}
}

// forward adds the caller's access token to the outgoing metadata, unless
// the call sets authorization itself or ctx has no Auth.
func forward(ctx context.Context) context.Context {
	a := authkit.FromContext(ctx)
	if a == nil || a.AccessToken == "" {
		return ctx
	}
	if md, ok := metadata.FromOutgoingContext(ctx); ok && len(md.Get("authorization")) > 0 {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+a.AccessToken)
}

// UnaryClientInterceptor forwards the caller's access token
// (authkit.FromContext(ctx).AccessToken) as authorization: Bearer on
// unary calls. Use it only on connections to services that should receive
// the user's token.
func UnaryClientInterceptor() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return invoker(forward(ctx), method, req, reply, cc, opts...)
	}
}

// StreamClientInterceptor forwards the caller's access token on streaming
// calls, as UnaryClientInterceptor does.
func StreamClientInterceptor() grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		return streamer(forward(ctx), desc, cc, method, opts...)
	}
}

// DialOptions returns both client interceptors as grpc.NewClient options.
func DialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(UnaryClientInterceptor()),
		grpc.WithChainStreamInterceptor(StreamClientInterceptor()),
	}
}
