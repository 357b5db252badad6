// Package authkitconnect is the authkit-go adapter for Connect
// (connectrpc.com/connect) handlers and clients, over the Connect, gRPC and
// gRPC-Web protocols.
//
//	kit, err := authkit.New(authkit.Config{}) // WORKOS_* from the environment
//	path, handler := greetv1connect.NewGreeterHandler(greeter{}, connect.WithInterceptors(
//		authkitconnect.NewInterceptor(kit,
//			authkitconnect.WithPublicProcedures(greetv1connect.GreeterPingProcedure),
//			authkitconnect.WithRequirements("/billing.v1.Billing/*", authkit.RequireRole("admin")),
//		)))
//
// The interceptor reads each call's Authorization header and lets the core
// verify it, exactly like the HTTP adapters' bearer tokens (same key cache,
// same checks, signed-out sessions refused). A call with a valid token
// reaches the handler with the Auth in its context (Auth(ctx) or
// authkit.FromContext). Calls are refused with connect.CodeUnauthenticated
// (no token, or an invalid one: the message is a fixed "missing token" or
// "invalid token") or connect.CodePermissionDenied (a missing role or
// permission). Every procedure requires a token unless made public.
//
// NewClientInterceptor forwards the caller's token: a call made with the
// context of a request that authkit-go authenticated carries
// Authorization: Bearer <its access token>.
package authkitconnect

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"connectrpc.com/connect"

	authkit "github.com/authkit-go/authkit/core"
)

// Option configures NewInterceptor.
type Option func(*interceptor)

// WithPublicProcedures serves the matching procedures without a token (a
// valid token still puts its Auth in the context; an invalid one is still
// refused). Patterns are procedures ("/pkg.Service/Method", the generated
// ...Procedure constants) or end in "*" ("/grpc.health.v1.Health/*").
func WithPublicProcedures(patterns ...string) Option {
	return func(i *interceptor) { i.policy.AddPublic(patterns...) }
}

// WithRequirements makes the procedures matching pattern (as for
// WithPublicProcedures; "*" is every procedure) also require roles or
// permissions (authkit.RequireRole, authkit.RequirePermission); a call
// missing one gets connect.CodePermissionDenied. Every matching option
// applies.
func WithRequirements(pattern string, reqs ...authkit.Requirement) Option {
	return func(i *interceptor) { i.policy.AddRequirements(pattern, reqs...) }
}

// Auth returns the call's Auth, or nil when anonymous (a public procedure).
func Auth(ctx context.Context) *authkit.Auth { return authkit.FromContext(ctx) }

type interceptor struct {
	kit    *authkit.Client
	policy authkit.MethodPolicy
}

// NewInterceptor returns the server-side interceptor: pass it to a
// handler constructor with connect.WithInterceptors. On clients it does
// nothing.
func NewInterceptor(kit *authkit.Client, opts ...Option) connect.Interceptor {
	i := &interceptor{kit: kit}
	for _, o := range opts {
		if o != nil {
			o(i)
		}
	}
	return i
}

func (i *interceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if req.Spec().IsClient {
			return next(ctx, req)
		}
		ctx, err := i.authorize(ctx, req.Spec().Procedure, req.Header(), req.Peer().Addr)
		if err != nil {
			return nil, err
		}
		return next(ctx, req)
	}
}

func (i *interceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (i *interceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		ctx, err := i.authorize(ctx, conn.Spec().Procedure, conn.RequestHeader(), conn.Peer().Addr)
		if err != nil {
			return err
		}
		return next(ctx, conn)
	}
}

// authorize lets the core decide the call and returns the context for the
// handler or the refusal.
func (i *interceptor) authorize(ctx context.Context, procedure string, h http.Header, addr string) (context.Context, error) {
	d := i.kit.AuthorizeCall(ctx, &i.policy, procedure, h.Values("Authorization"), addr)
	if d.Done() {
		return nil, refusal(&d)
	}
	return authkit.NewContext(ctx, d.Auth), nil
}

// refusal is the error of a refused call: a fixed message, never the token
// or the reason it was rejected (that is in d.Err, for logs).
func refusal(d *authkit.Decision) error {
	switch {
	case d.Status == http.StatusForbidden:
		return connect.NewError(connect.CodePermissionDenied, errors.New("permission denied"))
	case errors.Is(d.Err, authkit.ErrInvalidBearer):
		return connect.NewError(connect.CodeUnauthenticated, errors.New("invalid token"))
	case d.Status == http.StatusUnauthorized:
		return connect.NewError(connect.CodeUnauthenticated, errors.New("missing token"))
	}
	return connect.NewError(connect.CodeUnavailable, errors.New("authentication unavailable"))
}

// NewClientInterceptor returns the client-side interceptor: pass it to a
// client constructor with connect.WithInterceptors. Each call whose
// context carries an Auth (authkit.FromContext) and that sets no
// Authorization header itself goes out with Authorization: Bearer
// <Auth.AccessToken>. Use it only on clients of services that should
// receive the user's token. On handlers it does nothing.
func NewClientInterceptor() connect.Interceptor { return clientInterceptor{} }

type clientInterceptor struct{}

func (clientInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if req.Spec().IsClient {
			forward(ctx, req.Header())
		}
		return next(ctx, req)
	}
}

func (clientInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		return &forwardingConn{StreamingClientConn: next(ctx, spec), ctx: ctx}
	}
}

// forwardingConn adds the token when the headers go out (the first Send or
// CloseRequest), after the caller has set its own.
type forwardingConn struct {
	connect.StreamingClientConn
	ctx  context.Context
	once sync.Once
}

func (c *forwardingConn) Send(msg any) error {
	c.once.Do(func() { forward(c.ctx, c.RequestHeader()) })
	return c.StreamingClientConn.Send(msg)
}

func (c *forwardingConn) CloseRequest() error {
	c.once.Do(func() { forward(c.ctx, c.RequestHeader()) })
	return c.StreamingClientConn.CloseRequest()
}

func (clientInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

func forward(ctx context.Context, h http.Header) {
	if a := authkit.FromContext(ctx); a != nil && a.AccessToken != "" && h.Get("Authorization") == "" {
		h.Set("Authorization", "Bearer "+a.AccessToken)
	}
}
