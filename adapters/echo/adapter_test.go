package authkitecho_test

import (
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
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
