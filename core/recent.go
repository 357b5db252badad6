package authkit

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// RequireRecentAuth requires that the user signed in (not merely
// refreshed) within maxAge, for sensitive actions. A session signed in
// longer ago, or whose sign-in time is unknown (a bearer token, an API key,
// a session written or refreshed by a Node app), is sent through sign-in
// again with max_age, so WorkOS asks for the user's credentials and the
// callback records a new authentication time; API requests get 401 with
// WWW-Authenticate error="insufficient_user_authentication" and max_age
// (RFC 9470).
func RequireRecentAuth(maxAge time.Duration) Requirement {
	if maxAge <= 0 {
		maxAge = time.Second
	}
	return Requirement{recent: maxAge}
}

func (c *Client) recentlyAuthenticated(a *Auth, maxAge time.Duration) bool {
	return a != nil && !a.AuthenticatedAt.IsZero() && c.cfg.Clock().Sub(a.AuthenticatedAt) <= maxAge
}

// reauthenticate answers a request whose authentication is not recent
// enough.
func (c *Client) reauthenticate(ctx context.Context, r *Request, a *Auth, maxAge time.Duration) Decision {
	secs := strconv.FormatInt(maxAgeSeconds(maxAge), 10)
	err := fmt.Errorf("%w: within %s", ErrReauthenticationRequired, maxAge)
	if !c.cfg.IsAPIRequest(r) && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		returnTo := ""
		if r.URL != nil {
			returnTo = r.URL.RequestURI()
		}
		// The same organization, so the user comes back where they were.
		d := c.SignIn(ctx, r, SignInOptions{ReturnTo: returnTo, MaxAge: maxAge, OrganizationID: a.OrganizationID})
		if d.Err == nil {
			d.Err = err
		}
		return d
	}
	var d Decision
	d.Err = err
	d.header().Set("WWW-Authenticate", `Bearer error="insufficient_user_authentication", error_description="a more recent authentication is required", max_age=`+secs)
	d.respond(http.StatusUnauthorized, "application/json", `{"error":"insufficient_user_authentication","max_age":`+secs+`}`)
	return d
}
