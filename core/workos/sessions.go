package workos

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// Session statuses (Session.Status).
const (
	SessionStatusActive  = "active"
	SessionStatusExpired = "expired"
	SessionStatusRevoked = "revoked"
)

// Session is a WorkOS user session, as listed by
// GET /user_management/users/{id}/sessions. Nullable string fields decode to
// "" when null; timestamps are ISO 8601 strings as WorkOS sends them.
type Session struct {
	Object         string        `json:"object"`
	ID             string        `json:"id"`
	UserID         string        `json:"user_id"`
	OrganizationID string        `json:"organization_id,omitempty"`
	Status         string        `json:"status"`
	AuthMethod     string        `json:"auth_method"`
	IPAddress      string        `json:"ip_address"`
	UserAgent      string        `json:"user_agent"`
	Impersonator   *Impersonator `json:"impersonator,omitempty"`
	ExpiresAt      string        `json:"expires_at"`
	EndedAt        string        `json:"ended_at"`
	CreatedAt      string        `json:"created_at"`
	UpdatedAt      string        `json:"updated_at"`
}

// ListMetadata holds a list's pagination cursors: After is "" at the end of
// the list, Before is "" at its start.
type ListMetadata struct {
	Before string `json:"before"`
	After  string `json:"after"`
}

// SessionList is one page of a user's sessions.
type SessionList struct {
	Data         []Session    `json:"data"`
	ListMetadata ListMetadata `json:"list_metadata"`
}

// ListSessionsParams are the query parameters of ListSessions. Zero values
// are omitted (WorkOS then uses limit 10, order desc).
type ListSessionsParams struct {
	// Limit is the page size, 1-100.
	Limit int
	// After is the cursor of the next page (ListMetadata.After).
	After string
	// Before is the cursor of the previous page (ListMetadata.Before).
	Before string
	// Order is "desc" (default), "asc" or "normal".
	Order string
}

// MaxSessionPages bounds how many pages of 100 sessions SessionActive reads
// before giving up with ErrSessionListTooLong.
const MaxSessionPages = 20

// ErrSessionListTooLong is returned by SessionActive when the user has more
// sessions than MaxSessionPages pages hold and the session was not among
// them: the answer is unknown, which is neither "active" nor "ended".
var ErrSessionListTooLong = errors.New("workos: session list too long")

const listSessionsOp = "/user_management/users/{id}/sessions"

// ListSessions returns one page of userID's active sessions
// (GET /user_management/users/{id}/sessions, authenticated with the API
// key). An unknown user is an *APIError with StatusCode 404.
func (c *Client) ListSessions(ctx context.Context, userID string, p ListSessionsParams) (*SessionList, error) {
	if userID == "" {
		return nil, errors.New("workos: ListSessions: userID is required")
	}
	if c.apiKey == "" {
		return nil, errors.New("workos: ListSessions: Config.APIKey is required")
	}
	q, err := listQuery("ListSessions", p.Limit, p.After, p.Before, p.Order)
	if err != nil {
		return nil, err
	}
	status, data, err := c.do(ctx, http.MethodGet, "/user_management/users/"+url.PathEscape(userID)+"/sessions", listSessionsOp, q, nil, true)
	if err != nil {
		return nil, err
	}
	list, meta, err := decodeList(status, data, "session without id or status", func(s Session) bool { return s.ID != "" && s.Status != "" })
	if err != nil {
		return nil, err
	}
	return &SessionList{Data: list, ListMetadata: meta}, nil
}

// SessionActive reports whether WorkOS lists sessionID among userID's
// sessions with status "active". It pages through the list (100 per page,
// following the after cursor) until it finds the session or the list ends;
// a session that is listed with another status, or not listed at all, has
// ended (false, nil).
//
// The whole walk is bounded by the client's Timeout (and by ctx). Errors
// mean "unknown", never "ended": an *APIError (404 for an unknown user),
// a *TransportError, ErrMalformedResponse (including a cursor that does not
// advance), or ErrSessionListTooLong after MaxSessionPages pages.
func (c *Client) SessionActive(ctx context.Context, userID, sessionID string) (bool, error) {
	if sessionID == "" {
		return false, errors.New("workos: SessionActive: sessionID is required")
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	after := ""
	seen := map[string]bool{}
	for page := 0; page < MaxSessionPages; page++ {
		list, err := c.ListSessions(ctx, userID, ListSessionsParams{Limit: 100, After: after})
		if err != nil {
			return false, err
		}
		for _, s := range list.Data {
			if s.ID == sessionID {
				return s.Status == SessionStatusActive, nil
			}
		}
		next := list.ListMetadata.After
		if next == "" {
			return false, nil
		}
		if seen[next] || len(list.Data) == 0 {
			return false, fmt.Errorf("%w: session list cursor does not advance", ErrMalformedResponse)
		}
		seen[next] = true
		after = next
	}
	return false, ErrSessionListTooLong
}

// RevokeSession ends sessionID at WorkOS
// (POST /user_management/sessions/revoke, authenticated with the API key):
// its refresh tokens stop working. Access tokens already issued stay valid
// until they expire.
func (c *Client) RevokeSession(ctx context.Context, sessionID string) error {
	if sessionID == "" {
		return errors.New("workos: RevokeSession: sessionID is required")
	}
	if c.apiKey == "" {
		return errors.New("workos: RevokeSession: Config.APIKey is required")
	}
	_, _, err := c.do(ctx, http.MethodPost, "/user_management/sessions/revoke", "", nil, map[string]string{"session_id": sessionID}, true)
	return err
}

func addQuery(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}
