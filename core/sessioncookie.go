package authkit

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
func (c *Client) readSession(r *Request) (s *session, found bool, err error) {
	tried := 0
	for k, v := range r.cookies() {
		if k != c.cfg.CookieName || v == "" {
			continue
		}
		if tried == maxSessionCookies {
			break
		}
		tried++
		s, oerr := c.openSession(v)
		if oerr == nil {
			return s, true, nil
		}
		if err == nil {
			err = oerr
		}
	}
	return nil, tried > 0, err
}
