package authkit

import "errors"

// Sentinel errors carried in Decision.Err. Branch on them with errors.Is; the
// wrapped cause (never containing tokens, codes or cookies) says more.
var (
	// ErrConfig reports invalid configuration at construction.
	ErrConfig = errors.New("authkit: invalid configuration")
	// ErrNoSession means the request carries no usable session.
	ErrNoSession = errors.New("authkit: no session")
	// ErrInvalidSession means the session cookie could not be opened or its
	// token was rejected (tampered, foreign, forged, revoked); it is cleared.
	ErrInvalidSession = errors.New("authkit: invalid session")
	// ErrInvalidBearer means an Authorization: Bearer token was rejected.
	ErrInvalidBearer = errors.New("authkit: invalid bearer token")
	// ErrRefreshFailed means WorkOS refused or could not refresh the session.
	ErrRefreshFailed = errors.New("authkit: session refresh failed")
	// ErrUpstream means WorkOS (or the JWKS endpoint) could not be reached;
	// the condition is expected to pass.
	ErrUpstream = errors.New("authkit: WorkOS unavailable")
	// ErrMissingCallbackParams means the callback lacked code or state.
	ErrMissingCallbackParams = errors.New("authkit: callback is missing code or state")
	// ErrAuthorizationDenied means WorkOS redirected back with an error.
	ErrAuthorizationDenied = errors.New("authkit: authorization was denied")
	// ErrMissingVerifier means the callback's verifier cookie was absent
	// (expired flow, different browser, or cookies blocked).
	ErrMissingVerifier = errors.New("authkit: sign-in verifier cookie missing")
	// ErrStateMismatch means the callback's state did not match the cookie.
	ErrStateMismatch = errors.New("authkit: state mismatch")
	// ErrInvalidState means the state could not be opened or has expired.
	ErrInvalidState = errors.New("authkit: invalid or expired state")
	// ErrCodeExchange means WorkOS refused the authorization code.
	ErrCodeExchange = errors.New("authkit: authorization code exchange failed")
	// ErrMethodNotAllowed means the route was called with the wrong method
	// (sign-out accepts POST only by default).
	ErrMethodNotAllowed = errors.New("authkit: method not allowed")
	// ErrCrossSite means a state-changing request (sign-out, organization
	// switch) came from another origin, a sibling subdomain included.
	ErrCrossSite = errors.New("authkit: cross-origin request refused")
	// ErrUnauthenticated means a route that requires a session was called
	// without one.
	ErrUnauthenticated = errors.New("authkit: authentication required")
	// ErrForbidden means the session lacks a required role or permission.
	ErrForbidden = errors.New("authkit: forbidden")
	// ErrInvalidParameter means a sign-in or sign-out parameter (max_age,
	// screen_hint, redirect_uri, ...) was malformed or not allowed.
	ErrInvalidParameter = errors.New("authkit: invalid parameter")
	// ErrReauthenticationRequired means the route requires a recent sign-in
	// (RequireRecentAuth) and the session's is older or unknown.
	ErrReauthenticationRequired = errors.New("authkit: recent authentication required")
	// ErrSignInRejected means Config.OnSignInSuccess failed the sign-in.
	ErrSignInRejected = errors.New("authkit: sign-in rejected by the application")
	// ErrInvalidAPIKey means a WorkOS API key in Authorization: Bearer was
	// not valid (unknown, deleted or expired).
	ErrInvalidAPIKey = errors.New("authkit: invalid API key")
	// ErrOrganizationSwitch means switching organization was refused.
	ErrOrganizationSwitch = errors.New("authkit: organization switch failed")
)
