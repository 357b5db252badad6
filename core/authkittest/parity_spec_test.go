package authkittest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/workos"
)

// TestSpecParity checks the password, magic auth and email verification
// grants, magic auth and email verification objects, organizations,
// memberships and API keys against the WorkOS OpenAPI description: the
// client's requests and every answer of the emulator, success and error.
func TestSpecParity(t *testing.T) {
	v := specValidator(t)
	// Every optional user field set on multi (nested in its memberships).
	seed := authkittest.DefaultSeed()
	seed.Users[1].ExternalID, seed.Users[1].Locale = "ext_multi", "en-GB"
	seed.Users[1].Metadata = map[string]string{"plan": "pro"}
	e, err := authkittest.New(authkittest.WithSeed(seed))
	require.NoError(t, err)
	defer e.Close()
	proxy := &recordingProxy{h: e.Handler()}
	srv := httptest.NewServer(proxy)
	defer srv.Close()
	c, err := workos.New(workos.Config{BaseURL: srv.URL, ClientID: e.ClientID(), APIKey: e.APIKey()})
	require.NoError(t, err)
	ctx := context.Background()
	// raw sends a request the client has no method for; crafted marks one
	// that is invalid on purpose (its request is not checked).
	crafted := map[string]bool{}
	raw := func(method, path, body string, invalid bool) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+e.APIKey())
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var b json.RawMessage
		_ = json.NewDecoder(resp.Body).Decode(&b)
		if invalid {
			crafted[method+" "+path+" "+body] = true
		}
		return resp.StatusCode, b
	}

	// Password: success, invalid_credentials, email_verification_required,
	// then the email verification grant (wrong code, bad token, success).
	_, err = c.AuthenticateWithPassword(ctx, workos.PasswordParams{Email: authkittest.AdminEmail, Password: authkittest.DefaultPassword, IPAddress: "203.0.113.42", UserAgent: "Mozilla/5.0"})
	require.NoError(t, err)
	_, err = c.AuthenticateWithPassword(ctx, workos.PasswordParams{Email: authkittest.AdminEmail, Password: "wrong"})
	require.ErrorIs(t, err, workos.ErrInvalidCredentials)
	require.NoError(t, e.SetEmailVerified(authkittest.PlainEmail, false))
	_, err = c.AuthenticateWithPassword(ctx, workos.PasswordParams{Email: authkittest.PlainEmail, Password: authkittest.DefaultPassword})
	var ae *workos.APIError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 403, ae.StatusCode)
	st, body := raw("GET", "/user_management/email_verification/"+ae.EmailVerificationID, "", false)
	require.Equal(t, 200, st)
	var ev struct{ Code string }
	require.NoError(t, json.Unmarshal(body, &ev))
	_, err = c.AuthenticateWithEmailVerification(ctx, workos.EmailVerificationParams{Code: "abcdef", PendingAuthenticationToken: ae.PendingAuthenticationToken})
	require.Error(t, err)
	_, err = c.AuthenticateWithEmailVerification(ctx, workos.EmailVerificationParams{Code: ev.Code, PendingAuthenticationToken: "pat_unknown"})
	require.Error(t, err)
	_, err = c.AuthenticateWithEmailVerification(ctx, workos.EmailVerificationParams{Code: ev.Code, PendingAuthenticationToken: ae.PendingAuthenticationToken})
	require.NoError(t, err)
	raw("GET", "/user_management/email_verification/email_verification_unknown", "", false) // 404

	// Magic auth: created over the API, fetched, used, reused, wrong.
	st, body = raw("POST", "/user_management/magic_auth", `{"email":"`+authkittest.MultiOrgEmail+`"}`, false)
	require.Equal(t, 201, st)
	var ma struct{ ID, Code string }
	require.NoError(t, json.Unmarshal(body, &ma))
	st, _ = raw("GET", "/user_management/magic_auth/"+ma.ID, "", false)
	require.Equal(t, 200, st)
	raw("GET", "/user_management/magic_auth/magic_auth_unknown", "", false)             // 404
	raw("POST", "/user_management/magic_auth", `{"email":"nobody@example.com"}`, false) // 400 sign_up_not_allowed
	raw("POST", "/user_management/magic_auth", `{"email":"not an address"}`, false)     // 422
	_, err = c.AuthenticateWithMagicAuth(ctx, workos.MagicAuthParams{Code: ma.Code, Email: authkittest.MultiOrgEmail})
	require.NoError(t, err)
	_, err = c.AuthenticateWithMagicAuth(ctx, workos.MagicAuthParams{Code: ma.Code, Email: authkittest.MultiOrgEmail})
	require.Error(t, err)
	_, err = c.AuthenticateWithMagicAuth(ctx, workos.MagicAuthParams{Code: "abcdef", Email: authkittest.MultiOrgEmail})
	require.Error(t, err)

	// Organizations and memberships.
	_, err = c.GetOrganization(ctx, authkittest.AcmeOrgID)
	require.NoError(t, err)
	_, err = c.GetOrganization(ctx, "org_unknown")
	require.Error(t, err)
	list, err := c.ListOrganizationMemberships(ctx, workos.ListOrganizationMembershipsParams{UserID: authkittest.MultiOrgUserID, Statuses: []string{"active", "inactive"}, Limit: 1, Order: "asc"})
	require.NoError(t, err)
	require.Len(t, list.Data, 1)
	next, err := c.ListOrganizationMemberships(ctx, workos.ListOrganizationMembershipsParams{UserID: authkittest.MultiOrgUserID, Limit: 1, Order: "asc", After: list.ListMetadata.After})
	require.NoError(t, err)
	require.Len(t, next.Data, 1)
	require.Equal(t, authkittest.GlobexOrgID, next.Data[0].OrganizationID)
	_, err = c.ListOrganizationMemberships(ctx, workos.ListOrganizationMembershipsParams{OrganizationID: authkittest.AcmeOrgID})
	require.NoError(t, err)
	_, err = c.ListOrganizationMemberships(ctx, workos.ListOrganizationMembershipsParams{OrganizationID: "org_unknown"})
	require.Error(t, err)
	raw("GET", "/user_management/organization_memberships", "", false)                                            // 400 missing_user_id_or_organization_id
	raw("GET", "/user_management/organization_memberships?user_id="+authkittest.AdminUserID+"&limit=0", "", true) // 400 invalid_request_parameters

	// API keys: create (organization and user), list, validate, delete.
	st, body = raw("POST", "/organizations/"+authkittest.AcmeOrgID+"/api_keys", `{"name":"CI","permissions":["posts:read"]}`, false)
	require.Equal(t, 201, st)
	var orgKey struct{ ID, Value string }
	require.NoError(t, json.Unmarshal(body, &orgKey))
	st, body = raw("POST", "/user_management/users/"+authkittest.MultiOrgUserID+"/api_keys", `{"name":"laptop","organization_id":"`+authkittest.GlobexOrgID+`"}`, false)
	require.Equal(t, 201, st)
	var userKey struct{ Value string }
	require.NoError(t, json.Unmarshal(body, &userKey))
	raw("POST", "/organizations/org_unknown/api_keys", `{"name":"x"}`, false)                                                                       // 404
	raw("POST", "/organizations/"+authkittest.AcmeOrgID+"/api_keys", `{}`, true)                                                                    // 422
	raw("POST", "/user_management/users/"+authkittest.PlainUserID+"/api_keys", `{"name":"x","organization_id":"`+authkittest.AcmeOrgID+`"}`, false) // 422 no membership
	raw("POST", "/user_management/users/user_unknown/api_keys", `{"name":"x","organization_id":"`+authkittest.AcmeOrgID+`"}`, false)                // 404
	raw("POST", "/user_management/users/"+authkittest.PlainUserID+"/api_keys", `{"name":"x"}`, true)                                                // 400
	_, err = c.ValidateAPIKey(ctx, orgKey.Value)
	require.NoError(t, err)
	_, err = c.ValidateAPIKey(ctx, userKey.Value)
	require.NoError(t, err)
	raw("GET", "/organizations/"+authkittest.AcmeOrgID+"/api_keys?limit=5&order=asc", "", false)
	raw("GET", "/user_management/users/"+authkittest.MultiOrgUserID+"/api_keys?organization_id="+authkittest.GlobexOrgID, "", false)
	raw("GET", "/organizations/org_unknown/api_keys", "", false)          // 404
	raw("GET", "/user_management/users/user_unknown/api_keys", "", false) // 404
	st, _ = raw("DELETE", "/api_keys/"+orgKey.ID, "", false)
	require.Equal(t, 204, st)
	raw("DELETE", "/api_keys/"+orgKey.ID, "", false) // 404
	_, err = c.ValidateAPIKey(ctx, orgKey.Value)
	require.ErrorIs(t, err, workos.ErrAPIKeyInvalid)
	raw("POST", "/api_keys/validations", `{}`, true) // 422

	proxy.mu.Lock()
	defer proxy.mu.Unlock()
	seen := map[string]int{}
	for _, x := range proxy.ex {
		name := x.method + " " + x.path
		switch {
		case x.path == "/user_management/authenticate":
			var g struct {
				GrantType string `json:"grant_type"`
			}
			_ = json.Unmarshal(x.reqBody, &g)
			name = "authenticate " + g.GrantType
		case strings.HasPrefix(x.path, "/user_management/magic_auth"):
			name = x.method + " magic_auth"
		case strings.HasPrefix(x.path, "/user_management/email_verification/"):
			name = "GET email_verification"
		case strings.HasPrefix(x.path, "/organizations/") && strings.HasSuffix(x.path, "/api_keys"),
			strings.HasPrefix(x.path, "/user_management/users/") && strings.HasSuffix(x.path, "/api_keys"):
			name = x.method + " api_keys"
		case strings.HasPrefix(x.path, "/api_keys/") && x.method == "DELETE":
			name = "DELETE api_key"
		case strings.HasPrefix(x.path, "/organizations/"):
			name = "GET organization"
		}
		validate(t, v, x, !crafted[x.method+" "+x.path+pathQuery(x)+" "+string(x.reqBody)])
		seen[fmt.Sprintf("%s %d", name, x.status)]++
	}
	require.Equal(t, map[string]int{
		"authenticate password 200": 1, "authenticate password 400": 1, "authenticate password 403": 1,
		"authenticate urn:workos:oauth:grant-type:email-verification:code 200": 1,
		"authenticate urn:workos:oauth:grant-type:email-verification:code 400": 2,
		"authenticate urn:workos:oauth:grant-type:magic-auth:code 200":         1,
		"authenticate urn:workos:oauth:grant-type:magic-auth:code 400":         2,
		"GET email_verification 200":                                           1, "GET email_verification 404": 1,
		"POST magic_auth 201": 1, "POST magic_auth 400": 1, "POST magic_auth 422": 1,
		"GET magic_auth 200": 1, "GET magic_auth 404": 1,
		"GET organization 200": 1, "GET organization 404": 1,
		"GET /user_management/organization_memberships 200": 3,
		"GET /user_management/organization_memberships 404": 1,
		"GET /user_management/organization_memberships 400": 2,
		"POST api_keys 201": 2, "POST api_keys 404": 2, "POST api_keys 422": 2, "POST api_keys 400": 1,
		"GET api_keys 200": 2, "GET api_keys 404": 2,
		"DELETE api_key 204": 1, "DELETE api_key 404": 1,
		"POST /api_keys/validations 200": 3, "POST /api_keys/validations 422": 1,
	}, seen)
}

func pathQuery(x exchange) string {
	if x.rawQuery == "" {
		return ""
	}
	return "?" + x.rawQuery
}
