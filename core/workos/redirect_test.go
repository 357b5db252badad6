package workos_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/authkit-go/authkit/core/workos"
)

// TestRedirectsAreNotFollowed: a redirect from the API host must not make
// the client re-send client_secret, code, code_verifier or refresh_token to
// another host (Go's client re-sends the body on 307 and 308).
func TestRedirectsAreNotFollowed(t *testing.T) {
	var reached atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{}`)
	}))
	t.Cleanup(other.Close)
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+r.URL.Path, status)
		}))
		t.Cleanup(api.Close)
		// The caller's client follows redirects; ours must not, and must
		// not change the caller's.
		callers := &http.Client{}
		c, err := workos.New(workos.Config{BaseURL: api.URL, ClientID: "client_1", APIKey: "sk_test_SECRET", HTTPClient: callers})
		require.NoError(t, err)
		ctx := context.Background()
		_, err = c.AuthenticateWithCode(ctx, workos.CodeParams{Code: "code_SECRET", CodeVerifier: "verifier_SECRET"})
		var ae *workos.APIError
		require.True(t, errors.As(err, &ae), "status %d: %v", status, err)
		require.Equal(t, status, ae.StatusCode)
		require.True(t, workos.IsTransient(err), "a redirect is a misbehaving proxy: transient")
		_, err = c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: "rt_SECRET"})
		require.True(t, errors.As(err, &ae), "status %d: %v", status, err)
		require.NotContains(t, err.Error(), "SECRET")
		require.Zero(t, reached.Load(), "status %d: the redirect was followed", status)
		require.Nil(t, callers.CheckRedirect, "the caller's http.Client was modified")
	}
}
