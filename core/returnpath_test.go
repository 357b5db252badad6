package authkit_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
)

func TestSafeReturnPath(t *testing.T) {
	const fb = "/fallback"
	cases := []struct{ in, want string }{
		{"/", "/"},
		{"/ok", "/ok"},
		{"/ok?x=1#frag", "/ok?x=1#frag"},
		{"/a/b?c=d&e=f", "/a/b?c=d&e=f"},
		{"/caf%C3%A9", "/caf%C3%A9"},
		{"", fb},
		{"relative", fb},
		{"ok/path", fb},
		{"//evil.example", fb},
		{"//evil.example/path", fb},
		{"///evil.example", fb},
		{`/\evil.example`, fb},
		{`\\evil.example`, fb},
		{`/ok\..\x`, fb},
		{"https://evil.example", fb},
		{"https:evil.example", fb},
		{"javascript:alert(1)", fb},
		{"JavaScript:alert(1)", fb},
		{"data:text/html,x", fb},
		{"/%2F%2Fevil.example", fb},
		{"/%2f%2fevil.example", fb},
		{"/%5Cevil.example", fb},
		{"/ok\r\nSet-Cookie: x=1", fb},
		{"/ok\nx", fb},
		{"/\t/evil.example", fb},
		{"/ok\x00", fb},
		{"/ok\x7f", fb},
		{" /ok", fb},
		{"/" + strings.Repeat("a", 5000), fb},
		{"/ok?next=//evil.example", "/ok?next=//evil.example"},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, authkit.SafeReturnPath(tc.in, fb), "input %q", tc.in)
	}
}

func FuzzSafeReturnPath(f *testing.F) {
	for _, s := range []string{
		"/", "/ok?x=1#frag", "//host", `/\host`, "https:", "javascript:alert(1)", "/a\r\nb", "/\t/host",
		"/%2F%2Fhost", "", "relative", "/%5C%5Chost", "/.//host", "/ok#//host", "/?//host",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got := authkit.SafeReturnPath(p, "")
		if got == "" {
			return
		}
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, `/\`) {
			t.Fatalf("SafeReturnPath(%q) = %q: not a same-origin path", p, got)
		}
		for _, c := range []byte(got) {
			if c < 0x20 || c == 0x7f || c == '\\' {
				t.Fatalf("SafeReturnPath(%q) = %q: control character or backslash", p, got)
			}
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("SafeReturnPath(%q) = %q does not parse: %v", p, got, err)
		}
		if u.Host != "" || u.Scheme != "" || u.User != nil {
			t.Fatalf("SafeReturnPath(%q) = %q has host %q scheme %q", p, got, u.Host, u.Scheme)
		}
		// Resolved against the app origin, it stays on the app origin.
		base, _ := url.Parse("https://app.example/")
		if r := base.ResolveReference(u); r.Host != "app.example" {
			t.Fatalf("SafeReturnPath(%q) = %q resolves to host %q", p, got, r.Host)
		}
		// Idempotent.
		if again := authkit.SafeReturnPath(got, ""); again != got {
			t.Fatalf("SafeReturnPath not idempotent: %q -> %q -> %q", p, got, again)
		}
	})
}

func TestSafeReturnPathEscapingStaysBounded(t *testing.T) {
	p := "/" + strings.Repeat("\xad", 1000) // 1001 bytes, 3001 once escaped
	require.Equal(t, "", authkit.SafeReturnPath(p, ""))
	ok := "/" + strings.Repeat("\xad", 600)
	got := authkit.SafeReturnPath(ok, "")
	require.NotEmpty(t, got)
	require.Equal(t, got, authkit.SafeReturnPath(got, ""))
}
