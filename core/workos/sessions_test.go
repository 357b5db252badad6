package workos_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/workos"
)

// signInSession signs email in on the emulator and returns the response and
// the session ID (the access token's sid claim).
func signInSession(t *testing.T, e *authkittest.Emulator, c *workos.Client, email string) (*workos.AuthenticateResponse, string) {
	t.Helper()
	q := authorize(t, e, c, email, workos.AuthorizationURLParams{RedirectURI: "http://app.test/cb"})
	r, err := c.AuthenticateWithCode(context.Background(), workos.CodeParams{Code: q.Get("code"), IPAddress: "203.0.113.7", UserAgent: "test-agent"})
	require.NoError(t, err)
	parts := strings.Split(r.AccessToken, ".")
	require.Len(t, parts, 3)
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims struct {
		SID string `json:"sid"`
	}
	require.NoError(t, json.Unmarshal(payload, &claims))
	require.NotEmpty(t, claims.SID)
	return r, claims.SID
}

func TestTimeout(t *testing.T) {
	c, err := workos.New(workos.Config{ClientID: "client_1"})
	require.NoError(t, err)
	require.Equal(t, workos.DefaultTimeout, c.Timeout())
	c, err = workos.New(workos.Config{ClientID: "client_1", Timeout: 3 * time.Second})
	require.NoError(t, err)
	require.Equal(t, 3*time.Second, c.Timeout())
}

func TestRevokeSession(t *testing.T) {
	e, c := setup(t)
	ctx := context.Background()
	r, sid := signInSession(t, e, c, authkittest.AdminEmail)
	o, osid := signInSession(t, e, c, authkittest.AdminEmail)

	require.NoError(t, c.RevokeSession(ctx, sid))
	require.Equal(t, 1, e.Count(authkittest.EndpointRevokeSession))
	require.False(t, e.SessionActive(sid))
	_, err := c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: r.RefreshToken})
	require.True(t, workos.IsInvalidGrant(err), "refresh after revoke: %v", err)
	require.True(t, e.SessionActive(osid), "another session of the user was ended")
	_, err = c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: o.RefreshToken})
	require.NoError(t, err)

	// Revoking an ended session again succeeds.
	require.NoError(t, c.RevokeSession(ctx, sid))
	// An unknown session is a definitive 400.
	err = c.RevokeSession(ctx, "session_unknown")
	var ae *workos.APIError
	require.True(t, errors.As(err, &ae), "%v", err)
	require.Equal(t, http.StatusBadRequest, ae.StatusCode)
	require.False(t, workos.IsTransient(err))
	// Faults reach the client; 5xx is transient.
	e.FailNext(authkittest.EndpointRevokeSession, 1, authkittest.Fault{Status: 503})
	err = c.RevokeSession(ctx, osid)
	require.True(t, workos.IsTransient(err), "%v", err)
	require.True(t, e.SessionActive(osid))

	// The API key is sent as a bearer token; a wrong one is refused.
	bad, err := workos.New(workos.Config{BaseURL: e.URL(), ClientID: e.ClientID(), APIKey: "sk_test_wrong"})
	require.NoError(t, err)
	err = bad.RevokeSession(ctx, osid)
	require.True(t, errors.As(err, &ae), "%v", err)
	require.Equal(t, http.StatusUnauthorized, ae.StatusCode)
	require.NotContains(t, err.Error(), "sk_test_wrong")
	require.True(t, e.SessionActive(osid))
	// Without an API key (public client) nothing is sent.
	pub, err := workos.New(workos.Config{BaseURL: e.URL(), ClientID: e.ClientID()})
	require.NoError(t, err)
	before := e.Count(authkittest.EndpointRevokeSession)
	require.Error(t, pub.RevokeSession(ctx, osid))
	require.Error(t, c.RevokeSession(ctx, ""))
	require.Equal(t, before, e.Count(authkittest.EndpointRevokeSession))
}

func TestListSessionsAndSessionActive(t *testing.T) {
	e, c := setup(t)
	ctx := context.Background()
	// 205 sessions: SessionActive pages 100 at a time, newest first, so
	// the oldest is on the third page.
	var sids []string
	for i := 0; i < 205; i++ {
		_, sid := signInSession(t, e, c, authkittest.MultiOrgEmail)
		sids = append(sids, sid)
	}
	_, plainSID := signInSession(t, e, c, authkittest.PlainEmail)

	list, err := c.ListSessions(ctx, authkittest.MultiOrgUserID, workos.ListSessionsParams{Limit: 2})
	require.NoError(t, err)
	require.Len(t, list.Data, 2)
	s := list.Data[0]
	require.Equal(t, sids[204], s.ID, "newest first")
	require.Equal(t, "session", s.Object)
	require.Equal(t, authkittest.MultiOrgUserID, s.UserID)
	require.Equal(t, authkittest.AcmeOrgID, s.OrganizationID)
	require.Equal(t, workos.SessionStatusActive, s.Status)
	require.Equal(t, "password", s.AuthMethod)
	require.Equal(t, "203.0.113.7", s.IPAddress)
	require.Equal(t, "test-agent", s.UserAgent)
	require.Empty(t, s.EndedAt)
	require.NotEmpty(t, s.ExpiresAt)
	require.NotEmpty(t, s.CreatedAt)
	require.Equal(t, sids[203], list.ListMetadata.After)
	require.Empty(t, list.ListMetadata.Before)
	next, err := c.ListSessions(ctx, authkittest.MultiOrgUserID, workos.ListSessionsParams{Limit: 2, After: list.ListMetadata.After})
	require.NoError(t, err)
	require.Equal(t, sids[202], next.Data[0].ID)
	require.Equal(t, sids[202], next.ListMetadata.Before, "the cursor back is the first record of the page")

	e.ResetCounts()
	active, err := c.SessionActive(ctx, authkittest.MultiOrgUserID, sids[0])
	require.NoError(t, err)
	require.True(t, active)
	require.Equal(t, 3, e.Count(authkittest.EndpointListSessions), "found on the third page")

	e.ResetCounts()
	active, err = c.SessionActive(ctx, authkittest.MultiOrgUserID, sids[204])
	require.NoError(t, err)
	require.True(t, active)
	require.Equal(t, 1, e.Count(authkittest.EndpointListSessions), "stops at the page that lists it")

	// Revoked, unknown and other users' sessions are not active, after
	// reading the whole list.
	require.NoError(t, c.RevokeSession(ctx, sids[0]))
	for _, sid := range []string{sids[0], "session_unknown", plainSID} {
		e.ResetCounts()
		active, err = c.SessionActive(ctx, authkittest.MultiOrgUserID, sid)
		require.NoError(t, err)
		require.False(t, active, sid)
		require.Equal(t, 3, e.Count(authkittest.EndpointListSessions))
	}
	active, err = c.SessionActive(ctx, authkittest.PlainUserID, plainSID)
	require.NoError(t, err)
	require.True(t, active)

	// Errors are "unknown", never "ended".
	_, err = c.SessionActive(ctx, "user_unknown", sids[1])
	var ae *workos.APIError
	require.True(t, errors.As(err, &ae), "%v", err)
	require.Equal(t, http.StatusNotFound, ae.StatusCode)
	e.FailNext(authkittest.EndpointListSessions, 1, authkittest.Fault{Status: 500})
	_, err = c.SessionActive(ctx, authkittest.MultiOrgUserID, sids[1])
	require.True(t, workos.IsTransient(err), "%v", err)
	html := http.Header{}
	html.Set("Content-Type", "text/html")
	e.FailNext(authkittest.EndpointListSessions, 1, authkittest.Fault{Status: 200, Header: html, Body: "<html>proxy</html>"})
	_, err = c.SessionActive(ctx, authkittest.MultiOrgUserID, sids[1])
	require.ErrorIs(t, err, workos.ErrMalformedResponse)
	require.True(t, workos.IsTransient(err))

	// Parameter validation happens before any request.
	e.ResetCounts()
	for _, p := range []workos.ListSessionsParams{{Limit: 101}, {Limit: -1}, {Order: "sideways"}} {
		_, err := c.ListSessions(ctx, authkittest.MultiOrgUserID, p)
		require.Error(t, err, "%+v", p)
	}
	_, err = c.ListSessions(ctx, "", workos.ListSessionsParams{})
	require.Error(t, err)
	_, err = c.SessionActive(ctx, authkittest.MultiOrgUserID, "")
	require.Error(t, err)
	require.Zero(t, e.Count(authkittest.EndpointListSessions))
}

func TestSessionActiveBoundedByTimeout(t *testing.T) {
	e, c := setup(t, func(cfg *workos.Config) { cfg.Timeout = 200 * time.Millisecond })
	e.FailNext(authkittest.EndpointListSessions, 1, authkittest.Fault{Delay: time.Hour})
	start := time.Now()
	_, err := c.SessionActive(context.Background(), authkittest.AdminUserID, "session_1")
	require.True(t, workos.IsTimeout(err), "%v", err)
	require.True(t, workos.IsTransient(err))
	require.Less(t, time.Since(start), 5*time.Second)
}

// sessionPages serves GET /user_management/users/{id}/sessions from page,
// which gets the request's after cursor and returns the body.
func sessionPages(t *testing.T, page func(after string) string) (*workos.Client, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("Authorization") != "Bearer sk_test_pages" || r.URL.Path != "/user_management/users/user_1/sessions" || r.URL.Query().Get("limit") != "100" {
			http.Error(w, `{"message":"bad request"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(page(r.URL.Query().Get("after"))))
	}))
	t.Cleanup(srv.Close)
	c, err := workos.New(workos.Config{BaseURL: srv.URL, ClientID: "client_1", APIKey: "sk_test_pages"})
	require.NoError(t, err)
	return c, &calls
}

func sessionJSON(id, status string) string {
	return fmt.Sprintf(`{"object":"session","id":%q,"user_id":"user_1","status":%q,"auth_method":"password","ip_address":null,"user_agent":null,"expires_at":"2026-01-01T00:00:00.000Z","ended_at":null,"created_at":"2025-01-01T00:00:00.000Z","updated_at":"2025-01-01T00:00:00.000Z"}`, id, status)
}

func TestSessionActivePaging(t *testing.T) {
	ctx := context.Background()
	t.Run("listed with an ended status", func(t *testing.T) {
		c, _ := sessionPages(t, func(string) string {
			return `{"object":"list","data":[` + sessionJSON("session_a", "active") + `,` + sessionJSON("session_r", "revoked") + `],"list_metadata":{"before":null,"after":null}}`
		})
		active, err := c.SessionActive(ctx, "user_1", "session_r")
		require.NoError(t, err)
		require.False(t, active)
		active, err = c.SessionActive(ctx, "user_1", "session_a")
		require.NoError(t, err)
		require.True(t, active)
	})
	t.Run("bounded pages", func(t *testing.T) {
		c, calls := sessionPages(t, func(after string) string {
			n := len(after) // every page names a new cursor
			return `{"object":"list","data":[` + sessionJSON(fmt.Sprintf("session_%d", n), "active") + `],"list_metadata":{"before":null,"after":"` + after + `x"}}`
		})
		_, err := c.SessionActive(ctx, "user_1", "session_elsewhere")
		require.ErrorIs(t, err, workos.ErrSessionListTooLong)
		require.False(t, workos.IsTransient(err))
		require.EqualValues(t, workos.MaxSessionPages, calls.Load())
	})
	t.Run("cursor that does not advance", func(t *testing.T) {
		c, calls := sessionPages(t, func(string) string {
			return `{"object":"list","data":[` + sessionJSON("session_1", "active") + `],"list_metadata":{"before":null,"after":"session_1"}}`
		})
		_, err := c.SessionActive(ctx, "user_1", "session_elsewhere")
		require.ErrorIs(t, err, workos.ErrMalformedResponse)
		require.EqualValues(t, 2, calls.Load())
	})
	t.Run("malformed pages", func(t *testing.T) {
		for _, body := range []string{`{}`, `{"data":null}`, `{"data":[{"id":"session_1"}]}`, `[]`, `<html>`} {
			c, _ := sessionPages(t, func(string) string { return body })
			_, err := c.SessionActive(ctx, "user_1", "session_1")
			require.ErrorIs(t, err, workos.ErrMalformedResponse, body)
			require.True(t, workos.IsTransient(err), body)
		}
	})
}
