package conformance

import (
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
)

// Run runs the whole suite against the harness's adapter, as subtests of t:
// "<Name>/<check>", "<Name>/Bearer/<check>" (RunBearer through
// HTTPBearer), and "<Name>/Options/<check>" when the harness sets
// NewWithOptions.
func Run(t *testing.T, h Harness) {
	tests := []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"PublicSignedOut", testPublicSignedOut},
		{"BrowserFlow", testBrowserFlow},
		{"JWKSFetchedOnce", testJWKSFetchedOnce},
		{"ExpiredTokenRefreshes", testExpiredTokenRefreshes},
		{"BadCookies", testBadCookies},
		{"PlantedSessionCookie", testPlantedSessionCookie},
		{"API", testAPI},
		{"BearerHTTP", testBearer}, // what is HTTP's own; the rest is RunBearer's, below
		{"SignOut", testSignOut},
		{"HostileReturnPaths", testHostileReturnPaths},
		{"CallbackFailures", testCallbackFailures},
		{"SwitchOrganization", testSwitchOrganization},
		{"CrossOriginStateChanges", testCrossOriginStateChanges},
		{"RoleRequirement", testRoleRequirement},
		{"SignUp", testSignUp},
		{"BearerWinsOverCookie", testBearerWinsOverCookie},
		{"BearerDisabled", testBearerDisabled},
	}
	if h.Parity {
		for _, tc := range parityTests {
			tc.name = "Parity/" + tc.name
			tests = append(tests, tc)
		}
	}
	if h.NewWithOptions != nil {
		for _, tc := range optionTests {
			tc.name = "Options/" + tc.name
			tests = append(tests, tc)
		}
	}
	for _, tc := range tests {
		t.Run(h.Name+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, h)
		})
	}
	RunBearer(t, HTTPBearer(h))
}

func testPublicSignedOut(t *testing.T, h Harness) {
	e := newEnv(t, h)
	resp := e.browser().get(PathPublic)
	assert.Empty(t, resp.Header.Values("Set-Cookie"), "a signed-out request sets no cookie")
	r := report(t, resp)
	assert.Nil(t, r.Framework)
	assert.Empty(t, r.AccessToken)
}

func testBrowserFlow(t *testing.T, h Harness) {
	e := newEnv(t, h)
	b := e.browser()

	// The protected page redirects to WorkOS with PKCE and state.
	resp := b.get(PathProtected + "?tab=billing&x=1")
	drain(resp)
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(loc.String(), e.Emulator.URL()+"/user_management/authorize"), "redirects to the authorization URL, got %s", loc)
	q := loc.Query()
	assert.Equal(t, e.Emulator.ClientID(), q.Get("client_id"))
	assert.Equal(t, appBase+PathCallback, q.Get("redirect_uri"))
	assert.Equal(t, "code", q.Get("response_type"))
	assert.Equal(t, "S256", q.Get("code_challenge_method"))
	assert.Len(t, q.Get("code_challenge"), 43)
	require.NotEmpty(t, q.Get("state"))
	var verifier *http.Cookie
	for _, c := range resp.Cookies() {
		if strings.HasPrefix(c.Name, authkit.DefaultVerifierPrefix) {
			verifier = c
		}
	}
	require.NotNil(t, verifier, "sign-in sets a verifier cookie")
	assert.True(t, verifier.HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, verifier.SameSite)
	assert.Equal(t, 600, verifier.MaxAge)
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))

	// Through the emulator and the callback, back to the remembered path.
	e.Emulator.AutoApprove(authkittest.AdminEmail)
	hops := b.follow(loc.String())
	require.GreaterOrEqual(t, len(hops), 3)
	cb := hops[len(hops)-2]
	require.Equal(t, http.StatusFound, cb.StatusCode, "the callback redirects")
	assert.Equal(t, PathProtected+"?tab=billing&x=1", cb.Header.Get("Location"))
	sc := setCookie(cb, authkit.DefaultCookieName)
	require.NotNil(t, sc, "the callback sets the session cookie")
	assert.True(t, sc.HttpOnly)
	assert.Equal(t, "/", sc.Path)
	assert.Equal(t, http.SameSiteLaxMode, sc.SameSite)
	assert.Equal(t, int(authkit.DefaultCookieMaxAge/time.Second), sc.MaxAge)
	assert.True(t, strings.HasPrefix(sc.Value, "Fe26.2*"), "the session cookie is an iron seal")
	assert.True(t, strings.HasSuffix(sc.Value, "~2"))
	vc := setCookie(cb, verifier.Name)
	require.NotNil(t, vc, "the callback deletes the verifier cookie")
	assert.Less(t, vc.MaxAge, 0)
	assert.Equal(t, "no-store", cb.Header.Get("Cache-Control"))
	assert.Contains(t, cb.Header.Values("Vary"), "Cookie")

	// The protected page now sees the right user.
	admin, _ := e.Emulator.UserByEmail(authkittest.AdminEmail)
	r := report(t, b.get(PathProtected))
	require.NotNil(t, r.Framework)
	assert.Equal(t, admin.ID, r.Framework.UserID)
	assert.Equal(t, admin.Email, r.Framework.Email)
	assert.Equal(t, admin.Memberships[0].OrganizationID, r.Framework.OrganizationID)
	assert.Equal(t, "admin", r.Framework.Role)
	assert.ElementsMatch(t, admin.Memberships[0].Permissions, r.Framework.Permissions)
	assert.NotEmpty(t, r.Framework.SessionID)
	assert.Equal(t, "cookie", r.Framework.Source)
	assert.NotEmpty(t, r.AccessToken, "the access-token accessor returns the token")
}

func testJWKSFetchedOnce(t *testing.T, h Harness) {
	e := newEnv(t, h)
	admin, _ := e.Emulator.UserByEmail(authkittest.AdminEmail)
	tok, err := e.Emulator.MintAccessToken(authkittest.TokenParams{UserID: admin.ID, OrganizationID: admin.Memberships[0].OrganizationID})
	require.NoError(t, err)

	// 50 concurrent requests on a cold cache.
	var wg sync.WaitGroup
	statuses := make(chan int, 50)
	for range 50 {
		wg.Go(func() {
			resp := e.browser().do(http.MethodGet, PathAPI, nil, http.Header{"Authorization": {"Bearer " + tok}, "Accept": {"application/json"}})
			drain(resp)
			statuses <- resp.StatusCode
		})
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		require.Equal(t, http.StatusOK, s)
	}
	require.Equal(t, 1, e.Emulator.Count(authkittest.EndpointJWKS), "50 concurrent cold requests fetch the JWKS once")

	// Then a sign-in and many sequential requests.
	b := e.browser()
	b.signIn(authkittest.AdminEmail)
	for range 30 {
		drain(b.get(PathProtected))
	}
	require.Equal(t, 1, e.Emulator.Count(authkittest.EndpointJWKS), "sequential requests reuse the cached keys")

	// A second app with its own client for the same client ID shares the cache.
	app2 := h.New(t, e.NewClient(nil))
	b2 := e.browser()
	b2.app = app2
	b2.signIn(authkittest.MultiOrgEmail)
	drain(b2.get(PathProtected))
	require.Equal(t, 1, e.Emulator.Count(authkittest.EndpointJWKS), "two apps with the same client ID share one cached key set")

	// A different client ID is a different JWKS URL: exactly one more fetch.
	other := newEnv(t, h, authkittest.WithClientID("client_other"))
	ob := other.browser()
	ob.signIn(authkittest.AdminEmail)
	for range 10 {
		drain(ob.get(PathProtected))
	}
	require.Equal(t, 1, other.Emulator.Count(authkittest.EndpointJWKS))
	require.Equal(t, 1, e.Emulator.Count(authkittest.EndpointJWKS))
}

func testExpiredTokenRefreshes(t *testing.T, h Harness) {
	e := newEnv(t, h)
	b := e.browser()
	b.signIn(authkittest.AdminEmail)
	old := b.session()
	require.Equal(t, 0, e.Emulator.Count(authkittest.EndpointRefresh))

	e.Clock.Advance(authkittest.DefaultAccessTokenTTL + time.Minute)

	// 50 concurrent requests carrying the same expired session: one refresh.
	var wg sync.WaitGroup
	type result struct {
		status int
		cookie *http.Cookie
	}
	results := make(chan result, 50)
	for range 50 {
		wg.Go(func() {
			cb := e.browser()
			cb.setSession(old)
			resp := cb.get(PathProtected)
			drain(resp)
			results <- result{resp.StatusCode, setCookie(resp, authkit.DefaultCookieName)}
		})
	}
	wg.Wait()
	close(results)
	for r := range results {
		require.Equal(t, http.StatusOK, r.status, "a request with an expired token succeeds")
		require.NotNil(t, r.cookie, "and carries the refreshed session")
		require.NotEqual(t, old, r.cookie.Value)
	}
	require.Equal(t, 1, e.Emulator.Count(authkittest.EndpointRefresh), "concurrent requests share one refresh")

	// The browser's own request gets the new cookie; the next one needs no refresh.
	rep := report(t, b.get(PathProtected))
	require.NotNil(t, rep.Framework)
	require.NotEqual(t, old, b.session())
	rep = report(t, b.get(PathProtected))
	require.NotNil(t, rep.Framework)
	require.Equal(t, 1, e.Emulator.Count(authkittest.EndpointRefresh))
}

func testBadCookies(t *testing.T, h Harness) {
	e := newEnv(t, h)
	b := e.browser()
	b.signIn(authkittest.AdminEmail)
	good := b.session()
	foreign, err := seal.SealJSON(map[string]any{"accessToken": "x", "refreshToken": "y", "user": map[string]any{"id": "user_1"}}, seal.Single("another-password-that-is-32-chars-long!"))
	require.NoError(t, err)
	flip := []byte(good)
	flip[len(flip)-5] ^= 1
	cases := map[string]string{
		"tampered":  string(flip),
		"truncated": good[:len(good)/2],
		"foreign":   foreign,
		"garbage":   "not-a-seal",
		"prefix":    "Fe26.2*1*a*b*c**d*e",
		"huge":      "Fe26.2*" + strings.Repeat("A", 70000),
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			cb := e.browser()
			cb.setSession(v)
			resp := cb.get(PathPublic)
			c := setCookie(resp, authkit.DefaultCookieName)
			require.NotNil(t, c, "a bad cookie is cleared")
			assert.Less(t, c.MaxAge, 0)
			assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
			r := report(t, resp)
			assert.Nil(t, r.Framework, "a bad cookie means signed out")

			cb.setSession(v)
			resp = cb.get(PathProtected)
			drain(resp)
			assert.Equal(t, http.StatusFound, resp.StatusCode, "protected page redirects to sign-in")
			assert.True(t, strings.HasPrefix(resp.Header.Get("Location"), e.Emulator.URL()))

			cb.setSession(v)
			resp = cb.do(http.MethodGet, PathAPI, nil, jsonHeader())
			drain(resp)
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		})
	}
}

// testPlantedSessionCookie: a sibling subdomain can plant a second
// session cookie (Domain=parent); the browser then sends both. The one that
// opens is used, wherever it comes, and the real one is not cleared.
func testPlantedSessionCookie(t *testing.T, h Harness) {
	e := newEnv(t, h)
	b := e.browser()
	b.signIn(authkittest.AdminEmail)
	good := b.session()
	sid := report(t, b.get(PathProtected)).Framework.SessionID
	name := authkit.DefaultCookieName
	for _, cookies := range []string{
		name + "=planted-garbage; " + name + "=" + good,
		name + "=" + good + "; " + name + "=planted-garbage",
	} {
		resp := e.browser().do(http.MethodGet, PathProtected, nil, http.Header{"Cookie": {cookies}})
		assert.Nil(t, setCookie(resp, name), "a planted cookie next to a valid one must not get the session cleared")
		r := report(t, resp)
		require.NotNil(t, r.Framework, "the cookie that opens is used")
		assert.Equal(t, sid, r.Framework.SessionID)
	}
	// Sign-out ends the session that opens.
	resp := e.browser().do(http.MethodPost, PathSignOut, url.Values{}, http.Header{"Cookie": {name + "=planted-garbage; " + name + "=" + good}})
	drain(resp)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, sid, loc.Query().Get("session_id"))
}

func testAPI(t *testing.T, h Harness) {
	e := newEnv(t, h)
	b := e.browser()
	resp := b.do(http.MethodGet, PathAPI, nil, jsonHeader())
	drain(resp)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.NotEmpty(t, resp.Header.Get("WWW-Authenticate"))
	assert.Empty(t, resp.Header.Get("Location"), "API requests are not redirected")

	b.signIn(authkittest.MultiOrgEmail)
	r := report(t, b.do(http.MethodGet, PathAPI, nil, jsonHeader()))
	require.NotNil(t, r.Framework)
	assert.Equal(t, authkittest.MultiOrgEmail, r.Framework.Email)
}

// testBearer checks what is HTTP's own about bearer tokens (no cookie
// written, the access-token accessor, WWW-Authenticate); RunBearer checks
// the rest on every transport.
func testBearer(t *testing.T, h Harness) {
	e := newEnv(t, h)
	admin, _ := e.Emulator.UserByEmail(authkittest.AdminEmail)
	org := admin.Memberships[0].OrganizationID
	mint := func(p authkittest.TokenParams) string {
		p.UserID = admin.ID
		p.OrganizationID = org
		tok, err := e.Emulator.MintAccessToken(p)
		require.NoError(t, err)
		return tok
	}
	valid := mint(authkittest.TokenParams{})
	b := e.browser()
	resp := b.do(http.MethodGet, PathAPI, nil, http.Header{"Authorization": {"Bearer " + valid}, "Accept": {"application/json"}})
	assert.Empty(t, resp.Header.Values("Set-Cookie"), "bearer requests write no cookie")
	r := report(t, resp)
	require.NotNil(t, r.Framework)
	assert.Equal(t, admin.ID, r.Framework.UserID)
	assert.Equal(t, org, r.Framework.OrganizationID)
	assert.Equal(t, "bearer", r.Framework.Source)
	assert.Equal(t, valid, r.AccessToken)

	forged := valid[:len(valid)-4] + "AAAA"
	if forged == valid {
		forged = valid[:len(valid)-4] + "BBBB"
	}
	bad := map[string]string{
		"forged":       forged,
		"expired":      mint(authkittest.TokenParams{TTL: -time.Hour}),
		"wrong-issuer": mint(authkittest.TokenParams{Issuer: "https://evil.example/user_management/" + e.Emulator.ClientID()}),
		"garbage":      "not.a.jwt",
	}
	for name, tok := range bad {
		t.Run(name, func(t *testing.T) {
			for _, path := range []string{PathAPI, PathPublic} {
				resp := b.do(http.MethodGet, path, nil, http.Header{"Authorization": {"Bearer " + tok}, "Accept": {"application/json"}})
				drain(resp)
				assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "%s: an invalid bearer token is never anonymous", path)
				assert.Contains(t, resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`)
			}
		})
	}
}

func testSignOut(t *testing.T, h Harness) {
	e := newEnv(t, h)
	b := e.browser()
	b.signIn(authkittest.AdminEmail)
	sid := report(t, b.get(PathProtected)).Framework.SessionID

	resp := b.get(PathSignOut)
	drain(resp)
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, "GET sign-out is refused")
	require.NotEmpty(t, b.session(), "a refused sign-out keeps the session")

	resp = b.do(http.MethodPost, PathSignOut, url.Values{}, nil)
	drain(resp)
	require.Contains(t, []int{http.StatusFound, http.StatusSeeOther}, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, e.Emulator.URL()+"/user_management/sessions/logout", loc.Scheme+"://"+loc.Host+loc.Path)
	assert.Equal(t, sid, loc.Query().Get("session_id"))
	c := setCookie(resp, authkit.DefaultCookieName)
	require.NotNil(t, c)
	assert.Less(t, c.MaxAge, 0, "sign-out clears the cookie")
	assert.Empty(t, b.session())
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))

	resp = b.get(PathProtected)
	drain(resp)
	assert.Equal(t, http.StatusFound, resp.StatusCode, "after sign-out the protected page redirects to sign-in")

	// Signing out without a session still answers cleanly.
	resp = e.browser().do(http.MethodPost, PathSignOut, url.Values{}, nil)
	drain(resp)
	assert.Contains(t, []int{http.StatusFound, http.StatusSeeOther}, resp.StatusCode)
}

func testHostileReturnPaths(t *testing.T, h Harness) {
	e := newEnv(t, h)
	hostile := []string{
		"//evil.example", "//evil.example/path", "/\\evil.example", "https://evil.example", "http:evil.example",
		"javascript:alert(1)", "/\r\nLocation: https://evil.example", "/%0d%0aSet-Cookie:x=y", "\\\\evil.example",
		"evil.example", "/\t/evil.example", " //evil.example", "/\\/evil.example",
	}
	for _, p := range hostile {
		b := e.browser()
		hops := b.follow(PathSignIn + "?" + url.Values{authkit.ParamReturnTo: {p}}.Encode())
		cb := hops[len(hops)-2]
		loc := cb.Header.Get("Location")
		require.Equal(t, http.StatusFound, cb.StatusCode)
		u, err := url.Parse(loc)
		require.NoError(t, err, "return path %q", p)
		assert.True(t, strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "//") && !strings.HasPrefix(loc, "/\\"), "return path %q led to %q", p, loc)
		assert.Empty(t, u.Host, "return path %q led off-site: %q", p, loc)
		assert.NotContains(t, loc, "\n")
	}
}

func testCallbackFailures(t *testing.T, h Harness) {
	e := newEnv(t, h)
	b := e.browser()
	resp := b.get(PathSignIn)
	drain(resp)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	state := loc.Query().Get("state")

	// Missing code or state.
	for _, q := range []string{"", "?code=abc", "?state=" + url.QueryEscape(state), "?error=access_denied&error_description=nope"} {
		resp := b.get(PathCallback + q)
		drain(resp)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "callback%s", q)
	}
	// State that does not match any verifier cookie.
	resp = b.get(PathCallback + "?code=abc&state=" + url.QueryEscape(state+"x"))
	drain(resp)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "state mismatch fails cleanly")
	// Missing verifier cookie: a fresh browser with a valid state.
	resp = e.browser().get(PathCallback + "?code=abc&state=" + url.QueryEscape(state))
	drain(resp)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "missing verifier cookie fails cleanly")
	// A wrong code with the right state.
	resp = b.get(PathCallback + "?code=wrong&state=" + url.QueryEscape(state))
	drain(resp)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "a refused code fails cleanly")
	assert.Empty(t, b.session())
}

func testSwitchOrganization(t *testing.T, h Harness) {
	e := newEnv(t, h)
	multi, _ := e.Emulator.UserByEmail(authkittest.MultiOrgEmail)
	require.GreaterOrEqual(t, len(multi.Memberships), 2)
	b := e.browser()
	b.signIn(authkittest.MultiOrgEmail)
	before := report(t, b.get(PathProtected)).Framework
	require.NotNil(t, before)

	var target = multi.Memberships[0]
	for _, m := range multi.Memberships {
		if m.OrganizationID != before.OrganizationID {
			target = m
		}
	}
	require.NotEqual(t, before.OrganizationID, target.OrganizationID)

	resp := b.do(http.MethodPost, PathSwitchOrganization, url.Values{authkit.ParamOrganizationID: {target.OrganizationID}}, nil)
	drain(resp)
	require.Contains(t, []int{http.StatusFound, http.StatusSeeOther}, resp.StatusCode)
	require.NotNil(t, setCookie(resp, authkit.DefaultCookieName))
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	after := report(t, b.get(PathProtected)).Framework
	require.NotNil(t, after)
	assert.Equal(t, target.OrganizationID, after.OrganizationID)
	assert.Equal(t, target.Role, after.Role)
	assert.NotEqual(t, before.Role, after.Role)

	// GET is refused; a non-member organization is refused without signing out.
	resp = b.get(PathSwitchOrganization + "?organization_id=" + target.OrganizationID)
	drain(resp)
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	resp = b.do(http.MethodPost, PathSwitchOrganization, url.Values{authkit.ParamOrganizationID: {"org_not_a_member"}}, nil)
	drain(resp)
	assert.Less(t, resp.StatusCode, 500)
	assert.NotEmpty(t, b.session())
}

// testCrossOriginStateChanges: sign-out and organization switch posted from
// another origin (a sibling subdomain included) are refused with 403 and
// change nothing.
func testCrossOriginStateChanges(t *testing.T, h Harness) {
	e := newEnv(t, h)
	multi, _ := e.Emulator.UserByEmail(authkittest.MultiOrgEmail)
	b := e.browser()
	b.signIn(authkittest.MultiOrgEmail)
	session := b.session()
	before := report(t, b.get(PathProtected)).Framework
	require.NotNil(t, before)
	target := multi.Memberships[0].OrganizationID
	if target == before.OrganizationID {
		target = multi.Memberships[1].OrganizationID
	}
	hostile := map[string]http.Header{
		"sibling subdomain":                 {"Sec-Fetch-Site": {"same-site"}, "Origin": {"http://evil.app.test"}},
		"cross-site":                        {"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}},
		"foreign Origin, no Fetch Metadata": {"Origin": {"https://evil.example"}},
	}
	for name, header := range hostile {
		for _, route := range []string{PathSignOut, PathSwitchOrganization} {
			resp := b.do(http.MethodPost, route, url.Values{authkit.ParamOrganizationID: {target}}, header)
			drain(resp)
			assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s: POST %s", name, route)
			assert.Nil(t, setCookie(resp, authkit.DefaultCookieName), "%s: POST %s must not touch the session cookie", name, route)
		}
	}
	require.Equal(t, session, b.session())
	after := report(t, b.get(PathProtected)).Framework
	require.NotNil(t, after, "still signed in")
	assert.Equal(t, before.OrganizationID, after.OrganizationID, "still in the same organization")
	assert.True(t, e.Emulator.SessionActive(before.SessionID), "the session was not ended at WorkOS")
}

func testRoleRequirement(t *testing.T, h Harness) {
	e := newEnv(t, h)
	b := e.browser()
	b.signIn(authkittest.PlainEmail)
	resp := b.get(PathAdmin)
	drain(resp)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)

	a := e.browser()
	a.signIn(authkittest.AdminEmail)
	r := report(t, a.get(PathAdmin))
	assert.Equal(t, "admin", r.Framework.Role)
}

func testSignUp(t *testing.T, h Harness) {
	e := newEnv(t, h)
	resp := e.browser().get(PathSignUp + "?return_to=/welcome")
	drain(resp)
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "sign-up", loc.Query().Get("screen_hint"))
}
