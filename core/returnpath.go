package authkit

import (
	"net/url"
	"strings"
)

// maxReturnPath bounds a return path's length, before and after escaping.
const maxReturnPath = 2048

// SafeReturnPath returns p when it is a same-origin path ("/account?tab=1"),
// else fallback. It refuses anything a browser could resolve to another
// origin: "//host", "/\host", schemes ("https:", "javascript:"), control
// characters (CR, LF, tab, which browsers strip), backslashes, and anything
// that does not start with exactly one "/".
func SafeReturnPath(p, fallback string) string {
	if p == "" || len(p) > maxReturnPath || p[0] != '/' {
		return fallback
	}
	if len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return fallback
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return fallback
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
		return fallback
	}
	// Re-check the decoded path: "/%2F%2Fhost" is a path on this site, but
	// a server that decodes and redirects again could be fooled.
	if strings.HasPrefix(u.Path, "//") || strings.HasPrefix(u.Path, "/\\") {
		return fallback
	}
	// Re-escaping can triple the length (raw non-ASCII bytes become %XX):
	// bound the result too, so that it is itself accepted (idempotent).
	out := u.RequestURI() + fragment(u)
	if len(out) > maxReturnPath {
		return fallback
	}
	return out
}

func fragment(u *url.URL) string {
	if u.Fragment == "" {
		return ""
	}
	return "#" + u.EscapedFragment()
}
