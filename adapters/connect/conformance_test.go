package authkitconnect_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/wrapperspb"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/conformance"

	authkitconnect "github.com/authkit-go/authkit/adapters/connect"
)

// The probe service, without generated code: each of the suite's calls as
// a unary and a server-streaming procedure, answering the Auth its handler
// sees as JSON in a StringValue.
const service = "/authkit.test.Probe/"

var procedures = map[conformance.Access]string{
	conformance.AccessPublic:    service + "Public",
	conformance.AccessProtected: service + "Protected",
	conformance.AccessAdmin:     service + "Admin",
}

type probe struct {
	Identity    *conformance.Summary `json:"identity"`
	AccessToken string               `json:"accessToken"`
}

func report(ctx context.Context) *wrapperspb.StringValue {
	p := probe{}
	if a := authkitconnect.Auth(ctx); a != nil {
		p.Identity = &conformance.Summary{
			UserID: a.User.ID, Email: a.User.Email, SessionID: a.SessionID, OrganizationID: a.OrganizationID,
			Role: a.Role, Permissions: a.Permissions, Source: string(a.Source),
		}
		p.AccessToken = a.AccessToken
	}
	b, _ := json.Marshal(p)
	return wrapperspb.String(string(b))
}

// newServer serves the probe behind the interceptor on a loopback
// httptest server speaking HTTP/1.1 and unencrypted HTTP/2 (for the gRPC
// protocol), and returns its URL and a client for it.
func newServer(t *testing.T, kit *authkit.Client) (string, *http.Client) {
	icpt := connect.WithInterceptors(authkitconnect.NewInterceptor(kit,
		authkitconnect.WithPublicProcedures(service+"Public", service+"PublicStream"),
		authkitconnect.WithRequirements(service+"Admin*", authkit.RequireRole("admin")),
	))
	mux := http.NewServeMux()
	for _, proc := range procedures {
		mux.Handle(proc, connect.NewUnaryHandler(proc, func(ctx context.Context, _ *connect.Request[wrapperspb.StringValue]) (*connect.Response[wrapperspb.StringValue], error) {
			return connect.NewResponse(report(ctx)), nil
		}, icpt))
		mux.Handle(proc+"Stream", connect.NewServerStreamHandler(proc+"Stream", func(ctx context.Context, _ *connect.Request[wrapperspb.StringValue], s *connect.ServerStream[wrapperspb.StringValue]) error {
			return s.Send(report(ctx))
		}, icpt))
	}
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	t.Cleanup(srv.Close)
	transport := srv.Client().Transport.(*http.Transport).Clone()
	transport.Protocols = srv.Config.Protocols
	return srv.URL, &http.Client{Transport: transport}
}

// call makes one call of the probe.
func call(ctx context.Context, base string, hc *http.Client, access conformance.Access, stream bool, header http.Header, opts ...connect.ClientOption) (*probe, error) {
	client := connect.NewClient[wrapperspb.StringValue, wrapperspb.StringValue](hc, base+procedures[access]+map[bool]string{true: "Stream"}[stream], opts...)
	req := connect.NewRequest(wrapperspb.String(""))
	for k, v := range header {
		req.Header()[k] = v
	}
	var out *wrapperspb.StringValue
	if !stream {
		resp, err := client.CallUnary(ctx, req)
		if err != nil {
			return nil, err
		}
		out = resp.Msg
	} else {
		s, err := client.CallServerStream(ctx, req)
		if err != nil {
			return nil, err
		}
		defer s.Close()
		if !s.Receive() {
			if s.Err() != nil {
				return nil, s.Err()
			}
			return nil, errors.New("empty stream")
		}
		out = s.Msg()
	}
	var p probe
	if err := json.Unmarshal([]byte(out.GetValue()), &p); err != nil {
		return nil, err
	}
	return &p, nil
}

func harness(name string, opts ...connect.ClientOption) conformance.BearerHarness {
	return conformance.BearerHarness{
		Name:      name,
		Streaming: true,
		New: func(t *testing.T, kit *authkit.Client) conformance.BearerCaller {
			base, hc := newServer(t, kit)
			return func(ctx context.Context, c conformance.BearerCall) (conformance.BearerResult, error) {
				header := http.Header{}
				if c.Token != "" {
					header.Set("Authorization", "Bearer "+c.Token)
				}
				p, err := call(ctx, base, hc, c.Access, c.Stream, header, opts...)
				if err == nil {
					return conformance.BearerResult{Outcome: conformance.OutcomeOK, Identity: p.Identity, AccessToken: p.AccessToken}, nil
				}
				var ce *connect.Error
				if !errors.As(err, &ce) {
					return conformance.BearerResult{}, err
				}
				outcome := conformance.Outcome(ce.Code().String())
				switch ce.Code() {
				case connect.CodeUnauthenticated:
					outcome = conformance.OutcomeUnauthenticated
				case connect.CodePermissionDenied:
					outcome = conformance.OutcomePermissionDenied
				}
				return conformance.BearerResult{Outcome: outcome, Message: ce.Error()}, nil
			}
		},
	}
}

func TestConformance(t *testing.T) {
	conformance.RunBearer(t, harness("connect"))                          // the Connect protocol, HTTP/1.1
	conformance.RunBearer(t, harness("connect-grpc", connect.WithGRPC())) // the gRPC protocol, h2c
}
