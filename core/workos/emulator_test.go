package workos_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/workos"
)

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func setup(t *testing.T, opts ...func(*workos.Config)) (*authkittest.Emulator, *workos.Client) {
	t.Helper()
	e := authkittest.NewServer(t)
	cfg := workos.Config{BaseURL: e.URL() + "/", ClientID: e.ClientID(), APIKey: e.APIKey()}
	for _, o := range opts {
		o(&cfg)
	}
	c, err := workos.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e, c
}

// authorize follows the client's authorization URL on the emulator
// (auto-approve) and returns the redirect's query.
func authorize(t *testing.T, e *authkittest.Emulator, c *workos.Client, email string, p workos.AuthorizationURLParams) url.Values {
	t.Helper()
	e.AutoApprove(email)
	u, err := c.AuthorizationURL(p)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := noRedirect.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %d", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.Query()
}

func TestClientAgainstEmulator(t *testing.T) {
	e, c := setup(t)
	ctx := context.Background()
	verifier := "M25iVXpKU3puUjFaYWg3T1NDTDQtcW1ROUY5YXlwalNoc0hhakxifmZHag"
	sum := sha256.Sum256([]byte(verifier))
	q := authorize(t, e, c, authkittest.AdminEmail, workos.AuthorizationURLParams{
		RedirectURI: "http://localhost:3000/callback", State: "xyz", ScreenHint: "sign-in",
		CodeChallenge: base64.RawURLEncoding.EncodeToString(sum[:]), OrganizationID: authkittest.AcmeOrgID,
		LoginHint: authkittest.MultiOrgEmail, // login_hint wins over auto-approve email
	})
	if q.Get("state") != "xyz" {
		t.Fatalf("state %q", q.Get("state"))
	}
	r, err := c.AuthenticateWithCode(ctx, workos.CodeParams{Code: q.Get("code"), CodeVerifier: verifier, IPAddress: "203.0.113.42", UserAgent: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if r.User.Email != authkittest.MultiOrgEmail || r.OrganizationID != authkittest.AcmeOrgID || r.AccessToken == "" || r.RefreshToken == "" || !r.User.EmailVerified || r.User.CreatedAt == "" {
		t.Fatalf("%+v", r)
	}
	if r.User.ExternalID != "" || r.User.ProfilePictureURL != "" {
		t.Fatalf("null fields not decoded to empty: %+v", r.User)
	}
	r2, err := c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: r.RefreshToken, OrganizationID: authkittest.GlobexOrgID})
	if err != nil || r2.OrganizationID != authkittest.GlobexOrgID {
		t.Fatal(err, r2)
	}
	_, err = c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: r.RefreshToken})
	var ae *workos.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 400 || ae.Code != workos.CodeInvalidGrant || ae.Description == "" || !workos.IsInvalidGrant(err) || workos.IsTransient(err) {
		t.Fatalf("reuse: %#v", err)
	}
	if strings.Contains(err.Error(), r.RefreshToken) {
		t.Fatal("error leaks the refresh token")
	}
	if e.Count(authkittest.EndpointCodeGrant) != 1 || e.Count(authkittest.EndpointRefresh) != 2 {
		t.Fatal("counts")
	}
}

func TestErrorClasses(t *testing.T) {
	// Only the hang case is about time: every other case gets a timeout a
	// loaded machine cannot hit (receiving the oversized 1 MiB body within
	// 200 ms once failed under load).
	e, c := setup(t, func(cfg *workos.Config) { cfg.Timeout = time.Minute })
	hasty, err := workos.New(workos.Config{BaseURL: e.URL(), ClientID: e.ClientID(), APIKey: e.APIKey(), Timeout: 200 * time.Millisecond})
	require.NoError(t, err)
	ctx := context.Background()
	refresh := func() error {
		_, err := c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: "rt_whatever"})
		return err
	}

	h := http.Header{}
	h.Set("Retry-After", "3")
	h.Set("X-Request-ID", "req_123")
	e.FailNext(authkittest.EndpointAuthenticate, 1, authkittest.Fault{Status: 429, Header: h, Body: `{"message":"Too many requests"}`})
	err = refresh()
	var ae *workos.APIError
	if d, ok := workos.RetryAfter(err); !workos.IsTransient(err) || !ok || d != 3*time.Second || !errors.As(err, &ae) || ae.RequestID != "req_123" || ae.Description != "Too many requests" {
		t.Fatalf("429: %v", err)
	}
	h = http.Header{}
	h.Set("Retry-After", time.Now().Add(90*time.Second).UTC().Format(http.TimeFormat))
	e.FailNext(authkittest.EndpointAuthenticate, 1, authkittest.Fault{Status: 503, Header: h, Body: "<html>down</html>", Delay: time.Millisecond})
	err = refresh()
	if d, ok := workos.RetryAfter(err); !workos.IsTransient(err) || !ok || d < 80*time.Second || d > 91*time.Second {
		t.Fatalf("503 http-date: %v %v", err, d)
	}
	e.FailNext(authkittest.EndpointAuthenticate, 1, authkittest.Fault{Status: 500, Body: "not json"})
	if err := refresh(); !workos.IsTransient(err) || !errors.As(err, &ae) || ae.StatusCode != 500 {
		t.Fatalf("500: %v", err)
	}
	e.FailNext(authkittest.EndpointAuthenticate, 1, authkittest.Fault{Status: 408})
	if err := refresh(); !workos.IsTransient(err) {
		t.Fatalf("408: %v", err)
	}
	e.FailNext(authkittest.EndpointAuthenticate, 1, authkittest.Fault{Delay: time.Hour})
	start := time.Now()
	_, err = hasty.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: "rt_whatever"})
	var te *workos.TransportError
	if !workos.IsTransient(err) || !workos.IsTimeout(err) || !errors.As(err, &te) || time.Since(start) > 5*time.Second {
		t.Fatalf("hang: %v", err)
	}
	// Unusable 2xx bodies are malformed and transient: WorkOS may have
	// answered through a broken proxy, which ends no session.
	html := http.Header{}
	html.Set("Content-Type", "text/html; charset=utf-8")
	for name, f := range map[string]authkittest.Fault{
		"garbage":    {Status: 200, Body: `<<garbage>>`},
		"html page":  {Status: 200, Header: html, Body: "<!doctype html><title>Gateway</title><p>Please wait…</p>"},
		"empty JSON": {Status: 200, Body: `{}`},
		"incomplete": {Status: 200, Body: `{"user":{}}`},
		"no body":    {Status: 204},
		"oversized":  {Status: 200, Body: `{"pad":"` + strings.Repeat("x", 1<<20) + `"}`},
	} {
		e.FailNext(authkittest.EndpointAuthenticate, 1, f)
		err := refresh()
		require.ErrorIs(t, err, workos.ErrMalformedResponse, name)
		require.True(t, workos.IsTransient(err), name)
		require.False(t, workos.IsInvalidGrant(err), name)
		require.NotContains(t, err.Error(), "Gateway", name)
	}
	e.FailNext(authkittest.EndpointAuthenticate, 1, authkittest.Fault{Status: 400, Body: `{"error":"sso_required","error_description":"Must use SSO","email":"admin@example.com","connection_ids":["conn_1"],"pending_authentication_token":"pat_SECRET","authkit_redirect_url":"https://auth.example.com/sso?x=1"}`})
	err = refresh()
	if !errors.Is(err, workos.ErrSSORequired) || workos.IsTransient(err) || !errors.As(err, &ae) ||
		ae.RedirectURL != "https://auth.example.com/sso?x=1" || ae.Email != "admin@example.com" || len(ae.ConnectionIDs) != 1 || ae.PendingAuthenticationToken != "pat_SECRET" {
		t.Fatalf("sso_required: %#v", err)
	}
	if strings.Contains(err.Error(), "pat_SECRET") {
		t.Fatal("Error() leaks the pending authentication token")
	}
	e.FailNext(authkittest.EndpointAuthenticate, 1, authkittest.Fault{Status: 403, Body: `{"code":"organization_selection_required","message":"pick one","pending_authentication_token":"pat"}`})
	if err := refresh(); !errors.Is(err, workos.ErrOrganizationSelectionRequired) || workos.IsTransient(err) {
		t.Fatalf("org selection: %v", err)
	}
	e.FailNext(authkittest.EndpointAuthenticate, 1, authkittest.Fault{Status: 403, Body: `{"code":"mfa_enrollment","message":"enroll"}`})
	if err := refresh(); !errors.Is(err, workos.ErrMFAEnrollment) || workos.IsTransient(err) {
		t.Fatalf("mfa: %v", err)
	}
	// The emulator's own invalid_grant for an unknown token.
	if err := refresh(); !workos.IsInvalidGrant(err) || workos.IsTransient(err) {
		t.Fatalf("invalid_grant: %v", err)
	}
	// Caller cancellation is not transient.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.AuthenticateWithRefreshToken(cctx, workos.RefreshParams{RefreshToken: "x"}); err == nil || workos.IsTransient(err) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestConnectionRefusedIsTransient(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, _ := workos.New(workos.Config{BaseURL: "http://" + addr, ClientID: "client_x", APIKey: "sk_SECRET"})
	_, err = c.AuthenticateWithCode(context.Background(), workos.CodeParams{Code: "code_SECRET"})
	var te *workos.TransportError
	if !workos.IsTransient(err) || !errors.As(err, &te) || workos.IsTimeout(err) {
		t.Fatalf("%v", err)
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Fatal("error leaks secrets")
	}
}
