// Package conformance is the test suite every authkit-go adapter passes.
//
// An adapter's test builds its framework's app around a core Client and
// hands the suite a way to send it requests:
//
//	func TestConformance(t *testing.T) {
//		conformance.Run(t, conformance.Harness{
//			Name: "gin",
//			New: func(t *testing.T, c *authkit.Client) conformance.Server {
//				return conformance.ServeHTTP(t, newRouter(c))
//			},
//		})
//	}
//
// A harness that also sets NewWithOptions gets the checks of the adapter
// options (skipper, error handler, public paths, requirements, refresh
// hooks; see Options).
//
// The suite runs every check against the built-in WorkOS emulator over real
// HTTP. It is exported so that third-party adapters can run it too.
//
// The fixtures it is built on are exported as a small kit for an adapter's
// own tests: NewEnv (an emulator and a client sharing a settable Clock),
// Env.SignIn and Env.Bearer for a signed-in session or a bearer token, and
// Do and Get to send one request to a Server:
//
//	e := conformance.NewEnv(t, nil)
//	srv := conformance.ServeHTTP(t, newRouter(e.Client))
//	session := e.SignIn(t, srv, authkittest.AdminEmail)
//	r := conformance.Get(t, srv, "/account", session, nil)
package conformance

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	authkit "github.com/authkit-go/authkit/core"
)

// Routes the harness's app must serve. Every route except the handlers
// runs behind the adapter's Middleware.
const (
	// PathPublic (GET) is public: it answers 200 with Body.
	PathPublic = "/"
	// PathProtected (GET) requires a session (RequireAuth); answers Body.
	PathProtected = "/account"
	// PathAPI (GET) requires a session (RequireAuth); answers Body. The
	// suite calls it with Accept: application/json.
	PathAPI = "/api/me"
	// PathAdmin (GET) requires the role "admin" (RequireAuth with
	// authkit.RequireRole("admin")); answers Body.
	PathAdmin = "/admin"
	// PathSignIn (GET), PathSignUp (GET), PathCallback (GET), PathSignOut
	// (POST, and GET routed to the same handler so the suite can check it
	// is refused) and PathSwitchOrganization (POST, form field
	// organization_id) are the adapter's handlers.
	PathSignIn             = "/sign-in"
	PathSignUp             = "/sign-up"
	PathCallback           = "/callback"
	PathSignOut            = "/sign-out"
	PathSwitchOrganization = "/switch-organization"
)

// Server sends one request to the app and returns its response. The
// request's URL is absolute (http://app.test/...); a Server backed by a
// real listener rewrites the host (ServeHTTP does).
type Server func(*http.Request) (*http.Response, error)

// Harness describes an adapter to the suite.
type Harness struct {
	// Name labels the subtests, e.g. "gin".
	Name string
	// New builds the app with the adapter wired to c and the routes above.
	// It may be called several times in one test (two apps sharing a key
	// cache).
	New func(t *testing.T, c *authkit.Client) Server
	// NewWithOptions, when set, also runs the option checks (subtests
	// "<Name>/Options/..."). It builds an app wired to c with the adapter's
	// Middleware given mw on every route (none when mw.NoMiddleware) and:
	//
	//   - PathPublic (GET), answering Body;
	//   - PathProtected and every path below it (GET PathProtected + "/..."),
	//     behind RequireAuth given require, answering Body;
	//   - PathSignIn and PathCallback.
	//
	// Translate turns mw and require into the adapter's own options.
	NewWithOptions func(t *testing.T, c *authkit.Client, mw, require Options) Server
	// Parity, when set, runs the checks of what applications call from
	// their handlers (subtests "<Name>/Parity/..."): the app built by New
	// must also serve PathRecent and PathParity (see there), and its
	// SignOut handler must pass the return_to form field or query
	// parameter (authkit.SignOutOptions).
	Parity bool
}

// Summary is what Body reports of one Auth.
type Summary struct {
	UserID         string   `json:"userId"`
	Email          string   `json:"email"`
	SessionID      string   `json:"sessionId"`
	OrganizationID string   `json:"organizationId"`
	Role           string   `json:"role"`
	Permissions    []string `json:"permissions"`
	Source         string   `json:"source"`
}

// Report is the JSON body the harness's routes answer with.
type Report struct {
	// Framework is the Auth read through the adapter's framework accessor
	// (gin.Context, echo.Context, fiber Locals, ...).
	Framework *Summary `json:"framework"`
	// Context is the Auth read with authkit.FromContext from the request's
	// context.Context.
	Context *Summary `json:"context"`
	// AccessToken is what the adapter's access-token accessor returned.
	AccessToken string `json:"accessToken"`
	// Same reports that Framework and Context are the same *authkit.Auth.
	Same bool `json:"same"`
}

func summarize(a *authkit.Auth) *Summary {
	if a == nil {
		return nil
	}
	return &Summary{
		UserID: a.User.ID, Email: a.User.Email, SessionID: a.SessionID, OrganizationID: a.OrganizationID,
		Role: a.Role, Permissions: a.Permissions, Source: string(a.Source),
	}
}

// Body is the JSON a route answers with (status 200, Content-Type
// application/json): framework is the Auth from the framework's accessor,
// fromContext the one from authkit.FromContext, accessToken the adapter's
// access-token accessor.
func Body(framework, fromContext *authkit.Auth, accessToken string) []byte {
	b, _ := json.Marshal(Report{Framework: summarize(framework), Context: summarize(fromContext), AccessToken: accessToken, Same: framework == fromContext})
	return b
}

// ServeHTTP serves h on a loopback httptest server for the test's lifetime
// and returns a Server that sends requests to it.
func ServeHTTP(t testing.TB, h http.Handler) Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL)
	// The server's own transport: closing another test's server closes the
	// idle connections of http.DefaultTransport, which would break requests
	// of tests running in parallel.
	transport := srv.Client().Transport
	return func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host = base.Scheme, base.Host
		r.Host = "app.test"
		r.RequestURI = ""
		return transport.RoundTrip(r)
	}
}
