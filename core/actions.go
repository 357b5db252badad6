package authkit

// What an application's own handlers call: refresh now, save a session it
// obtained itself. Each returns a Decision the handler writes (its cookies
// at least) like the adapters' routes do.

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/authkit-go/authkit/core/observe"
	"github.com/authkit-go/authkit/core/workos"
)

// RefreshOptions customises Client.Refresh.
type RefreshOptions struct {
	// OrganizationID, when set, refreshes the session into that
	// organization (the user must be a member).
	OrganizationID string
	// EnsureSignedIn answers a request without a session (or whose session
	// has ended) as RequireAuth does: browsers are sent to sign-in, API
	// requests get 401. Without it the Decision only carries the error.
	EnsureSignedIn bool
}

// Refresh refreshes the request's session now, whether or not its token is
// due (after a role or entitlement change, say), optionally into another
// organization. It follows the rules of the automatic refresh: one WorkOS
// call per refresh token across requests and instances, the same backoff,
// breaker and Store, and the cookie is cleared only when the session is
// known to be over.
//
// On success the Decision carries the new Auth and its session cookie:
// write its headers. On failure Auth is nil and Err says why
// (ErrUnauthenticated without a session; ErrRefreshFailed, with ErrUpstream
// when WorkOS is unavailable; a *workos.APIError with Code
// workos.CodeSSORequired when the organization requires SSO: send the user
// to SignInURL with that organization).
func (c *Client) Refresh(ctx context.Context, r *Request, o RefreshOptions) Decision {
	var d Decision
	if len(o.OrganizationID) > maxParamLen {
		d.Err = fmt.Errorf("%w: organization_id is too long", ErrInvalidParameter)
		return d
	}
	s, ref, found, err := c.readSession(r)
	if !found || err != nil {
		if found {
			c.clearSession(&d)
			c.signedOut(ctx, observe.SignOutInvalidCookie)
			d.Err = err
		}
		return c.notSignedIn(ctx, r, d, o.EnsureSignedIn)
	}
	res, err := c.refresh(ctx, refreshRequest{session: s, org: o.OrganizationID, ip: clientIP(r), ua: r.Header.Get("User-Agent")})
	if err == nil && c.revokedResult(res) {
		err = fmt.Errorf("%w: %w: %w", ErrRefreshFailed, errSessionEnded, errRevoked)
	}
	if err != nil {
		d.Err = err
		if errors.Is(err, errSessionEnded) {
			c.forget(ref)
			c.clearSession(&d)
			c.signedOut(ctx, endedCause(err))
			return c.notSignedIn(ctx, r, d, o.EnsureSignedIn)
		}
		return d
	}
	c.forget(ref)
	c.setSession(&d, res.sealed)
	d.Auth, d.Refreshed = res.auth(), true
	return d
}

// notSignedIn ends a Refresh without a session.
func (c *Client) notSignedIn(ctx context.Context, r *Request, d Decision, ensure bool) Decision {
	if d.Err == nil {
		d.Err = ErrUnauthenticated
	}
	if !ensure {
		return d
	}
	return c.unauthenticated(ctx, r, d, "")
}

// SaveSession starts a session from an authentication the application
// obtained itself (its own email and password or magic-auth page calling
// WorkOS: kit.WorkOS().AuthenticateWithPassword, AuthenticateWithMagicAuth,
// AuthenticateWithEmailVerification). The response's token is verified as
// at the callback, and the sealed session cookie is set on the Decision:
// write its headers, then redirect or answer as the page needs. The
// session counts as authenticated now (RequireRecentAuth).
// Config.OnSignIn and OnSignInSuccess are not called: the application is
// already handling the sign-in.
func (c *Client) SaveSession(ctx context.Context, r *Request, resp *workos.AuthenticateResponse) Decision {
	var d Decision
	if resp == nil {
		d.Err = fmt.Errorf("%w: no authentication response", ErrInvalidSession)
		return d
	}
	res, err := c.newSession(ctx, resp, nil)
	if err != nil {
		d.Err = err
		return d
	}
	c.setSession(&d, res.sealed)
	d.Auth = res.auth()
	return d
}

// Respond makes d answer the request with status and body (of
// contentType) instead of going on; its cookies and headers are kept. For
// hooks (Config.OnSignInError) and handlers that build their own answer.
func (d *Decision) Respond(status int, contentType string, body []byte) {
	d.Status, d.ContentType, d.Body = status, contentType, body
}

// Redirect makes d answer with a redirect to location (status 302, 303 or
// 307); its cookies and headers are kept.
func (d *Decision) Redirect(status int, location string) {
	if status < 300 || status > 399 {
		status = http.StatusFound
	}
	d.Body, d.ContentType = nil, ""
	d.redirect(status, location)
}
