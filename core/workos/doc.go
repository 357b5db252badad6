// Package workos is a small WorkOS User Management client built on net/http
// and the standard library only.
//
// It covers what a session middleware needs: building the AuthKit
// authorization URL, exchanging an authorization code (with PKCE) for tokens,
// refreshing a session (optionally switching organization), building the
// logout URL and the JWKS URL used to verify access tokens, revoking a
// session and listing a user's sessions (SessionActive: has a session really
// ended?); signing in with a password, a magic auth code or an email
// verification code; listing organization memberships, getting an
// organization, and validating WorkOS API keys (ValidateAPIKey).
//
// Wire shapes follow the official WorkOS OpenAPI description
// (POST /user_management/authenticate, GET /user_management/authorize,
// GET /user_management/sessions/logout, GET /sso/jwks/{clientId},
// POST /user_management/sessions/revoke,
// GET /user_management/users/{id}/sessions). The management endpoints
// authenticate with "Authorization: Bearer <API key>". The client never
// follows redirects.
//
// Errors returned by the API are *APIError values; network failures are
// *TransportError values. Use IsTransient to decide whether a failed call may
// be retried and IsInvalidGrant (or the Err* sentinels with errors.Is) to
// detect terminal authentication failures. Neither error type's Error()
// ever contains tokens, codes, keys or upstream free text (APIError keeps
// WorkOS's message in its Description field, which is unsafe to log).
package workos
