package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/conformance"

	"github.com/authkit-go/authkit/examples/internal/e2e"
	greetv1 "github.com/authkit-go/authkit/examples/rpc/gen/greet/v1"
	"github.com/authkit-go/authkit/examples/rpc/gen/greet/v1/greetv1connect"
)

func whoami(t *testing.T, r *conformance.Response) WhoAmI {
	t.Helper()
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	var w WhoAmI
	require.NoError(t, json.Unmarshal([]byte(r.Body), &w))
	require.NotNil(t, w.Connect)
	require.NotNil(t, w.GRPC)
	require.Equal(t, *w.Connect, *w.GRPC, "Connect and gRPC see the same caller")
	return w
}

// TestWhoAmI: the web app forwards the signed-in user's token (from the
// session cookie, or the bearer token it was called with) to the Greeter
// over Connect and gRPC, whose interceptors verify it; one JWKS fetch serves
// the web app and both interceptors.
func TestWhoAmI(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	svc, err := startGreeter(e.Client)
	require.NoError(t, err)
	t.Cleanup(svc.Close)
	app, closeApp, err := newApp(e.Client, svc)
	require.NoError(t, err)
	t.Cleanup(closeApp)
	srv := conformance.ServeHTTP(t, app)
	api := http.Header{"Accept": {"application/json"}}

	r := conformance.Get(t, srv, "/api/whoami", "", api)
	require.Equal(t, http.StatusUnauthorized, r.Status, "signed out: the web app refuses before calling the Greeter")

	session := e.SignIn(t, srv, authkittest.AdminEmail)
	w := whoami(t, conformance.Get(t, srv, "/api/whoami", session, api))
	require.Equal(t, authkittest.AdminUserID, w.Connect.UserID)
	require.Equal(t, authkittest.AcmeOrgID, w.Connect.OrganizationID)
	require.Equal(t, "admin", w.Connect.Role)
	require.NotEmpty(t, w.Connect.SessionID)

	// A single-page app's bearer token is forwarded the same way.
	tok := e.Bearer(t, authkittest.MultiOrgEmail)
	w = whoami(t, conformance.Get(t, srv, "/api/whoami", "", http.Header{"Authorization": {"Bearer " + tok}}))
	require.Equal(t, authkittest.MultiOrgUserID, w.GRPC.UserID)

	require.Equal(t, 1, e.Emulator.Count(authkittest.EndpointJWKS), "the web app, the Connect and the gRPC interceptors share one key cache")

	// The Greeter itself refuses calls without a valid token.
	client := greetv1connect.NewGreeterClient(http.DefaultClient, svc.ConnectURL)
	_, err = client.WhoAmI(t.Context(), connect.NewRequest(&greetv1.WhoAmIRequest{}))
	require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))
	req := connect.NewRequest(&greetv1.WhoAmIRequest{})
	req.Header().Set("Authorization", "Bearer "+tok[:len(tok)-2]+"xx")
	_, err = client.WhoAmI(t.Context(), req)
	require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))
	require.NotContains(t, err.Error(), tok[:20], "the refusal does not quote the token")

	// After sign-out, the old cookie's token is refused by the Greeter too
	// (the session is recorded as signed out in the client's Store).
	resp := conformance.Do(t, srv, http.MethodPost, "/sign-out", session, nil)
	require.Contains(t, []int{http.StatusFound, http.StatusSeeOther}, resp.Status)
	r = conformance.Get(t, srv, "/api/whoami", session, api)
	require.Equal(t, http.StatusUnauthorized, r.Status, "a signed-out session is refused")
}

// TestEndToEnd runs the example program on its built-in emulator: a
// browser-like client signs in and calls /api/whoami.
func TestEndToEnd(t *testing.T) {
	base := e2e.Start(t, run, &e2e.Clock{}, authkittest.WithAutoApprove(authkittest.AdminEmail))
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	get := func(path string, header http.Header) (int, string) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+path, nil)
		require.NoError(t, err)
		req.Header = header
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	api := http.Header{"Accept": {"application/json"}}
	status, body := get("/api/whoami", api)
	require.Equal(t, http.StatusUnauthorized, status, body)

	status, body = get("/sign-in?"+url.Values{authkit.ParamLoginHint: {authkittest.AdminEmail}}.Encode(), nil)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "Signed in as "+authkittest.AdminEmail, "sign-in lands on the home page")

	status, body = get("/api/whoami", api)
	require.Equal(t, http.StatusOK, status, body)
	var w WhoAmI
	require.NoError(t, json.Unmarshal([]byte(body), &w))
	require.Equal(t, authkittest.AdminUserID, w.Connect.UserID)
	require.Equal(t, authkittest.AdminUserID, w.GRPC.UserID)
}
