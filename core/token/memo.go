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

// rememberToken builds the entry of a token with these claims and payload
// JSON (shared with the claims' Raw, read-only): the typed strings are
// copied into one string, the list elements into one array, so that the
// entry does not keep the payload's text.
func rememberToken(payload []byte, c *Claims) *remembered {
	r := &remembered{typed: *c, payload: payload}
	t := &r.typed
	t.Raw = nil
	strs := []*string{&t.Issuer, &t.Subject, &t.SessionID, &t.OrganizationID, &t.Role, &t.JTI}
	if t.Actor != nil {
		a := *t.Actor
		t.Actor = &a
		strs = append(strs, &a.Subject)
	}
	lists := []*[]string{&t.Audience, &t.Roles, &t.Permissions, &t.Entitlements, &t.FeatureFlags}
	size, elems := 0, 0
	for _, s := range strs {
		size += len(*s)
	}
	for _, l := range lists {
		elems += len(*l)
		for _, s := range *l {
			size += len(s)
		}
	}
	var b strings.Builder
	b.Grow(size)
	for _, s := range strs {
		b.WriteString(*s)
	}
	for _, l := range lists {
		for _, s := range *l {
			b.WriteString(s)
		}
	}
	all, off := b.String(), 0
	next := func(n int) string { off += n; return all[off-n : off] }
	for _, s := range strs {
		*s = next(len(*s))
	}
	backing := make([]string, 0, elems)
	for _, l := range lists {
		if *l == nil {
			continue
		}
		start := len(backing)
		for _, s := range *l {
			backing = append(backing, next(len(s)))
		}
		*l = backing[start:len(backing):len(backing)]
	}
	return r
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
