package authkit_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
)

// TestTransport: the caller's token goes out as Authorization: Bearer, an
// explicit header wins, a signed-out caller sends none, and a redirect to
// another host does not carry the token.
func TestTransport(t *testing.T) {
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Header.Get("Authorization"))
	})
	other := httptest.NewServer(echo)
	t.Cleanup(other.Close)
	mux := http.NewServeMux()
	mux.Handle("/echo", echo)
	mux.Handle("/here", http.RedirectHandler("/echo", http.StatusFound))
	mux.Handle("/away", http.RedirectHandler(other.URL+"/echo", http.StatusFound))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	client := &http.Client{Transport: &authkit.Transport{Base: srv.Client().Transport}}
	signedIn := authkit.NewContext(t.Context(), &authkit.Auth{AccessToken: "tok"})
	get := func(ctx context.Context, url string, header http.Header) string {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		require.NoError(t, err)
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return string(b)
	}

	require.Equal(t, "Bearer tok", get(signedIn, srv.URL+"/echo", nil))
	require.Equal(t, "Basic x", get(signedIn, srv.URL+"/echo", http.Header{"Authorization": {"Basic x"}}), "an explicit header wins")
	require.Empty(t, get(t.Context(), srv.URL+"/echo", nil), "signed out: no header")
	require.Empty(t, get(authkit.NewContext(t.Context(), nil), srv.URL+"/echo", nil))
	require.Equal(t, "Bearer tok", get(signedIn, srv.URL+"/here", nil), "a redirect on the same host keeps the token")
	require.Empty(t, get(signedIn, srv.URL+"/away", nil), "a redirect to another host drops the token")
}
