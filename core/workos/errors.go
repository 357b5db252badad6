package workos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Error codes WorkOS sends in the "error" (OAuth style) or "code" field of
// an error body that callers commonly branch on.
const (
	CodeInvalidGrant                  = "invalid_grant"
	CodeInvalidClient                 = "invalid_client"
	CodeInvalidRequest                = "invalid_request"
	CodeSSORequired                   = "sso_required"
	CodeMFAEnrollment                 = "mfa_enrollment"
	CodeMFAChallenge                  = "mfa_challenge"
	CodeOrganizationSelectionRequired = "organization_selection_required"
	CodeOrganizationNotFound          = "organization_not_found"
	CodeOrganizationMembershipMissing = "organization_membership_not_found"
	CodeEmailVerificationRequired     = "email_verification_required"
)

// Error codes of the password, magic auth and email verification grants
// (400 answers with a "code" field).
const (
	CodeInvalidCredentials                = "invalid_credentials"
	CodeInvalidOneTimeCode                = "invalid_one_time_code"
	CodeOneTimeCodePreviouslyUsed         = "one_time_code_previously_used"
	CodeOneTimeCodeExpired                = "one_time_code_expired"
	CodeInvalidPendingAuthenticationToken = "invalid_pending_authentication_token"
)

// Sentinel errors matched by errors.Is against an *APIError with the
// corresponding Code.
var (
	ErrInvalidGrant                  = errors.New("workos: " + CodeInvalidGrant)
	ErrSSORequired                   = errors.New("workos: " + CodeSSORequired)
	ErrMFAEnrollment                 = errors.New("workos: " + CodeMFAEnrollment)
	ErrOrganizationSelectionRequired = errors.New("workos: " + CodeOrganizationSelectionRequired)
)

var (
	// ErrInvalidCredentials matches a refused password grant: unknown
	// email or wrong password (WorkOS does not say which).
	ErrInvalidCredentials = errors.New("workos: " + CodeInvalidCredentials)
	// ErrEmailVerificationRequired matches a sign-in refused until the user
	// verifies their email; the *APIError carries PendingAuthenticationToken,
	// Email and EmailVerificationID for AuthenticateWithEmailVerification.
	ErrEmailVerificationRequired = errors.New("workos: " + CodeEmailVerificationRequired)
)

var sentinelByCode = map[string]error{
	CodeInvalidGrant:                  ErrInvalidGrant,
	CodeSSORequired:                   ErrSSORequired,
	CodeMFAEnrollment:                 ErrMFAEnrollment,
	CodeOrganizationSelectionRequired: ErrOrganizationSelectionRequired,
	CodeInvalidCredentials:            ErrInvalidCredentials,
	CodeEmailVerificationRequired:     ErrEmailVerificationRequired,
}

// APIError is a non-2xx answer from the WorkOS API.
//
// Error() holds only the status, Code and RequestID, which are validated
// identifiers and safe to log. Upstream free text (Description) and the
// fields that continue an authentication (PendingAuthenticationToken, Email,
// RedirectURL, ConnectionIDs) are kept for callers but never appear in
// Error(): an upstream or proxy that echoed a token in its message would
// otherwise have it logged wherever the error goes.
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Code is the body's "error" (OAuth style) or "code" field when it is a
	// plain code (1-64 of a-z, 0-9, _); any other value is dropped, so Code
	// is safe to log.
	Code string
	// Description is the body's "error_description" or "message" field, or
	// the status text when the body has neither. It is upstream free text:
	// unsafe to log (it may echo what the request carried).
	Description string
	// RetryAfter is the parsed Retry-After header (0 if absent).
	RetryAfter time.Duration
	// RedirectURL is a URL WorkOS sends with some errors (sso_required,
	// mfa_enrollment) to continue authentication. The OpenAPI description
	// names no such field; it is read from "authkit_redirect_url" or
	// "redirect_url" when present.
	RedirectURL string
	// PendingAuthenticationToken continues a multi-step authentication
	// (mfa_enrollment, organization_selection_required, ...). Secret: never
	// log it.
	PendingAuthenticationToken string
	// Email is the user's email sent with sso_required and
	// email_verification_required.
	Email string
	// EmailVerificationID names the code WorkOS emailed with
	// email_verification_required (GET /user_management/email_verification/{id}).
	// The OpenAPI description names no such field; WorkOS and its SDKs
	// send and read "email_verification_id".
	EmailVerificationID string
	// ConnectionIDs are the SSO connections sent with sso_required.
	ConnectionIDs []string
	// RequestID is the X-Request-ID response header when it is a plain
	// identifier (1-128 of A-Z, a-z, 0-9, '.', '_', ':', '-'); any other
	// value is dropped, so RequestID is safe to log.
	RequestID string
}

// Error describes the failure with the status, Code and RequestID only: no
// upstream free text, no secret material.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "workos: API error: status %d", e.StatusCode)
	if validCode(e.Code) {
		fmt.Fprintf(&b, ": %s", e.Code)
	}
	if validRequestID(e.RequestID) {
		fmt.Fprintf(&b, " (request %s)", e.RequestID)
	}
	return b.String()
}

// validCode reports whether s looks like a WorkOS error code
// ([a-z0-9_]{1,64}).
func validCode(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// validRequestID reports whether s looks like a request ID
// ([A-Za-z0-9._:-]{1,128}).
func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '.' && c != '_' && c != ':' && c != '-' {
			return false
		}
	}
	return true
}

// Is reports whether target is the sentinel for e.Code.
func (e *APIError) Is(target error) bool {
	s, ok := sentinelByCode[e.Code]
	return ok && s == target
}

// errorBody is the union of WorkOS error body shapes.
type errorBody struct {
	Error                      string   `json:"error"`
	ErrorDescription           string   `json:"error_description"`
	Code                       string   `json:"code"`
	Message                    string   `json:"message"`
	PendingAuthenticationToken string   `json:"pending_authentication_token"`
	Email                      string   `json:"email"`
	ConnectionIDs              []string `json:"connection_ids"`
	AuthKitRedirectURL         string   `json:"authkit_redirect_url"`
	RedirectURL                string   `json:"redirect_url"`
	EmailVerificationID        string   `json:"email_verification_id"`
}

func newAPIError(resp *http.Response, data []byte, now time.Time) *APIError {
	e := &APIError{StatusCode: resp.StatusCode}
	if id := resp.Header.Get("X-Request-ID"); validRequestID(id) {
		e.RequestID = id
	}
	if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), now); ok {
		e.RetryAfter = d
	}
	var b errorBody
	if json.Unmarshal(data, &b) == nil {
		code := b.Error
		if code == "" {
			code = b.Code
		}
		if validCode(code) {
			e.Code = code
		}
		e.Description = b.ErrorDescription
		if e.Description == "" {
			e.Description = b.Message
		}
		e.PendingAuthenticationToken = b.PendingAuthenticationToken
		e.Email = b.Email
		e.ConnectionIDs = b.ConnectionIDs
		e.EmailVerificationID = b.EmailVerificationID
		e.RedirectURL = b.AuthKitRedirectURL
		if e.RedirectURL == "" {
			e.RedirectURL = b.RedirectURL
		}
	}
	if e.Description == "" && e.Code == "" {
		e.Description = http.StatusText(resp.StatusCode)
	}
	return e
}

// parseRetryAfter parses delay-seconds or an HTTP-date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// TransportError is a failure to complete the HTTP exchange (connection
// refused, reset, timeout, cancelled context). It is always transient unless
// the caller's own context was cancelled.
type TransportError struct {
	// Op is "METHOD /path".
	Op string
	// Err is the underlying cause.
	Err error
}

// Error implements error.
func (e *TransportError) Error() string { return "workos: " + e.Op + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *TransportError) Unwrap() error { return e.Err }

// Timeout reports whether the failure was a timeout.
func (e *TransportError) Timeout() bool {
	if errors.Is(e.Err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(e.Err, &ne) && ne.Timeout()
}

// IsTransient reports whether err is worth retrying later: HTTP 408, 429 and
// 5xx answers, 3xx answers (the client never follows redirects; the WorkOS
// API does not send them, so one comes from a misbehaving proxy), network
// errors and timeouts. invalid_grant, sso_required, mfa_enrollment, other
// 4xx and caller cancellation (context.Canceled) are not transient.
//
// A 2xx answer whose body is not the expected JSON (garbage, an HTML page,
// "{}", a body over 1 MiB: ErrMalformedResponse) is transient too: WorkOS
// itself answers with the documented shape, so such a body comes from
// something in between (a captive or broken proxy), and it says nothing
// about whether the session or code is still good.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrMalformedResponse) {
		return true
	}
	var ae *APIError
	if errors.As(err, &ae) {
		s := ae.StatusCode
		return s == http.StatusRequestTimeout || s == http.StatusTooManyRequests || s >= 500 || (s >= 300 && s < 400)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	var te *TransportError
	return errors.As(err, &te)
}

// IsTimeout reports whether err is a request timeout.
func IsTimeout(err error) bool {
	var te *TransportError
	if errors.As(err, &te) {
		return te.Timeout()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// RetryAfter returns the server's Retry-After hint carried by err, if any.
func RetryAfter(err error) (time.Duration, bool) {
	var ae *APIError
	if errors.As(err, &ae) && ae.RetryAfter > 0 {
		return ae.RetryAfter, true
	}
	return 0, false
}

// IsInvalidGrant reports whether err is an invalid_grant answer: the code or
// refresh token is unknown, used, expired or revoked. It is terminal.
func IsInvalidGrant(err error) bool { return errors.Is(err, ErrInvalidGrant) }

// ErrorCode returns the WorkOS error code carried by err, or "" (also when
// the upstream code was not a plain [a-z0-9_]{1,64} code).
func ErrorCode(err error) string {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}
