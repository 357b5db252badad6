package authkit

import "github.com/authkit-go/authkit/core/seal"

// ResolvedSecrets returns the secrets Client.Config leaves out, for the
// tests of how they are resolved.
func ResolvedSecrets(c *Client) (apiKey string, passwords seal.Passwords) {
	return c.cfg.APIKey, c.cfg.CookiePasswords
}
