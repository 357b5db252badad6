package authkittest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/stretchr/testify/require"

	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/workos"
)

// The official WorkOS OpenAPI description (testdata/open-api-spec.yaml,
// MIT, see testdata/LICENSE.txt) is big: it is parsed once per test binary.
var (
	specOnce sync.Once
	specVal  validator.Validator
	specErr  error
)

func specValidator(t *testing.T) validator.Validator {
	t.Helper()
	specOnce.Do(func() {
		data, err := os.ReadFile("testdata/open-api-spec.yaml")
		if err != nil {
			specErr = err
			return
		}
		doc, err := libopenapi.NewDocument(data)
		if err != nil {
			specErr = err
			return
		}
		v, errs := validator.NewValidator(doc)
		if len(errs) > 0 {
			specErr = errs[0]
			return
		}
		specVal = v
	})
	if specErr != nil {
		t.Fatalf("load WorkOS OpenAPI description: %v", specErr)
	}
	return specVal
}

// exchange is one recorded request/response pair.
type exchange struct {
	method, path, rawQuery, contentType string
	reqBody                             []byte
	status                              int
	header                              http.Header
	respBody                            []byte
}

// recordingProxy serves the emulator handler and records every exchange.
type recordingProxy struct {
	h  http.Handler
	mu sync.Mutex
	ex []exchange
}

func (p *recordingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	p.h.ServeHTTP(rec, r)
	p.mu.Lock()
	p.ex = append(p.ex, exchange{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), body, rec.Code, rec.Header().Clone(), rec.Body.Bytes()})
	p.mu.Unlock()
	for k, vs := range rec.Header() {
		w.Header()[k] = vs
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// validate checks the recorded request (client side) and response
// (emulator side) against the spec, addressed as the production API.
func validate(t *testing.T, v validator.Validator, x exchange, checkRequest bool) {
	t.Helper()
	u := "https://api.workos.com" + x.path
	if x.rawQuery != "" {
		u += "?" + x.rawQuery
	}
	newReq := func() *http.Request {
		req, _ := http.NewRequest(x.method, u, bytes.NewReader(x.reqBody))
		if x.contentType != "" {
			req.Header.Set("Content-Type", x.contentType)
		}
		req.Header.Set("Authorization", "Bearer sk_test_spec")
		return req
	}
	resp := &http.Response{StatusCode: x.status, Header: x.header, Body: io.NopCloser(bytes.NewReader(x.respBody)), Request: newReq()}
	if ok, errs := v.ValidateHttpResponse(newReq(), resp); !ok {
		for _, e := range errs {
			t.Errorf("%s %s -> %d: response does not match the WorkOS spec: %s: %s %v", x.method, x.path, x.status, e.Message, e.Reason, e.SchemaValidationErrors)
		}
		t.Logf("body: %s", x.respBody)
	}
	if checkRequest {
		if ok, errs := v.ValidateHttpRequest(newReq()); !ok {
			for _, e := range errs {
				t.Errorf("%s %s: request does not match the WorkOS spec: %s: %s %v", x.method, x.path, e.Message, e.Reason, e.SchemaValidationErrors)
			}
		}
	}
}

// TestSpecFidelity drives the workos client against the emulator and checks
// every JSON exchange against the official WorkOS OpenAPI description: the
// client's authenticate requests and the emulator's success and error
// bodies and JWKS.
func TestSpecFidelity(t *testing.T) {
	v := specValidator(t)
	// Every optional user field set on the admin (the others have them
	// null): both shapes are checked against the spec.
	seed := authkittest.DefaultSeed()
	seed.Users[0].ExternalID, seed.Users[0].Locale = "ext_admin", "en-US"
	seed.Users[0].ProfilePictureURL = "https://example.com/ada.png"
	seed.Users[0].Metadata = map[string]string{"plan": "pro"}
	e, err := authkittest.New(authkittest.WithSeed(seed))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	proxy := &recordingProxy{h: e.Handler()}
	srv := httptest.NewServer(proxy)
	defer srv.Close()
	c, err := workos.New(workos.Config{BaseURL: srv.URL, ClientID: e.ClientID(), APIKey: e.APIKey()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	verifier := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	code := func(email string, pkce bool) string {
		e.AutoApprove(email)
		p := workos.AuthorizationURLParams{RedirectURI: "http://app.test/cb", State: "s"}
		if pkce {
			p.CodeChallenge = challengeFor(verifier)
		}
		au, _ := c.AuthorizationURL(p)
		resp, err := noRedirect.Get(au)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		return loc.Query().Get("code")
	}

	// Successes: code grant (PKCE), refresh, org switch, no-org user, impersonation-free.
	r, err := c.AuthenticateWithCode(ctx, workos.CodeParams{Code: code(authkittest.MultiOrgEmail, true), CodeVerifier: verifier, IPAddress: "203.0.113.42", UserAgent: "Mozilla/5.0"})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: r.RefreshToken, OrganizationID: authkittest.GlobexOrgID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AuthenticateWithCode(ctx, workos.CodeParams{Code: code(authkittest.PlainEmail, false)}); err != nil {
		t.Fatal(err)
	}
	// Errors the emulator produces itself.
	_, _ = c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: r.RefreshToken})                                     // invalid_grant (reuse)
	_, _ = c.AuthenticateWithCode(ctx, workos.CodeParams{Code: code(authkittest.AdminEmail, true), CodeVerifier: "wrong-wrong-wrong"}) // invalid_grant (PKCE)
	_, _ = c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: r2.RefreshToken, OrganizationID: "org_nope"})        // organization_not_found
	a, _ := c.AuthenticateWithCode(ctx, workos.CodeParams{Code: code(authkittest.AdminEmail, false)})
	_, _ = c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: a.RefreshToken, OrganizationID: authkittest.GlobexOrgID}) // organization_membership_not_found
	bad, _ := workos.New(workos.Config{BaseURL: srv.URL, ClientID: e.ClientID(), APIKey: "sk_wrong"})
	_, _ = bad.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: a.RefreshToken}) // invalid_client
	// JWKS: 200 and 404.
	for _, p := range []string{"/sso/jwks/" + e.ClientID(), "/sso/jwks/client_unknown"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// Logout redirect.
	resp, _ := noRedirect.Get(srv.URL + "/user_management/sessions/logout?session_id=session_x&return_to=" + url.QueryEscape("http://app.test/"))
	resp.Body.Close()

	proxy.mu.Lock()
	defer proxy.mu.Unlock()
	seen := map[string]int{}
	for _, x := range proxy.ex {
		switch {
		case x.path == "/user_management/authenticate":
			validate(t, v, x, true)
			seen["authenticate "+http.StatusText(x.status)]++
			if x.status == 400 && !strings.Contains(string(x.respBody), `"error_description"`) {
				t.Errorf("400 without error_description: %s", x.respBody)
			}
		case strings.HasPrefix(x.path, "/sso/jwks/"):
			validate(t, v, x, false)
			seen["jwks "+http.StatusText(x.status)]++
		case x.path == "/user_management/sessions/logout":
			validate(t, v, x, true)
			seen["logout"]++
		}
	}
	if seen["authenticate OK"] != 4 || seen["authenticate Bad Request"] != 5 || seen["jwks OK"] != 1 || seen["jwks Not Found"] != 1 || seen["logout"] != 1 {
		t.Fatalf("unexpected exchange mix: %v", seen)
	}
}

// TestSpecRejectsWrongShapes guards against a validator that accepts
// anything: a body missing required fields must fail.
func TestSpecRejectsWrongShapes(t *testing.T) {
	v := specValidator(t)
	x := exchange{method: "POST", path: "/user_management/authenticate", contentType: "application/json",
		reqBody: []byte(`{"grant_type":"refresh_token","client_id":"c","client_secret":"s","refresh_token":"r"}`),
		status:  200, header: http.Header{"Content-Type": {"application/json"}},
		respBody: []byte(`{"user":{"id":"user_1"},"access_token":"a"}`)}
	u := "https://api.workos.com" + x.path
	req, _ := http.NewRequest(x.method, u, bytes.NewReader(x.reqBody))
	req.Header.Set("Content-Type", x.contentType)
	resp := &http.Response{StatusCode: 200, Header: x.header, Body: io.NopCloser(bytes.NewReader(x.respBody))}
	if ok, _ := v.ValidateHttpResponse(req, resp); ok {
		t.Fatal("validator accepted an incomplete authenticate response")
	}
	resp = &http.Response{StatusCode: 200, Header: x.header, Body: io.NopCloser(strings.NewReader(`{"keys":[{"kid":"k"}]}`))}
	req, _ = http.NewRequest("GET", "https://api.workos.com/sso/jwks/client_1", nil)
	if ok, _ := v.ValidateHttpResponse(req, resp); ok {
		t.Fatal("validator accepted an incomplete JWKS")
	}
	req, _ = http.NewRequest("POST", "https://api.workos.com/user_management/authenticate", strings.NewReader(x.string()))
	req.Header.Set("Content-Type", "application/json")
	resp = &http.Response{StatusCode: 400, Header: x.header, Body: io.NopCloser(strings.NewReader(`{"error":"made_up_error"}`))}
	if ok, _ := v.ValidateHttpResponse(req, resp); ok {
		t.Fatal("validator accepted an undocumented 400 body")
	}
	req, _ = http.NewRequest("GET", "https://api.workos.com/user_management/users/user_1/sessions", nil)
	req.Header.Set("Authorization", "Bearer sk_test_spec")
	resp = &http.Response{StatusCode: 200, Header: x.header, Body: io.NopCloser(strings.NewReader(`{"object":"list","data":[{"object":"session","id":"session_1"}],"list_metadata":{"before":null,"after":null}}`))}
	if ok, _ := v.ValidateHttpResponse(req, resp); ok {
		t.Fatal("validator accepted an incomplete session")
	}
}

func (x exchange) string() string { return string(x.reqBody) }

// TestSpecSessions checks the management endpoints the same way: the
// client's revoke and list-sessions requests, and the emulator's answers
// (200, and each documented error status), against the description.
func TestSpecSessions(t *testing.T) {
	v := specValidator(t)
	e, err := authkittest.New()
	require.NoError(t, err)
	defer e.Close()
	proxy := &recordingProxy{h: e.Handler()}
	srv := httptest.NewServer(proxy)
	defer srv.Close()
	c, err := workos.New(workos.Config{BaseURL: srv.URL, ClientID: e.ClientID(), APIKey: e.APIKey()})
	require.NoError(t, err)
	ctx := context.Background()

	// Sessions with and without IP/user agent, one impersonated user.
	seed := authkittest.DefaultSeed()
	seed.Users[2].Impersonator = &authkittest.Impersonator{Email: "support@example.com"}
	e2, err := authkittest.New(authkittest.WithSeed(seed))
	require.NoError(t, err)
	defer e2.Close()
	proxy2 := &recordingProxy{h: e2.Handler()}
	srv2 := httptest.NewServer(proxy2)
	defer srv2.Close()
	c2, err := workos.New(workos.Config{BaseURL: srv2.URL, ClientID: e2.ClientID(), APIKey: e2.APIKey()})
	require.NoError(t, err)
	imp, err := c2.AuthenticateWithCode(ctx, workos.CodeParams{Code: codeFor(t, e2, c2, authkittest.PlainEmail, workos.AuthorizationURLParams{})})
	require.NoError(t, err)
	require.NotNil(t, imp.Impersonator)
	list, err := c2.ListSessions(ctx, authkittest.PlainUserID, workos.ListSessionsParams{})
	require.NoError(t, err)
	require.Len(t, list.Data, 1)
	require.Equal(t, "impersonation", list.Data[0].AuthMethod)

	code := codeFor(t, e, c, authkittest.AdminEmail, workos.AuthorizationURLParams{})
	_, err = c.AuthenticateWithCode(ctx, workos.CodeParams{Code: code, IPAddress: "203.0.113.42", UserAgent: "Mozilla/5.0"})
	require.NoError(t, err)
	signIn(t, e, c, authkittest.AdminEmail)
	signIn(t, e, c, authkittest.AdminEmail)
	list, err = c.ListSessions(ctx, authkittest.AdminUserID, workos.ListSessionsParams{Limit: 2, Order: "desc"})
	require.NoError(t, err)
	require.Len(t, list.Data, 2)
	_, err = c.ListSessions(ctx, authkittest.AdminUserID, workos.ListSessionsParams{Limit: 2, After: list.ListMetadata.After})
	require.NoError(t, err)
	_, err = c.ListSessions(ctx, authkittest.MultiOrgUserID, workos.ListSessionsParams{}) // empty list
	require.NoError(t, err)
	_, err = c.ListSessions(ctx, "user_unknown", workos.ListSessionsParams{}) // 404
	require.Error(t, err)
	active, err := c.SessionActive(ctx, authkittest.AdminUserID, list.Data[0].ID)
	require.NoError(t, err)
	require.True(t, active)
	require.NoError(t, c.RevokeSession(ctx, list.Data[0].ID))
	require.Error(t, c.RevokeSession(ctx, "session_unknown")) // 400
	// Requests the client never sends: a revoke without session_id (400)
	// and an out-of-range limit (422).
	raw := func(method, path, body string) {
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+e.APIKey())
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
	}
	raw(http.MethodPost, "/user_management/sessions/revoke", `{}`)
	raw(http.MethodGet, "/user_management/users/"+authkittest.AdminUserID+"/sessions?limit=500", "")

	proxy.mu.Lock()
	defer proxy.mu.Unlock()
	proxy2.mu.Lock()
	defer proxy2.mu.Unlock()
	seen := map[string]int{}
	for _, x := range append(append([]exchange(nil), proxy.ex...), proxy2.ex...) {
		var name string
		switch {
		case x.path == "/user_management/sessions/revoke":
			name = "revoke"
		case strings.HasPrefix(x.path, "/user_management/users/") && strings.HasSuffix(x.path, "/sessions"):
			name = "list"
		default:
			continue
		}
		// Requests the test crafted to be invalid are checked for their
		// answer only.
		validate(t, v, x, !(x.status == 400 && name == "revoke" && string(x.reqBody) == `{}`) && x.status != 422)
		seen[fmt.Sprintf("%s %d", name, x.status)]++
	}
	require.Equal(t, map[string]int{"revoke 200": 1, "revoke 400": 2, "list 200": 5, "list 404": 1, "list 422": 1}, seen)
}
