// Package observe is how the core reports what happened, for metrics and
// traces, without depending on a telemetry library.
//
// An Observer receives events: token verifications (Verify), refreshes
// (Refresh), sign-ins (SignIn), sign-outs (SignOut), session-store failures
// (StoreError), WorkOS API calls (WorkOSCall) and JWKS fetches (JWKSFetch).
// Set one on a client with authkit.Config.Observer (everything but the JWKS
// fetches) and on the key cache with jwks.WithObserver or
// (*jwks.Cache).SetObserver: the cache is process-wide (jwks.Shared()), so its
// fetches are not any one client's. The module
// github.com/authkit-go/authkit/otel implements Observer with OpenTelemetry.
//
// Events carry no secrets: no token, authorization code, cookie, password or
// email, and no user, session or organization ID. Their string fields take a
// small, fixed set of values (listed on each field), fit for metric
// attributes.
package observe

import (
	"context"
	"time"
)

// Observer receives the core's events. It must be safe for concurrent use and
// quick: it is called on the request path, synchronously.
type Observer interface {
	// Start is called when an operation that takes time begins (a WorkOSCall
	// or a JWKSFetch, with the fields known at the start set). The operation
	// runs in the context Start returns (a tracer starts a span there, so
	// that HTTP-level spans nest under it), and its event is then passed to
	// Observe with that context. Return ctx to do nothing.
	Start(ctx context.Context, e Event) context.Context
	// Observe reports an event. ctx is the request's context where there is
	// one (a refresh shared by several requests has the first one's values,
	// without its cancellation), or the one Start returned.
	Observe(ctx context.Context, e Event)
}

// Event is one of this package's event types: Verify, Refresh, SignIn,
// SignOut, StoreError, WorkOSCall or JWKSFetch. More may be added; an
// Observer ignores the ones it does not know.
type Event interface{ event() }

// Func adapts a function to an Observer whose Start does nothing.
type Func func(ctx context.Context, e Event)

// Start returns ctx.
func (f Func) Start(ctx context.Context, _ Event) context.Context { return ctx }

// Observe calls f.
func (f Func) Observe(ctx context.Context, e Event) { f(ctx, e) }

// Sources of a verified token.
const (
	SourceCookie = "cookie"  // the session cookie's access token
	SourceBearer = "bearer"  // an Authorization: Bearer token
	SourceAPIKey = "api_key" // a WorkOS API key in Authorization: Bearer (Config.AcceptAPIKeys)
)

// ResultOK is Verify.Result and JWKSFetch.Outcome when all went well.
const ResultOK = "ok"

// Verify reports one access-token verification of a request.
type Verify struct {
	// Source is SourceCookie, SourceBearer or SourceAPIKey.
	Source string
	// Result is ResultOK or why the token was refused: a token.Code
	// ("expired", "bad_signature", "unknown_key", "wrong_issuer", ...),
	// "revoked" (a bearer token of a signed-out session) or "error"; for
	// an API key "invalid" or "upstream_error" (WorkOS could not say). An
	// expired cookie token is routine: the session is then refreshed.
	Result string
}

// Refresh outcomes.
const (
	RefreshRefreshed     = "refreshed"      // WorkOS issued a new session
	RefreshDeduplicated  = "deduplicated"   // served without a WorkOS call: a shared flight, a remembered or another instance's refresh
	RefreshBackoff       = "backoff"        // held back by a backoff after failures
	RefreshRefused       = "refused"        // WorkOS refused (the session may live on: spent elsewhere, switch refused)
	RefreshEnded         = "ended"          // the session is over (WorkOS confirmed, or the token was spent here long ago)
	RefreshUpstreamError = "upstream_error" // WorkOS unreachable, failing or answering unusably
	RefreshBreakerOpen   = "breaker_open"   // not tried: WorkOS is failing and calls are paused
	RefreshStoreWait     = "store_wait"     // gave up waiting for another instance's refresh through the Store
)

// Refresh reports a refresh: once per refresh token spent (or held back) by
// this process, and once per request served the result of another
// request's refresh (RefreshDeduplicated, or the remembered failure).
type Refresh struct {
	// Outcome is one of the Refresh* constants.
	Outcome string
	// Switch reports an organization switch rather than a plain refresh.
	Switch bool
	// Duration is the time spent on WorkOS calls for this refresh (zero
	// when none was made).
	Duration time.Duration
}

// Sign-in outcomes.
const (
	SignInOK              = "ok"
	SignInDenied          = "denied"           // WorkOS redirected back with an error
	SignInInvalidCallback = "invalid_callback" // missing code/state, verifier cookie, state mismatch or expired state
	SignInRefused         = "refused"          // WorkOS refused the code, or its answer did not verify
	SignInRejected        = "rejected"         // Config.OnSignInSuccess refused the user
	SignInUpstreamError   = "upstream_error"   // WorkOS unreachable or failing
)

// SignIn reports a completed callback.
type SignIn struct {
	// Outcome is one of the SignIn* constants.
	Outcome string
	// Method is WorkOS's authentication method on success ("Password",
	// "GoogleOAuth", "SSO", "MagicAuth", ...), else "".
	Method string
}

// Sign-out causes.
const (
	SignOutUser          = "user"           // the sign-out route
	SignOutRevoked       = "revoked"        // the session was signed out elsewhere (recorded in the Store)
	SignOutEnded         = "ended"          // WorkOS ended the session, or its refresh token was spent long ago
	SignOutInvalidCookie = "invalid_cookie" // the cookie does not open, or its token is refused for good
)

// SignOut reports a session cookie cleared.
type SignOut struct {
	// Cause is one of the SignOut* constants.
	Cause string
}

// StoreError reports a failed session-store call (the core goes on with
// in-process coordination).
type StoreError struct {
	// Op is "begin", "wait", "finish" or "revoke".
	Op string
}

// Error classes of a WorkOSCall (besides an API error's code).
const (
	ErrorTimeout   = "timeout"   // the call timed out
	ErrorTransport = "transport" // no HTTP answer (connection refused, reset, TLS, ...)
	ErrorMalformed = "malformed" // a 2xx answer that could not be read
	ErrorRequest   = "request"   // the request could not be built
)

// WorkOSCall reports one HTTP call to the WorkOS API.
type WorkOSCall struct {
	// Op names the operation: "authenticate:authorization_code",
	// "authenticate:refresh_token", "list_sessions", "revoke_session", or
	// "<METHOD> <path template>" for others (IDs never appear).
	Op string
	// Status is the HTTP status (0 when there was no answer).
	Status int
	// Error is "" on a 2xx answer, else the API error's code when WorkOS
	// sent a plain one ("invalid_grant", ...), "http_<status>" without one,
	// or one of the Error* classes.
	Error string
	// Duration is how long the call took (zero at Start).
	Duration time.Duration
}

// Reasons of a JWKSFetch.
const (
	FetchFirst      = "first"       // the URL had no keys yet
	FetchRetry      = "retry"       // the URL still has no keys after a failed fetch
	FetchUnknownKid = "unknown_kid" // a token named a key the set lacked
	FetchMaxAge     = "max_age"     // the set's Cache-Control max-age ran out
	FetchPending    = "pending"     // a refetch held back by the minimum interval, or a failed one, was made
)

// JWKSFetch reports one fetch of a key set by a jwks.Cache.
type JWKSFetch struct {
	// URL is the key set's URL (public; for WorkOS it names the client ID).
	URL string
	// Reason is one of the Fetch* constants.
	Reason string
	// Outcome is ResultOK or "error".
	Outcome string
	// Keys is the number of usable keys fetched (zero on error).
	Keys int
	// Duration is how long the fetch took (zero at Start).
	Duration time.Duration
}

func (Verify) event()     {}
func (Refresh) event()    {}
func (SignIn) event()     {}
func (SignOut) event()    {}
func (StoreError) event() {}
func (WorkOSCall) event() {}
func (JWKSFetch) event()  {}
