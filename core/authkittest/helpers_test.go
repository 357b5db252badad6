package authkittest_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"

	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/workos"
)

// noRedirect is an HTTP client that returns 3xx responses as-is.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func newClient(t *testing.T, e *authkittest.Emulator) *workos.Client {
	t.Helper()
	c, err := workos.New(workos.Config{BaseURL: e.URL(), ClientID: e.ClientID(), APIKey: e.APIKey()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func challengeFor(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// codeFor runs /authorize with auto-approve for email and returns the code.
func codeFor(t *testing.T, e *authkittest.Emulator, c *workos.Client, email string, p workos.AuthorizationURLParams) string {
	t.Helper()
	e.AutoApprove(email)
	defer e.AutoApprove("")
	if p.RedirectURI == "" {
		p.RedirectURI = "http://app.test/callback"
	}
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
		t.Fatalf("authorize status %d", resp.StatusCode)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if p.State != "" && loc.Query().Get("state") != p.State {
		t.Fatalf("state not echoed: %v", loc)
	}
	code := loc.Query().Get("code")
	if code == "" {
		t.Fatalf("no code in %v", loc)
	}
	return code
}

// signIn returns a fresh session for email (no PKCE).
func signIn(t *testing.T, e *authkittest.Emulator, c *workos.Client, email string) *workos.AuthenticateResponse {
	t.Helper()
	code := codeFor(t, e, c, email, workos.AuthorizationURLParams{})
	r, err := c.AuthenticateWithCode(context.Background(), workos.CodeParams{Code: code})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
