package authkitgrpc_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/conformance"

	authkitgrpc "github.com/authkit-go/authkit/adapters/grpc"
)

func metadataWithToken(ctx context.Context, tok string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok)
}

// TestClientInterceptorsForward: a call made with a context holding an
// Auth carries its token, on unary and streaming calls, and an explicit
// authorization wins; a signed-out context sends none.
func TestClientInterceptorsForward(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	tok := e.Bearer(t, authkittest.AdminEmail)
	conn := newServer(t, e.Client)
	// A second connection to the same server, with the client interceptors.
	fwd := dialWithInterceptors(t, conn.Target())
	signedIn := authkit.NewContext(t.Context(), &authkit.Auth{AccessToken: tok})

	for _, stream := range []bool{false, true} {
		p, err := call(signedIn, fwd, conformance.AccessProtected, stream)
		require.NoError(t, err)
		require.Equal(t, authkittest.AdminUserID, p.Identity.UserID)
		require.Equal(t, tok, p.AccessToken)

		_, err = call(t.Context(), fwd, conformance.AccessProtected, stream)
		require.Equal(t, codes.Unauthenticated, status.Code(err), "a signed-out caller sends no token")
		require.Equal(t, "missing token", status.Convert(err).Message())

		_, err = call(metadataWithToken(signedIn, "explicit"), fwd, conformance.AccessProtected, stream)
		require.Equal(t, codes.Unauthenticated, status.Code(err), "an explicit authorization wins over the forwarded one")
		require.Equal(t, "invalid token", status.Convert(err).Message())
	}
}

func dialWithInterceptors(t *testing.T, target string) *grpc.ClientConn {
	conn, err := grpc.NewClient(target, append(authkitgrpc.DialOptions(), grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}
