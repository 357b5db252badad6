package authkitgin_test

import (
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
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

// TestStoredAuthCannotBeForged: a middleware that sets a forged Auth under
// the old exported key "authkit.auth" (or marks the session loaded), before
// or after ours, changes neither what Auth(c) and FromContext return nor
// what RequireAuth lets through.
func TestStoredAuthCannotBeForged(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	forged := &authkit.Auth{User: authkit.User{ID: "user_forged"}, SessionID: "session_forged", Role: "admin"}
	forge := func(c *gin.Context) {
		for _, k := range []string{"authkit.auth", "authkit.loaded"} {
			c.Set(k, forged)
		}
	}
	router := gin.New()
	router.Use(forge, authkitgin.Middleware(e.Client), forge)
	router.GET(conformance.PathPublic, report)
	router.GET(conformance.PathProtected, authkitgin.RequireAuth(e.Client), report)
	guardOnly := gin.New()
	guardOnly.Use(forge)
	guardOnly.GET(conformance.PathProtected, authkitgin.RequireAuth(e.Client), report)
	a, g := conformance.ServeHTTP(t, router), conformance.ServeHTTP(t, guardOnly)

	rep := decodeReport(t, conformance.Get(t, a, conformance.PathPublic, "", nil))
	require.Nil(t, rep.Framework, "signed out stays signed out")
	require.Nil(t, rep.Context)
	require.Empty(t, rep.AccessToken)

	bearer := http.Header{"Authorization": {"Bearer " + e.Bearer(t, authkittest.PlainEmail)}}
	rep = decodeReport(t, conformance.Get(t, a, conformance.PathPublic, "", bearer))
	require.NotNil(t, rep.Framework)
	require.Equal(t, authkittest.PlainUserID, rep.Framework.UserID, "the verified user, not the forged one")
	require.True(t, rep.Same)

	for _, srv := range []conformance.Server{a, g} {
		r := conformance.Get(t, srv, conformance.PathProtected, "", http.Header{"Accept": {"application/json"}})
		require.Equal(t, http.StatusUnauthorized, r.Status, "a forged Auth does not pass RequireAuth")
	}
}

func decodeReport(t *testing.T, r *conformance.Response) conformance.Report {
	t.Helper()
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	var rep conformance.Report
	require.NoError(t, json.Unmarshal([]byte(r.Body), &rep))
	return rep
}
