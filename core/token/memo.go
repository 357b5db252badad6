package token

import (
	"maps"
	"slices"
)

// DefaultRemember is how many verified tokens a Verifier remembers when
// Config.Remember is zero.
const DefaultRemember = 10000

// Verified tokens are remembered (internal/memo) by the token's SHA-256, so
// the same token seen again (every request of a session until its next
// refresh) costs a hash and a lookup instead of a signature check and three
// JSON parses. Entries end at exp + leeway, so a remembered token still
// expires on time. Only tokens that passed every check are remembered, so a
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
