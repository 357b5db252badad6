package workos

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestBaseURLFromEnv(t *testing.T) {
	cases := []struct {
		env     map[string]string
		want    string
		errPart string
	}{
		{env: nil, want: "https://api.workos.com"},
		{env: map[string]string{"WORKOS_API_HOSTNAME": "127.0.0.1", "WORKOS_API_HTTPS": "false", "WORKOS_API_PORT": "8484"}, want: "http://127.0.0.1:8484"},
		{env: map[string]string{"WORKOS_API_HTTPS": "0"}, want: "http://api.workos.com"},
		{env: map[string]string{"WORKOS_API_HTTPS": "true", "WORKOS_API_PORT": "443"}, want: "https://api.workos.com:443"},
		{env: map[string]string{"WORKOS_API_HTTPS": "maybe"}, errPart: "WORKOS_API_HTTPS"},
		{env: map[string]string{"WORKOS_API_PORT": "99999"}, errPart: "WORKOS_API_PORT"},
		{env: map[string]string{"WORKOS_API_HOSTNAME": "http://x"}, errPart: "WORKOS_API_HOSTNAME"},
	}
	for _, c := range cases {
		got, err := BaseURLFromEnv(env(c.env))
		if c.errPart != "" {
			if err == nil || !strings.Contains(err.Error(), c.errPart) {
				t.Errorf("%v: err = %v, want mention of %s", c.env, err, c.errPart)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%v: got %q, %v; want %q", c.env, got, err, c.want)
		}
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("missing ClientID accepted")
	}
	for _, b := range []string{"ftp://x", "/relative", "http://", "https://x/?q=1"} {
		if _, err := New(Config{ClientID: "c", BaseURL: b}); err == nil {
			t.Errorf("BaseURL %q accepted", b)
		}
	}
	c, err := New(Config{ClientID: "client_1", BaseURL: "http://127.0.0.1:9/"})
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != "http://127.0.0.1:9" || c.ClientID() != "client_1" {
		t.Errorf("BaseURL %q ClientID %q", c.BaseURL(), c.ClientID())
	}
	if c.timeout != DefaultTimeout {
		t.Errorf("timeout %v", c.timeout)
	}
	d, _ := New(Config{ClientID: "c"})
	if d.BaseURL() != DefaultBaseURL {
		t.Errorf("default base %q", d.BaseURL())
	}
}

func TestAuthorizationURL(t *testing.T) {
	c, _ := New(Config{ClientID: "client_1", BaseURL: "https://api.example.com"})
	age := 0
	s, err := c.AuthorizationURL(AuthorizationURLParams{
		RedirectURI: "http://localhost:3000/callback", State: "st", ScreenHint: "sign-up",
		OrganizationID: "org_1", LoginHint: "a@b.c", DomainHint: "b.c", Prompt: "login",
		CodeChallenge: "chal", MaxAge: &age,
	})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(s)
	if u.Path != "/user_management/authorize" || u.Host != "api.example.com" {
		t.Fatalf("url %s", s)
	}
	want := map[string]string{
		"client_id": "client_1", "redirect_uri": "http://localhost:3000/callback", "response_type": "code",
		"provider": "authkit", "state": "st", "screen_hint": "sign-up", "organization_id": "org_1",
		"login_hint": "a@b.c", "domain_hint": "b.c", "prompt": "login", "code_challenge": "chal",
		"code_challenge_method": "S256", "max_age": "0",
	}
	q := u.Query()
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	s, _ = c.AuthorizationURL(AuthorizationURLParams{RedirectURI: "http://x/cb"})
	u, _ = url.Parse(s)
	for _, k := range []string{"state", "code_challenge", "code_challenge_method", "max_age", "screen_hint"} {
		if u.Query().Has(k) {
			t.Errorf("unexpected %s", k)
		}
	}
	if _, err := c.AuthorizationURL(AuthorizationURLParams{}); err == nil {
		t.Error("missing RedirectURI accepted")
	}
	if _, err := c.AuthorizationURL(AuthorizationURLParams{RedirectURI: "http://x/cb", ScreenHint: "bogus"}); err == nil {
		t.Error("bad ScreenHint accepted")
	}
	if got := c.LogoutURL("session_1", "http://x/"); got != "https://api.example.com/user_management/sessions/logout?return_to=http%3A%2F%2Fx%2F&session_id=session_1" {
		t.Errorf("LogoutURL %s", got)
	}
	if got := c.JWKSURL(); got != "https://api.example.com/sso/jwks/client_1" {
		t.Errorf("JWKSURL %s", got)
	}
}

func TestAPIErrorParsing(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := http.Header{}
	h.Set("Retry-After", now.Add(30*time.Second).Format(http.TimeFormat))
	h.Set("X-Request-ID", "req_1")
	e := newAPIError(&http.Response{StatusCode: 429, Header: h}, []byte(`{"code":"rate_limited","message":"slow down"}`), now)
	if e.Code != "rate_limited" || e.Description != "slow down" || e.RetryAfter != 30*time.Second || e.RequestID != "req_1" {
		t.Errorf("%+v", e)
	}
	if !IsTransient(e) {
		t.Error("429 not transient")
	}
	e = newAPIError(&http.Response{StatusCode: 400, Header: http.Header{}}, []byte(`{"error":"invalid_grant","error_description":"used"}`), now)
	if !IsInvalidGrant(e) || IsTransient(e) || !errors.Is(e, ErrInvalidGrant) {
		t.Errorf("%+v", e)
	}
	e = newAPIError(&http.Response{StatusCode: 502, Header: http.Header{}}, []byte(`<html>bad gateway`), now)
	if e.StatusCode != 502 || e.Description == "" || !IsTransient(e) {
		t.Errorf("%+v", e)
	}
	e = newAPIError(&http.Response{StatusCode: 403, Header: http.Header{}}, []byte(`{"code":"mfa_enrollment","message":"enroll","pending_authentication_token":"SECRETPAT","authkit_redirect_url":"https://auth/x"}`), now)
	if !errors.Is(e, ErrMFAEnrollment) || e.PendingAuthenticationToken != "SECRETPAT" || e.RedirectURL != "https://auth/x" || IsTransient(e) {
		t.Errorf("%+v", e)
	}
	if strings.Contains(e.Error(), "SECRETPAT") {
		t.Error("Error() leaks pending token")
	}
	if _, ok := parseRetryAfter("soon", now); ok {
		t.Error("garbage Retry-After parsed")
	}
}
