package authkit

import "github.com/authkit-go/authkit/core/seal"

// ResolvedSecrets returns the secrets Client.Config leaves out, for the
// tests of how they are resolved.
func ResolvedSecrets(c *Client) (apiKey string, passwords seal.Passwords) {
	return c.cfg.APIKey, c.cfg.CookiePasswords
}

// SessionStats reports the remembered sessions' lookups: hits, misses and
// how many entries are held.
func SessionStats(c *Client) (hits, misses uint64, held int) {
	hits, misses = c.sessions.Stats()
	return hits, misses, c.sessions.Len()
}
