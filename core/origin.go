package authkit

import (
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// The same-origin rule of the state-changing routes (SignOut,
// SwitchOrganization), built on net/http's CrossOriginProtection:
//
//   - Sec-Fetch-Site same-origin or none (typed, bookmarked) passes;
//     same-site (a sibling subdomain) and cross-site are refused unless the
//     Origin is trusted;
//   - without Sec-Fetch-Site, an Origin header must be trusted;
//   - a request with neither header passes: it is not from a browser that
//     could be tricked into sending it (every browser since 2020 sends
//     Origin on a cross-origin POST).
//
// Trusted origins are the origin of Config.RedirectURI, where the session
// cookie lives, and Config.TrustedOrigins. CrossOriginProtection also
// accepts an Origin equal to the request's Host; the core does not use
// that: Host carries no scheme (an http page could post to the https app),
// and behind a proxy it is an internal name. The synthesized request's Host
// never matches an Origin, so only the configured origins are trusted.

// noHost is the Host of the request handed to CrossOriginProtection: no
// parsed Origin has it (url.Parse refuses control characters).
const noHost = "\x00"

// newOriginCheck builds the check for the given trusted origins (already
// normalized).
func newOriginCheck(origins ...string) (*http.CrossOriginProtection, error) {
	p := http.NewCrossOriginProtection()
	for _, o := range origins {
		if err := p.AddTrustedOrigin(o); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// sameOrigin applies the rule to r, whatever its method: sign-out by GET
// (Config.AllowGETSignOut) changes state too.
func (c *Client) sameOrigin(r *Request) error {
	u := r.URL
	if u == nil {
		u = &url.URL{Path: "/"}
	}
	hr := &http.Request{Method: http.MethodPost, URL: u, Header: r.Header, Host: noHost}
	if hr.Header == nil {
		hr.Header = http.Header{}
	}
	return c.cfg.originCheck.Check(hr)
}

// TrustedOrigin reports whether the origin of rawURL (an origin such as
// https://app.example.com, or any absolute http(s) URL) is the
// application's own: the origin of Config.RedirectURI or one of
// Config.TrustedOrigins. Sign-out and organization switch accept requests
// from these origins only.
func (c *Client) TrustedOrigin(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	o, ok := originOf(u)
	if !ok {
		return false
	}
	return o == c.cfg.appOrigin() || slices.Contains(c.cfg.TrustedOrigins, o)
}

// appOrigin is the origin of the redirect URI.
func (c *Config) appOrigin() string {
	u, err := url.Parse(c.RedirectURI)
	if err != nil {
		return ""
	}
	o, _ := originOf(u)
	return o
}

// originOf returns u's origin as a browser writes it in the Origin header
// (RFC 6454): lower-case scheme and host, no default port. ok is false when
// u is not an absolute http(s) URL or carries user info.
func originOf(u *url.URL) (string, bool) {
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Opaque != "" ||
		strings.HasSuffix(u.Host, ":") || strings.Contains(u.Host, "*") {
		return "", false
	}
	host := strings.ToLower(u.Hostname())
	if port := u.Port(); port != "" && !(u.Scheme == "http" && port == "80" || u.Scheme == "https" && port == "443") {
		return u.Scheme + "://" + net.JoinHostPort(host, port), true
	}
	if strings.Contains(host, ":") { // IPv6
		host = "[" + host + "]"
	}
	return u.Scheme + "://" + host, true
}

// parseOrigin reads a configured trusted origin: scheme://host[:port], an
// optional trailing slash, nothing else.
func parseOrigin(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", false
	}
	return originOf(u)
}
