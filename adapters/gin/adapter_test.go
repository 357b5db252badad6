package authkitgin_test

import (
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/conformance"

	authkitgin "github.com/authkit-go/authkit/adapters/gin"
)

// The options' behaviour is checked by the conformance suite
// (conformance_test.go); this file holds what is gin's own.

// TestErrorHandlerAbortsChain: once the custom error handler has answered,
// the gin chain is aborted, so later handlers do not run even when they
// write nothing (which the suite, reading responses, could not tell).
func TestErrorHandlerAbortsChain(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	var downstream atomic.Int32
	var aborted atomic.Bool
	onError := authkitgin.WithErrorHandler(func(c *gin.Context, d *authkit.Decision) { c.Status(d.Status) })
	count := func(*gin.Context) { downstream.Add(1) }
	router := gin.New()
	router.Use(func(c *gin.Context) { c.Next(); aborted.Store(c.IsAborted()) })
	router.Use(authkitgin.Middleware(e.Client, onError))
	router.GET("/count", count)
	router.GET("/account", authkitgin.RequireAuth(e.Client, onError), count)
	a := conformance.ServeHTTP(t, router)

	r := conformance.Get(t, a, "/count", "", http.Header{"Authorization": {"Bearer not.a.jwt"}})
	require.Equal(t, http.StatusUnauthorized, r.Status)
	require.True(t, aborted.Load(), "Middleware aborts the chain")
	r = conformance.Get(t, a, "/account", "", http.Header{"Accept": {"application/json"}})
	require.Equal(t, http.StatusUnauthorized, r.Status)
	require.True(t, aborted.Load(), "RequireAuth aborts the chain")
	require.Zero(t, downstream.Load(), "the next handlers are not called")
}
