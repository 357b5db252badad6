package authkittest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
	"github.com/stretchr/testify/require"

	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/workos"
)

func fetchJWKS(t *testing.T, e *authkittest.Emulator) jwk.Set {
	t.Helper()
	set, err := jwk.Fetch(context.Background(), e.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func parseToken(t *testing.T, e *authkittest.Emulator, tok string) jwt.Token {
	t.Helper()
	pt, err := jwt.Parse([]byte(tok), jwt.WithKeySet(fetchJWKS(t, e)), jwt.WithIssuer(e.Issuer()), jwt.WithValidate(true))
	if err != nil {
		t.Fatalf("token does not verify: %v", err)
	}
	return pt
}

func claim(t *testing.T, tok jwt.Token, name string) any {
	t.Helper()
	v, _ := tok.Get(name)
	return v
}

func TestDefaultSeed(t *testing.T) {
	e := authkittest.NewServer(t)
	if len(e.Users()) != 3 || len(e.Organizations()) != 2 {
		t.Fatalf("users %d orgs %d", len(e.Users()), len(e.Organizations()))
	}
	u, ok := e.UserByEmail("ADMIN@example.com")
	if !ok || u.ID != authkittest.AdminUserID || u.Memberships[0].OrganizationName != "Acme Corp" || u.Memberships[0].Role != "admin" {
		t.Fatalf("%+v", u)
	}
	m, _ := e.UserByEmail(authkittest.MultiOrgEmail)
	if len(m.Memberships) != 2 || m.Memberships[0].Role == m.Memberships[1].Role {
		t.Fatalf("multi-org user %+v", m)
	}
	p, _ := e.UserByEmail(authkittest.PlainEmail)
	if len(p.Memberships) != 0 {
		t.Fatalf("plain user %+v", p)
	}
	if !strings.HasPrefix(e.URL(), "http://127.0.0.1:") || e.ClientID() != authkittest.DefaultClientID || e.APIKey() != authkittest.DefaultAPIKey {
		t.Fatal(e.URL(), e.ClientID())
	}
	if e.Issuer() != e.URL()+"/user_management/client_emulator" || e.JWKSURL() != e.URL()+"/sso/jwks/client_emulator" {
		t.Fatal(e.Issuer(), e.JWKSURL())
	}
	resp, err := http.Get(e.URL() + "/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatal(err, resp)
	}
	resp.Body.Close()
}

func TestLoadSeed(t *testing.T) {
	_, err := authkittest.LoadSeed(strings.NewReader(`{
	 "organizations":[{"name":"Initech","feature_flags":["x"]}],
	 "users":[{"email":"bob@initech.test","first_name":"Bob","memberships":[{"organization_id":"org_it","role":"viewer"}]}]}`))
	if err == nil {
		t.Fatal("unknown organization reference accepted")
	}
	s, err := authkittest.LoadSeed(strings.NewReader(`{
	 "organizations":[{"id":"org_it","name":"Initech","feature_flags":["x"]}],
	 "users":[{"email":"bob@initech.test","first_name":"Bob","impersonator":{"email":"support@example.com","reason":"ticket"},
	           "memberships":[{"organization_id":"org_it","role":"viewer","permissions":["a:b"]}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := authkittest.LoadSeed(strings.NewReader(`{"users":[{"email":"x@y","bogus":1}]}`)); err == nil {
		t.Fatal("unknown field accepted")
	}
	e := authkittest.NewServer(t, authkittest.WithSeed(s), authkittest.WithClientID("client_custom"), authkittest.WithAPIKey("sk_custom"))
	u, ok := e.UserByEmail("bob@initech.test")
	if !ok || !strings.HasPrefix(u.ID, "user_01") || u.Memberships[0].Roles[0] != "viewer" {
		t.Fatalf("%+v", u)
	}
	c := newClient(t, e)
	r := signIn(t, e, c, "bob@initech.test")
	if r.AuthenticationMethod != "Impersonation" || r.Impersonator == nil || r.Impersonator.Email != "support@example.com" || r.OrganizationID != "org_it" {
		t.Fatalf("%+v", r)
	}
	tok := parseToken(t, e, r.AccessToken)
	act, _ := claim(t, tok, "act").(map[string]any)
	if act["sub"] != "support@example.com" || claim(t, tok, "role") != "viewer" {
		t.Fatalf("act %v role %v", act, claim(t, tok, "role"))
	}
}

var buttonRE = regexp.MustCompile(`<button[^>]*data-email="([^"]+)"[^>]*>([^<]+)</button>`)

func TestInteractiveSignInPage(t *testing.T) {
	e := authkittest.NewServer(t)
	c := newClient(t, e)
	u, _ := c.AuthorizationURL(workos.AuthorizationURLParams{RedirectURI: "http://app.test/cb?x=1", State: "s1", LoginHint: authkittest.MultiOrgEmail, OrganizationID: authkittest.GlobexOrgID})
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	page := string(body)
	buttons := buttonRE.FindAllStringSubmatch(page, -1)
	if len(buttons) != 3 {
		t.Fatalf("want 3 buttons, got %d:\n%s", len(buttons), page)
	}
	for _, want := range []string{"Acme Corp (admin)", "Globex Corporation (admin)", "No organization", "Ada Admin"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	req := regexp.MustCompile(`name="request" value="([^"]+)"`).FindStringSubmatch(page)
	action := regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindStringSubmatch(page)
	if req == nil || action == nil {
		t.Fatal("no form")
	}
	form := url.Values{"request": {req[1]}, "email": {authkittest.MultiOrgEmail}}
	resp, err = noRedirect.PostForm(e.URL()+action[1], form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != 302 || loc.Host != "app.test" || loc.Query().Get("state") != "s1" || loc.Query().Get("x") != "1" || loc.Query().Get("code") == "" {
		t.Fatalf("%d %v", resp.StatusCode, loc)
	}
	r, err := c.AuthenticateWithCode(context.Background(), workos.CodeParams{Code: loc.Query().Get("code")})
	if err != nil {
		t.Fatal(err)
	}
	if r.User.ID != authkittest.MultiOrgUserID || r.OrganizationID != authkittest.GlobexOrgID {
		t.Fatalf("%+v", r)
	}
	// The pending request is single-use.
	resp, _ = noRedirect.PostForm(e.URL()+action[1], form)
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("replayed approve: %d", resp.StatusCode)
	}
	if e.Count(authkittest.EndpointAuthorize) != 1 {
		t.Fatalf("authorize count %d", e.Count(authkittest.EndpointAuthorize))
	}
}

func TestAuthorizeValidation(t *testing.T) {
	e := authkittest.NewServer(t)
	base := e.URL() + "/user_management/authorize?"
	ok := url.Values{"client_id": {e.ClientID()}, "redirect_uri": {"http://app.test/cb"}, "response_type": {"code"}}
	cases := map[string]func(url.Values){
		"client_id":      func(v url.Values) { v.Set("client_id", "client_other") },
		"redirect_uri":   func(v url.Values) { v.Set("redirect_uri", "/relative") },
		"response_type":  func(v url.Values) { v.Set("response_type", "token") },
		"method plain":   func(v url.Values) { v.Set("code_challenge", "x"); v.Set("code_challenge_method", "plain") },
		"screen_hint":    func(v url.Values) { v.Set("screen_hint", "register") },
		"unknown org id": func(v url.Values) { v.Set("organization_id", "org_nope") },
	}
	for name, mut := range cases {
		v := url.Values{}
		for k, vs := range ok {
			v[k] = append([]string(nil), vs...)
		}
		mut(v)
		resp, err := noRedirect.Get(base + v.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("%s: status %d", name, resp.StatusCode)
		}
	}
}

func TestCodeGrantAndClaims(t *testing.T) {
	e := authkittest.NewServer(t)
	c := newClient(t, e)
	r := signIn(t, e, c, authkittest.AdminEmail)
	if r.User.ID != authkittest.AdminUserID || r.User.Email != authkittest.AdminEmail || r.User.FirstName != "Ada" || r.User.Object != "user" ||
		r.OrganizationID != authkittest.AcmeOrgID || r.AuthenticationMethod != "Password" || r.Impersonator != nil {
		t.Fatalf("%+v", r)
	}
	tok := parseToken(t, e, r.AccessToken)
	if tok.Subject() != authkittest.AdminUserID || claim(t, tok, "org_id") != authkittest.AcmeOrgID || claim(t, tok, "role") != "admin" {
		t.Fatalf("claims %v", tok)
	}
	perms, _ := claim(t, tok, "permissions").([]any)
	if len(perms) != 3 || claim(t, tok, "sid") == nil || tok.JwtID() == "" {
		t.Fatalf("permissions %v", perms)
	}
	if ent, _ := claim(t, tok, "entitlements").([]any); len(ent) != 1 {
		t.Fatalf("entitlements %v", ent)
	}
	if ff, _ := claim(t, tok, "feature_flags").([]any); len(ff) != 1 {
		t.Fatalf("feature_flags %v", ff)
	}
	if d := tok.Expiration().Sub(tok.IssuedAt()); d != authkittest.DefaultAccessTokenTTL {
		t.Fatalf("ttl %v", d)
	}
	// Plain user: no organization claims.
	p := signIn(t, e, c, authkittest.PlainEmail)
	pt := parseToken(t, e, p.AccessToken)
	if p.OrganizationID != "" || claim(t, pt, "org_id") != nil || claim(t, pt, "role") != nil {
		t.Fatalf("plain %+v", p)
	}
	e.SetAccessTokenTTL(time.Minute)
	r2 := signIn(t, e, c, authkittest.AdminEmail)
	t2 := parseToken(t, e, r2.AccessToken)
	if d := t2.Expiration().Sub(t2.IssuedAt()); d != time.Minute {
		t.Fatalf("ttl %v", d)
	}
	if e.Count(authkittest.EndpointCodeGrant) != 3 || e.Count(authkittest.EndpointAuthenticate) != 3 || e.Count(authkittest.EndpointRefresh) != 0 {
		t.Fatal("counts", e.Count(authkittest.EndpointCodeGrant), e.Count(authkittest.EndpointAuthenticate))
	}
	e.ResetCounts()
	if e.Count(authkittest.EndpointCodeGrant) != 0 {
		t.Fatal("ResetCounts")
	}
}

func TestPKCE(t *testing.T) {
	e := authkittest.NewServer(t)
	c := newClient(t, e)
	verifier := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	p := workos.AuthorizationURLParams{CodeChallenge: challengeFor(verifier), State: "st"}
	ctx := context.Background()

	for name, v := range map[string]string{"wrong verifier": "not-the-verifier-not-the-verifier-000000000", "missing verifier": ""} {
		code := codeFor(t, e, c, authkittest.AdminEmail, p)
		_, err := c.AuthenticateWithCode(ctx, workos.CodeParams{Code: code, CodeVerifier: v})
		if !workos.IsInvalidGrant(err) || workos.IsTransient(err) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	code := codeFor(t, e, c, authkittest.AdminEmail, p)
	if _, err := c.AuthenticateWithCode(ctx, workos.CodeParams{Code: code, CodeVerifier: verifier}); err != nil {
		t.Fatal(err)
	}
	// Public client (PKCE, no client secret) is accepted too.
	pub, _ := workos.New(workos.Config{BaseURL: e.URL(), ClientID: e.ClientID()})
	code = codeFor(t, e, c, authkittest.AdminEmail, p)
	r, err := pub.AuthenticateWithCode(ctx, workos.CodeParams{Code: code, CodeVerifier: verifier})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pub.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: r.RefreshToken}); err != nil {
		t.Fatal("public refresh:", err)
	}
	// A public client replaying a spent code or refresh token, or sending an
	// unknown one, is a valid client with a bad grant: invalid_grant, as
	// WorkOS and RFC 6749 (5.2) answer, not invalid_client.
	_, err = pub.AuthenticateWithCode(ctx, workos.CodeParams{Code: code, CodeVerifier: verifier})
	require.Equal(t, workos.CodeInvalidGrant, workos.ErrorCode(err), "spent code: %v", err)
	_, err = pub.AuthenticateWithCode(ctx, workos.CodeParams{Code: "code_unknown", CodeVerifier: verifier})
	require.Equal(t, workos.CodeInvalidGrant, workos.ErrorCode(err), "unknown code: %v", err)
	_, err = pub.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: r.RefreshToken})
	require.Equal(t, workos.CodeInvalidGrant, workos.ErrorCode(err), "spent refresh token: %v", err)
	_, err = pub.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: "rt_unknown"})
	require.Equal(t, workos.CodeInvalidGrant, workos.ErrorCode(err), "unknown refresh token: %v", err)
	// A client ID the emulator does not know stays invalid_client.
	other, _ := workos.New(workos.Config{BaseURL: e.URL(), ClientID: "client_other"})
	_, err = other.AuthenticateWithCode(ctx, workos.CodeParams{Code: "code_unknown", CodeVerifier: verifier})
	require.Equal(t, workos.CodeInvalidClient, workos.ErrorCode(err))
	// ... but not without PKCE.
	code = codeFor(t, e, c, authkittest.AdminEmail, workos.AuthorizationURLParams{})
	_, err = pub.AuthenticateWithCode(ctx, workos.CodeParams{Code: code})
	if workos.ErrorCode(err) != "invalid_client" {
		t.Fatal(err)
	}
}

func TestCodeSingleUseAndExpiry(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := authkittest.NewServer(t, authkittest.WithClock(clock))
	c := newClient(t, e)
	ctx := context.Background()
	code := codeFor(t, e, c, authkittest.AdminEmail, workos.AuthorizationURLParams{})
	if _, err := c.AuthenticateWithCode(ctx, workos.CodeParams{Code: code}); err != nil {
		t.Fatal(err)
	}
	_, err := c.AuthenticateWithCode(ctx, workos.CodeParams{Code: code})
	var ae *workos.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 400 || ae.Code != "invalid_grant" {
		t.Fatalf("reuse: %v", err)
	}
	code = codeFor(t, e, c, authkittest.AdminEmail, workos.AuthorizationURLParams{})
	mu.Lock()
	now = now.Add(authkittest.CodeTTL + time.Second)
	mu.Unlock()
	if _, err := c.AuthenticateWithCode(ctx, workos.CodeParams{Code: code}); !workos.IsInvalidGrant(err) {
		t.Fatalf("expired: %v", err)
	}
	if _, err := c.AuthenticateWithCode(ctx, workos.CodeParams{Code: "made-up"}); !workos.IsInvalidGrant(err) {
		t.Fatalf("unknown: %v", err)
	}
	bad, _ := workos.New(workos.Config{BaseURL: e.URL(), ClientID: e.ClientID(), APIKey: "sk_wrong"})
	code = codeFor(t, e, c, authkittest.AdminEmail, workos.AuthorizationURLParams{})
	if _, err := bad.AuthenticateWithCode(ctx, workos.CodeParams{Code: code}); workos.ErrorCode(err) != "invalid_client" || workos.IsTransient(err) {
		t.Fatalf("bad secret: %v", err)
	}
}

func TestRefreshRotationAndReuse(t *testing.T) {
	e := authkittest.NewServer(t)
	c := newClient(t, e)
	ctx := context.Background()
	r := signIn(t, e, c, authkittest.AdminEmail)
	r2, err := c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: r.RefreshToken})
	if err != nil {
		t.Fatal(err)
	}
	if r2.RefreshToken == r.RefreshToken || r2.AccessToken == r.AccessToken {
		t.Fatal("tokens not rotated")
	}
	t1, t2 := parseToken(t, e, r.AccessToken), parseToken(t, e, r2.AccessToken)
	if claim(t, t1, "sid") != claim(t, t2, "sid") {
		t.Fatal("refresh changed session id")
	}
	if _, err := c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: r.RefreshToken}); !workos.IsInvalidGrant(err) {
		t.Fatalf("reuse: %v", err)
	}
	if _, err := c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: r2.RefreshToken}); err != nil {
		t.Fatal(err)
	}
	if e.Count(authkittest.EndpointRefresh) != 3 {
		t.Fatal("refresh count", e.Count(authkittest.EndpointRefresh))
	}
}

func TestConcurrentRefreshOnlyOneWins(t *testing.T) {
	e := authkittest.NewServer(t)
	c := newClient(t, e)
	r := signIn(t, e, c, authkittest.AdminEmail)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.AuthenticateWithRefreshToken(context.Background(), workos.RefreshParams{RefreshToken: r.RefreshToken}); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			} else if !workos.IsInvalidGrant(err) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d refreshes succeeded", wins)
	}
}

func TestOrganizationSwitch(t *testing.T) {
	e := authkittest.NewServer(t)
	c := newClient(t, e)
	ctx := context.Background()
	r := signIn(t, e, c, authkittest.MultiOrgEmail)
	if r.OrganizationID != authkittest.AcmeOrgID || claim(t, parseToken(t, e, r.AccessToken), "role") != "member" {
		t.Fatalf("initial org %s", r.OrganizationID)
	}
	r2, err := c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: r.RefreshToken, OrganizationID: authkittest.GlobexOrgID})
	if err != nil {
		t.Fatal(err)
	}
	tok := parseToken(t, e, r2.AccessToken)
	if r2.OrganizationID != authkittest.GlobexOrgID || claim(t, tok, "org_id") != authkittest.GlobexOrgID || claim(t, tok, "role") != "admin" {
		t.Fatalf("after switch %+v", r2)
	}
	// The switch sticks for later refreshes.
	r3, err := c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: r2.RefreshToken})
	if err != nil || r3.OrganizationID != authkittest.GlobexOrgID {
		t.Fatal(err, r3)
	}
	a := signIn(t, e, c, authkittest.AdminEmail)
	_, err = c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: a.RefreshToken, OrganizationID: authkittest.GlobexOrgID})
	if workos.ErrorCode(err) != workos.CodeOrganizationMembershipMissing || workos.IsTransient(err) {
		t.Fatalf("non-member: %v", err)
	}
	_, err = c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: a.RefreshToken, OrganizationID: "org_nope"})
	if workos.ErrorCode(err) != workos.CodeOrganizationNotFound {
		t.Fatalf("unknown org: %v", err)
	}
	// A refused switch does not burn the refresh token.
	if _, err := c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: a.RefreshToken}); err != nil {
		t.Fatal(err)
	}
}

func TestKeyRotation(t *testing.T) {
	e := authkittest.NewServer(t)
	c := newClient(t, e)
	r := signIn(t, e, c, authkittest.AdminEmail)
	old := fetchJWKS(t, e)
	oldKid := e.KeyID()
	e.RotateKeys()
	if e.KeyID() == oldKid {
		t.Fatal("kid unchanged")
	}
	set := fetchJWKS(t, e)
	if set.Len() != 1 {
		t.Fatalf("jwks has %d keys", set.Len())
	}
	k, _ := set.Key(0)
	if k.KeyID() != e.KeyID() || k.KeyID() == oldKid {
		t.Fatalf("jwks kid %s", k.KeyID())
	}
	if _, err := jwt.Parse([]byte(r.AccessToken), jwt.WithKeySet(set)); err == nil {
		t.Fatal("old token verifies against rotated JWKS")
	}
	if _, err := jwt.Parse([]byte(r.AccessToken), jwt.WithKeySet(old)); err != nil {
		t.Fatal(err)
	}
	r2 := signIn(t, e, c, authkittest.AdminEmail)
	parseToken(t, e, r2.AccessToken)
	minted, err := e.MintAccessToken(authkittest.TokenParams{UserID: authkittest.AdminUserID, OrganizationID: authkittest.AcmeOrgID, TTL: -time.Minute, Extra: map[string]any{"custom": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	mt, err := jwt.Parse([]byte(minted), jwt.WithKeySet(set), jwt.WithValidate(false))
	if err != nil {
		t.Fatal(err)
	}
	if mt.Expiration().After(time.Now()) || claim(t, mt, "custom") != "x" || claim(t, mt, "role") != "admin" || mt.Issuer() != e.Issuer() {
		t.Fatalf("minted %v", mt)
	}
}

func TestJWKSShape(t *testing.T) {
	e := authkittest.NewServer(t)
	resp, err := http.Get(e.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Keys []map[string]any `json:"keys"`
	}
	err = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if err != nil || len(body.Keys) != 1 {
		t.Fatal(err, body)
	}
	k := body.Keys[0]
	if k["alg"] != "RS256" || k["use"] != "sig" || k["kty"] != "RSA" || k["kid"] != e.KeyID() {
		t.Fatalf("%v", k)
	}
	resp, _ = http.Get(e.URL() + "/sso/jwks/client_unknown")
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("unknown client: %d", resp.StatusCode)
	}
	if e.Count(authkittest.EndpointJWKS) != 2 {
		t.Fatal("jwks count")
	}
}

func TestLogoutRevokes(t *testing.T) {
	e := authkittest.NewServer(t)
	c := newClient(t, e)
	r := signIn(t, e, c, authkittest.AdminEmail)
	sid, _ := claim(t, parseToken(t, e, r.AccessToken), "sid").(string)
	if !e.SessionActive(sid) {
		t.Fatal("session not active")
	}
	resp, err := noRedirect.Get(c.LogoutURL(sid, "http://app.test/bye"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "http://app.test/bye" {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if e.SessionActive(sid) || e.Count(authkittest.EndpointLogout) != 1 {
		t.Fatal("session still active")
	}
	if _, err := c.AuthenticateWithRefreshToken(context.Background(), workos.RefreshParams{RefreshToken: r.RefreshToken}); !workos.IsInvalidGrant(err) {
		t.Fatalf("refresh after logout: %v", err)
	}
	// Other sessions are unaffected; RevokeSession does the same as logout.
	o := signIn(t, e, c, authkittest.AdminEmail)
	osid, _ := claim(t, parseToken(t, e, o.AccessToken), "sid").(string)
	if !e.RevokeSession(osid) {
		t.Fatal("RevokeSession")
	}
	if _, err := c.AuthenticateWithRefreshToken(context.Background(), workos.RefreshParams{RefreshToken: o.RefreshToken}); !workos.IsInvalidGrant(err) {
		t.Fatal(err)
	}
	resp, _ = noRedirect.Get(e.URL() + "/user_management/sessions/logout")
	resp.Body.Close()
	if resp.StatusCode != 422 {
		t.Fatalf("missing session_id: %d", resp.StatusCode)
	}
}

func TestFormEncodedAuthenticate(t *testing.T) {
	e := authkittest.NewServer(t)
	c := newClient(t, e)
	code := codeFor(t, e, c, authkittest.AdminEmail, workos.AuthorizationURLParams{})
	resp, err := http.PostForm(e.URL()+"/user_management/authenticate", url.Values{
		"grant_type": {"authorization_code"}, "client_id": {e.ClientID()}, "client_secret": {e.APIKey()}, "code": {code},
	})
	if err != nil {
		t.Fatal(err)
	}
	var r workos.AuthenticateResponse
	err = json.NewDecoder(resp.Body).Decode(&r)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || r.User.ID != authkittest.AdminUserID {
		t.Fatal(err, resp.StatusCode)
	}
	resp, _ = http.PostForm(e.URL()+"/user_management/authenticate", url.Values{"grant_type": {"password"}, "client_id": {e.ClientID()}})
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatal("unsupported grant", resp.StatusCode)
	}
}

func TestFaults(t *testing.T) {
	e := authkittest.NewServer(t)
	c := newClient(t, e)
	ctx := context.Background()
	r := signIn(t, e, c, authkittest.AdminEmail)

	h := http.Header{}
	h.Set("Retry-After", "7")
	e.FailNext(authkittest.EndpointRefresh, 2, authkittest.Fault{Status: 429, Header: h, Body: `{"code":"rate_limit_exceeded","message":"Too many requests"}`})
	for i := 0; i < 2; i++ {
		_, err := c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: r.RefreshToken})
		if d, ok := workos.RetryAfter(err); !workos.IsTransient(err) || !ok || d != 7*time.Second {
			t.Fatalf("429 #%d: %v", i, err)
		}
	}
	// Faulted requests do not consume the refresh token.
	r, err := c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: r.RefreshToken})
	if err != nil {
		t.Fatal(err)
	}

	e.FailNext(authkittest.EndpointAuthenticate, 1, authkittest.Fault{Status: 500, Body: "internal error"})
	if _, err := c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: r.RefreshToken}); !workos.IsTransient(err) {
		t.Fatalf("500: %v", err)
	}

	e.FailNext(authkittest.EndpointRefresh, 1, authkittest.Fault{Status: 200, Body: `{"user": garbage`})
	_, err = c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: r.RefreshToken})
	if !errors.Is(err, workos.ErrMalformedResponse) || !workos.IsTransient(err) {
		t.Fatalf("garbage: %v", err)
	}
	// A fault can pose as a proxy's HTML page: its Content-Type is sent as
	// given.
	html := http.Header{}
	html.Set("Content-Type", "text/html")
	e.FailNext(authkittest.EndpointRefresh, 1, authkittest.Fault{Status: 200, Header: html, Body: "<html>proxy</html>"})
	hresp, err := http.Post(e.URL()+"/user_management/authenticate", "application/json", strings.NewReader(`{"grant_type":"refresh_token"}`))
	require.NoError(t, err)
	hbody, err := io.ReadAll(hresp.Body)
	hresp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, hresp.StatusCode)
	require.Equal(t, "text/html", hresp.Header.Get("Content-Type"))
	require.Equal(t, "<html>proxy</html>", string(hbody))

	slow, _ := workos.New(workos.Config{BaseURL: e.URL(), ClientID: e.ClientID(), APIKey: e.APIKey(), Timeout: 100 * time.Millisecond})
	e.FailNext(authkittest.EndpointRefresh, 1, authkittest.Fault{Delay: time.Hour})
	start := time.Now()
	_, err = slow.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: r.RefreshToken})
	if !workos.IsTransient(err) || !workos.IsTimeout(err) || time.Since(start) > 5*time.Second {
		t.Fatalf("hang: %v after %v", err, time.Since(start))
	}
	// A short delay with Status 0 serves normally afterwards.
	e.FailNext(authkittest.EndpointJWKS, 1, authkittest.Fault{Delay: 10 * time.Millisecond})
	fetchJWKS(t, e)
	if _, err := c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: r.RefreshToken}); err != nil {
		t.Fatal("token should still be valid after faults:", err)
	}
	e.FailNext(authkittest.EndpointAuthorize, 1, authkittest.Fault{Status: 503})
	resp, _ := http.Get(e.URL() + "/user_management/authorize")
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Fatal(resp.StatusCode)
	}
	e.FailNext(authkittest.EndpointLogout, 1, authkittest.Fault{Status: 502})
	resp, _ = http.Get(c.LogoutURL("session_x", ""))
	resp.Body.Close()
	if resp.StatusCode != 502 {
		t.Fatal(resp.StatusCode)
	}
}

func TestHangReleasedOnClose(t *testing.T) {
	e, err := authkittest.Start()
	if err != nil {
		t.Fatal(err)
	}
	e.FailNext(authkittest.EndpointJWKS, 1, authkittest.Fault{Delay: time.Hour})
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := http.Get(e.JWKSURL())
		if err == nil {
			resp.Body.Close()
		}
	}()
	// Close only once the request is inside the handler with the fault
	// taken: closing earlier would refuse the connection and pass without
	// exercising the hang.
	require.Eventually(t, func() bool { return e.Count(authkittest.EndpointJWKS) == 1 }, 5*time.Second, time.Millisecond)
	select {
	case <-done:
		t.Fatal("request returned before Close")
	default:
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("hanging request not released by Close")
	}
}

func TestHandlerWithoutStart(t *testing.T) {
	e, err := authkittest.New(authkittest.WithAutoApprove(authkittest.PlainEmail))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.URL() != "" {
		t.Fatal(e.URL())
	}
	req, _ := http.NewRequest("GET", "http://emulator.test/health", nil)
	rec := newRecorder()
	e.Handler().ServeHTTP(rec, req)
	if rec.status != 200 {
		t.Fatal(rec.status)
	}
}

type recorder struct {
	h      http.Header
	status int
	body   strings.Builder
}

func newRecorder() *recorder                    { return &recorder{h: http.Header{}} }
func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(s int)           { r.status = s }

func TestJWKSCacheControl(t *testing.T) {
	get := func(u string) *http.Response {
		t.Helper()
		resp, err := http.Get(u)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	// Default: no Cache-Control on the key set (WorkOS documents none);
	// API answers stay no-store.
	e := authkittest.NewServer(t)
	resp := get(e.JWKSURL())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Empty(t, resp.Header.Values("Cache-Control"))
	require.Equal(t, "no-store", get(e.URL()+"/sso/jwks/client_unknown").Header.Get("Cache-Control"))

	c := authkittest.NewServer(t, authkittest.WithJWKSCacheControl("public, max-age=300"))
	resp = get(c.JWKSURL())
	require.Equal(t, []string{"public, max-age=300"}, resp.Header.Values("Cache-Control"))
	require.Equal(t, "no-store", get(c.URL()+"/health").Header.Get("Cache-Control"))

	_, err := authkittest.New(authkittest.WithJWKSCacheControl("max-age=1\r\nX-Injected: 1"))
	require.Error(t, err)
}
