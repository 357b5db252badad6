package authkit

import (
	"github.com/authkit-go/authkit/core/internal/memo"
	"github.com/authkit-go/authkit/core/seal"
	"github.com/authkit-go/authkit/core/token"
)

// maxSessionCookies bounds how many same-name session cookies one request
// makes the engine try to open (each costs an unseal).
const maxSessionCookies = 16

// readSession opens the request's session cookie. A browser sends every
// cookie of that name in scope, and a sibling subdomain can plant more
// (Domain=parent, or a longer Path to be sent first), so each is tried in
// order and the first that opens is used: a planted cookie that does not
// open can neither hide the real session nor get it cleared. found reports
// that the request carried a non-empty one; err is the first failure when
// none opens, the only case in which the cookie is to be cleared. (An
// attacker's own valid session cookie still opens: the __Host- prefix,
// Config.HostPrefix, is what keeps planted cookies out.)
//
// A cookie remembered from an earlier request (opened, its token verified)
// is not opened again: ref says so.
func (c *Client) readSession(r *Request) (s *session, ref sessionRef, found bool, err error) {
	tried := 0
	for k, v := range r.cookies() {
		if k != c.cfg.CookieName || v == "" {
			continue
		}
		if tried == maxSessionCookies {
			break
		}
		tried++
		ref := sessionRef{rememberable: len(v) <= seal.MaxSealedLength && !sealExpires(v)}
		if ref.rememberable { // AuthKit seals never expire; others are opened each time
			ref.key = memo.KeyOf(v)
			if s, ok := c.sessions.GetKey(ref.key, c.cfg.Clock()); ok {
				ref.remembered = true
				return s, ref, true, nil
			}
		}
		s, oerr := c.openSession(v)
		if oerr == nil {
			return s, ref, true, nil
		}
		if err == nil {
			err = oerr
		}
	}
	return nil, sessionRef{}, tried > 0, err
}

// sessionRef is how a session cookie stands in Client.sessions.
type sessionRef struct {
	key          memo.Key // the cookie's hash
	rememberable bool     // the cookie may be remembered (key is set)
	remembered   bool     // it was: opened and verified before
}

// rememberSession keeps an opened session whose token verified, until the
// token's expiry.
func (c *Client) rememberSession(ref sessionRef, s *session, claims *token.Claims) {
	if now := c.cfg.Clock(); ref.rememberable && !ref.remembered && now.Before(claims.ExpiresAt) {
		c.sessions.PutKey(ref.key, s, claims.ExpiresAt, now)
	}
}

// forget drops a remembered session (refreshed, signed out or refused).
func (c *Client) forget(ref sessionRef) {
	if ref.rememberable {
		c.sessions.DeleteKey(ref.key)
	}
}
