package conformance

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
)

// env is one test's world: an Env and an app built around its client.
type env struct {
	*Env
	t   *testing.T
	h   Harness
	app Server
}

func newEnv(t *testing.T, h Harness, emuOpts ...authkittest.Option) *env {
	t.Helper()
	e := &env{Env: NewEnv(t, nil, emuOpts...), t: t, h: h}
	e.app = h.New(t, e.Client)
	return e
}

// browser is a cookie-keeping client that sends app requests through the
// harness and emulator requests over real HTTP, following redirects by
// hand so each hop can be inspected. Like a browser, it sends Origin and
// Sec-Fetch-Site with an app request other than GET or HEAD (same-origin,
// unless the caller sets either header).
type browser struct {
	e   *env
	jar *cookiejar.Jar
	app Server
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, jar: jar, app: e.app}
}

// do sends one request (no redirect following). Relative URLs go to the app.
func (b *browser) do(method, target string, body url.Values, header http.Header) *http.Response {
	b.e.t.Helper()
	var rdr io.Reader
	if body != nil {
		rdr = strings.NewReader(body.Encode())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	b.e.t.Cleanup(cancel)
	req, err := newRequest(ctx, method, target, rdr, header)
	require.NoError(b.e.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	u := req.URL
	var resp *http.Response
	if u.Host == appURL.Host {
		for _, ck := range b.jar.Cookies(u) {
			req.AddCookie(ck)
		}
		if method != http.MethodGet && method != http.MethodHead && req.Header.Get("Origin") == "" && req.Header.Get("Sec-Fetch-Site") == "" {
			// What a browser sends with a form posted from the app's own page.
			req.Header.Set("Origin", appBase)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		}
		resp, err = b.app(req)
	} else {
		resp, err = noRedirects.Do(req)
	}
	require.NoError(b.e.t, err)
	if u.Host == appURL.Host {
		b.jar.SetCookies(u, resp.Cookies())
	}
	return resp
}

func (b *browser) get(target string) *http.Response { return b.do(http.MethodGet, target, nil, nil) }

// follow sends a GET and follows redirects (at most 10), returning every
// response in order.
func (b *browser) follow(target string) []*http.Response {
	b.e.t.Helper()
	var hops []*http.Response
	for range 10 {
		resp := b.get(target)
		drain(resp)
		hops = append(hops, resp)
		if resp.StatusCode < 300 || resp.StatusCode >= 400 {
			return hops
		}
		cur, err := appURL.Parse(target)
		require.NoError(b.e.t, err)
		loc, err := cur.Parse(resp.Header.Get("Location"))
		require.NoError(b.e.t, err)
		target = loc.String()
	}
	b.e.t.Fatalf("too many redirects from %s", target)
	return nil
}

// session returns the browser's session cookie value.
func (b *browser) session() string {
	if c := cookieNamed(b.jar.Cookies(appURL), authkit.DefaultCookieName); c != nil {
		return c.Value
	}
	return ""
}

// setSession puts a raw session cookie value in the jar.
func (b *browser) setSession(v string) {
	b.jar.SetCookies(appURL, []*http.Cookie{{Name: authkit.DefaultCookieName, Value: v, Path: "/"}})
}

// signIn runs the whole browser flow for email and returns the last hop.
func (b *browser) signIn(email string) *http.Response {
	b.e.t.Helper()
	b.e.Emulator.AutoApprove(email)
	hops := b.follow(PathSignIn)
	last := hops[len(hops)-1]
	require.Equal(b.e.t, http.StatusOK, last.StatusCode, "sign-in flow should end on a page")
	require.NotEmpty(b.e.t, b.session(), "sign-in should set the session cookie")
	return last
}

// report reads a route's JSON Report.
func report(t *testing.T, resp *http.Response) Report {
	t.Helper()
	return reportOf(t, readResponse(t, resp))
}

// reportOf reads a route's Report from a 200 response; the framework
// accessor and authkit.FromContext must agree.
func reportOf(t testing.TB, r *Response) Report {
	t.Helper()
	require.Equal(t, http.StatusOK, r.Status, "body: %.200s", r.Body)
	var rep Report
	require.NoError(t, json.Unmarshal([]byte(r.Body), &rep))
	require.Equal(t, rep.Framework, rep.Context, "the framework accessor and authkit.FromContext must see the same Auth")
	require.True(t, rep.Same, "the framework accessor and authkit.FromContext must return the same *authkit.Auth")
	return rep
}

// whoami is "anonymous" or "<user id> <source>" of a route's Report.
func whoami(t testing.TB, r *Response) string {
	t.Helper()
	rep := reportOf(t, r)
	if rep.Framework == nil {
		return "anonymous"
	}
	return rep.Framework.UserID + " " + rep.Framework.Source
}

// readResponse reads resp in full.
func readResponse(t testing.TB, resp *http.Response) *Response {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
}

func jsonHeader() http.Header { return http.Header{"Accept": {"application/json"}} }

func setCookie(resp *http.Response, name string) *http.Cookie {
	return cookieNamed(resp.Cookies(), name)
}
