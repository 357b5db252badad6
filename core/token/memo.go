package token

// DefaultRemember is how many verified tokens a Verifier remembers when
// Config.Remember is zero. An entry is a hash and an expiry (under 100
// bytes), so the default covers far more than 100,000 active sessions.
const DefaultRemember = 200_000

// Verified tokens are remembered (internal/memo) by the token's SHA-256, so
// the same token seen again (every request of a session until its next
// refresh) costs a hash, a lookup and one strict parse of its claims
// instead of a signature check. Entries end at exp + leeway, so a
// remembered token still expires on time. Only tokens that passed every check are remembered, so a
// forged or altered token (a different hash) is never served from there.
