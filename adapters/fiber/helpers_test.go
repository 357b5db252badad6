package authkitfiber_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/gofiber/fiber/v2"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/conformance"

	authkitfiber "github.com/authkit-go/authkit/adapters/fiber"
)

// newTestApp is a Fiber app with the sign-in routes and room for the test's
// own middleware and routes.
func newTestApp(kit *authkit.Client) *fiber.App {
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ReadBufferSize: 16 << 10})
	app.Get("/sign-in", authkitfiber.SignIn(kit))
	app.Get("/callback", authkitfiber.Callback(kit))
	return app
}

// server sends requests to app in-process, through app.Test.
func server(app *fiber.App) conformance.Server {
	return func(r *http.Request) (*http.Response, error) { return app.Test(r, -1) }
}

// mint mints a bearer token for a seeded user in org ("" for none).
func mint(tb testing.TB, e *conformance.Env, userID, org string) string {
	tb.Helper()
	tok, err := e.Emulator.MintAccessToken(authkittest.TokenParams{UserID: userID, OrganizationID: org})
	if err != nil {
		tb.Fatal(err)
	}
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
func whoami(c *fiber.Ctx) error {
	w := who{Token: authkitfiber.AccessToken(c), Query: c.Query("n")}
	a := authkitfiber.Auth(c)
	w.SameContext = a == authkit.FromContext(c.UserContext())
	if a != nil {
		w.UserID, w.Source = a.User.ID, string(a.Source)
	}
	return c.JSON(w)
}

func decode(tb testing.TB, r *conformance.Response) who {
	tb.Helper()
	if r.Status != http.StatusOK {
		tb.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var w who
	if err := json.Unmarshal([]byte(r.Body), &w); err != nil {
		tb.Fatal(err)
	}
	return w
}

var errTeapot = errors.New("teapot")
