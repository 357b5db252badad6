package authkitecho_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
)

// clock is a settable clock shared by the emulator and the client, so a
// test can expire tokens without sleeping.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// env is an emulator and a client for it.
type env struct {
	tb    testing.TB
	clock *clock
	emu   *authkittest.Emulator
	kit   *authkit.Client
}

func newEnv(tb testing.TB, mod func(*authkit.Config)) *env {
	tb.Helper()
	e := &env{tb: tb, clock: &clock{}}
	e.emu = authkittest.NewServer(tb, authkittest.WithClock(e.clock.Now), authkittest.WithAutoApprove(authkittest.AdminEmail))
	cfg := authkit.Config{
		ClientID: e.emu.ClientID(), APIKey: e.emu.APIKey(), APIBaseURL: e.emu.URL(),
		RedirectURI:    "http://app.test/callback",
		CookiePassword: "adapter-test-cookie-password-0123456789",
		Clock:          e.clock.Now,
		Getenv:         func(string) string { return "" },
	}
	if mod != nil {
		mod(&cfg)
	}
	kit, err := authkit.New(cfg)
	require.NoError(tb, err)
	e.kit = kit
	return e
}

// signIn runs the sign-in flow for the auto-approved admin through h's
// /sign-in and /callback routes and returns the session cookie value.
func (e *env) signIn(h http.Handler) string {
	e.tb.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/sign-in", nil))
	require.Equal(e.tb, http.StatusFound, rec.Code)
	verifier := rec.Result().Cookies()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(rec.Header().Get("Location"))
	require.NoError(e.tb, err)
	_ = resp.Body.Close()
	callback := resp.Header.Get("Location")
	require.True(e.tb, strings.HasPrefix(callback, "http://app.test/callback?"), "emulator redirects to the callback, got %q", callback)
	req := httptest.NewRequest(http.MethodGet, callback, nil)
	for _, c := range verifier {
		req.AddCookie(c)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(e.tb, http.StatusFound, rec.Code)
	for _, c := range rec.Result().Cookies() {
		if c.Name == authkit.DefaultCookieName {
			return c.Value
		}
	}
	e.tb.Fatal("the callback set no session cookie")
	return ""
}

// bearer mints a valid access token for the admin.
func (e *env) bearer() string {
	e.tb.Helper()
	tok, err := e.emu.MintAccessToken(authkittest.TokenParams{UserID: authkittest.AdminUserID, OrganizationID: authkittest.AcmeOrgID})
	require.NoError(e.tb, err)
	return tok
}

// app is an app served over loopback HTTP.
type app struct {
	t   *testing.T
	srv *httptest.Server
}

func serve(t *testing.T, h http.Handler) *app {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &app{t: t, srv: srv}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (r response) cookie(name string) *http.Cookie {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// get sends a GET with the session cookie (when not "") and header; it does
// not follow redirects.
func (a *app) get(path, session string, header http.Header) response {
	a.t.Helper()
	req, err := http.NewRequestWithContext(a.t.Context(), http.MethodGet, a.srv.URL+path, nil)
	require.NoError(a.t, err)
	for k, vs := range header {
		req.Header[k] = vs
	}
	if session != "" {
		req.AddCookie(&http.Cookie{Name: authkit.DefaultCookieName, Value: session})
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	require.NoError(a.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(a.t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func jsonAccept() http.Header { return http.Header{"Accept": {"application/json"}} }
