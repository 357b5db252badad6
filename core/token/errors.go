package token

// Code classifies why a token was rejected. It is stable and safe to log or
// return to clients.
type Code string

// The rejection codes.
const (
	// CodeExpired: exp (plus leeway) has passed. The signature was valid and
	// every other check passed, so Verify also returns the claims.
	CodeExpired Code = "expired"
	// CodeNotYetValid: nbf (minus leeway) is in the future.
	CodeNotYetValid Code = "not_yet_valid"
	// CodeIssuedInFuture: iat (minus leeway) is in the future: the token
	// claims to have been issued later than now, which a clock-skewed or
	// forged issuer produces, not WorkOS.
	CodeIssuedInFuture Code = "issued_in_future"
	// CodeBadSignature: the signature does not verify with the key.
	CodeBadSignature Code = "bad_signature"
	// CodeUnknownKey: the JWKS has no usable key with the token's kid.
	CodeUnknownKey Code = "unknown_key"
	// CodeWrongIssuer: iss is not one of the accepted issuers.
	CodeWrongIssuer Code = "wrong_issuer"
	// CodeWrongAudience: aud is present and does not contain the client ID.
	CodeWrongAudience Code = "wrong_audience"
	// CodeDisallowedAlgorithm: the header alg is not on the allow-list or
	// does not fit the key.
	CodeDisallowedAlgorithm Code = "disallowed_algorithm"
	// CodeMalformed: the token is not a well-formed compact JWS/JWT this
	// package accepts (encoding, JSON, forbidden header parameters, claim
	// types, missing kid or exp, size).
	CodeMalformed Code = "malformed"
	// CodeJWKSUnavailable: the key set could not be obtained.
	CodeJWKSUnavailable Code = "jwks_unavailable"
)

// Error is the error returned by Verifier.Verify. Match it with errors.Is
// against the sentinels (ErrExpired, ...) or inspect Code via errors.As.
type Error struct {
	// Code classifies the rejection.
	Code Code
	// Detail is a human-readable explanation.
	Detail string
	// Err is the underlying cause, if any.
	Err error
}

// Error returns "<code>: <detail>".
func (e *Error) Error() string {
	if e.Detail == "" {
		return string(e.Code)
	}
	return string(e.Code) + ": " + e.Detail
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same Code, so that
// errors.Is(err, ErrExpired) matches every expiry error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Sentinels, one per Code, for errors.Is.
var (
	// ErrExpired matches errors with CodeExpired.
	ErrExpired = &Error{Code: CodeExpired, Detail: "token expired"}
	// ErrNotYetValid matches errors with CodeNotYetValid.
	ErrNotYetValid = &Error{Code: CodeNotYetValid, Detail: "token not yet valid"}
	// ErrIssuedInFuture matches errors with CodeIssuedInFuture.
	ErrIssuedInFuture = &Error{Code: CodeIssuedInFuture, Detail: "token issued in the future"}
	// ErrBadSignature matches errors with CodeBadSignature.
	ErrBadSignature = &Error{Code: CodeBadSignature, Detail: "signature invalid"}
	// ErrUnknownKey matches errors with CodeUnknownKey.
	ErrUnknownKey = &Error{Code: CodeUnknownKey, Detail: "signing key not found"}
	// ErrWrongIssuer matches errors with CodeWrongIssuer.
	ErrWrongIssuer = &Error{Code: CodeWrongIssuer, Detail: "issuer not accepted"}
	// ErrWrongAudience matches errors with CodeWrongAudience.
	ErrWrongAudience = &Error{Code: CodeWrongAudience, Detail: "audience does not contain the client ID"}
	// ErrDisallowedAlgorithm matches errors with CodeDisallowedAlgorithm.
	ErrDisallowedAlgorithm = &Error{Code: CodeDisallowedAlgorithm, Detail: "algorithm not allowed"}
	// ErrMalformed matches errors with CodeMalformed.
	ErrMalformed = &Error{Code: CodeMalformed, Detail: "malformed token"}
	// ErrJWKSUnavailable matches errors with CodeJWKSUnavailable.
	ErrJWKSUnavailable = &Error{Code: CodeJWKSUnavailable, Detail: "key set unavailable"}
)

func fail(code Code, detail string) *Error { return &Error{Code: code, Detail: detail} }
