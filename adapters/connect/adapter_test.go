package authkitconnect_test

import (
	"net/http"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/conformance"

	authkitconnect "github.com/authkit-go/authkit/adapters/connect"
)

// TestClientInterceptorForwards: a call made with a context holding an
// Auth carries its token, unary and streaming, and an explicit
// Authorization wins; a signed-out context sends none.
func TestClientInterceptorForwards(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	tok := e.Bearer(t, authkittest.AdminEmail)
	base, hc := newServer(t, e.Client)
	fwd := connect.WithInterceptors(authkitconnect.NewClientInterceptor())
	signedIn := authkit.NewContext(t.Context(), &authkit.Auth{AccessToken: tok})

	for _, stream := range []bool{false, true} {
		p, err := call(signedIn, base, hc, conformance.AccessProtected, stream, nil, fwd)
		require.NoError(t, err)
		require.Equal(t, authkittest.AdminUserID, p.Identity.UserID)
		require.Equal(t, tok, p.AccessToken)

		_, err = call(t.Context(), base, hc, conformance.AccessProtected, stream, nil, fwd)
		require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err), "a signed-out caller sends no token")
		require.Contains(t, err.Error(), "missing token")

		_, err = call(signedIn, base, hc, conformance.AccessProtected, stream, http.Header{"Authorization": {"Bearer explicit"}}, fwd)
		require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err), "an explicit Authorization wins over the forwarded one (stream=%t): %v", stream, err)
		require.Contains(t, err.Error(), "invalid token")
	}
}

// TestTransportForwardsToConnect: authkit.Transport, the plain-HTTP way,
// works for a Connect client too.
func TestTransportForwardsToConnect(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	tok := e.Bearer(t, authkittest.AdminEmail)
	base, hc := newServer(t, e.Client)
	hc = &http.Client{Transport: &authkit.Transport{Base: hc.Transport}}
	p, err := call(authkit.NewContext(t.Context(), &authkit.Auth{AccessToken: tok}), base, hc, conformance.AccessProtected, false, nil)
	require.NoError(t, err)
	require.Equal(t, authkittest.AdminUserID, p.Identity.UserID)
}
