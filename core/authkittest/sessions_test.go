package authkittest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/workos"
)

// sessionIDs lists userID's sessions with q and returns the IDs and the
// cursors ("" for null).
func sessionIDs(t *testing.T, e *authkittest.Emulator, userID string, q url.Values) (ids []string, before, after string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.URL()+"/user_management/users/"+userID+"/sessions?"+q.Encode(), nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+e.APIKey())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var body struct {
		Object string `json:"object"`
		Data   []struct {
			ID string `json:"id"`
		} `json:"data"`
		ListMetadata struct {
			Before *string `json:"before"`
			After  *string `json:"after"`
		} `json:"list_metadata"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	require.Equal(t, "list", body.Object)
	require.NotNil(t, body.Data, "data is [] when empty, not null")
	for _, d := range body.Data {
		ids = append(ids, d.ID)
	}
	if body.ListMetadata.Before != nil {
		before = *body.ListMetadata.Before
	}
	if body.ListMetadata.After != nil {
		after = *body.ListMetadata.After
	}
	return ids, before, after
}

func TestListSessionsEndpoint(t *testing.T) {
	e := authkittest.NewServer(t)
	c := newClient(t, e)
	ctx := context.Background()
	// s[0] oldest ... s[4] newest; s[2] revoked.
	var s []string
	for i := 0; i < 5; i++ {
		r := signIn(t, e, c, authkittest.AdminEmail)
		sid, _ := claim(t, parseToken(t, e, r.AccessToken), "sid").(string)
		s = append(s, sid)
	}
	require.True(t, e.RevokeSession(s[2]))
	signIn(t, e, c, authkittest.PlainEmail) // another user's session is not listed
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}

	ids, before, after := sessionIDs(t, e, authkittest.AdminUserID, q())
	require.Equal(t, []string{s[4], s[3], s[1], s[0]}, ids, "active only, newest first")
	require.Empty(t, before)
	require.Empty(t, after)

	ids, before, after = sessionIDs(t, e, authkittest.AdminUserID, q("limit", "2"))
	require.Equal(t, []string{s[4], s[3]}, ids)
	require.Equal(t, "", before)
	require.Equal(t, s[3], after)
	ids, before, after = sessionIDs(t, e, authkittest.AdminUserID, q("limit", "2", "after", after))
	require.Equal(t, []string{s[1], s[0]}, ids, "the revoked session is skipped")
	require.Equal(t, s[1], before)
	require.Equal(t, "", after)
	ids, _, _ = sessionIDs(t, e, authkittest.AdminUserID, q("limit", "1", "before", before))
	require.Equal(t, []string{s[3]}, ids, "before: the records just before the cursor")
	// A cursor whose session ended since still pages.
	ids, _, _ = sessionIDs(t, e, authkittest.AdminUserID, q("after", s[2]))
	require.Equal(t, []string{s[1], s[0]}, ids)

	ids, _, after = sessionIDs(t, e, authkittest.AdminUserID, q("order", "asc", "limit", "3"))
	require.Equal(t, []string{s[0], s[1], s[3]}, ids)
	require.Equal(t, s[3], after)
	// normal: descending, "before" fetches older and "after" newer records.
	ids, before, after = sessionIDs(t, e, authkittest.AdminUserID, q("order", "normal", "limit", "2"))
	require.Equal(t, []string{s[4], s[3]}, ids)
	require.Equal(t, s[3], before)
	require.Empty(t, after)
	ids, _, after = sessionIDs(t, e, authkittest.AdminUserID, q("order", "normal", "before", s[3]))
	require.Equal(t, []string{s[1], s[0]}, ids)
	require.Equal(t, s[1], after)

	ids, before, after = sessionIDs(t, e, authkittest.MultiOrgUserID, q())
	require.Empty(t, ids)
	require.Empty(t, before)
	require.Empty(t, after)

	status := func(path, auth string) int {
		req, err := http.NewRequest(http.MethodGet, e.URL()+path, nil)
		require.NoError(t, err)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	base := "/user_management/users/" + authkittest.AdminUserID + "/sessions"
	bearer := "Bearer " + e.APIKey()
	require.Equal(t, http.StatusUnauthorized, status(base, ""))
	require.Equal(t, http.StatusUnauthorized, status(base, "Bearer sk_test_wrong"))
	require.Equal(t, http.StatusUnauthorized, status(base, e.APIKey()))
	require.Equal(t, http.StatusOK, status(base, "bearer "+e.APIKey()))
	for _, bad := range []string{"limit=0", "limit=101", "limit=x", "order=up", "after=session_nope", "after=" + s[1] + "&before=" + s[0]} {
		require.Equal(t, http.StatusUnprocessableEntity, status(base+"?"+bad, bearer), bad)
	}
	require.Equal(t, http.StatusNotFound, status("/user_management/users/user_nope/sessions", bearer))

	// Counted and faultable like the other endpoints.
	e.ResetCounts()
	e.FailNext(authkittest.EndpointListSessions, 1, authkittest.Fault{Status: 502})
	require.Equal(t, http.StatusBadGateway, status(base, bearer))
	require.Equal(t, http.StatusOK, status(base, bearer))
	require.Equal(t, 2, e.Count(authkittest.EndpointListSessions))
	_, err := c.SessionActive(ctx, authkittest.AdminUserID, s[0])
	require.NoError(t, err)
}

func TestRevokeSessionEndpoint(t *testing.T) {
	e := authkittest.NewServer(t)
	c := newClient(t, e)
	ctx := context.Background()
	r := signIn(t, e, c, authkittest.AdminEmail)
	sid, _ := claim(t, parseToken(t, e, r.AccessToken), "sid").(string)
	revoke := func(auth, body string) int {
		req, err := http.NewRequest(http.MethodPost, e.URL()+"/user_management/sessions/revoke", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	body := `{"session_id":"` + sid + `"}`
	require.Equal(t, http.StatusUnauthorized, revoke("", body))
	require.Equal(t, http.StatusUnauthorized, revoke("Bearer sk_test_wrong", body))
	// client_secret in the body is not how management endpoints
	// authenticate.
	require.Equal(t, http.StatusUnauthorized, revoke("", `{"session_id":"`+sid+`","client_secret":"`+e.APIKey()+`"}`))
	require.True(t, e.SessionActive(sid))
	bearer := "Bearer " + e.APIKey()
	require.Equal(t, http.StatusBadRequest, revoke(bearer, `{}`))
	require.Equal(t, http.StatusBadRequest, revoke(bearer, `not json`))
	require.Equal(t, http.StatusBadRequest, revoke(bearer, `{"session_id":"session_nope"}`))
	require.Equal(t, http.StatusOK, revoke(bearer, body))
	require.False(t, e.SessionActive(sid))
	require.Equal(t, http.StatusOK, revoke(bearer, body), "revoking again succeeds")
	_, err := c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: r.RefreshToken})
	require.True(t, workos.IsInvalidGrant(err), "%v", err)
	require.Equal(t, 8, e.Count(authkittest.EndpointRevokeSession))
}
