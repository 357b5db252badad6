package authkit_test

import (
	"context"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/seal"
)

// nextjsVerifier is a PKCE verifier cookie as authkit-nextjs 4.3.2 writes it
// (pkce.js, get-authorization-url.js): iron-session sealData of
// {nonce, codeVerifier, returnPathname} with the shared cookie password and
// ttl 600, named "wos-auth-verifier-" + the FNV-1a 32 hex of the sealed
// value. @workos/authkit-session 0.7.1 uses the same prefix and hash.
func nextjsVerifier(t *testing.T, now time.Time, i int) *http.Cookie {
	t.Helper()
	st := map[string]any{
		"nonce":          "00000000-0000-4000-8000-00000000000" + strconv.Itoa(i),
		"codeVerifier":   strings.Repeat("n", 43),
		"returnPathname": "/next/" + strconv.Itoa(i),
		"issuedAt":       now.UnixMilli(),
	}
	sealed, err := seal.SealJSON(st, seal.Single(testPassword), seal.WithTTL(10*time.Minute), seal.WithClock(func() time.Time { return now }))
	require.NoError(t, err)
	h := fnv.New32a()
	h.Write([]byte(sealed))
	return &http.Cookie{Name: "wos-auth-verifier-" + strconv.FormatUint(uint64(h.Sum32()), 16), Value: sealed}
}

// TestVerifierCookiesOfNodeLibrariesAreNotOurs: a browser signing in to a
// Next.js app and a Go app on one host carries both libraries' verifier
// cookies, sealed with the same password. The Go side never reads, evicts
// or clears a cookie it did not write, keeps at most three of its own
// flows, and cleans up its own at sign-out.
func TestVerifierCookiesOfNodeLibrariesAreNotOurs(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	foreign := map[string]*http.Cookie{}
	for i := range 3 {
		c := nextjsVerifier(t, f.clock.Now(), i)
		foreign[c.Name] = c
	}
	// The legacy unsuffixed name, still read by authkit-nextjs and
	// authkit-session.
	legacy := nextjsVerifier(t, f.clock.Now(), 9)
	legacy.Name = "wos-auth-verifier"
	foreign[legacy.Name] = legacy
	for name := range foreign {
		require.False(t, strings.HasPrefix(name, verifierPfx), "the Node names do not share our prefix")
	}

	ours := map[string]*http.Cookie{}
	apply := func(d authkit.Decision) {
		for _, c := range d.Cookies {
			_, isForeign := foreign[c.Name]
			require.False(t, isForeign, "Set-Cookie for %s, a cookie the Node library wrote", c.Name)
			if !strings.HasPrefix(c.Name, verifierPfx) {
				continue
			}
			if c.MaxAge < 0 {
				delete(ours, c.Name)
			} else {
				ours[c.Name] = c
			}
		}
	}
	req := func(method, target string, extra ...*http.Cookie) *authkit.Request {
		cs := append([]*http.Cookie(nil), extra...)
		for _, c := range foreign {
			cs = append(cs, c)
		}
		for _, c := range ours {
			cs = append(cs, c)
		}
		return newReq(method, target, cs...)
	}

	var flows []flow
	for i := range 4 {
		f.clock.Advance(time.Second) // distinct expiries, oldest first
		d := f.c.SignIn(ctx, req(http.MethodGet, "/sign-in"), authkit.SignInOptions{ReturnTo: "/go/" + strconv.Itoa(i)})
		require.Equal(t, http.StatusFound, d.Status)
		apply(d)
		v := verifierCookieIn(d)
		require.NotNil(t, v)
		flows = append(flows, flow{verifier: v, callback: f.authorize(d.Location())})
		require.Len(t, ours, min(i+1, 3), "at most three Go flows pending, whatever the Node cookies")
	}
	require.NotContains(t, ours, flows[0].verifier.Name, "four Go sign-ins evict Go's own oldest")
	for _, fl := range flows[1:] {
		require.Contains(t, ours, fl.verifier.Name)
	}

	// The Go callback does not take a Node verifier for its own: the state
	// of a Node flow, presented under its own name, is refused.
	for _, c := range foreign {
		d := f.c.Callback(ctx, req(http.MethodGet, "/callback?code=x&state="+c.Value))
		require.ErrorIs(t, d.Err, authkit.ErrMissingVerifier)
		apply(d)
	}
	// A Node state planted under a Go verifier name is not counted as a Go
	// flow nor evicted: it lacks this library's marker.
	planted := &http.Cookie{Name: verifierPfx + "planted", Value: legacy.Value}
	pd := f.c.Callback(ctx, req(http.MethodGet, "/callback?code=x&state="+legacy.Value, planted))
	require.ErrorIs(t, pd.Err, authkit.ErrMissingVerifier, "the state's own name is not the planted one")
	pd = f.c.SignIn(ctx, req(http.MethodGet, "/sign-in", planted), authkit.SignInOptions{})
	require.Nil(t, cookieIn(pd, planted.Name), "a cookie under our prefix without our marker is not evicted")
	require.Len(t, ours, 3)

	// The oldest Go tab fails; the others complete and clear only their own
	// cookies.
	d := f.c.Callback(ctx, req(http.MethodGet, flows[0].callback.RequestURI()))
	require.ErrorIs(t, d.Err, authkit.ErrMissingVerifier)
	var session string
	for _, i := range []int{2, 3} {
		d := f.c.Callback(ctx, req(http.MethodGet, flows[i].callback.RequestURI()))
		require.NoError(t, d.Err, "Go tab %d", i)
		require.Equal(t, "/go/"+strconv.Itoa(i), d.Location())
		apply(d)
		session = cookieIn(d, authkit.DefaultCookieName).Value
	}
	require.Len(t, ours, 1, "Go tab 1 is still pending")

	// Sign-out clears Go's leftover verifier cookie, not the Node ones.
	so := req(http.MethodPost, "/sign-out", sessionCookie(session))
	d = f.c.SignOut(ctx, so)
	require.Equal(t, http.StatusSeeOther, d.Status)
	apply(d)
	require.Empty(t, ours, "sign-out clears this library's verifier cookies")
	require.Len(t, foreign, 4)
}

// TestCallbackClearsStaleVerifiers: completing a sign-in clears this
// library's expired verifier cookies, keeps other pending flows.
func TestCallbackClearsStaleVerifiers(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	old := f.startFlow(f.c, authkittest.AdminEmail, newReq(http.MethodGet, "/sign-in"), authkit.SignInOptions{})
	f.clock.Advance(11 * time.Minute) // old's state has expired
	pending := f.startFlow(f.c, authkittest.AdminEmail, newReq(http.MethodGet, "/sign-in"), authkit.SignInOptions{})
	done := f.startFlow(f.c, authkittest.AdminEmail, newReq(http.MethodGet, "/sign-in"), authkit.SignInOptions{})
	d := f.c.Callback(ctx, newReq(http.MethodGet, done.callback.RequestURI(), old.verifier, pending.verifier, done.verifier))
	require.NoError(t, d.Err)
	require.Less(t, cookieIn(d, old.verifier.Name).MaxAge, 0, "the expired flow's cookie is cleared")
	require.Less(t, cookieIn(d, done.verifier.Name).MaxAge, 0, "the completed flow's cookie is cleared")
	require.Nil(t, cookieIn(d, pending.verifier.Name), "another tab's pending flow is kept")
}
