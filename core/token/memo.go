package token

import (
	"maps"
	"slices"
	"strings"
)

// DefaultRemember is how many verified tokens a Verifier remembers when
// Config.Remember is zero. An entry holds a compact copy of the claims
// (about 1.9 KB for a WorkOS token).
const DefaultRemember = 110_000

// Verified tokens are remembered (internal/memo) by the token's SHA-256, so
// the same token seen again (every request of a session until its next
// refresh) costs a hash and a lookup instead of a signature check and a
// parse. Entries end at exp + leeway, so a
// remembered token still expires on time. Only tokens that passed every check are remembered, so a
// forged or altered token (a different hash) is never served from there.

// clone copies the claims so that a caller changing its slices cannot
// change what later calls see. Raw's values are not copied: they are
// read-only by contract.
func (c *Claims) clone() *Claims {
	cp := *c
	cp.Audience = slices.Clone(c.Audience)
	cp.Roles = slices.Clone(c.Roles)
	cp.Permissions = slices.Clone(c.Permissions)
	cp.Entitlements = slices.Clone(c.Entitlements)
	cp.FeatureFlags = slices.Clone(c.FeatureFlags)
	cp.Raw = maps.Clone(c.Raw)
	if c.Actor != nil {
		a := *c.Actor
		cp.Actor = &a
	}
	return &cp
}

// remembered is what a Verifier keeps of a verified token: the typed
// claims, copied out of the payload's text, and the payload itself, from
// which each hit builds Raw (about 1.4 KB for a WorkOS token, where keeping
// Raw's map too would take 2.4 KB).
type remembered struct {
	typed   Claims // Raw is nil
	payload []byte
}

// rememberToken builds the entry of a token whose payload segment is p.
func rememberToken(p string, c *Claims) (*remembered, error) {
	payload, err := decodeSegment(p)
	if err != nil {
		return nil, err
	}
	r := &remembered{typed: *c.clone(), payload: payload}
	t := &r.typed
	t.Raw = nil
	for _, s := range []*string{&t.Issuer, &t.Subject, &t.SessionID, &t.OrganizationID, &t.Role, &t.JTI} {
		*s = strings.Clone(*s)
	}
	for _, l := range [][]string{t.Audience, t.Roles, t.Permissions, t.Entitlements, t.FeatureFlags} {
		for i := range l {
			l[i] = strings.Clone(l[i])
		}
	}
	if t.Actor != nil {
		t.Actor.Subject = strings.Clone(t.Actor.Subject)
	}
	return r, nil
}

// claims returns the remembered claims with Raw built again from the
// payload: the slices shared (read-only) with share, copies without.
func (r *remembered) claims(share bool) (*Claims, error) {
	var buf objectBuf
	obj, err := decodeObject(buf[:0], r.payload)
	if err != nil {
		return nil, err
	}
	c := r.typed
	if !share {
		c = *c.clone()
	}
	c.Raw = obj.rawMap()
	return &c, nil
}
