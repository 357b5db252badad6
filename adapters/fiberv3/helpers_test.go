package authkitfiberv3_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/gofiber/fiber/v3"
	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/conformance"

	authkitfiberv3 "github.com/authkit-go/authkit/adapters/fiberv3"
)

// newTestApp is a Fiber app with the sign-in routes and room for the test's
// own middleware and routes.
func newTestApp(kit *authkit.Client) *fiber.App {
	app := fiber.New(fiber.Config{ReadBufferSize: 16 << 10})
	app.Get("/sign-in", authkitfiberv3.SignIn(kit))
	app.Get("/callback", authkitfiberv3.Callback(kit))
	return app
}

// server sends requests to app in-process, through app.Test with no
// timeout (Fiber v3's default fails a request after 1 s, which a loaded
// -race run can exceed).
func server(app *fiber.App) conformance.Server {
	return func(r *http.Request) (*http.Response, error) { return app.Test(r, fiber.TestConfig{}) }
}

// mint mints a bearer token for a seeded user in org ("" for none).
func mint(tb testing.TB, e *conformance.Env, userID, org string) string {
	tb.Helper()
	tok, err := e.Emulator.MintAccessToken(authkittest.TokenParams{UserID: userID, OrganizationID: org})
	require.NoError(tb, err)
	return tok
}

// who is what the test routes answer.
type who struct {
	UserID      string `json:"userId"`
	Source      string `json:"source"`
	Token       string `json:"token"`
	SameContext bool   `json:"sameContext"`
	Query       string `json:"query"`
}

// whoami answers who from the adapter's accessors.
func whoami(c fiber.Ctx) error {
	w := who{Token: authkitfiberv3.AccessToken(c), Query: c.Query("n")}
	a := authkitfiberv3.Auth(c)
	w.SameContext = a == authkit.FromContext(c.Context())
	if a != nil {
		w.UserID, w.Source = a.User.ID, string(a.Source)
	}
	return c.JSON(w)
}

var errTeapot = errors.New("teapot")
