package authkittest

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"
)

// sessionLifetime is the expires_at the emulator reports for a session,
// counted from its creation. The emulator does not end sessions by age.
const sessionLifetime = 30 * 24 * time.Hour

// apiKeyOK reports whether r carries "Authorization: Bearer <API key>", as
// the WorkOS management endpoints require.
func (e *Emulator) apiKeyOK(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(h[len(prefix):]), []byte(e.apiKey)) == 1
}

func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", "Bearer")
	writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Unauthorized"})
}

// handleRevokeSession is POST /user_management/sessions/revoke: it ends the
// session (its refresh tokens then fail with invalid_grant) and answers 200
// with no body. Revoking an ended session again succeeds; an unknown one is
// a 400, the only error the description documents.
func (e *Emulator) handleRevokeSession(w http.ResponseWriter, r *http.Request) {
	if e.hit(w, r, EndpointRevokeSession) {
		return
	}
	if !e.apiKeyOK(r) {
		unauthorized(w)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	var body struct {
		SessionID string `json:"session_id"`
		ReturnTo  string `json:"return_to"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.SessionID == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "session_id is required."})
		return
	}
	e.mu.Lock()
	s, ok := e.sessions[body.SessionID]
	if ok {
		e.revokeLocked(s)
	}
	e.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Session not found."})
		return
	}
	e.log.Debug("authkittest: session revoked", "session", body.SessionID)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

// wireSession is the session object of the list-sessions response.
type wireSession struct {
	Object         string            `json:"object"`
	ID             string            `json:"id"`
	Impersonator   *wireImpersonator `json:"impersonator,omitempty"`
	IPAddress      *string           `json:"ip_address"`
	OrganizationID string            `json:"organization_id,omitempty"`
	UserAgent      *string           `json:"user_agent"`
	UserID         string            `json:"user_id"`
	AuthMethod     string            `json:"auth_method"`
	Status         string            `json:"status"`
	ExpiresAt      string            `json:"expires_at"`
	EndedAt        *string           `json:"ended_at"`
	CreatedAt      string            `json:"created_at"`
	UpdatedAt      string            `json:"updated_at"`
}

type wireListMetadata struct {
	Before *string `json:"before"`
	After  *string `json:"after"`
}

type wireSessionList struct {
	Object       string           `json:"object"`
	Data         []wireSession    `json:"data"`
	ListMetadata wireListMetadata `json:"list_metadata"`
}

func wireTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func invalidParams(w http.ResponseWriter) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"code": "invalid_request_parameters", "message": "Validation failed."})
}

// handleListSessions is GET /user_management/users/{id}/sessions: the
// user's active sessions, newest first by default, paged with limit (1-100,
// default 10) and an after or before cursor (a session ID) as WorkOS pages
// its lists. "order" may be desc, asc or normal (descending, with after
// fetching newer and before older records).
func (e *Emulator) handleListSessions(w http.ResponseWriter, r *http.Request) {
	if e.hit(w, r, EndpointListSessions) {
		return
	}
	if !e.apiKeyOK(r) {
		unauthorized(w)
		return
	}
	params, ok := parseListParams(r.URL.Query())
	if !ok {
		invalidParams(w)
		return
	}
	userID := r.PathValue("id")

	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.userByIDLocked(userID); !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "User not found."})
		return
	}
	// Every session of the user in creation order; a cursor whose session
	// ended since still works.
	var all []*session
	for _, s := range e.sessions {
		if s.userID == userID {
			all = append(all, s)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].seq < all[j].seq })
	page, meta, ok := params.page(len(all), func(i int) string { return all[i].id }, func(i int) bool { return !all[i].revoked })
	if !ok {
		invalidParams(w)
		return
	}
	resp := wireSessionList{Object: "list", Data: []wireSession{}, ListMetadata: meta}
	for _, i := range page {
		resp.Data = append(resp.Data, e.wireSessionLocked(all[i]))
	}
	writeJSON(w, http.StatusOK, resp)
}

func (e *Emulator) wireSessionLocked(s *session) wireSession {
	ws := wireSession{
		Object: "session", ID: s.id, UserID: s.userID, OrganizationID: s.orgID,
		IPAddress: nullable(s.ipAddress), UserAgent: nullable(s.userAgent),
		AuthMethod: s.authMethod, Status: "active",
		ExpiresAt: wireTime(s.created.Add(sessionLifetime)),
		CreatedAt: wireTime(s.created), UpdatedAt: wireTime(s.updated),
	}
	if s.revoked {
		ws.Status = "revoked"
		ended := wireTime(s.updated)
		ws.EndedAt = &ended
	}
	if u, ok := e.userByIDLocked(s.userID); ok && u.Impersonator != nil {
		ws.Impersonator = &wireImpersonator{Email: u.Impersonator.Email, Reason: nullable(u.Impersonator.Reason)}
	}
	return ws
}
