package workos

import (
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// referenceAuthorizationURL is how AuthorizationURL built the URL with
// url.Values; the hand-written query must be byte-for-byte the same.
func referenceAuthorizationURL(c *Client, p AuthorizationURLParams) string {
	provider := p.Provider
	if provider == "" {
		provider = "authkit"
	}
	q := url.Values{}
	q.Set("client_id", c.clientID)
	q.Set("redirect_uri", p.RedirectURI)
	q.Set("response_type", "code")
	q.Set("provider", provider)
	for k, v := range map[string]string{"state": p.State, "screen_hint": p.ScreenHint, "organization_id": p.OrganizationID,
		"login_hint": p.LoginHint, "domain_hint": p.DomainHint, "prompt": p.Prompt} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if p.CodeChallenge != "" {
		q.Set("code_challenge", p.CodeChallenge)
		q.Set("code_challenge_method", "S256")
	}
	if p.MaxAge != nil {
		q.Set("max_age", strconv.Itoa(*p.MaxAge))
	}
	return c.baseURL + "/user_management/authorize?" + q.Encode()
}

func TestAuthorizationURLQuery(t *testing.T) {
	c, err := New(Config{ClientID: "client_01 é&=+", APIKey: "sk_test", BaseURL: "https://api.example.com"})
	require.NoError(t, err)
	zero, day := 0, 86400
	all := string(func() []byte {
		b := make([]byte, 0, 256)
		for i := range 256 {
			b = append(b, byte(i))
		}
		return b
	}())
	for _, p := range []AuthorizationURLParams{
		{RedirectURI: "https://app.example.com/callback"},
		{RedirectURI: "https://app.example.com/callback?x=1&y=2", State: "Fe26.2**abc*def~2", CodeChallenge: "abc-_", ScreenHint: "sign-up"},
		{RedirectURI: "https://a.example/cb", State: all, LoginHint: "a b+c@example.com", OrganizationID: "org_1", DomainHint: "x.y", Prompt: "login", Provider: "GoogleOAuth", MaxAge: &zero},
		{RedirectURI: "https://a.example/cb", State: "日本語 ~!*'()", MaxAge: &day},
	} {
		got, err := c.AuthorizationURL(p)
		require.NoError(t, err)
		require.Equal(t, referenceAuthorizationURL(c, p), got)
	}
}
