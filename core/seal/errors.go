package seal

// Kind classifies an *Error.
type Kind int

// The kinds of error returned by this package. Each has a sentinel error
// (ErrMalformed, ErrBadMAC, ...) to use with errors.Is.
const (
	// KindMalformed: the seal is not a well-formed Fe26.2 string.
	KindMalformed Kind = iota + 1
	// KindBadMAC: the integrity check failed (tampered seal or wrong password).
	KindBadMAC
	// KindUnknownPassword: no password is configured for the seal's password id.
	KindUnknownPassword
	// KindExpired: the seal carries an expiry that has passed.
	KindExpired
	// KindPasswordTooShort: a password is shorter than 32 bytes.
	KindPasswordTooShort
	// KindInvalidPassword: the password set is empty or has an invalid id.
	KindInvalidPassword
)

// String returns a short name for the kind.
func (k Kind) String() string {
	switch k {
	case KindMalformed:
		return "malformed"
	case KindBadMAC:
		return "bad MAC"
	case KindUnknownPassword:
		return "unknown password"
	case KindExpired:
		return "expired"
	case KindPasswordTooShort:
		return "password too short"
	case KindInvalidPassword:
		return "invalid password"
	}
	return "unknown"
}

// Error is the error type returned by this package. Compare with the sentinels
// using errors.Is (errors.Is(err, seal.ErrExpired)) or inspect Kind after
// errors.As.
type Error struct {
	// Kind classifies the error.
	Kind Kind
	msg  string
	err  error // optional cause
}

// Error returns a message saying why the operation failed, prefixed "seal: ".
func (e *Error) Error() string { return e.msg }

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.err }

// Is reports whether target is the sentinel error of e's Kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t == sentinel(e.Kind)
}

// Sentinel errors, one per Kind, for use with errors.Is.
var (
	// ErrMalformed: wrong number of components, bad prefix, bad base64, bad
	// padding, bad JSON, input too long or bad expiry format.
	ErrMalformed = &Error{Kind: KindMalformed, msg: "seal: malformed seal"}
	// ErrBadMAC: the MAC does not match (tampered seal or wrong password).
	// A MAC field that is not strict unpadded base64url is reported as
	// ErrBadMAC and also matches ErrMalformed.
	ErrBadMAC = &Error{Kind: KindBadMAC, msg: "seal: bad MAC"}
	// ErrUnknownPassword: the seal's password id is not in the password set.
	ErrUnknownPassword = &Error{Kind: KindUnknownPassword, msg: "seal: cannot find password"}
	// ErrExpired: the seal's expiry (plus 60 s of clock skew) has passed.
	ErrExpired = &Error{Kind: KindExpired, msg: "seal: expired seal"}
	// ErrPasswordTooShort: a password is shorter than MinPasswordLength bytes.
	ErrPasswordTooShort = &Error{Kind: KindPasswordTooShort, msg: "seal: password too short"}
	// ErrInvalidPassword: the password set is empty or an id is not ^\w+$.
	ErrInvalidPassword = &Error{Kind: KindInvalidPassword, msg: "seal: invalid password"}
)

func sentinel(k Kind) *Error {
	switch k {
	case KindMalformed:
		return ErrMalformed
	case KindBadMAC:
		return ErrBadMAC
	case KindUnknownPassword:
		return ErrUnknownPassword
	case KindExpired:
		return ErrExpired
	case KindPasswordTooShort:
		return ErrPasswordTooShort
	case KindInvalidPassword:
		return ErrInvalidPassword
	}
	return nil
}

func newError(k Kind, msg string) *Error { return &Error{Kind: k, msg: msg} }
