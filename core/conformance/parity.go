package conformance

// The checks of what applications call from their own handlers (issue 13):
// Refresh, SaveSession, SignInURL, per-request redirect URIs and sign-out
// return URLs, the callback hooks, RequireRecentAuth, organization
// memberships and WorkOS API keys. They run when Harness.Parity is set.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/seal"
	"github.com/authkit-go/authkit/core/workos"
)

// Routes of a Parity harness.
const (
	// PathRecent (GET) requires a session signed in within RecentAuthMaxAge:
	// RequireAuth with the adapter's WithRecentAuth(RecentAuthMaxAge);
	// answers Body.
	PathRecent = "/recent"
	// PathParity and every path below it (GET and POST) hand the request,
	// translated with the adapter's exported request translation, its
	// context (carrying the Middleware's Auth) and its parsed form body to
	// the function ParityHandler returns, and write the Decision with the
	// adapter's exported writer.
	PathParity = "/parity"
)

// RecentAuthMaxAge is the maximum age PathRecent requires.
const RecentAuthMaxAge = 5 * time.Minute

// parityResult is what the PathParity routes answer.
type parityResult struct {
	Auth  *Summary `json:"auth,omitempty"`
	URL   string   `json:"url,omitempty"`
	Error string   `json:"error,omitempty"`
	// Memberships are organization ID -> name.
	Memberships map[string]string `json:"memberships,omitempty"`
	// Recent is the Auth's AuthenticatedAt as unix ms.
	AuthenticatedAt int64 `json:"authenticatedAt,omitempty"`
}

// ParityHandler returns the application code the PathParity routes run:
// what an application's handlers do with the core's functions, given the
// request as the adapter translates it.
func ParityHandler(kit *authkit.Client) func(ctx context.Context, r *authkit.Request, form url.Values) authkit.Decision {
	return func(ctx context.Context, r *authkit.Request, form url.Values) authkit.Decision {
		var d authkit.Decision
		var res parityResult
		q := r.URL.Query()
		switch strings.TrimPrefix(r.URL.Path, PathParity) {
		case "/refresh":
			d = kit.Refresh(ctx, r, authkit.RefreshOptions{OrganizationID: form.Get("organization_id")})
		case "/password":
			resp, err := kit.WorkOS().AuthenticateWithPassword(ctx, passwordParams(form))
			if err != nil {
				d.Err = err
				break
			}
			d = kit.SaveSession(ctx, r, resp)
		case "/sign-in-url", "/sign-up-url":
			o := authkit.SignInOptions{
				ReturnTo: q.Get("return_to"), OrganizationID: q.Get("organization_id"), LoginHint: q.Get("login_hint"),
				Prompt: q.Get("prompt"), State: q.Get("state"), RedirectURI: q.Get("redirect_uri"),
			}
			if s := q.Get("max_age"); s != "" {
				n, _ := time.ParseDuration(s)
				o.MaxAge = n
			}
			link := kit.SignInURL
			if strings.HasSuffix(r.URL.Path, "/sign-up-url") {
				link = kit.SignUpURL
			}
			res.URL, d.Err = link(o)
		case "/memberships":
			ms, err := kit.OrganizationMemberships(ctx, authkit.FromContext(ctx))
			d.Err = err
			res.Memberships = map[string]string{}
			for _, m := range ms {
				res.Memberships[m.OrganizationID] = m.OrganizationName
			}
		default:
			d.Err = fmt.Errorf("no parity route %s", r.URL.Path)
		}
		status := http.StatusOK
		if d.Err != nil {
			status, res.Error = http.StatusConflict, d.Err.Error()
			if d.Auth == nil && !strings.Contains(res.Error, "no parity route") {
				status = http.StatusUnauthorized
			}
		}
		if d.Auth != nil {
			res.Auth = summarize(d.Auth)
			res.AuthenticatedAt = d.Auth.AuthenticatedAt.UnixMilli()
		}
		b, _ := json.Marshal(res)
		d.Respond(status, "application/json", b)
		return d
	}
}

var parityTests = []struct {
	name string
	fn   func(*testing.T, Harness)
}{
	{"RefreshNow", testRefreshNow},
	{"SaveSession", testSaveSession},
	{"SignInURL", testSignInURL},
	{"SignInParams", testSignInParams},
	{"RedirectURI", testRedirectURI},
	{"SignOutReturnTo", testSignOutReturnTo},
	{"CallbackHooks", testCallbackHooks},
	{"RecentAuth", testRecentAuth},
	{"Memberships", testMemberships},
	{"APIKeys", testAPIKeys},
	{"APIKeyFlood", testAPIKeyFlood},
}

func newEnvWith(t *testing.T, h Harness, mod func(*authkit.Config)) *env {
	t.Helper()
	e := &env{Env: NewEnv(t, mod), t: t, h: h}
	e.app = h.New(t, e.Client)
	return e
}

func parityOf(t *testing.T, resp *http.Response) parityResult {
	t.Helper()
	r := readResponse(t, resp)
	var p parityResult
	require.NoError(t, json.Unmarshal([]byte(r.Body), &p), "parity body %q", r.Body)
	return p
}

func testRefreshNow(t *testing.T, h Harness) {
	e := newEnv(t, h)
	b := e.browser()
	b.signIn(authkittest.MultiOrgEmail)
	before := b.session()
	refreshes := e.Emulator.Count(authkittest.EndpointRefresh)

	resp := b.do(http.MethodPost, PathParity+"/refresh", url.Values{}, nil)
	p := parityOf(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode, p.Error)
	require.NotEqual(t, before, b.session(), "Refresh sets a new session cookie")
	require.Equal(t, refreshes+1, e.Emulator.Count(authkittest.EndpointRefresh), "one WorkOS call")
	require.NotZero(t, p.AuthenticatedAt, "a Go refresh keeps the authentication time")

	// Into another organization.
	resp = b.do(http.MethodPost, PathParity+"/refresh", url.Values{"organization_id": {authkittest.GlobexOrgID}}, nil)
	p = parityOf(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode, p.Error)
	require.Equal(t, authkittest.GlobexOrgID, p.Auth.OrganizationID)
	require.Equal(t, authkittest.GlobexOrgID, report(t, b.do(http.MethodGet, PathProtected, nil, jsonHeader())).Framework.OrganizationID)

	// A stale copy of the first cookie gets the remembered result, not a
	// second WorkOS call.
	n := e.Emulator.Count(authkittest.EndpointRefresh)
	stale := e.browser()
	stale.setSession(before)
	resp = stale.do(http.MethodPost, PathParity+"/refresh", url.Values{}, nil)
	drain(resp)
	require.Equal(t, n, e.Emulator.Count(authkittest.EndpointRefresh), "a spent refresh token is not sent again")

	// Without a session: no cookie, an error.
	resp = e.browser().do(http.MethodPost, PathParity+"/refresh", url.Values{}, nil)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Nil(t, setCookie(resp, authkit.DefaultCookieName))
	drain(resp)
}

func passwordParams(form url.Values) workos.PasswordParams {
	return workos.PasswordParams{Email: form.Get("email"), Password: form.Get("password")}
}

func testSaveSession(t *testing.T, h Harness) {
	e := newEnv(t, h)
	b := e.browser()
	resp := b.do(http.MethodPost, PathParity+"/password", url.Values{"email": {authkittest.AdminEmail}, "password": {"wrong"}}, nil)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Empty(t, b.session())
	body := readResponse(t, resp).Body
	require.NotContains(t, body, "wrong", "the password never reaches an error")

	resp = b.do(http.MethodPost, PathParity+"/password", url.Values{"email": {authkittest.AdminEmail}, "password": {authkittest.DefaultPassword}}, nil)
	p := parityOf(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode, p.Error)
	require.NotEmpty(t, b.session(), "SaveSession sets the session cookie")
	r := report(t, b.do(http.MethodGet, PathProtected, nil, jsonHeader()))
	require.Equal(t, authkittest.AdminUserID, r.Framework.UserID)
	require.Equal(t, "cookie", r.Framework.Source)
	// A session saved now is a recent authentication.
	resp = b.get(PathRecent)
	drain(resp)
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

func testSignInURL(t *testing.T, h Harness) {
	var mu sync.Mutex
	var states []string
	e := newEnvWith(t, h, func(c *authkit.Config) {
		c.OnSignInSuccess = func(_ context.Context, _ *authkit.Request, res authkit.CallbackResult) (string, error) {
			mu.Lock()
			defer mu.Unlock()
			states = append(states, res.State)
			return "", nil
		}
	})
	b := e.browser()
	q := url.Values{"return_to": {"/account?tab=2"}, "organization_id": {authkittest.GlobexOrgID}, "login_hint": {authkittest.MultiOrgEmail},
		"prompt": {"login"}, "state": {"custom state"}, "max_age": {"5m"}}
	resp := b.get(PathParity + "/sign-in-url?" + q.Encode())
	require.Empty(t, resp.Header.Values("Set-Cookie"), "a sign-in link sets nothing")
	p := parityOf(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode, p.Error)
	require.True(t, strings.HasPrefix(p.URL, PathSignIn+"?"), "a link to the app's sign-in route: %s", p.URL)

	// Following it: the options reach the authorization URL.
	e.Emulator.AutoApprove(authkittest.MultiOrgEmail)
	resp = b.get(p.URL)
	drain(resp)
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	aq := loc.Query()
	require.Equal(t, "300", aq.Get("max_age"))
	require.Equal(t, "login", aq.Get("prompt"))
	require.Equal(t, authkittest.GlobexOrgID, aq.Get("organization_id"))
	require.Equal(t, authkittest.MultiOrgEmail, aq.Get("login_hint"))
	hops := b.follow(loc.String())
	last := hops[len(hops)-1]
	require.Equal(t, http.StatusOK, last.StatusCode)
	require.Equal(t, authkittest.GlobexOrgID, report(t, b.do(http.MethodGet, PathProtected, nil, jsonHeader())).Framework.OrganizationID)
	mu.Lock()
	require.Equal(t, []string{"custom state"}, states)
	mu.Unlock()

	// The sign-up link carries the sign-up screen.
	resp = b.get(PathParity + "/sign-up-url")
	p = parityOf(t, resp)
	require.Contains(t, p.URL, "screen_hint=sign-up")
}

func testSignInParams(t *testing.T, h Harness) {
	e := newEnv(t, h)
	for _, q := range []string{"max_age=abc", "max_age=-1", "max_age=999999999", "screen_hint=admin",
		"redirect_uri=" + url.QueryEscape("https://evil.test/callback"), "redirect_uri=" + url.QueryEscape(appBase+"/elsewhere"),
		"state=" + strings.Repeat("s", 2000), "organization_id=" + url.QueryEscape("org\r\nx")} {
		resp := e.browser().get(PathSignIn + "?" + q)
		drain(resp)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, q)
		assert.Empty(t, resp.Header.Values("Set-Cookie"), q)
	}
	// A hostile return_to falls back to the default, as before.
	resp := e.browser().get(PathSignIn + "?return_to=" + url.QueryEscape("https://evil.test/"))
	drain(resp)
	require.Equal(t, http.StatusFound, resp.StatusCode)
}

// testRedirectURI signs in through a second trusted host (a preview
// deployment): the authorization URL, the sign-in link and the callback use
// its redirect URI.
func testRedirectURI(t *testing.T, h Harness) {
	const preview = "http://preview.test"
	e := newEnvWith(t, h, func(c *authkit.Config) { c.TrustedOrigins = []string{preview} })
	srv := e.app
	resp := Get(t, srv, PathParity+"/sign-in-url?"+url.Values{"redirect_uri": {preview + PathCallback}, "return_to": {"/account"}}.Encode(), "", nil)
	var p parityResult
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &p), resp.Body)
	require.True(t, strings.HasPrefix(p.URL, preview+PathSignIn+"?"), "the link is on the redirect URI's origin: %s", p.URL)

	resp = Get(t, srv, p.URL, "", nil)
	require.Equal(t, http.StatusFound, resp.Status)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, preview+PathCallback, loc.Query().Get("redirect_uri"))
	var verifier []string
	for _, c := range resp.Cookies() {
		verifier = append(verifier, c.Name+"="+c.Value)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, loc.String(), nil)
	require.NoError(t, err)
	auth, err := noRedirects.Do(req)
	require.NoError(t, err)
	drain(auth)
	callback := auth.Header.Get("Location")
	require.True(t, strings.HasPrefix(callback, preview+PathCallback+"?"), callback)
	resp = Get(t, srv, callback, "", http.Header{"Cookie": {strings.Join(verifier, "; ")}})
	require.Equal(t, http.StatusFound, resp.Status, resp.Body)
	require.Equal(t, "/account", resp.Header.Get("Location"))
	require.NotNil(t, resp.Cookie(authkit.DefaultCookieName))
}

func testSignOutReturnTo(t *testing.T, h Harness) {
	e := newEnvWith(t, h, func(c *authkit.Config) { c.TrustedOrigins = []string{"https://www.app.test"} })
	for _, tc := range []struct{ returnTo, want string }{
		{"/goodbye?x=1", appBase + "/goodbye?x=1"},
		{"https://www.app.test/bye", "https://www.app.test/bye"},
		{"https://evil.test/", appBase + "/"},
		{"//evil.test/", appBase + "/"},
	} {
		b := e.browser()
		b.signIn(authkittest.AdminEmail)
		resp := b.do(http.MethodPost, PathSignOut, url.Values{authkit.ParamReturnTo: {tc.returnTo}}, nil)
		drain(resp)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		loc, err := url.Parse(resp.Header.Get("Location"))
		require.NoError(t, err)
		assert.Equal(t, tc.want, loc.Query().Get("return_to"), tc.returnTo)
	}
	// Without a session, straight to the return URL.
	resp := e.browser().do(http.MethodPost, PathSignOut, url.Values{authkit.ParamReturnTo: {"/goodbye"}}, nil)
	drain(resp)
	require.Equal(t, appBase+"/goodbye", resp.Header.Get("Location"))
}

func testCallbackHooks(t *testing.T, h Harness) {
	var mu sync.Mutex
	var seen []authkit.CallbackResult
	e := newEnvWith(t, h, func(c *authkit.Config) {
		c.DefaultReturnTo = "/dashboard"
		c.OnSignInSuccess = func(ctx context.Context, r *authkit.Request, res authkit.CallbackResult) (string, error) {
			mu.Lock()
			seen = append(seen, res)
			mu.Unlock()
			require.NotNil(t, r.URL)
			switch res.Auth.User.Email {
			case authkittest.AdminEmail:
				return "/welcome", nil
			case authkittest.PlainEmail:
				return "", fmt.Errorf("plain users may not sign in")
			}
			return "https://evil.test/", nil // ignored: not a trusted origin
		}
		c.OnSignInError = func(_ context.Context, _ *authkit.Request, d *authkit.Decision) {
			d.Respond(http.StatusTeapot, "text/plain", []byte("custom error page"))
		}
	})
	// A hook that redirects.
	b := e.browser()
	e.Emulator.AutoApprove(authkittest.AdminEmail)
	hops := b.follow(PathSignIn)
	require.Equal(t, "/welcome", hops[len(hops)-2].Header.Get("Location"))
	require.NotEmpty(t, b.session())
	mu.Lock()
	require.Len(t, seen, 1)
	res := seen[0]
	mu.Unlock()
	require.NotNil(t, res.Authentication)
	require.NotEmpty(t, res.Authentication.AccessToken)
	require.NotEmpty(t, res.Authentication.RefreshToken)
	require.Equal(t, authkittest.AdminUserID, res.Authentication.User.ID)
	require.NotEmpty(t, res.Authentication.OrganizationID)
	require.NotEmpty(t, res.Authentication.AuthenticationMethod)

	// A hook that fails the sign-in: the error page, no session, the
	// session revoked at WorkOS.
	revokes := e.Emulator.Count(authkittest.EndpointRevokeSession)
	b = e.browser()
	e.Emulator.AutoApprove(authkittest.PlainEmail)
	hops = b.follow(PathSignIn)
	last := hops[len(hops)-1]
	require.Equal(t, http.StatusTeapot, last.StatusCode)
	require.Empty(t, b.session(), "no session cookie")
	require.Nil(t, setCookie(last, authkit.DefaultCookieName))
	require.Equal(t, revokes+1, e.Emulator.Count(authkittest.EndpointRevokeSession))

	// An untrusted redirect is ignored; no return path: the default.
	b = e.browser()
	e.Emulator.AutoApprove(authkittest.MultiOrgEmail)
	hops = b.follow(PathSignIn)
	require.Equal(t, "/dashboard", hops[len(hops)-2].Header.Get("Location"))

	// Other callback failures render the custom page too.
	resp := e.browser().get(PathCallback + "?error=access_denied")
	drain(resp)
	require.Equal(t, http.StatusTeapot, resp.StatusCode)
}

func testRecentAuth(t *testing.T, h Harness) {
	e := newEnv(t, h)
	b := e.browser()
	b.signIn(authkittest.MultiOrgEmail)
	// Into Globex, to check the re-authentication keeps the organization.
	drain(b.do(http.MethodPost, PathSwitchOrganization, url.Values{"organization_id": {authkittest.GlobexOrgID}}, nil))
	resp := b.get(PathRecent)
	drain(resp)
	require.Equal(t, http.StatusOK, resp.StatusCode, "just signed in")

	// Later (the token refreshed meanwhile): no longer recent.
	e.Clock.Advance(RecentAuthMaxAge + time.Minute)
	resp = b.do(http.MethodGet, PathRecent, nil, jsonHeader())
	drain(resp)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Contains(t, resp.Header.Get("WWW-Authenticate"), `error="insufficient_user_authentication"`)
	require.Contains(t, resp.Header.Get("WWW-Authenticate"), "max_age=300")

	resp = b.get(PathRecent)
	drain(resp)
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, "300", loc.Query().Get("max_age"))
	require.Equal(t, authkittest.GlobexOrgID, loc.Query().Get("organization_id"))

	// The round trip: sign in again, back on the page.
	hops := b.follow(loc.String())
	require.Equal(t, PathRecent, hops[len(hops)-2].Header.Get("Location"))
	require.Equal(t, http.StatusOK, hops[len(hops)-1].StatusCode)
	require.Equal(t, authkittest.GlobexOrgID, report(t, b.do(http.MethodGet, PathRecent, nil, jsonHeader())).Framework.OrganizationID)

	// A session without an authentication time (written by a Node app)
	// is not recent.
	var s map[string]json.RawMessage
	pw := seal.Single("conformance-cookie-password-0123456789")
	require.NoError(t, seal.UnsealJSON(b.session(), pw, &s))
	require.Contains(t, s, "authenticatedAt")
	delete(s, "authenticatedAt")
	node, err := seal.SealJSON(s, pw)
	require.NoError(t, err)
	b.setSession(node)
	resp = b.get(PathRecent)
	drain(resp)
	require.Equal(t, http.StatusFound, resp.StatusCode)
	require.Equal(t, authkittest.MultiOrgUserID, report(t, b.do(http.MethodGet, PathProtected, nil, jsonHeader())).Framework.UserID, "the session itself still works")
}

func testMemberships(t *testing.T, h Harness) {
	e := newEnv(t, h)
	b := e.browser()
	b.signIn(authkittest.MultiOrgEmail)
	resp := b.get(PathParity + "/memberships")
	p := parityOf(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode, p.Error)
	require.Equal(t, map[string]string{authkittest.AcmeOrgID: "Acme Corp", authkittest.GlobexOrgID: "Globex Corporation"}, p.Memberships)
	n := e.Emulator.Count(authkittest.EndpointListMemberships)
	drain(b.get(PathParity + "/memberships"))
	require.Equal(t, n, e.Emulator.Count(authkittest.EndpointListMemberships), "cached per user")

	resp = e.browser().get(PathParity + "/memberships")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	drain(resp)
}

func bearerHeader(v string) http.Header {
	return http.Header{"Authorization": {"Bearer " + v}, "Accept": {"application/json"}}
}

func testAPIKeys(t *testing.T, h Harness) {
	e := newEnvWith(t, h, func(c *authkit.Config) { c.AcceptAPIKeys = true })
	key, err := e.Emulator.CreateAPIKey(authkittest.APIKeyParams{OrganizationID: authkittest.AcmeOrgID, Name: "ci", Permissions: []string{"widgets:read"}})
	require.NoError(t, err)

	for range 3 {
		r := Get(t, e.app, PathAPI, "", bearerHeader(key.Value))
		require.Equal(t, http.StatusOK, r.Status, r.Body)
		rep := reportOf(t, r)
		require.Equal(t, "api_key", rep.Framework.Source)
		require.Equal(t, authkittest.AcmeOrgID, rep.Framework.OrganizationID)
		require.Equal(t, []string{"widgets:read"}, rep.Framework.Permissions)
		require.True(t, rep.Same)
		require.Empty(t, rep.AccessToken, "the key is never handed out as a token")
		require.NotContains(t, r.Body, key.Value)
	}
	require.Equal(t, 1, e.Emulator.Count(authkittest.EndpointValidateAPIKey), "the verdict is cached")

	// Access tokens keep working on the same route.
	r := Get(t, e.app, PathAPI, "", bearerHeader(e.Bearer(t, authkittest.AdminEmail)))
	require.Equal(t, http.StatusOK, r.Status)
	require.Equal(t, "bearer", reportOf(t, r).Framework.Source)

	// A deleted key stops working once its verdict expires.
	require.True(t, e.Emulator.DeleteAPIKey(key.ID))
	e.Clock.Advance(time.Minute)
	r = Get(t, e.app, PathAPI, "", bearerHeader(key.Value))
	require.Equal(t, http.StatusUnauthorized, r.Status)
	require.Contains(t, r.Header.Get("WWW-Authenticate"), `error="invalid_token"`)
	require.NotContains(t, r.Body+fmt.Sprint(r.Header), key.Value)
}

func testAPIKeyFlood(t *testing.T, h Harness) {
	e := newEnvWith(t, h, func(c *authkit.Config) { c.AcceptAPIKeys = true })
	// One bad key, many times at once: one WorkOS call.
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			r := Get(t, e.app, PathAPI, "", bearerHeader("sk_bad_key_repeated"))
			assert.Equal(t, http.StatusUnauthorized, r.Status)
		})
	}
	wg.Wait()
	require.Equal(t, 1, e.Emulator.Count(authkittest.EndpointValidateAPIKey))

	// Many distinct bad keys: WorkOS sees a bounded number of calls.
	statuses := make(chan int, 200)
	for i := range 200 {
		wg.Go(func() { statuses <- Get(t, e.app, PathAPI, "", bearerHeader(fmt.Sprintf("sk_flood_%d", i))).Status })
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		require.Contains(t, []int{http.StatusUnauthorized, http.StatusServiceUnavailable}, s)
	}
	require.LessOrEqual(t, e.Emulator.Count(authkittest.EndpointValidateAPIKey), 25, "validations of unknown keys are rate-limited")

	// A valid key created meanwhile still works once the flood has passed.
	key, err := e.Emulator.CreateAPIKey(authkittest.APIKeyParams{OrganizationID: authkittest.AcmeOrgID, Name: "after"})
	require.NoError(t, err)
	e.Clock.Advance(5 * time.Second)
	r := Get(t, e.app, PathAPI, "", bearerHeader(key.Value))
	require.Equal(t, http.StatusOK, r.Status, r.Body)
}
