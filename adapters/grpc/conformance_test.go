package authkitgrpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/conformance"

	authkitgrpc "github.com/authkit-go/authkit/adapters/grpc"
)

// The probe service, described by hand (no generated code): each of the
// suite's calls as a unary and a server-streaming method, answering the
// Auth its handler sees as JSON in a StringValue.
const service = "authkit.test.Probe"

var methods = map[conformance.Access]string{
	conformance.AccessPublic:    "Public",
	conformance.AccessProtected: "Protected",
	conformance.AccessAdmin:     "Admin",
}

type probe struct {
	Identity    *conformance.Summary `json:"identity"`
	AccessToken string               `json:"accessToken"`
}

func report(ctx context.Context) *wrapperspb.StringValue {
	p := probe{}
	if a := authkitgrpc.Auth(ctx); a != nil {
		p.Identity = &conformance.Summary{
			UserID: a.User.ID, Email: a.User.Email, SessionID: a.SessionID, OrganizationID: a.OrganizationID,
			Role: a.Role, Permissions: a.Permissions, Source: string(a.Source),
		}
		p.AccessToken = a.AccessToken
	}
	b, _ := json.Marshal(p)
	return wrapperspb.String(string(b))
}

func serviceDesc() *grpc.ServiceDesc {
	desc := &grpc.ServiceDesc{ServiceName: service, HandlerType: (*any)(nil)}
	for _, name := range methods {
		desc.Methods = append(desc.Methods, grpc.MethodDesc{
			MethodName: name,
			Handler: func(_ any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
				in := new(wrapperspb.StringValue)
				if err := dec(in); err != nil {
					return nil, err
				}
				h := func(ctx context.Context, _ any) (any, error) { return report(ctx), nil }
				return icpt(ctx, in, &grpc.UnaryServerInfo{FullMethod: "/" + service + "/" + name}, h)
			},
		})
		desc.Streams = append(desc.Streams, grpc.StreamDesc{
			StreamName:    name + "Stream",
			ServerStreams: true,
			Handler: func(_ any, ss grpc.ServerStream) error {
				if err := ss.RecvMsg(new(wrapperspb.StringValue)); err != nil {
					return err
				}
				return ss.SendMsg(report(ss.Context()))
			},
		})
	}
	return desc
}

// newServer serves the probe with the interceptors on a loopback TCP
// listener and returns a client connection to it.
func newServer(t *testing.T, kit *authkit.Client) *grpc.ClientConn {
	opts := []authkitgrpc.Option{
		authkitgrpc.WithPublicMethods("/"+service+"/Public", "/"+service+"/PublicStream"),
		authkitgrpc.WithRequirements("/"+service+"/Admin*", authkit.RequireRole("admin")),
	}
	srv := grpc.NewServer(authkitgrpc.ServerOptions(kit, opts...)...)
	srv.RegisterService(serviceDesc(), nil)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// call makes one call of the probe with md as metadata.
func call(ctx context.Context, conn *grpc.ClientConn, access conformance.Access, stream bool) (*probe, error) {
	method := "/" + service + "/" + methods[access]
	out := new(wrapperspb.StringValue)
	if !stream {
		if err := conn.Invoke(ctx, method, wrapperspb.String(""), out); err != nil {
			return nil, err
		}
	} else {
		cs, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, method+"Stream")
		if err != nil {
			return nil, err
		}
		if err := cs.SendMsg(wrapperspb.String("")); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		if err := cs.CloseSend(); err != nil {
			return nil, err
		}
		if err := cs.RecvMsg(out); err != nil {
			return nil, err
		}
	}
	var p probe
	if err := json.Unmarshal([]byte(out.GetValue()), &p); err != nil {
		return nil, err
	}
	return &p, nil
}

func harness() conformance.BearerHarness {
	return conformance.BearerHarness{
		Name:      "grpc",
		Streaming: true,
		New: func(t *testing.T, kit *authkit.Client) conformance.BearerCaller {
			conn := newServer(t, kit)
			return func(ctx context.Context, c conformance.BearerCall) (conformance.BearerResult, error) {
				if c.Token != "" {
					// What UnaryClientInterceptor sends, set by hand: the suite's token need not be valid.
					ctx = metadataWithToken(ctx, c.Token)
				}
				p, err := call(ctx, conn, c.Access, c.Stream)
				if err == nil {
					return conformance.BearerResult{Outcome: conformance.OutcomeOK, Identity: p.Identity, AccessToken: p.AccessToken}, nil
				}
				st, ok := status.FromError(err)
				if !ok {
					return conformance.BearerResult{}, err
				}
				outcome := conformance.Outcome(st.Code().String())
				switch st.Code() {
				case codes.Unauthenticated:
					outcome = conformance.OutcomeUnauthenticated
				case codes.PermissionDenied:
					outcome = conformance.OutcomePermissionDenied
				}
				return conformance.BearerResult{Outcome: outcome, Message: st.Message()}, nil
			}
		},
	}
}

func TestConformance(t *testing.T) {
	conformance.RunBearer(t, harness())
}
