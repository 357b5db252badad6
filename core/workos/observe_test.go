package workos_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/authkit-go/authkit/core/observe"
	"github.com/authkit-go/authkit/core/workos"
)

// TestObserverClassifiesCalls checks the WorkOSCall of the answers the
// core tests do not produce: no answer, a timeout, an error without a code
// and an operation without a name of its own.
func TestObserverClassifiesCalls(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/user_management/sessions/revoke":
			<-release // past the client's timeout
		case "/user_management/users/user_1/sessions":
			w.WriteHeader(http.StatusTeapot)
		}
	}))
	defer srv.Close()
	defer close(release)
	var mu sync.Mutex
	var got []observe.WorkOSCall
	obs := observe.Func(func(_ context.Context, e observe.Event) {
		mu.Lock()
		defer mu.Unlock()
		ev := e.(observe.WorkOSCall)
		require.Positive(t, ev.Duration)
		ev.Duration = 0
		got = append(got, ev)
	})
	c, err := workos.New(workos.Config{BaseURL: srv.URL, ClientID: "client_1", APIKey: "sk_test", Timeout: 50 * time.Millisecond, Observer: obs})
	require.NoError(t, err)
	ctx := context.Background()

	require.Error(t, c.RevokeSession(ctx, "session_1"))
	_, err = c.ListSessions(ctx, "user_1", workos.ListSessionsParams{})
	require.Error(t, err)
	down, err := workos.New(workos.Config{BaseURL: "http://127.0.0.1:1", ClientID: "client_1", Observer: obs})
	require.NoError(t, err)
	_, err = down.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: "secret-refresh-token"})
	require.Error(t, err)

	require.Equal(t, []observe.WorkOSCall{
		{Op: "revoke_session", Error: observe.ErrorTimeout},
		{Op: "list_sessions", Status: http.StatusTeapot, Error: "http_418"},
		{Op: "authenticate:refresh_token", Error: observe.ErrorTransport},
	}, got)
}
