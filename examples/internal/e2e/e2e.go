// Package e2e is the example apps' shared end-to-end test: it starts an
// app in-process on the built-in emulator (interactive sign-in page) and
// drives a real headless Chromium through sign-in, organization switching,
// token refresh and sign-out.
package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/examples/internal/demo"
)

// RunFunc is an example's run function (package main's run).
type RunFunc func(ctx context.Context, opts demo.Options, ready func(baseURL string)) error

// Clock is a settable clock shared by an app and its emulator, so a test
// can expire tokens without waiting.
type Clock struct{ offset atomic.Int64 }

// Now is the real time plus the advances so far.
func (c *Clock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// TokenTTL is the access-token lifetime the examples configure.
const TokenTTL = 2 * time.Minute

// Start runs the app on a free loopback port for the test's lifetime and
// returns its base URL. The app sees an empty WORKOS_* environment (so it
// always uses the emulator) and clock.
func Start(t *testing.T, run RunFunc, clock *Clock, emuOpts ...authkittest.Option) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	opts := demo.Options{
		Addr:            "127.0.0.1:0",
		Getenv:          func(string) string { return "" },
		Clock:           clock.Now,
		EmulatorOptions: emuOpts,
		Out:             io.Discard,
	}
	go func() { done <- run(ctx, opts, func(u string) { urls <- u }) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err, "the app should stop cleanly")
		case <-time.After(10 * time.Second):
			t.Error("the app did not stop within 10s of its context ending")
		}
	})
	select {
	case u := <-urls:
		return u
	case err := <-done:
		t.Fatalf("the app stopped before serving: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("the app did not start within 20s")
	}
	return ""
}

// Run is an example's whole end-to-end test: HTTP checks of the signed-out
// app, then the browser flow (skipped, outside CI, without Chromium).
func Run(t *testing.T, run RunFunc) {
	clock := &Clock{}
	base := Start(t, run, clock)
	t.Run("http", func(t *testing.T) { checkHTTP(t, base) })
	t.Run("browser", func(t *testing.T) { browse(t, base, clock) })
}

// checkHTTP checks the signed-out behaviour without a browser.
func checkHTTP(t *testing.T, base string) {
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (*http.Response, string) {
		resp, err := client.Get(base + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(b)
	}
	resp, body := get("/")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
	assert.Contains(t, body, `href="/sign-in`)
	assert.Contains(t, body, `href="/sign-up`)

	resp, body = get("/api/me")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "GET /api/me without a session: %s", body)
	assert.True(t, json.Valid([]byte(body)), "401 body should be JSON: %s", body)

	resp, _ = get("/account")
	require.Equal(t, http.StatusFound, resp.StatusCode, "GET /account without a session redirects to sign-in")
	assert.Contains(t, resp.Header.Get("Location"), "/user_management/authorize")

	resp, _ = get("/sign-up")
	require.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Location"), "screen_hint=sign-up")
}

// FindChromium returns the path of chromium, chromium-browser or
// google-chrome, or "".
func FindChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// NewBrowser starts a headless Chromium for the test and returns a chromedp
// context bounded by timeout. Without Chromium it skips the test, or fails
// it in CI (CI=true).
func NewBrowser(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	path := FindChromium()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium not found in PATH (CI=true): install it with apt-get install chromium")
		}
		t.Skip("chromium not found in PATH: install it (apt-get install chromium) to run the browser test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	require.NoError(t, chromedp.Do(bctx, chromedp.EmulateViewport(1024, 800)), "start chromium (%s)", path)
	return bctx
}

// browse is the browser flow.
func browse(t *testing.T, base string, clock *Clock) {
	ctx := NewBrowser(t, 60*time.Second)
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			t.Fatalf("%s: %v (page: %s)", what, err, loc)
		}
	}
	location := func() string {
		t.Helper()
		loc, err := chromedp.Run(ctx, chromedp.Location())
		require.NoError(t, err)
		return loc
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		require.NoError(t, err, "read %s", sel)
		return strings.TrimSpace(s)
	}
	stamp := func(sel string) time.Time {
		t.Helper()
		a, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), "datetime"))
		require.NoError(t, err, "read %s", sel)
		require.True(t, a.Exists, "%s has no datetime", sel)
		ts, err := time.Parse(time.RFC3339, a.Value)
		require.NoError(t, err, "%s datetime", sel)
		return ts
	}
	// hasIcon checks that the page names an icon, so the browser asks for
	// no /favicon.ico (a 404 in the console).
	hasIcon := func(what string) {
		t.Helper()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('link[rel="icon"]') !== null`))
		require.NoError(t, err)
		assert.True(t, ok, "%s has no <link rel=icon>", what)
	}
	// visible reports whether the element sel exists and is not hidden.
	visible := func(sel string) bool {
		t.Helper()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const el = document.querySelector(`+"`"+sel+"`"+`); return el !== null && !el.hidden })()`))
		require.NoError(t, err)
		return ok
	}
	// submit runs a click or submit and waits for the page it loads.
	submit := func(what string, a chromedp.Action[chromedp.Void]) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, a)); err != nil {
			t.Fatalf("%s: %v (page: %s)", what, err, location())
		}
	}

	// Home, signed out: click "Sign in".
	do("open the home page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`#sign-in`)))
	hasIcon("the home page")
	assert.False(t, visible(`#flash-signed_out`), "no sign-out notice without ?signed_out=1")
	submit("click Sign in", chromedp.Click(chromedp.CSS(`#sign-in`)))

	// The emulator's sign-in page: pick the user with two organizations.
	user := chromedp.CSS(`button[data-email="` + authkittest.MultiOrgEmail + `"]`)
	do("wait for the emulator's sign-in page", chromedp.WaitVisible(user))
	hasIcon("the emulator's sign-in page")
	submit("pick a user", chromedp.Click(user))
	do("wait for the account page", chromedp.WaitVisible(chromedp.CSS(`#issued-at`)))
	require.Equal(t, base+"/account", location(), "sign-in should land on the account page")
	hasIcon("the account page")
	assert.False(t, visible(`#flash-switched`), "no organization notice before a switch")
	assert.Equal(t, "Morgan Multi", text(`#user-name`))
	assert.Equal(t, authkittest.MultiOrgEmail, text(`#user-email`))
	assert.Contains(t, text(`#organization`), "Acme Corp")
	assert.Equal(t, "member", text(`#role`))

	// Switch to Globex, where the user is an admin.
	do("pick Globex", chromedp.SetValue(chromedp.CSS(`#switch-organization select`), authkittest.GlobexOrgID))
	submit("switch organization", chromedp.Submit(chromedp.CSS(`#switch-organization select`)))
	do("wait for the new role", chromedp.Poll[chromedp.Void](`document.querySelector("#role")?.textContent.trim() === "admin"`,
		chromedp.WithPollingTimeout(10*time.Second)))
	require.Equal(t, base+"/account", location(), "switching returns to the account page (the notice's ?switched=1 dropped)")
	assert.Contains(t, text(`#organization`), "Globex Corporation")
	assert.Contains(t, text(`#permissions`), "users:manage")
	require.True(t, visible(`#flash-switched`), "switching confirms it")
	assert.Equal(t, "Switched to Globex Corporation.", text(`#flash-switched`))

	// GET /api/me: the same indented JSON in every framework.
	do("open /api/me", chromedp.Navigate(base+"/api/me"), chromedp.WaitVisible(chromedp.CSS(`pre`)))
	me := text(`pre`)
	assert.True(t, strings.HasPrefix(me, "{\n  \"id\": "), "GET /api/me is indented JSON: %q", me)
	var meJSON struct {
		Email, OrganizationID string
	}
	require.NoError(t, json.Unmarshal([]byte(me), &meJSON), "GET /api/me: %s", me)
	assert.Equal(t, authkittest.MultiOrgEmail, meJSON.Email)
	assert.Equal(t, authkittest.GlobexOrgID, meJSON.OrganizationID)
	do("back to the account page", chromedp.Navigate(base+"/account"), chromedp.WaitVisible(chromedp.CSS(`#issued-at`)))
	assert.False(t, visible(`#flash-switched`), "the notice shows once")

	// Let the access token expire, reload: the session is refreshed.
	issued, expires := stamp(`#issued-at`), stamp(`#expires-at`)
	sid := text(`#session-id`)
	clock.Advance(TokenTTL + time.Minute)
	submit("reload after the token expired", chromedp.Reload())
	do("wait for the account page", chromedp.WaitVisible(chromedp.CSS(`#issued-at`)))
	require.Equal(t, base+"/account", location(), "an expired token is refreshed, not a new sign-in")
	assert.Equal(t, "Morgan Multi", text(`#user-name`))
	assert.Equal(t, "admin", text(`#role`), "the refresh keeps the organization")
	assert.Equal(t, sid, text(`#session-id`), "the refresh keeps the session")
	refreshed := stamp(`#issued-at`)
	assert.GreaterOrEqual(t, refreshed.Sub(issued), TokenTTL, "the refreshed token's issue time should move forward with the clock (was %s, now %s)", issued, refreshed)
	assert.True(t, stamp(`#expires-at`).After(expires), "the new token expires later")

	// A screenshot of the account page.
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err, "screenshot")
	shot := filepath.Join(t.ArtifactDir(), "account.png")
	require.NoError(t, os.WriteFile(shot, png, 0o644))
	t.Logf("account page screenshot: %s", shot)

	// Sign out: back home, and the account page now asks to sign in.
	submit("sign out", chromedp.Click(chromedp.CSS(`#sign-out`)))
	do("wait for the signed-out home page", chromedp.WaitVisible(chromedp.CSS(`#sign-in`)))
	require.Equal(t, base+"/", location(), "sign-out returns to the home page (the notice's ?signed_out=1 dropped)")
	require.True(t, visible(`#flash-signed_out`), "sign-out confirms it")
	assert.Equal(t, "You are signed out.", text(`#flash-signed_out`))
	do("open the account page signed out", chromedp.Navigate(base+"/account"), chromedp.WaitVisible(user))
	loc := location()
	assert.Contains(t, loc, "/user_management/authorize", "after sign-out the account page redirects to sign-in")
	assert.False(t, strings.HasPrefix(loc, base), "sign-in happens at the emulator, not the app: %s", loc)
}
