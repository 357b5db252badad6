package authkit

import (
	"encoding/base64"
	"hash/maphash"
	"strings"

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
		var ref sessionRef
		if len(v) <= seal.MaxSealedLength && !sealExpires(v) { // AuthKit seals never expire; others are opened each time
			ref.key, ref.sum, ref.rememberable = sessionKey(v)
		}
		if ref.rememberable {
			if e, ok := c.sessions.GetKey(ref.key, c.cfg.Clock()); ok && e.sum == ref.sum {
				ref.remembered = true
				return e.s, ref, true, nil
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
	key          memo.Key // the seal's MAC
	sum          uint64   // the keyed hash of the whole cookie
	rememberable bool     // the cookie may be remembered (key is set)
	remembered   bool     // it was: opened and verified before
}

// rememberedSession is an entry of Client.sessions.
type rememberedSession struct {
	s   *session
	sum uint64 // sessionKey's hash of the cookie
}

// cookieSeed keys the hash of whole cookies, per process.
var cookieSeed = maphash.MakeSeed()

// macB64Len is the length of an iron seal's MAC field (32 bytes, base64url).
const macB64Len = 43

// sessionKey is where a cookie is filed in Client.sessions: by the seal's
// MAC (HMAC-SHA256 under the cookie password over the seal's content, so
// that nobody without the password can make another cookie that opens
// with the same MAC) and, to be found, a cookie must also match a keyed
// 64-bit hash of the whole remembered cookie (random key per process): one
// that differs anywhere, a copied MAC included, is opened and verified in
// full. A SHA-256 of the whole 2 KB cookie on every request was a sixth of
// a remembered request. ok is false when the cookie has no MAC field.
func sessionKey(sealed string) (key memo.Key, sum uint64, ok bool) {
	s, _, _ := strings.Cut(sealed, "~")
	i := strings.LastIndexByte(s, '*')
	if i < 0 || len(s)-i-1 != macB64Len {
		return key, 0, false
	}
	var mac [macB64Len]byte
	copy(mac[:], s[i+1:])
	if n, err := base64.RawURLEncoding.Strict().Decode(key[:], mac[:]); err != nil || n != len(key) {
		return key, 0, false
	}
	return key, maphash.String(cookieSeed, sealed), true
}

// rememberSession keeps an opened session whose token verified, until the
// token's expiry.
func (c *Client) rememberSession(ref sessionRef, s *session, claims *token.Claims) {
	if now := c.cfg.Clock(); ref.rememberable && !ref.remembered && now.Before(claims.ExpiresAt) {
		c.sessions.PutKey(ref.key, rememberedSession{s: s, sum: ref.sum}, claims.ExpiresAt, now)
	}
}

// forget drops a remembered session (refreshed, signed out or refused).
func (c *Client) forget(ref sessionRef) {
	if ref.rememberable {
		c.sessions.DeleteKey(ref.key)
	}
}
