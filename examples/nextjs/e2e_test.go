package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/examples/internal/demo"
	"github.com/authkit-go/authkit/examples/internal/e2e"
	"github.com/authkit-go/authkit/examples/internal/ui"
)

// unavailable skips t, or fails it in CI, because a tool is missing.
func unavailable(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: Node.js 22, npm and chromium are required)")
	}
	t.Skip(msg)
}

// prepareFrontEnd installs Node 22 if needed (scripts/ensure-node22.sh), the
// npm packages and the production build: one next build for all subtests,
// held until the test ends.
func prepareFrontEnd(t *testing.T, out io.Writer) *build {
	t.Helper()
	if _, err := findNode("web"); err != nil {
		root, ok := repoRoot(".")
		require.True(t, ok, "no go.work above the test")
		cmd := exec.Command("bash", filepath.Join(root, "scripts", "ensure-node22.sh"))
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Run(); err != nil {
			unavailable(t, "scripts/ensure-node22.sh: %v", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	start := time.Now()
	b, err := prepare(ctx, "web", out)
	if err != nil {
		if errors.Is(err, errNoTool) {
			unavailable(t, "%v", err)
		}
		if os.Getenv("CI") != "true" && strings.Contains(err.Error(), "npm ci") {
			t.Skipf("%v (no access to the npm registry?)", err)
		}
		t.Fatalf("preparing the Next.js app: %v (output in %s)", err, filepath.Join(t.ArtifactDir(), "next.log"))
	}
	t.Cleanup(b.Release)
	t.Logf("Next.js app ready in %v", time.Since(start).Round(time.Millisecond))
	return b
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// syncWriter serialises writes of next's stdout and stderr to one file.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// servers are the emulator, the Go API and the Next.js front end of a test,
// and the split setup's Go apps.
type servers struct {
	emu      *authkittest.Emulator
	app, api string // base URLs: Next.js (the browser's origin) and the Go API
	// site is the split Go app (its own pages, another port of the app's
	// host, trusting the app's origin); untrusting is the same app with no
	// TrustedOrigins.
	site, untrusting string
	cookiePass       string
	frontEndLog      string
}

// startServers runs the setup `authkit dev` describes: one emulator, and
// both servers configured with the WORKOS_* variables it prints.
func startServers(t *testing.T) *servers {
	logPath := filepath.Join(t.ArtifactDir(), "next.log")
	f, err := os.Create(logPath)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	out := &syncWriter{w: f}
	built := prepareFrontEnd(t, out)

	emu := authkittest.NewServer(t)
	pw := rand.Text() + rand.Text()
	env := map[string]string{"WORKOS_CLIENT_ID": emu.ClientID(), "WORKOS_API_KEY": emu.APIKey(), "WORKOS_COOKIE_PASSWORD": pw}
	for _, kv := range emulatorEnv(emu, pw, nil) {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	s := &servers{emu: emu, app: "http://localhost:" + strconv.Itoa(freePort(t)), cookiePass: pw, frontEndLog: logPath}

	ctx, cancel := context.WithCancel(context.Background())
	up := make(chan started, 1)
	done := make(chan error, 1)
	opts := demo.Options{Addr: "127.0.0.1:0", Getenv: func(k string) string { return env[k] }, Out: io.Discard}
	a := app{URL: s.app, SiteAddr: "127.0.0.1:0"}
	go func() {
		done <- run(ctx, opts, a, func(st started) { up <- st })
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err, "the Go API should stop cleanly")
		case <-time.After(10 * time.Second):
			t.Error("the Go API did not stop within 10s")
		}
	})
	var st started
	select {
	case st = <-up:
	case err := <-done:
		t.Fatalf("the Go API stopped before serving: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("the Go API did not start within 20s")
	}
	s.api, s.site = st.API, st.Site
	s.untrusting = startUntrusting(t, ctx, opts, a)
	frontEnv := st.FrontEnv
	for k, v := range env {
		frontEnv = append(frontEnv, k+"="+v)
	}
	front, err := startFrontEnd(ctx, built, s.app, frontEnv, out)
	require.NoError(t, err, "start next (output in %s)", logPath)
	t.Cleanup(front.Stop)
	return s
}

// startUntrusting serves the split Go app with no TrustedOrigins: the
// Next.js app's forms must be refused there. It stops with the test.
func startUntrusting(t *testing.T, ctx context.Context, opts demo.Options, a app) string {
	site, err := demo.Listen(opts)
	require.NoError(t, err)
	cfg := siteConfig(apiConfig(opts, a), site.BaseURL, a.URL)
	cfg.TrustedOrigins = nil
	kit, err := authkit.New(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- site.Serve(ctx, siteRouter(kit, ui.NewDirectory(kit)), nil, nil) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err, "the untrusting Go app should stop cleanly")
		case <-time.After(10 * time.Second):
			t.Error("the untrusting Go app did not stop within 10s")
		}
	})
	return site.BaseURL
}

// tab drives the browser for one test.
type tab struct {
	t   *testing.T
	ctx context.Context
	s   *servers
}

// sub is the tab for subtest t, with no cookies: a subtest that failed
// signed in does not leave the next one signed in.
func (b *tab) sub(t *testing.T) *tab {
	t.Helper()
	_, err := chromedp.Call(b.ctx, network.ClearBrowserCookies, cdp.Empty{})
	require.NoError(t, err, "clear the browser's cookies")
	return &tab{t: t, ctx: b.ctx, s: b.s}
}

func (b *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v (page: %s; Next.js output in %s)", what, err, b.location(), b.s.frontEndLog)
	}
}

func (b *tab) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

// waitJS waits for a JavaScript condition to hold on the current page. It
// polls from Go, not with chromedp.Poll, so that the navigations it waits
// for do not end the wait with an error.
func (b *tab) waitJS(what, cond string) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("(() => { try { return !!("+cond+") } catch (e) { return false } })()"))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: not true within 20s: %s (last error: %v; page: %s; Next.js output in %s)", what, cond, err, b.location(), b.s.frontEndLog)
		}
		<-tick.C
	}
}

// waitPath waits until the page is path on the app's origin (query ignored)
// and has the element sel.
func (b *tab) waitPath(what, path, sel string) {
	b.t.Helper()
	b.waitJS(what, fmt.Sprintf(`location.origin === %q && location.pathname === %q && document.readyState === "complete" && document.querySelector(%q) !== null`, b.s.app, path, sel))
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	require.NoError(b.t, err, "read %s", sel)
	return strings.TrimSpace(s)
}

func (b *tab) click(what, sel string) {
	b.t.Helper()
	b.do(what, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
}

// pickUser picks the multi-organization user on the emulator's sign-in page.
func (b *tab) pickUser() {
	b.t.Helper()
	b.click("pick a user on the emulator's sign-in page", `button[data-email="`+authkittest.MultiOrgEmail+`"]`)
}

// me is the JSON of GET /api/me.
type me struct {
	ID             string    `json:"id"`
	Email          string    `json:"email"`
	OrganizationID string    `json:"organizationId"`
	Role           string    `json:"role"`
	SessionID      string    `json:"sessionId"`
	IssuedAt       time.Time `json:"issuedAt"`
	ExpiresAt      time.Time `json:"expiresAt"`
	Source         string    `json:"source"`
}

func (b *tab) meJSON(sel string) me {
	b.t.Helper()
	var m me
	txt := b.text(sel)
	require.NoError(b.t, json.Unmarshal([]byte(txt), &m), "%s is not the JSON of /api/me: %.200q", sel, txt)
	return m
}

// account is what the Next.js account page shows.
type account struct {
	email, id, org, role, sid string
	issued                    time.Time
	server, cookie, brow      me // GET /api/me from the Next.js server (bearer, forwarded cookie) and from the browser
}

// account waits for the Next.js account page and its browser call to Go,
// and reads them.
func (b *tab) account() account {
	b.t.Helper()
	b.waitPath("wait for the Next.js account page", "/account", "#issued-at")
	b.waitJS("wait for the browser's call to the Go API", `document.querySelector("#browser-api")?.dataset.status !== "loading"`)
	require.Equal(b.t, "200", b.attr("#browser-api", "data-status"), "the browser's GET /api/me through Next.js")
	require.Equal(b.t, "200", b.attr("#server-api", "data-bearer-status"), "the Next.js server's GET /api/me with the access token")
	require.Equal(b.t, "200", b.attr("#server-api", "data-cookie-status"), "the Next.js server's GET /api/me with the session cookie")
	a := account{email: b.text("#user-email"), id: b.text("#user-id"), org: b.text("#organization"), role: b.text("#role"), sid: b.text("#session-id"),
		server: b.meJSON("#server-bearer-result"), cookie: b.meJSON("#server-cookie-result"), brow: b.meJSON("#browser-api-result")}
	var err error
	a.issued, err = time.Parse(time.RFC3339, b.text("#issued-at"))
	require.NoError(b.t, err)
	assert.Equal(b.t, "bearer", a.server.Source)
	assert.Equal(b.t, "cookie", a.cookie.Source)
	assert.Equal(b.t, "cookie", a.brow.Source)
	assert.Equal(b.t, a.email, a.cookie.Email, "the session cookie carries the user's profile")
	assert.Equal(b.t, a.email, a.brow.Email, "the session cookie carries the user's profile")
	for what, m := range map[string]me{"bearer": a.server, "forwarded cookie": a.cookie, "browser": a.brow} {
		assert.Equal(b.t, a.id, m.ID, "Go (%s) sees the user Next.js sees", what)
		assert.Equal(b.t, a.sid, m.SessionID, "Go (%s) sees the session Next.js sees", what)
		assert.Equal(b.t, a.org, m.OrganizationID, "Go (%s) sees the organization Next.js sees", what)
	}
	return a
}

func (b *tab) attr(sel, name string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	require.NoError(b.t, err, "read %s[%s]", sel, name)
	return v.Value
}

// apiMe loads GET /api/me in the tab (through Next.js) and returns its JSON
// and status.
func (b *tab) apiMe() (me, int) {
	b.t.Helper()
	b.do("open /api/me", chromedp.Navigate(b.s.app+"/api/me"))
	res, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body.innerText`))
	require.NoError(b.t, err)
	var m me
	if json.Unmarshal([]byte(res), &m) != nil || m.Email == "" {
		return m, 401
	}
	return m, 200
}

// siteMe loads GET /api/me of the split Go app (another port, no proxy).
func (b *tab) siteMe() (me, int) {
	b.t.Helper()
	b.do("open the Go app's /api/me", chromedp.Navigate(b.s.site+"/api/me"))
	res, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body.innerText`))
	require.NoError(b.t, err)
	var m me
	if json.Unmarshal([]byte(res), &m) != nil || m.Email == "" {
		return m, 401
	}
	return m, 200
}

// goRefreshed loads u, a Go /api/me, until Go serves a token of lifetime
// ttl: Go has refreshed since the emulator issues such tokens. A refresh
// that takes longer than the API's RefreshWait (250 ms) is served on a
// later response, so one load may not show it.
func (b *tab) goRefreshed(u string, ttl time.Duration) me {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		b.do("open "+u, chromedp.Navigate(u))
		res, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body.innerText`))
		require.NoError(b.t, err)
		var m me
		if json.Unmarshal([]byte(res), &m) == nil && m.ExpiresAt.Sub(m.IssuedAt) == ttl {
			return m
		}
		if time.Now().After(deadline) {
			// The body is /api/me's JSON (session ID and token times, no token).
			b.t.Fatalf("%s served no token of %v within 20s; last answer: %.300s; emulator refreshes: %d", u, ttl, res, b.s.emu.Count(authkittest.EndpointRefresh))
		}
		<-tick.C
	}
}

// cookies lists the names of the browser's cookies for the app.
func (b *tab) cookies() []string {
	b.t.Helper()
	res, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.s.app + "/"}})
	require.NoError(b.t, err)
	var names []string
	for _, c := range res.Cookies {
		names = append(names, c.Name)
	}
	return names
}

func (b *tab) hasSession() bool {
	for _, n := range b.cookies() {
		if n == "wos-session" {
			return true
		}
	}
	return false
}

// signedOut checks the signed-out state on all sides, once the browser is
// on the home page of origin (the Next.js app's or the split Go app's).
func (b *tab) signedOut(what, origin string) {
	b.t.Helper()
	sel := "#sign-in-next"
	if origin == b.s.site {
		sel = "#sign-in"
	}
	b.waitJS(what+": the home page", fmt.Sprintf(`location.origin === %q && location.pathname === "/" && document.readyState === "complete" && document.querySelector(%q) !== null`, origin, sel))
	assert.False(b.t, b.hasSession(), "%s: no wos-session cookie is left", what)
	_, status := b.apiMe()
	assert.Equal(b.t, 401, status, "%s: the Go API answers 401", what)
	_, status = b.siteMe()
	assert.Equal(b.t, 401, status, "%s: the split Go app answers 401", what)
	b.do(what+": the Next.js account page asks to sign in", chromedp.Navigate(b.s.app+"/account"))
	b.waitJS(what+": redirected to the emulator", `location.pathname === "/user_management/authorize"`)
}

func TestNextJS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Next.js and a browser: skipped in -short mode")
	}
	if e2e.FindChromium() == "" {
		unavailable(t, "chromium not found in PATH: install it (apt-get install chromium) to run the browser test")
	}
	start := time.Now()
	s := startServers(t)
	t.Logf("emulator, Go API and Next.js up in %v", time.Since(start).Round(time.Millisecond))
	b := &tab{t: t, ctx: e2e.NewBrowser(t, 5*time.Minute), s: s}

	t.Run("next sign-in, Go API reads it", func(t *testing.T) {
		b := b.sub(t)
		b.do("open the home page", chromedp.Navigate(s.app+"/"))
		b.click("sign in with Next.js", "#sign-in-next")
		b.pickUser()
		a := b.account()
		assert.Equal(t, authkittest.MultiOrgEmail, a.email)
		assert.Equal(t, authkittest.AcmeOrgID, a.org)
		m, status := b.apiMe()
		require.Equal(t, 200, status, "GET /api/me in the browser after a Next.js sign-in")
		assert.Equal(t, a.sid, m.SessionID)
		m, status = b.siteMe()
		require.Equal(t, 200, status, "the split Go app, on another port, is signed in too")
		assert.Equal(t, a.sid, m.SessionID)

		// Sign out with Go: both sides are signed out.
		b.do("back to the account page", chromedp.Navigate(s.app+"/account"))
		b.account()
		b.click("sign out with Go", "#sign-out-go button")
		b.signedOut("after a Go sign-out", s.app)
	})

	t.Run("go sign-in, Next.js page reads it, switch on each side", func(t *testing.T) {
		b := b.sub(t)
		b.do("open the home page", chromedp.Navigate(s.app+"/"))
		b.click("sign in with Go", "#sign-in-go")
		b.pickUser()
		a := b.account()
		assert.Equal(t, authkittest.MultiOrgEmail, a.email)
		assert.Equal(t, authkittest.AcmeOrgID, a.org)
		assert.Equal(t, "member", a.role)

		// Switch with Next.js: Go sees the new organization.
		b.do("pick Globex (Next.js)", chromedp.SetValue(chromedp.CSS(`#switch-next select`), authkittest.GlobexOrgID))
		b.click("switch with Next.js", "#switch-next button")
		b.waitJS("wait for the new role", `document.querySelector("#role")?.textContent.trim() === "admin"`)
		b.do("reload the account page", chromedp.Navigate(s.app+"/account"))
		a2 := b.account()
		assert.Equal(t, authkittest.GlobexOrgID, a2.org, "Next.js switched the organization")
		assert.Equal(t, a.sid, a2.sid, "switching keeps the session")
		assert.Equal(t, "admin", a2.brow.Role, "Go reads the session Next.js switched")

		// Switch back with Go: Next.js sees it.
		b.do("pick Acme (Go)", chromedp.SetValue(chromedp.CSS(`#switch-go select`), authkittest.AcmeOrgID))
		b.click("switch with Go", "#switch-go button")
		b.waitJS("wait for the old role", `location.pathname === "/account" && document.querySelector("#role")?.textContent.trim() === "member"`)
		a3 := b.account()
		assert.Equal(t, authkittest.AcmeOrgID, a3.org, "Next.js reads the session Go switched")
		assert.Equal(t, a.sid, a3.sid)

		// Sign out with Next.js: both sides are signed out.
		b.click("sign out with Next.js", "#sign-out-next button")
		b.signedOut("after a Next.js sign-out", s.app)
	})

	t.Run("refresh on each side, the other reads the new cookie", func(t *testing.T) {
		b := b.sub(t)
		// authkit-nextjs refreshes a token of up to 5 minutes 30 s before it
		// expires, the Go API (RefreshBuffer) 20 s before: with 15-second
		// tokens both refresh on every request, with 35-second tokens
		// Next.js refreshes after 5 s and Go after 15 s.
		s.emu.SetAccessTokenTTL(15 * time.Second)
		t.Cleanup(func() { s.emu.SetAccessTokenTTL(authkittest.DefaultAccessTokenTTL) })
		b.do("sign in with Go, landing on the Go API", chromedp.Navigate(s.app+"/api/auth/sign-in?return_to=/api/me"))
		b.pickUser()
		b.waitJS("wait for /api/me", `location.pathname === "/api/me" && document.body.innerText.includes("sessionId")`)

		// Go refreshes (its token is due), and its Set-Cookie reaches the
		// browser. Every Go request refreshes a 15-second token: wait for
		// one of the new lifetime (all refreshes done).
		s.emu.SetAccessTokenTTL(35 * time.Second)
		m := b.goRefreshed(s.app+"/api/me", 35*time.Second)
		refreshes := s.emu.Count(authkittest.EndpointRefresh)
		goIssued := m.IssuedAt

		// Next.js reads Go's new cookie: no refresh of its own (it would
		// fail: Go spent the refresh token it would use).
		b.do("open the account page", chromedp.Navigate(s.app+"/account"))
		a := b.account()
		assert.Equal(t, goIssued, a.issued, "Next.js shows the token Go refreshed")
		assert.Equal(t, goIssued, a.brow.IssuedAt)
		require.Equal(t, refreshes, s.emu.Count(authkittest.EndpointRefresh), "Next.js uses Go's refreshed session")

		// Let the token reach Next.js's refresh window (5 s): Next.js
		// refreshes, Go reads its new cookie.
		waitUntil(t, goIssued.Add(6*time.Second))
		b.do("reload the account page", chromedp.Navigate(s.app+"/account"))
		a = b.account()
		require.Equal(t, refreshes+1, s.emu.Count(authkittest.EndpointRefresh), "Next.js refreshes the due token")
		assert.True(t, a.issued.After(goIssued), "Next.js shows a new token (%s, was %s)", a.issued, goIssued)
		assert.Equal(t, a.issued, a.server.IssuedAt, "the Next.js server calls Go with the new token")
		assert.Equal(t, a.issued, a.cookie.IssuedAt, "the Next.js server forwards the new cookie")
		assert.Equal(t, a.issued, a.brow.IssuedAt, "the browser's call reaches Go with Next.js's new cookie")
		m, status := b.apiMe()
		require.Equal(t, 200, status)
		assert.Equal(t, a.issued, m.IssuedAt)
		assert.Equal(t, refreshes+1, s.emu.Count(authkittest.EndpointRefresh), "Go uses Next.js's refreshed session")
		m, status = b.siteMe()
		require.Equal(t, 200, status)
		assert.Equal(t, a.issued, m.IssuedAt, "the split Go app reads Next.js's new cookie")
		assert.Equal(t, refreshes+1, s.emu.Count(authkittest.EndpointRefresh), "the split Go app uses Next.js's refreshed session")

		b.do("open the account page", chromedp.Navigate(s.app+"/account"))
		b.account()
		b.click("sign out with Go", "#sign-out-go button")
		b.signedOut("after the refreshes", s.app)
	})

	t.Run("split: the Go app on its own port shares the session", func(t *testing.T) {
		b := b.sub(t)
		// Sign in on the Go app (another port of the same host, no proxy)
		// with tokens due at once on both sides, as in the refresh test.
		s.emu.SetAccessTokenTTL(15 * time.Second)
		t.Cleanup(func() { s.emu.SetAccessTokenTTL(authkittest.DefaultAccessTokenTTL) })
		b.do("open the home page", chromedp.Navigate(s.app+"/"))
		b.click("sign in on the Go app", "#sign-in-go-site")
		b.pickUser()
		b.waitJS("the Go app's account page", fmt.Sprintf(`location.origin === %q && location.pathname === "/account" && document.querySelector("#session-id") !== null`, s.site))
		sid := b.text("#session-id")

		// The Go app refreshes; Next.js reads its cookie without refreshing.
		s.emu.SetAccessTokenTTL(35 * time.Second)
		m := b.goRefreshed(s.site+"/api/me", 35*time.Second)
		refreshes := s.emu.Count(authkittest.EndpointRefresh)
		b.do("open the Next.js account page", chromedp.Navigate(s.app+"/account"))
		a := b.account()
		assert.Equal(t, sid, a.sid, "Next.js is signed in to the Go app's session")
		assert.Equal(t, m.IssuedAt, a.issued, "Next.js shows the token the Go app refreshed")
		require.Equal(t, refreshes, s.emu.Count(authkittest.EndpointRefresh), "Next.js uses the Go app's refreshed session")

		// The Next.js page's sign-out form posts to the Go app: a
		// cross-origin POST. A Go app that does not list the Next.js origin
		// in TrustedOrigins refuses it and the session stays.
		logouts := s.emu.Count(authkittest.EndpointLogout)
		b.do("post the Go sign-out form to the untrusting Go app", chromedp.Evaluate[chromedp.Void](
			fmt.Sprintf(`(() => { const f = document.querySelector("#sign-out-go-site"); f.action = %q; f.requestSubmit(); })()`, s.untrusting+"/sign-out")))
		b.waitJS("the untrusting Go app's answer", fmt.Sprintf(`location.origin === %q && document.body.innerText.includes("Cross-origin sign-out refused")`, s.untrusting))
		assert.True(t, b.hasSession(), "the refused sign-out leaves the session cookie")
		assert.Equal(t, logouts, s.emu.Count(authkittest.EndpointLogout), "the refused sign-out does not end the session")
		b.do("open the Next.js account page", chromedp.Navigate(s.app+"/account"))
		assert.Equal(t, sid, b.account().sid, "still signed in after the refused sign-out")

		// The Go app that lists it signs out, and both sides are signed out.
		b.click("sign out with the Go app, from Next.js", "#sign-out-go-site button")
		b.signedOut("after the Go app's sign-out from a Next.js page", s.site)
		assert.Equal(t, logouts+1, s.emu.Count(authkittest.EndpointLogout), "the Go app ended the session at WorkOS")
	})

	t.Run("a pending Next.js sign-in survives three Go sign-ins", func(t *testing.T) {
		b := b.sub(t)
		b.do("start a Next.js sign-in", chromedp.Navigate(s.app+"/login"))
		b.waitJS("the emulator's sign-in page", `location.pathname === "/user_management/authorize"`)
		pending := b.location()
		// The browser holds authkit-nextjs's verifier cookies
		// (wos-auth-verifier-<8 hex>): this sign-in's and those of the
		// sign-ins the signed-out checks started and left.
		verifiers := func() (next []string, goCount int) {
			for _, n := range b.cookies() {
				if rest, ok := strings.CutPrefix(n, "wos-auth-verifier-"); ok && len(rest) == 8 {
					next = append(next, n)
				}
				if strings.HasPrefix(n, "wos-go-verifier-") {
					goCount++
				}
			}
			return next, goCount
		}
		before, _ := verifiers()
		require.NotEmpty(t, before, "authkit-nextjs set its verifier cookie")
		for i := range 3 {
			b.do(fmt.Sprintf("start Go sign-in %d", i+1), chromedp.Navigate(s.app+"/api/auth/sign-in?return_to=/account"))
			b.waitJS("the emulator's sign-in page", `location.pathname === "/user_management/authorize"`)
		}
		// Go (wos-go-verifier-<16 hex>) never evicts a cookie under the Node
		// libraries' prefix.
		after, goCount := verifiers()
		require.ElementsMatch(t, before, after, "authkit-nextjs's verifier cookies survive three Go sign-ins")
		require.Equal(t, 3, goCount, "three Go sign-ins are pending")
		b.do("finish the Next.js sign-in", chromedp.Navigate(pending))
		b.pickUser()
		b.account()
		b.click("sign out with Next.js", "#sign-out-next button")
		b.signedOut("after the Next.js sign-in", s.app)
	})
}

// waitUntil blocks until the wall clock reaches at: the Node.js side reads
// the real clock, so a token's age can only be waited for.
func waitUntil(t *testing.T, at time.Time) {
	t.Helper()
	if d := time.Until(at); d > 0 {
		t.Logf("waiting %v for the token to age", d.Round(time.Millisecond))
		<-time.After(d)
	}
}
