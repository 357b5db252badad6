package authkitecho_test

import (
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/conformance"

	authkitecho "github.com/authkit-go/authkit/adapters/echo"
)

// The options' behaviour is checked by the conformance suite
// (conformance_test.go); this file holds what is Echo's own.

// An Echo middleware.Skipper fits WithSkipper.
var _ = authkitecho.WithSkipper(middleware.DefaultSkipper)

func TestErrorHandlerReturnsError(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	router := newEcho()
	router.Use(authkitecho.Middleware(e.Client))
	router.GET(conformance.PathProtected, report, authkitecho.RequireAuth(e.Client,
		authkitecho.WithErrorHandler(func(_ echo.Context, d *authkit.Decision) error {
			return echo.NewHTTPError(http.StatusTeapot, "from the handler")
		})))
	a := conformance.ServeHTTP(t, router)
	r := conformance.Get(t, a, conformance.PathProtected, "", jsonAccept())
	require.Equal(t, http.StatusTeapot, r.Status, "the handler's error goes to Echo's HTTPErrorHandler")
	require.Contains(t, r.Body, "from the handler")
	require.NotEmpty(t, r.Header.Get("WWW-Authenticate"))
}

func TestDefaultResponsesAreNotEchoErrors(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	router := newApp(e.Client)
	var handled atomic.Int32
	router.HTTPErrorHandler = func(err error, c echo.Context) { handled.Add(1); router.DefaultHTTPErrorHandler(err, c) }
	a := conformance.ServeHTTP(t, router)

	r := conformance.Get(t, a, conformance.PathProtected, "", jsonAccept())
	require.Equal(t, http.StatusUnauthorized, r.Status)
	require.JSONEq(t, `{"error":"unauthorized"}`, r.Body, "the core's body is written as is")
	require.Equal(t, http.StatusFound, conformance.Get(t, a, conformance.PathProtected, "", nil).Status)
	require.Zero(t, handled.Load(), "the middleware returns nil after writing the core's answer")
}

func jsonAccept() http.Header { return http.Header{"Accept": {"application/json"}} }

// TestStoredAuthCannotBeForged: a middleware that sets a forged Auth under
// the old exported key "authkit.auth", under the adapter's own key strings,
// or marks the session loaded, before or after ours, changes neither what
// Auth(c) and FromContext return nor what RequireAuth lets through.
func TestStoredAuthCannotBeForged(t *testing.T) {
	e := conformance.NewEnv(t, nil)
	forged := &authkit.Auth{User: authkit.User{ID: "user_forged"}, SessionID: "session_forged", Role: "admin"}
	forge := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			for _, k := range []string{"authkit.auth", "authkit.loaded",
				"github.com/authkit-go/authkit/adapters/echo.auth", "github.com/authkit-go/authkit/adapters/echo.loaded"} {
				c.Set(k, forged)
			}
			return next(c)
		}
	}
	router := newEcho()
	router.Use(forge, authkitecho.Middleware(e.Client), forge)
	router.GET(conformance.PathPublic, report)
	router.GET(conformance.PathProtected, report, authkitecho.RequireAuth(e.Client))
	guardOnly := newEcho()
	guardOnly.Use(forge)
	guardOnly.GET(conformance.PathProtected, report, authkitecho.RequireAuth(e.Client))
	a, g := conformance.ServeHTTP(t, router), conformance.ServeHTTP(t, guardOnly)

	rep := decodeReport(t, conformance.Get(t, a, conformance.PathPublic, "", nil))
	require.Nil(t, rep.Framework, "signed out stays signed out")
	require.Nil(t, rep.Context)
	require.Empty(t, rep.AccessToken)

	// Signed in, then clobbered after Middleware: never the forged identity.
	bearer := http.Header{"Authorization": {"Bearer " + e.Bearer(t, authkittest.PlainEmail)}}
	rep = decodeReport(t, conformance.Get(t, a, conformance.PathPublic, "", bearer))
	require.Nil(t, rep.Framework, "a clobbered entry reads as signed out")
	require.NotNil(t, rep.Context)
	require.Equal(t, authkittest.PlainUserID, rep.Context.UserID)

	for _, srv := range []conformance.Server{a, g} {
		r := conformance.Get(t, srv, conformance.PathProtected, "", jsonAccept())
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
