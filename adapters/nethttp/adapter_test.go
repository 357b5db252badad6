package authkithttp_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/conformance"

	authkithttp "github.com/authkit-go/authkit/adapters/nethttp"
)

// The options' behaviour is checked by the conformance suite
// (conformance_test.go); this file holds what is net/http's own.

// TestResponseWriterPassesThrough: handlers behind Middleware and
// RequireAuth get the server's own ResponseWriter, so http.Flusher (and
// http.ResponseController) still work for streaming responses.
func TestResponseWriterPassesThrough(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	stream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, flusher := w.(http.Flusher)
		err := http.NewResponseController(w).Flush()
		_, _ = fmt.Fprintf(w, "%s flusher=%t flush=%v", authkithttp.Auth(r).User.ID, flusher, err)
	})
	mux := http.NewServeMux()
	mux.Handle("GET /stream", authkithttp.RequireAuth(e.Client)(stream))
	mux.Handle("GET /sign-in", authkithttp.SignIn(e.Client))
	mux.Handle("GET /callback", authkithttp.Callback(e.Client))
	a := conformance.ServeHTTP(t, authkithttp.Middleware(e.Client)(mux))
	session := e.SignIn(t, a, authkittest.AdminEmail)

	r := conformance.Get(t, a, "/stream", session, nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.Equal(t, authkittest.AdminUserID+" flusher=true flush=<nil>", r.Body, "the ResponseWriter is not wrapped")
}
