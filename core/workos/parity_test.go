package workos_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/workos"
)

// testClock is a settable clock shared with the emulator.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func setupClock(t *testing.T) (*authkittest.Emulator, *workos.Client, *testClock) {
	t.Helper()
	clk := &testClock{now: time.Now()}
	e := authkittest.NewServer(t, authkittest.WithClock(clk.Now))
	c, err := workos.New(workos.Config{BaseURL: e.URL(), ClientID: e.ClientID(), APIKey: e.APIKey()})
	require.NoError(t, err)
	return e, c, clk
}

// requireCode checks err is an *APIError with status and code, and that
// its message carries none of secrets.
func requireCode(t *testing.T, err error, status int, code string, secrets ...string) *workos.APIError {
	t.Helper()
	var ae *workos.APIError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, status, ae.StatusCode)
	require.Equal(t, code, ae.Code)
	require.False(t, workos.IsTransient(err))
	for _, s := range secrets {
		require.NotContains(t, err.Error(), s)
	}
	return ae
}

func TestPasswordGrant(t *testing.T) {
	e, c, _ := setupClock(t)
	ctx := context.Background()

	r, err := c.AuthenticateWithPassword(ctx, workos.PasswordParams{Email: authkittest.AdminEmail, Password: authkittest.DefaultPassword, IPAddress: "203.0.113.9", UserAgent: "test"})
	require.NoError(t, err)
	require.Equal(t, authkittest.AdminUserID, r.User.ID)
	require.Equal(t, authkittest.AcmeOrgID, r.OrganizationID)
	require.Equal(t, "Password", r.AuthenticationMethod)
	require.NotEmpty(t, r.AccessToken)
	// The session is a real one: it refreshes and is listed.
	_, err = c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: r.RefreshToken})
	require.NoError(t, err)
	list, err := c.ListSessions(ctx, authkittest.AdminUserID, workos.ListSessionsParams{})
	require.NoError(t, err)
	require.Len(t, list.Data, 1)
	require.Equal(t, "password", list.Data[0].AuthMethod)
	require.Equal(t, "203.0.113.9", list.Data[0].IPAddress)

	// Wrong password and unknown email answer the same.
	const wrong = "hunter2-SECRET"
	_, err = c.AuthenticateWithPassword(ctx, workos.PasswordParams{Email: authkittest.AdminEmail, Password: wrong})
	requireCode(t, err, 400, workos.CodeInvalidCredentials, wrong)
	require.ErrorIs(t, err, workos.ErrInvalidCredentials)
	_, err = c.AuthenticateWithPassword(ctx, workos.PasswordParams{Email: "nobody@example.com", Password: authkittest.DefaultPassword})
	requireCode(t, err, 400, workos.CodeInvalidCredentials)

	// SetPassword changes it; "" refuses every password.
	require.NoError(t, e.SetPassword(authkittest.PlainEmail, "correct horse"))
	_, err = c.AuthenticateWithPassword(ctx, workos.PasswordParams{Email: authkittest.PlainEmail, Password: authkittest.DefaultPassword})
	require.ErrorIs(t, err, workos.ErrInvalidCredentials)
	r, err = c.AuthenticateWithPassword(ctx, workos.PasswordParams{Email: strings.ToUpper(authkittest.PlainEmail), Password: "correct horse"})
	require.NoError(t, err)
	require.Empty(t, r.OrganizationID)
	require.NoError(t, e.SetPassword(authkittest.PlainEmail, ""))
	_, err = c.AuthenticateWithPassword(ctx, workos.PasswordParams{Email: authkittest.PlainEmail, Password: "correct horse"})
	require.ErrorIs(t, err, workos.ErrInvalidCredentials)
	require.Error(t, e.SetPassword("nobody@example.com", "x"))

	// A wrong API key is invalid_client, and the client refuses empty input
	// without a request.
	bad, err := workos.New(workos.Config{BaseURL: e.URL(), ClientID: e.ClientID(), APIKey: "sk_wrong"})
	require.NoError(t, err)
	_, err = bad.AuthenticateWithPassword(ctx, workos.PasswordParams{Email: authkittest.AdminEmail, Password: authkittest.DefaultPassword})
	requireCode(t, err, 400, workos.CodeInvalidClient)
	before := e.Count(authkittest.EndpointAuthenticate)
	_, err = c.AuthenticateWithPassword(ctx, workos.PasswordParams{Email: authkittest.AdminEmail})
	require.Error(t, err)
	require.Equal(t, before, e.Count(authkittest.EndpointAuthenticate))
	require.Equal(t, 7, e.Count(authkittest.EndpointPasswordGrant)) // invalid_client is answered by the grant too

	// Faults on the grant's own endpoint.
	e.FailNext(authkittest.EndpointPasswordGrant, 1, authkittest.Fault{Status: 503})
	_, err = c.AuthenticateWithPassword(ctx, workos.PasswordParams{Email: authkittest.AdminEmail, Password: authkittest.DefaultPassword})
	require.True(t, workos.IsTransient(err), "%v", err)
}

func TestEmailVerificationGrant(t *testing.T) {
	e, c, clk := setupClock(t)
	ctx := context.Background()
	require.NoError(t, e.SetEmailVerified(authkittest.MultiOrgEmail, false))
	require.False(t, e.EmailVerified(authkittest.MultiOrgEmail))

	signIn := func() *workos.APIError {
		_, err := c.AuthenticateWithPassword(ctx, workos.PasswordParams{Email: authkittest.MultiOrgEmail, Password: authkittest.DefaultPassword})
		require.ErrorIs(t, err, workos.ErrEmailVerificationRequired)
		ae := requireCode(t, err, 403, workos.CodeEmailVerificationRequired)
		require.NotEmpty(t, ae.PendingAuthenticationToken)
		require.NotContains(t, err.Error(), ae.PendingAuthenticationToken)
		require.Equal(t, authkittest.MultiOrgEmail, ae.Email)
		require.True(t, strings.HasPrefix(ae.EmailVerificationID, "email_verification_"), ae.EmailVerificationID)
		return ae
	}
	ae := signIn()
	code, ok := e.EmailVerificationCode(authkittest.MultiOrgEmail)
	require.True(t, ok)
	require.Len(t, code, 6)

	// A wrong code keeps the pending token usable; an unknown token is refused.
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	_, err := c.AuthenticateWithEmailVerification(ctx, workos.EmailVerificationParams{Code: wrong, PendingAuthenticationToken: ae.PendingAuthenticationToken})
	requireCode(t, err, 400, workos.CodeInvalidOneTimeCode, wrong, ae.PendingAuthenticationToken)
	_, err = c.AuthenticateWithEmailVerification(ctx, workos.EmailVerificationParams{Code: code, PendingAuthenticationToken: "pat_unknown"})
	requireCode(t, err, 400, workos.CodeInvalidPendingAuthenticationToken, code)

	r, err := c.AuthenticateWithEmailVerification(ctx, workos.EmailVerificationParams{Code: code, PendingAuthenticationToken: ae.PendingAuthenticationToken})
	require.NoError(t, err)
	require.Equal(t, authkittest.MultiOrgUserID, r.User.ID)
	require.True(t, r.User.EmailVerified)
	require.Equal(t, "Password", r.AuthenticationMethod)
	require.True(t, e.EmailVerified(authkittest.MultiOrgEmail))
	// The pending token is spent; the password now signs in directly.
	_, err = c.AuthenticateWithEmailVerification(ctx, workos.EmailVerificationParams{Code: code, PendingAuthenticationToken: ae.PendingAuthenticationToken})
	requireCode(t, err, 400, workos.CodeInvalidPendingAuthenticationToken)
	_, err = c.AuthenticateWithPassword(ctx, workos.PasswordParams{Email: authkittest.MultiOrgEmail, Password: authkittest.DefaultPassword})
	require.NoError(t, err)

	// A pending token expires with its code.
	require.NoError(t, e.SetEmailVerified(authkittest.MultiOrgEmail, false))
	ae = signIn()
	code, ok = e.EmailVerificationCode(authkittest.MultiOrgEmail)
	require.True(t, ok)
	clk.Add(authkittest.EmailVerificationTTL + time.Second)
	_, err = c.AuthenticateWithEmailVerification(ctx, workos.EmailVerificationParams{Code: code, PendingAuthenticationToken: ae.PendingAuthenticationToken})
	requireCode(t, err, 400, workos.CodeInvalidPendingAuthenticationToken)
	_, ok = e.EmailVerificationCode(authkittest.MultiOrgEmail)
	require.False(t, ok)
	require.Equal(t, 5, e.Count(authkittest.EndpointEmailVerificationGrant))

	_, err = c.AuthenticateWithEmailVerification(ctx, workos.EmailVerificationParams{Code: code})
	require.Error(t, err)
}

func TestMagicAuthGrant(t *testing.T) {
	e, c, clk := setupClock(t)
	ctx := context.Background()
	require.NoError(t, e.SetEmailVerified(authkittest.PlainEmail, false))
	code, err := e.CreateMagicAuth(authkittest.PlainEmail)
	require.NoError(t, err)
	require.Len(t, code, 6)

	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	_, err = c.AuthenticateWithMagicAuth(ctx, workos.MagicAuthParams{Code: wrong, Email: authkittest.PlainEmail})
	requireCode(t, err, 400, workos.CodeInvalidOneTimeCode, wrong)
	// The code is bound to its email.
	_, err = c.AuthenticateWithMagicAuth(ctx, workos.MagicAuthParams{Code: code, Email: authkittest.AdminEmail})
	requireCode(t, err, 400, workos.CodeInvalidOneTimeCode, code)

	r, err := c.AuthenticateWithMagicAuth(ctx, workos.MagicAuthParams{Code: code, Email: authkittest.PlainEmail, UserAgent: "test"})
	require.NoError(t, err)
	require.Equal(t, authkittest.PlainUserID, r.User.ID)
	require.Equal(t, "MagicAuth", r.AuthenticationMethod)
	require.True(t, e.EmailVerified(authkittest.PlainEmail), "a magic auth sign-in proves the email")
	list, err := c.ListSessions(ctx, authkittest.PlainUserID, workos.ListSessionsParams{})
	require.NoError(t, err)
	require.Equal(t, "magic_code", list.Data[0].AuthMethod)

	_, err = c.AuthenticateWithMagicAuth(ctx, workos.MagicAuthParams{Code: code, Email: authkittest.PlainEmail})
	requireCode(t, err, 400, workos.CodeOneTimeCodePreviouslyUsed, code)

	code, err = e.CreateMagicAuth(authkittest.PlainEmail)
	require.NoError(t, err)
	clk.Add(authkittest.MagicAuthTTL)
	_, err = c.AuthenticateWithMagicAuth(ctx, workos.MagicAuthParams{Code: code, Email: authkittest.PlainEmail})
	requireCode(t, err, 400, workos.CodeOneTimeCodeExpired, code)

	_, err = e.CreateMagicAuth("nobody@example.com")
	require.Error(t, err)
	require.Equal(t, 5, e.Count(authkittest.EndpointMagicAuthGrant))
}

func TestOrganizationMemberships(t *testing.T) {
	e, c := setup(t)
	ctx := context.Background()

	list, err := c.ListOrganizationMemberships(ctx, workos.ListOrganizationMembershipsParams{UserID: authkittest.MultiOrgUserID})
	require.NoError(t, err)
	require.Len(t, list.Data, 2)
	byOrg := map[string]workos.OrganizationMembership{}
	for _, m := range list.Data {
		require.Equal(t, "organization_membership", m.Object)
		require.Equal(t, authkittest.MultiOrgUserID, m.UserID)
		require.Equal(t, workos.MembershipStatusActive, m.Status)
		require.Equal(t, authkittest.MembershipID(m.UserID, m.OrganizationID), m.ID)
		require.NotNil(t, m.User)
		require.Equal(t, authkittest.MultiOrgEmail, m.User.Email)
		require.Equal(t, "Morgan Multi", m.User.Name)
		byOrg[m.OrganizationID] = m
	}
	require.Equal(t, "member", byOrg[authkittest.AcmeOrgID].Role.Slug)
	require.Equal(t, "Acme Corp", byOrg[authkittest.AcmeOrgID].OrganizationName)
	require.Equal(t, "admin", byOrg[authkittest.GlobexOrgID].Role.Slug)

	// By organization, paged one at a time, newest first: multi then admin.
	var ids []string
	after := ""
	for range 3 {
		page, err := c.ListOrganizationMemberships(ctx, workos.ListOrganizationMembershipsParams{OrganizationID: authkittest.AcmeOrgID, Limit: 1, After: after})
		require.NoError(t, err)
		for _, m := range page.Data {
			ids = append(ids, m.UserID)
		}
		if after = page.ListMetadata.After; after == "" {
			break
		}
	}
	require.Equal(t, []string{authkittest.MultiOrgUserID, authkittest.AdminUserID}, ids)
	asc, err := c.ListOrganizationMemberships(ctx, workos.ListOrganizationMembershipsParams{OrganizationID: authkittest.AcmeOrgID, Order: "asc"})
	require.NoError(t, err)
	require.Equal(t, authkittest.AdminUserID, asc.Data[0].UserID)

	// Both filters intersect; statuses filter (seeded memberships are active).
	both, err := c.ListOrganizationMemberships(ctx, workos.ListOrganizationMembershipsParams{UserID: authkittest.AdminUserID, OrganizationID: authkittest.GlobexOrgID})
	require.NoError(t, err)
	require.Empty(t, both.Data)
	inactive, err := c.ListOrganizationMemberships(ctx, workos.ListOrganizationMembershipsParams{UserID: authkittest.AdminUserID, Statuses: []string{workos.MembershipStatusInactive, workos.MembershipStatusPending}})
	require.NoError(t, err)
	require.Empty(t, inactive.Data)
	none, err := c.ListOrganizationMemberships(ctx, workos.ListOrganizationMembershipsParams{UserID: authkittest.PlainUserID})
	require.NoError(t, err)
	require.Empty(t, none.Data)

	_, err = c.ListOrganizationMemberships(ctx, workos.ListOrganizationMembershipsParams{UserID: "user_unknown"})
	requireCode(t, err, 404, "")
	for _, p := range []workos.ListOrganizationMembershipsParams{{}, {UserID: "u", Limit: 101}, {UserID: "u", Order: "up"}, {UserID: "u", Statuses: []string{"gone"}}} {
		_, err = c.ListOrganizationMemberships(ctx, p)
		require.Error(t, err)
	}
	require.Equal(t, 8, e.Count(authkittest.EndpointListMemberships))

	org, err := c.GetOrganization(ctx, authkittest.GlobexOrgID)
	require.NoError(t, err)
	require.Equal(t, "Globex Corporation", org.Name)
	require.Equal(t, "organization", org.Object)
	require.NotNil(t, org.Domains)
	_, err = c.GetOrganization(ctx, "org_unknown")
	requireCode(t, err, 404, "")

	// Management endpoints need the API key.
	bad, err := workos.New(workos.Config{BaseURL: e.URL(), ClientID: e.ClientID(), APIKey: "sk_wrong"})
	require.NoError(t, err)
	_, err = bad.GetOrganization(ctx, authkittest.AcmeOrgID)
	requireCode(t, err, 401, "")
	_, err = bad.ListOrganizationMemberships(ctx, workos.ListOrganizationMembershipsParams{UserID: authkittest.AdminUserID})
	requireCode(t, err, 401, "")

	e.FailNext(authkittest.EndpointGetOrganization, 1, authkittest.Fault{Status: 200, Body: `{"object":"organization"}`})
	_, err = c.GetOrganization(ctx, authkittest.AcmeOrgID)
	require.ErrorIs(t, err, workos.ErrMalformedResponse)
	e.FailNext(authkittest.EndpointListMemberships, 1, authkittest.Fault{Status: 200, Body: `{"object":"list"}`})
	_, err = c.ListOrganizationMemberships(ctx, workos.ListOrganizationMembershipsParams{UserID: authkittest.AdminUserID})
	require.ErrorIs(t, err, workos.ErrMalformedResponse)
}

func TestValidateAPIKey(t *testing.T) {
	e, c, clk := setupClock(t)
	ctx := context.Background()

	org, err := e.CreateAPIKey(authkittest.APIKeyParams{OrganizationID: authkittest.AcmeOrgID, Name: "CI", Permissions: []string{"posts:read"}})
	require.NoError(t, err)
	usr, err := e.CreateAPIKey(authkittest.APIKeyParams{UserID: authkittest.MultiOrgUserID, OrganizationID: authkittest.GlobexOrgID, Name: "laptop"})
	require.NoError(t, err)
	require.NotEqual(t, org.Value, usr.Value)

	k, err := c.ValidateAPIKey(ctx, org.Value)
	require.NoError(t, err)
	require.Equal(t, org.ID, k.ID)
	require.Equal(t, "api_key", k.Object)
	require.Equal(t, workos.APIKeyOwner{Type: workos.APIKeyOwnerOrganization, ID: authkittest.AcmeOrgID}, k.Owner)
	require.Equal(t, authkittest.AcmeOrgID, k.OrganizationID())
	require.Equal(t, "CI", k.Name)
	require.Equal(t, []string{"posts:read"}, k.Permissions)
	require.Equal(t, "sk_..."+org.Value[len(org.Value)-4:], k.ObfuscatedValue)
	require.NotEmpty(t, k.LastUsedAt, "validation uses the key")
	require.NotEmpty(t, k.CreatedAt)

	k, err = c.ValidateAPIKey(ctx, usr.Value)
	require.NoError(t, err)
	require.Equal(t, workos.APIKeyOwner{Type: workos.APIKeyOwnerUser, ID: authkittest.MultiOrgUserID, OrganizationID: authkittest.GlobexOrgID}, k.Owner)
	require.Equal(t, authkittest.GlobexOrgID, k.OrganizationID())
	require.Empty(t, k.Permissions)

	// Unknown, deleted and empty values are ErrAPIKeyInvalid, never transient.
	_, err = c.ValidateAPIKey(ctx, "sk_not_a_key_SECRET")
	require.ErrorIs(t, err, workos.ErrAPIKeyInvalid)
	require.False(t, workos.IsTransient(err))
	require.True(t, e.DeleteAPIKey(org.ID))
	require.False(t, e.DeleteAPIKey(org.ID))
	_, err = c.ValidateAPIKey(ctx, org.Value)
	require.ErrorIs(t, err, workos.ErrAPIKeyInvalid)
	n := e.Count(authkittest.EndpointValidateAPIKey)
	_, err = c.ValidateAPIKey(ctx, "")
	require.ErrorIs(t, err, workos.ErrAPIKeyInvalid)
	require.Equal(t, n, e.Count(authkittest.EndpointValidateAPIKey))

	// Creation refuses what WorkOS refuses.
	for _, p := range []authkittest.APIKeyParams{
		{OrganizationID: authkittest.AcmeOrgID},
		{OrganizationID: "org_unknown", Name: "x"},
		{UserID: "user_unknown", OrganizationID: authkittest.AcmeOrgID, Name: "x"},
		{UserID: authkittest.PlainUserID, OrganizationID: authkittest.AcmeOrgID, Name: "x"},
	} {
		_, err := e.CreateAPIKey(p)
		require.Error(t, err, "%+v", p)
	}

	// Our own API key refused: 401, an *APIError, not ErrAPIKeyInvalid.
	bad, err := workos.New(workos.Config{BaseURL: e.URL(), ClientID: e.ClientID(), APIKey: "sk_wrong"})
	require.NoError(t, err)
	_, err = bad.ValidateAPIKey(ctx, usr.Value)
	requireCode(t, err, 401, "", usr.Value)
	require.NotErrorIs(t, err, workos.ErrAPIKeyInvalid)

	// Outages and broken bodies are transient and never ErrAPIKeyInvalid.
	for name, f := range map[string]authkittest.Fault{
		"503":        {Status: 503},
		"no api_key": {Status: 200, Body: `{}`},
		"garbage":    {Status: 200, Body: `<html>`},
		"no owner":   {Status: 200, Body: `{"api_key":{"id":"api_key_1"}}`},
	} {
		e.FailNext(authkittest.EndpointValidateAPIKey, 1, f)
		_, err := c.ValidateAPIKey(ctx, usr.Value)
		require.True(t, workos.IsTransient(err), "%s: %v", name, err)
		require.False(t, errors.Is(err, workos.ErrAPIKeyInvalid), name)
		require.NotContains(t, err.Error(), usr.Value, name)
	}
	clk.Add(time.Hour)
	k, err = c.ValidateAPIKey(ctx, usr.Value)
	require.NoError(t, err)
	require.Equal(t, clk.Now().UTC().Format("2006-01-02T15:04:05.000Z"), k.LastUsedAt)
}

// TestAPIKeyEndpoints drives the emulator's key management over HTTP.
func TestAPIKeyEndpoints(t *testing.T) {
	e := authkittest.NewServer(t)
	call := func(method, path, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, e.URL()+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+e.APIKey())
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = io.Copy(&b, resp.Body)
		return resp.StatusCode, b.String()
	}
	st, body := call("POST", "/organizations/"+authkittest.AcmeOrgID+"/api_keys", `{"name":"CI","permissions":["posts:read"]}`)
	require.Equal(t, 201, st, body)
	require.Contains(t, body, `"value":"sk_`)
	st, body = call("POST", "/user_management/users/"+authkittest.AdminUserID+"/api_keys", `{"name":"cli","organization_id":"`+authkittest.AcmeOrgID+`"}`)
	require.Equal(t, 201, st, body)
	st, body = call("GET", "/organizations/"+authkittest.AcmeOrgID+"/api_keys", "")
	require.Equal(t, 200, st)
	require.Equal(t, 1, strings.Count(body, `"object":"api_key"`), body)
	require.NotContains(t, body, `"value"`)
	st, body = call("GET", "/user_management/users/"+authkittest.AdminUserID+"/api_keys?organization_id="+authkittest.GlobexOrgID, "")
	require.Equal(t, 200, st)
	require.Contains(t, body, `"data":[]`)
	st, _ = call("DELETE", "/api_keys/api_key_unknown", "")
	require.Equal(t, 404, st)
	require.Equal(t, 2, e.Count(authkittest.EndpointCreateAPIKey))
	require.Equal(t, 2, e.Count(authkittest.EndpointListAPIKeys))
	require.Equal(t, 1, e.Count(authkittest.EndpointDeleteAPIKey))
}
