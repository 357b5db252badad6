package authkit_test

// Tests of the security hardening (issue 10): length caps before any work,
// planted session cookies, the __Host- prefix and the same-origin rule of
// the state-changing routes.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/seal"
	"github.com/authkit-go/authkit/core/token"
)

// allocatedBytes reports how many bytes f allocates (the whole process's
// allocations while it runs: the package's tests do not run in parallel).
func allocatedBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// ---------------------------------------------------------------- length caps before work

// An oversized cookie or bearer token is refused by its length alone, with
// the typed reason, before the opened-session and verified-token memos copy
// and hash it.
func TestOversizedInputsRejectedBeforeHashing(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	const calls = 20

	t.Run("cookie", func(t *testing.T) {
		r := newReq(http.MethodGet, "/", sessionCookie("Fe26.2*"+strings.Repeat("A", 1<<20)))
		d := f.c.Load(ctx, r)
		require.Nil(t, d.Auth)
		require.ErrorIs(t, d.Err, authkit.ErrInvalidSession)
		require.ErrorIs(t, d.Err, seal.ErrMalformed)
		require.Contains(t, d.Err.Error(), "too long")
		requireCleared(t, d)
		n := allocatedBytes(func() {
			for range calls {
				f.c.Load(ctx, r)
			}
		})
		require.Less(t, n, uint64(64<<10), "%d loads of a 1 MiB cookie allocated %d bytes: the cookie was copied or hashed", calls, n)
	})
	t.Run("bearer", func(t *testing.T) {
		r := newReq(http.MethodGet, "/api")
		r.Header.Set("Authorization", "Bearer "+strings.Repeat("a", 1<<20)+".b.c")
		d := f.c.Load(ctx, r)
		require.Equal(t, http.StatusUnauthorized, d.Status)
		require.ErrorIs(t, d.Err, authkit.ErrInvalidBearer)
		require.ErrorIs(t, d.Err, token.ErrMalformed)
		require.Contains(t, d.Header.Get("WWW-Authenticate"), `error_description="malformed"`)
		n := allocatedBytes(func() {
			for range calls {
				f.c.Load(ctx, r)
			}
		})
		require.Less(t, n, uint64(64<<10), "%d loads with a 1 MiB bearer token allocated %d bytes: the token was copied or hashed", calls, n)
	})
}

// BenchmarkLoadOversized shows that refusing an oversized cookie or bearer
// token no longer costs a copy and a hash of it: compare each pair of
// sub-benchmarks (B/op is flat; what grows with the size is only the scan
// of the Cookie header for the cookie's name). Before the caps came first,
// a 1 MiB cookie or token cost ~1.3-2 ms and 1 MiB per request.
func BenchmarkLoadOversized(b *testing.B) {
	f := newFixture(b, nil)
	ctx := context.Background()
	for _, size := range []int{seal.MaxSealedLength + 1, 1 << 20} {
		r := newReq(http.MethodGet, "/", sessionCookie(strings.Repeat("A", size)))
		b.Run(fmt.Sprintf("cookie/bytes=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if d := f.c.Load(ctx, r); d.Err == nil {
					b.Fatal("accepted")
				}
			}
		})
	}
	for _, size := range []int{token.MaxTokenSize + 1, 1 << 20} {
		r := newReq(http.MethodGet, "/")
		r.Header.Set("Authorization", "Bearer "+strings.Repeat("a", size))
		b.Run(fmt.Sprintf("bearer/bytes=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if d := f.c.Load(ctx, r); d.Status != http.StatusUnauthorized {
					b.Fatal("accepted")
				}
			}
		})
	}
}

// ---------------------------------------------------------------- same-origin state changes

// Sign-out and organization switch are accepted from the application's
// origin only: Fetch Metadata same-origin (or none), else an Origin that is
// RedirectURI's or a trusted one. A sibling subdomain (same-site) is
// refused like any other site; a request with neither header (not a
// browser) passes.
func TestStateChangesRequireSameOrigin(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	trusting := f.client(func(cfg *authkit.Config) {
		cfg.TrustedOrigins = []string{"https://www.app.test"}
		cfg.AllowGETSignOut = true
	})
	cookie, _ := f.signIn(authkittest.MultiOrgEmail)

	cases := []struct {
		name              string
		header            http.Header
		ok, okWhenTrusted bool
	}{
		{"no headers (not a browser)", nil, true, true},
		{"same-origin", http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {appOrigin}}, true, true},
		{"user-initiated", http.Header{"Sec-Fetch-Site": {"none"}}, true, true},
		{"sibling subdomain", http.Header{"Sec-Fetch-Site": {"same-site"}, "Origin": {"http://evil.app.test"}}, false, false},
		{"cross-site", http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}, false, false},
		{"unknown Sec-Fetch-Site", http.Header{"Sec-Fetch-Site": {"same-ish"}}, false, false},
		{"foreign Origin, no Fetch Metadata", http.Header{"Origin": {"https://evil.example"}}, false, false},
		{"sibling Origin, no Fetch Metadata", http.Header{"Origin": {"http://evil.app.test"}}, false, false},
		{"opaque Origin", http.Header{"Origin": {"null"}}, false, false},
		{"look-alike Origin", http.Header{"Origin": {appOrigin + ".evil.example"}}, false, false},
		{"other scheme", http.Header{"Origin": {"https://app.test"}}, false, false},
		{"app Origin, no Fetch Metadata", http.Header{"Origin": {appOrigin}}, true, true},
		{"trusted sibling", http.Header{"Sec-Fetch-Site": {"same-site"}, "Origin": {"https://www.app.test"}}, false, true},
		{"trusted Origin, no Fetch Metadata", http.Header{"Origin": {"https://www.app.test"}}, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range []struct {
				name   string
				client *authkit.Client
				ok     bool
			}{{"default", f.c, tc.ok}, {"trusting", trusting, tc.okWhenTrusted}} {
				req := func(method string, cookies ...*http.Cookie) *authkit.Request {
					r := newReq(method, "/x", cookies...)
					for k, vs := range tc.header {
						r.Header[k] = vs
					}
					return r
				}
				refused := func(d authkit.Decision, what string) {
					t.Helper()
					require.Equal(t, http.StatusForbidden, d.Status, "%s, %s client", what, c.name)
					require.ErrorIs(t, d.Err, authkit.ErrCrossSite)
					requireNoSessionCookie(t, d)
				}
				// Without a session an accepted sign-out goes home and an
				// accepted switch goes to sign-in: either way, not 403.
				sd := c.client.SignOut(ctx, req(http.MethodPost))
				wd := c.client.SwitchOrganization(ctx, req(http.MethodPost), authkittest.GlobexOrgID, "/")
				if c.ok {
					require.Equal(t, http.StatusSeeOther, sd.Status, "%s client", c.name)
					require.NotErrorIs(t, sd.Err, authkit.ErrCrossSite)
					require.Equal(t, http.StatusSeeOther, wd.Status, "%s client", c.name)
					require.NotErrorIs(t, wd.Err, authkit.ErrCrossSite)
					continue
				}
				refused(c.client.SignOut(ctx, req(http.MethodPost, sessionCookie(cookie))), "sign-out")
				refused(c.client.SwitchOrganization(ctx, req(http.MethodPost, sessionCookie(cookie)), authkittest.GlobexOrgID, "/"), "switch")
				if c.client == trusting { // sign-out by GET is checked too
					refused(c.client.SignOut(ctx, req(http.MethodGet, sessionCookie(cookie))), "GET sign-out")
				}
			}
		})
	}
	// The refusals left the session as it was.
	d := f.load(f.c, cookie)
	require.NotNil(t, d.Auth)
	require.Equal(t, authkittest.AcmeOrgID, d.Auth.OrganizationID)
	require.True(t, f.emu.SessionActive(d.Auth.SessionID))
}

func TestTrustedOrigins(t *testing.T) {
	f := newFixture(t, nil)
	c := f.client(func(cfg *authkit.Config) {
		cfg.TrustedOrigins = []string{"HTTPS://WWW.App.Test:443/", "http://admin.app.test:8080", "https://www.app.test"}
	})
	require.Equal(t, []string{"https://www.app.test", "http://admin.app.test:8080"}, c.Config().TrustedOrigins, "normalized as browsers write Origin, duplicates dropped")
	for origin, want := range map[string]bool{
		appOrigin:                           true,
		appOrigin + ":80":                   true,
		appOrigin + "/callback?x=1":         true,
		"https://www.app.test":              true,
		"https://www.app.test/after":        true,
		"http://admin.app.test:8080":        true,
		"https://app.test":                  false,
		"http://www.app.test":               false,
		"http://admin.app.test":             false,
		"https://evil.example":              false,
		"https://www.app.test@evil.example": false,
		"//www.app.test":                    false,
		"/callback":                         false,
		"null":                              false,
		"":                                  false,
	} {
		require.Equal(t, want, c.TrustedOrigin(origin), "%q", origin)
	}
	require.False(t, f.c.TrustedOrigin("https://www.app.test"), "only the redirect URI's origin by default")

	// Config hands out a copy.
	cfg := c.Config()
	cfg.TrustedOrigins[0] = "https://evil.example"
	require.False(t, c.TrustedOrigin("https://evil.example"))
	require.True(t, c.TrustedOrigin("https://www.app.test"))
}

func TestTrustedOriginsConfig(t *testing.T) {
	env := baseEnv()
	env["WORKOS_TRUSTED_ORIGINS"] = " https://www.example.com , http://localhost:3000,"
	c, err := authkit.New(authkit.Config{Getenv: getenv(env)})
	require.NoError(t, err)
	require.Equal(t, []string{"https://www.example.com", "http://localhost:3000"}, c.Config().TrustedOrigins)

	c, err = authkit.New(authkit.Config{Getenv: getenv(env), TrustedOrigins: []string{"https://code.example.com"}})
	require.NoError(t, err)
	require.Equal(t, []string{"https://code.example.com"}, c.Config().TrustedOrigins, "code wins over the environment")

	for _, bad := range []string{"www.example.com", "https://*.example.com", "https://www.example.com/app", "ftp://www.example.com",
		"https://www.example.com?x", "https://user@www.example.com", "https://", "https://www.example.com:"} {
		env := baseEnv()
		env["WORKOS_TRUSTED_ORIGINS"] = "https://ok.example.com," + bad
		_, err := authkit.New(authkit.Config{Getenv: getenv(env)})
		require.ErrorIs(t, err, authkit.ErrConfig, "%q", bad)
		require.Contains(t, err.Error(), "WORKOS_TRUSTED_ORIGINS", "%q", bad)
		require.NotContains(t, err.Error(), `"https://ok.example.com"`, "only the bad entry is reported")
	}
}

// ---------------------------------------------------------------- planted session cookies

// cookieHeader builds a request whose Cookie header holds the given session
// cookie values, in order (what a browser sends when a sibling subdomain
// planted one next to ours).
func cookieHeader(method, target string, values ...string) *authkit.Request {
	cs := make([]*http.Cookie, len(values))
	for i, v := range values {
		cs[i] = sessionCookie(v)
	}
	return newReq(method, target, cs...)
}

func sessionSetCookies(d authkit.Decision) int {
	n := 0
	for _, v := range d.Header.Values("Set-Cookie") {
		if strings.HasPrefix(v, authkit.DefaultCookieName+"=") {
			n++
		}
	}
	return n
}

// Of several same-name session cookies the one that opens is used, wherever
// it is; the cookie is cleared only when none opens.
func TestPlantedSessionCookies(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	cookie, cb := f.signIn(authkittest.MultiOrgEmail)
	foreign, err := seal.SealJSON(map[string]any{"accessToken": "x", "refreshToken": "y", "user": map[string]any{"id": "user_1"}}, seal.Single("another-password-that-is-32-chars-long!!"))
	require.NoError(t, err)

	for name, values := range map[string][]string{
		"garbage first":      {"garbage", cookie},
		"garbage last":       {cookie, "garbage"},
		"foreign seal first": {foreign, cookie},
		"empty first":        {"", cookie},
		"several planted":    {"a", foreign, "Fe26.2**x", cookie},
		"oversized first":    {strings.Repeat("A", seal.MaxSealedLength+1), cookie},
	} {
		t.Run(name, func(t *testing.T) {
			d := f.c.Load(ctx, cookieHeader(http.MethodGet, "/", values...))
			require.NoError(t, d.Err)
			require.NotNil(t, d.Auth)
			require.Equal(t, cb.Auth.SessionID, d.Auth.SessionID)
			requireNoSessionCookie(t, d)
		})
	}
	t.Run("none opens", func(t *testing.T) {
		d := f.c.Load(ctx, cookieHeader(http.MethodGet, "/", "garbage", foreign))
		require.Nil(t, d.Auth)
		require.ErrorIs(t, d.Err, authkit.ErrInvalidSession)
		requireCleared(t, d)
		require.Equal(t, 1, sessionSetCookies(d), "one clearing header")
	})
	t.Run("bounded", func(t *testing.T) {
		values := make([]string, 100)
		for i := range values {
			values[i] = foreign
		}
		d := f.c.Load(ctx, cookieHeader(http.MethodGet, "/", append(values, cookie)...))
		require.Nil(t, d.Auth, "only the first few cookies are tried")
		requireCleared(t, d)
	})
	t.Run("switch organization", func(t *testing.T) {
		r := cookieHeader(http.MethodPost, "/switch", "garbage", cookie)
		d := f.c.SwitchOrganization(ctx, r, authkittest.GlobexOrgID, "/")
		require.NoError(t, d.Err)
		require.Equal(t, http.StatusSeeOther, d.Status)
		require.Equal(t, authkittest.GlobexOrgID, d.Auth.OrganizationID)
		nc := cookieIn(d, authkit.DefaultCookieName)
		require.NotNil(t, nc)
		require.NotEmpty(t, nc.Value, "the new session is set, nothing cleared")
		require.Equal(t, 1, sessionSetCookies(d))
		cookie = nc.Value
	})
	t.Run("sign-out", func(t *testing.T) {
		d := f.c.SignOut(ctx, cookieHeader(http.MethodPost, "/sign-out", "garbage", cookie))
		require.NoError(t, d.Err)
		loc, err := url.Parse(d.Location())
		require.NoError(t, err)
		require.Equal(t, cb.Auth.SessionID, loc.Query().Get("session_id"), "the session that opens is ended")
		requireCleared(t, d)
		require.Equal(t, 1, sessionSetCookies(d))
	})
}

// ---------------------------------------------------------------- the __Host- prefix

func TestHostPrefixCookies(t *testing.T) {
	const redirect = "https://app.test" + callbackPath
	f := newFixture(t, nil)
	c := f.client(func(cfg *authkit.Config) { cfg.RedirectURI, cfg.HostPrefix = redirect, true })
	require.Equal(t, "__Host-"+authkit.DefaultCookieName, c.Config().CookieName)
	ctx := context.Background()

	f.emu.AutoApprove(authkittest.AdminEmail)
	sd := c.SignIn(ctx, newReq(http.MethodGet, "/sign-in"), authkit.SignInOptions{})
	require.Equal(t, http.StatusFound, sd.Status)
	require.Len(t, sd.Cookies, 1)
	v := sd.Cookies[0]
	require.True(t, strings.HasPrefix(v.Name, "__Host-"+authkit.DefaultVerifierPrefix+"-"), v.Name)
	requireHostCookie(t, v)

	cd := c.Callback(ctx, newReq(http.MethodGet, f.authorize(sd.Location()).RequestURI(), v))
	require.NoError(t, cd.Err)
	sess := cookieIn(cd, "__Host-"+authkit.DefaultCookieName)
	require.NotNil(t, sess)
	requireHostCookie(t, sess)
	require.Nil(t, cookieIn(cd, authkit.DefaultCookieName))
	cleared := cookieIn(cd, v.Name)
	require.NotNil(t, cleared, "the verifier is cleared under its own name")
	requireHostCookie(t, cleared)

	// The session is read from the prefixed cookie; a plain wos-session
	// (what a sibling subdomain can plant) is not even looked at.
	hostCookie := func(v string) *http.Cookie { return &http.Cookie{Name: sess.Name, Value: v} }
	d := c.Load(ctx, newReq(http.MethodGet, "/", sessionCookie("planted"), hostCookie(sess.Value)))
	require.NoError(t, d.Err)
	require.NotNil(t, d.Auth)
	require.Empty(t, d.Cookies)
	d = c.Load(ctx, newReq(http.MethodGet, "/", sessionCookie(sess.Value)))
	require.Nil(t, d.Auth, "the unprefixed name is not this client's cookie")
	require.Empty(t, d.Cookies, "and it is not cleared either")

	// Sign-out clears the prefixed cookie with the attributes it needs.
	so := c.SignOut(ctx, newReq(http.MethodPost, "/sign-out", hostCookie(sess.Value)))
	require.Equal(t, http.StatusSeeOther, so.Status)
	gone := cookieIn(so, sess.Name)
	require.NotNil(t, gone)
	require.Less(t, gone.MaxAge, 0)
	requireHostCookie(t, gone)
}

// requireHostCookie checks what browsers demand of a __Host- cookie.
func requireHostCookie(t *testing.T, c *http.Cookie) {
	t.Helper()
	require.True(t, c.Secure, "%s must be Secure", c.Name)
	require.Equal(t, "/", c.Path, "%s must have Path=/", c.Name)
	require.Empty(t, c.Domain, "%s must have no Domain", c.Name)
}

func TestHostPrefixConfig(t *testing.T) {
	env := baseEnv()
	env["WORKOS_COOKIE_HOST_PREFIX"] = "true"
	c, err := authkit.New(authkit.Config{Getenv: getenv(env)})
	require.NoError(t, err)
	require.True(t, c.Config().HostPrefix)
	require.Equal(t, "__Host-wos-session", c.Config().CookieName)

	env = baseEnv()
	env["WORKOS_COOKIE_NAME"] = "__Host-app"
	c, err = authkit.New(authkit.Config{Getenv: getenv(env)})
	require.NoError(t, err)
	require.True(t, c.Config().HostPrefix, "a __Host- name turns the prefix on, for the verifiers too")
	require.Equal(t, "__Host-app", c.Config().CookieName)
	d := c.HandleSignIn(context.Background(), newReq(http.MethodGet, "/sign-in"))
	require.True(t, strings.HasPrefix(d.Cookies[0].Name, "__Host-"+authkit.DefaultVerifierPrefix+"-"))

	c, err = authkit.New(authkit.Config{Getenv: getenv(baseEnv()), HostPrefix: true, CookieName: "app"})
	require.NoError(t, err)
	require.Equal(t, "__Host-app", c.Config().CookieName)

	for name, tc := range map[string]struct {
		set     map[string]string
		mention []string
	}{
		"with a domain":       {map[string]string{"WORKOS_COOKIE_HOST_PREFIX": "1", "WORKOS_COOKIE_DOMAIN": "example.com"}, []string{"WORKOS_COOKIE_HOST_PREFIX", "WORKOS_COOKIE_DOMAIN"}},
		"over http":           {map[string]string{"WORKOS_COOKIE_HOST_PREFIX": "true", "WORKOS_REDIRECT_URI": "http://localhost:8080/callback"}, []string{"WORKOS_COOKIE_HOST_PREFIX", "WORKOS_REDIRECT_URI", "https"}},
		"name over http":      {map[string]string{"WORKOS_COOKIE_NAME": "__Host-app", "WORKOS_REDIRECT_URI": "http://localhost:8080/callback"}, []string{"WORKOS_COOKIE_NAME", "__Host-", "WORKOS_REDIRECT_URI"}},
		"__Secure- over http": {map[string]string{"WORKOS_COOKIE_NAME": "__Secure-app", "WORKOS_REDIRECT_URI": "http://localhost:8080/callback"}, []string{"WORKOS_COOKIE_NAME", "__Secure-", "WORKOS_REDIRECT_URI"}},
		"not a boolean":       {map[string]string{"WORKOS_COOKIE_HOST_PREFIX": "yes please"}, []string{"WORKOS_COOKIE_HOST_PREFIX", "true or false"}},
	} {
		t.Run(name, func(t *testing.T) {
			env := baseEnv()
			for k, v := range tc.set {
				env[k] = v
			}
			_, err := authkit.New(authkit.Config{Getenv: getenv(env)})
			require.ErrorIs(t, err, authkit.ErrConfig)
			for _, m := range tc.mention {
				require.Contains(t, err.Error(), m)
			}
		})
	}
}
