package authkit

import (
	"context"
	"time"
)

// Store is what the instances of one application share so that a session
// behaves the same whichever instance serves it: the refresh of each
// refresh token (a lock, and the outcome other instances wait for and
// reuse), and the sessions that were signed out.
//
// A refresh token is single-use: if two instances spend the same one, one
// of them gets invalid_grant. Through the Store exactly one instance calls
// WorkOS per refresh token; the others wait for its outcome. The same
// record remembers refresh tokens that were spent or refused and the
// backoff after a failed refresh, so a stale cookie does not reach WorkOS
// again before the record expires.
//
// Keys are hex SHA-256 digests computed by the Client, never raw tokens;
// outcomes are opaque bytes whose secrets are sealed with the cookie
// password, so nothing readable is kept in the Store. Implementations add
// their own namespace to keys.
//
// Every call gets a context with a short deadline. An error is a system
// error (the backend is down or slow): the Client then falls back to
// in-process behaviour for that call and logs one warning per outage; a
// Store error never signs a user out.
//
// NewMemoryStore is the default, for a single instance. A Redis
// implementation lives in its own module,
// github.com/authkit-go/authkit/stores/redis. The package
// github.com/authkit-go/authkit/core/storetest checks an implementation
// against this contract.
type Store interface {
	// Begin asks to spend the refresh token named key. It returns:
	//   - acquired=true: the caller holds the refresh of key until it calls
	//     Finish, or until ttl passes (a crashed holder does not block others
	//     for longer);
	//   - outcome!=nil: an outcome is already recorded under key (Finish was
	//     called and its ttl has not passed);
	//   - neither: another caller holds the refresh; call Wait.
	// Taking the refresh and looking for an outcome is one atomic step.
	Begin(ctx context.Context, key string, ttl time.Duration) (outcome []byte, acquired bool, err error)

	// Finish records outcome under key for ttl and releases the refresh:
	// from then on Begin returns it, and every Wait on key (in every
	// instance) returns it, until ttl passes.
	Finish(ctx context.Context, key string, outcome []byte, ttl time.Duration) error

	// Wait blocks until an outcome is recorded under key (found=true), or
	// the refresh of key is released or expires without one (found=false:
	// call Begin again), or ctx ends (its error).
	Wait(ctx context.Context, key string) (outcome []byte, found bool, err error)

	// Revoke records that sessionID was signed out, for ttl, in every
	// instance: within about a second, Revoked(sessionID) is true everywhere.
	Revoke(ctx context.Context, sessionID string, ttl time.Duration) error

	// Revoked reports whether sessionID is recorded as signed out. It is
	// called on every authenticated request, so it must answer from memory
	// without I/O (an implementation backed by a server keeps a local copy
	// current, and reloads it after a reconnect).
	Revoked(sessionID string) bool
}
