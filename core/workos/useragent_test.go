package workos_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/workos"
	"github.com/stretchr/testify/require"
)

// TestUserAgent checks the User-Agent WorkOS receives: the library and its
// release by default, the caller's value when set.
func TestUserAgent(t *testing.T) {
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("User-Agent")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(srv.Close)

	for _, c := range []struct{ configured, want string }{
		{"", "authkit-go/" + authkit.Version},
		{"my-app/2.0", "my-app/2.0"},
	} {
		wc, err := workos.New(workos.Config{BaseURL: srv.URL, ClientID: "client_123", APIKey: "sk_test", UserAgent: c.configured})
		require.NoError(t, err)
		require.NoError(t, wc.RevokeSession(context.Background(), "session_123"))
		require.Equal(t, c.want, <-got)
	}
	require.Regexp(t, `^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`, authkit.Version)
}
