package conformance

// The test kit: the fixtures the suite is built on, exported so that an
// adapter's own tests (and third-party adapters) can use the same ones.

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
)

// appBase is the origin the apps under test pretend to live at.
const appBase = "http://app.test"

var appURL, _ = url.Parse(appBase + "/")

// noRedirects is an HTTP client that returns redirects instead of following them.
// It has its own transport, for the reason given in ServeHTTP.
var noRedirects = &http.Client{
	Transport:     http.DefaultTransport.(*http.Transport).Clone(),
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// Clock is a settable clock, safe for concurrent use; its zero value reads the wall clock.
type Clock struct {
	offset atomic.Int64
	frozen atomic.Int64 // unix nanoseconds while frozen, else 0
}

// Now returns the wall-clock time moved forward by every Advance so far
// (or the time Freeze stopped it at).
func (c *Clock) Now() time.Time {
	if f := c.frozen.Load(); f != 0 {
		return time.Unix(0, f).Add(time.Duration(c.offset.Load()))
	}
	return time.Now().Add(time.Duration(c.offset.Load()))
}

// Freeze stops the clock, so that what depends on elapsed time (a rate
// limit, say) does not depend on how fast a loaded machine runs the test.
// Advance still moves it; Resume lets it run on from where it stopped.
func (c *Clock) Freeze() { c.frozen.CompareAndSwap(0, time.Now().UnixNano()) }

// Resume undoes Freeze without a jump in time.
func (c *Clock) Resume() {
	if f := c.frozen.Swap(0); f != 0 {
		c.offset.Add(f - time.Now().UnixNano())
	}
}

// Advance moves the clock forward by d, e.g. past a token's expiry without sleeping.
func (c *Clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// Env is a WorkOS emulator and a client for it, sharing one Clock.
type Env struct {
	Clock    *Clock
	Emulator *authkittest.Emulator
	Client   *authkit.Client

	tb testing.TB
}

// NewEnv starts an emulator (auto-approving AdminEmail, then emuOpts) and builds a client for it; mod, when set, edits the client's Config.
func NewEnv(tb testing.TB, mod func(*authkit.Config), emuOpts ...authkittest.Option) *Env {
	tb.Helper()
	e := &Env{Clock: &Clock{}, tb: tb}
	emuOpts = append([]authkittest.Option{authkittest.WithClock(e.Clock.Now), authkittest.WithAutoApprove(authkittest.AdminEmail)}, emuOpts...)
	e.Emulator = authkittest.NewServer(tb, emuOpts...)
	e.Client = e.NewClient(mod)
	return e
}

// NewClient builds another client for the env's emulator and clock (redirect URI http://app.test/callback, empty environment); mod, when set, edits its Config.
func (e *Env) NewClient(mod func(*authkit.Config)) *authkit.Client {
	e.tb.Helper()
	cfg := authkit.Config{
		ClientID: e.Emulator.ClientID(), APIKey: e.Emulator.APIKey(), APIBaseURL: e.Emulator.URL(),
		RedirectURI:    appBase + PathCallback,
		CookiePassword: "conformance-cookie-password-0123456789",
		Clock:          e.Clock.Now,
		Getenv:         func(string) string { return "" },
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := authkit.New(cfg)
	require.NoError(e.tb, err)
	return c
}

// SignIn runs the browser flow for email (a seeded user) through srv's PathSignIn, the emulator and srv's PathCallback, and returns the session cookie value.
func (e *Env) SignIn(t testing.TB, srv Server, email string) string {
	t.Helper()
	resp := Get(t, srv, PathSignIn+"?"+url.Values{authkit.ParamLoginHint: {email}}.Encode(), "", nil)
	require.Equal(t, http.StatusFound, resp.Status, "sign-in redirects to the emulator")
	var verifier []string
	for _, c := range resp.Cookies() {
		verifier = append(verifier, c.Name+"="+c.Value)
	}

	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, resp.Header.Get("Location"), nil)
	require.NoError(t, err)
	auth, err := noRedirects.Do(req)
	require.NoError(t, err)
	drain(auth)
	callback := auth.Header.Get("Location")
	require.True(t, strings.HasPrefix(callback, appBase+PathCallback+"?"), "the emulator approves %s and redirects to the callback, got %d %q", email, auth.StatusCode, callback)

	resp = Get(t, srv, callback, "", http.Header{"Cookie": {strings.Join(verifier, "; ")}})
	require.Equal(t, http.StatusFound, resp.Status, "the callback redirects")
	c := resp.Cookie(authkit.DefaultCookieName)
	require.True(t, c != nil && c.Value != "", "the callback sets the session cookie (status %d)", resp.Status)
	return c.Value
}

// Bearer mints a valid access token for email (a seeded user) in their first organization, if any.
func (e *Env) Bearer(t testing.TB, email string) string {
	t.Helper()
	u, ok := e.Emulator.UserByEmail(email)
	require.True(t, ok, "no seeded user %s", email)
	p := authkittest.TokenParams{UserID: u.ID}
	if len(u.Memberships) > 0 {
		p.OrganizationID = u.Memberships[0].OrganizationID
	}
	tok, err := e.Emulator.MintAccessToken(p)
	require.NoError(t, err)
	return tok
}

// Response is an app's answer, with the body read in full.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// Cookies returns the cookies the response sets.
func (r *Response) Cookies() []*http.Cookie { return (&http.Response{Header: r.Header}).Cookies() }

// Cookie returns the cookie named name that the response sets, or nil.
func (r *Response) Cookie(name string) *http.Cookie { return cookieNamed(r.Cookies(), name) }

// Do sends one request to srv for target (a path, or an http://app.test URL) with the session cookie (unless session is "") and header, without following redirects.
func Do(t testing.TB, srv Server, method, target, session string, header http.Header) *Response {
	t.Helper()
	req, err := newRequest(t.Context(), method, target, nil, header)
	require.NoError(t, err)
	if session != "" {
		req.AddCookie(&http.Cookie{Name: authkit.DefaultCookieName, Value: session})
	}
	resp, err := srv(req)
	require.NoError(t, err)
	return readResponse(t, resp)
}

// Get is Do with method GET.
func Get(t testing.TB, srv Server, target, session string, header http.Header) *Response {
	t.Helper()
	return Do(t, srv, http.MethodGet, target, session, header)
}

// BenchmarkHandler checks that h answers req with 200, then times h serving req, reporting allocations.
func BenchmarkHandler(b *testing.B, h http.Handler, req *http.Request) {
	b.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("status %d", rec.Code)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}

// newRequest builds a request for target, resolved against the app's origin.
func newRequest(ctx context.Context, method, target string, body io.Reader, header http.Header) (*http.Request, error) {
	u, err := appURL.Parse(target)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	return req, nil
}

// cookieNamed returns the cookie named name in cs, or nil.
func cookieNamed(cs []*http.Cookie, name string) *http.Cookie {
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// SyncBuffer is a bytes.Buffer safe for concurrent use: a log sink for a
// slog handler, or the output of a process, read while it is written.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
