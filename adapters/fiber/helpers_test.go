package authkitfiber_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"

	authkitfiber "github.com/authkit-go/authkit/adapters/fiber"
)

const appBase = "http://app.test"

// clock is a settable clock shared by the emulator and the client, so a
// test can expire tokens without sleeping.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// env is an emulator and a client sharing a clock.
type env struct {
	tb    testing.TB
	clock *clock
	emu   *authkittest.Emulator
	kit   *authkit.Client
}

func newEnv(tb testing.TB) *env {
	tb.Helper()
	e := &env{tb: tb, clock: &clock{}}
	e.emu = authkittest.NewServer(tb, authkittest.WithClock(e.clock.Now), authkittest.WithAutoApprove(authkittest.AdminEmail))
	kit, err := authkit.New(authkit.Config{
		ClientID: e.emu.ClientID(), APIKey: e.emu.APIKey(), APIBaseURL: e.emu.URL(),
		RedirectURI:    appBase + "/callback",
		CookiePassword: "fiber-adapter-cookie-password-0123456789",
		Clock:          e.clock.Now,
		Getenv:         func(string) string { return "" },
	})
	if err != nil {
		tb.Fatal(err)
	}
	e.kit = kit
	return e
}

// newTestApp is a Fiber app with the sign-in routes and room for the test's
// own middleware and routes.
func newTestApp(kit *authkit.Client) *fiber.App {
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ReadBufferSize: 16 << 10})
	app.Get("/sign-in", authkitfiber.SignIn(kit))
	app.Get("/callback", authkitfiber.Callback(kit))
	return app
}

// send runs one request through app.Test; cookie, when set, is the session.
func (e *env) send(app *fiber.App, method, target, cookie string, header http.Header) *http.Response {
	e.tb.Helper()
	req, err := http.NewRequest(method, appBase+target, nil)
	if err != nil {
		e.tb.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: authkit.DefaultCookieName, Value: cookie})
	}
	resp, err := app.Test(req, -1)
	if err != nil {
		e.tb.Fatal(err)
	}
	return resp
}

// signIn runs the sign-in flow for email (a seeded user) through app's
// /sign-in and /callback and returns the session cookie value.
func (e *env) signIn(app *fiber.App, email string) string {
	e.tb.Helper()
	resp := e.send(app, http.MethodGet, "/sign-in?login_hint="+url.QueryEscape(email), "", nil)
	drain(resp)
	var verifier []string
	for _, c := range resp.Cookies() {
		verifier = append(verifier, c.Name+"="+c.Value)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	auth, err := client.Get(resp.Header.Get("Location"))
	if err != nil {
		e.tb.Fatal(err)
	}
	drain(auth)
	cb := auth.Header.Get("Location")
	if !strings.HasPrefix(cb, appBase+"/callback?") {
		e.tb.Fatalf("emulator did not approve %s: %d %q", email, auth.StatusCode, cb)
	}
	resp = e.send(app, http.MethodGet, strings.TrimPrefix(cb, appBase), "", http.Header{"Cookie": {strings.Join(verifier, "; ")}})
	drain(resp)
	if c := sessionCookie(resp); c != nil && c.Value != "" {
		return c.Value
	}
	e.tb.Fatalf("no session cookie after the callback (status %d)", resp.StatusCode)
	return ""
}

// token mints a bearer token for a seeded user.
func (e *env) token(userID, org string) string {
	e.tb.Helper()
	tok, err := e.emu.MintAccessToken(authkittest.TokenParams{UserID: userID, OrganizationID: org})
	if err != nil {
		e.tb.Fatal(err)
	}
	return tok
}

func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == authkit.DefaultCookieName {
			return c
		}
	}
	return nil
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
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

func decode(tb testing.TB, resp *http.Response) who {
	tb.Helper()
	defer drain(resp)
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		tb.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	var w who
	if err := json.NewDecoder(resp.Body).Decode(&w); err != nil {
		tb.Fatal(err)
	}
	return w
}

var errTeapot = errors.New("teapot")

// errBox lets an atomic.Value hold errors of different types.
type errBox struct{ err error }
