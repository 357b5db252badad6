package authkit_test

import (
	"encoding/json"
	"net"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/internal/nodetest"
	"github.com/authkit-go/authkit/core/seal"
)

// nodeRefreshCmd is interop.mjs's "refresh" op: @workos-inc/node 11.0.0
// loadSealedSession({sessionData, cookiePassword}).refresh() against the
// emulator.
type nodeRefreshCmd struct {
	Op          string `json:"op"`
	Sealed      string `json:"sealed"`
	Password    string `json:"password"`
	ClientID    string `json:"clientId"`
	APIKey      string `json:"apiKey"`
	APIHostname string `json:"apiHostname"`
	Port        int    `json:"port"`
}

type nodeRefreshResult struct {
	OK        bool   `json:"ok"`
	Sealed    string `json:"sealed"`
	SessionID string `json:"sessionId"`
	UserID    string `json:"userId"`
	Error     string `json:"error"`
}

// nodeRefresh lets the Node SDK refresh cookie at f's emulator and returns
// its new sealed session.
func nodeRefresh(t *testing.T, node *nodetest.Proc, f *fixture, cookie string) nodeRefreshResult {
	t.Helper()
	u, err := url.Parse(f.emu.URL())
	require.NoError(t, err)
	host, port, err := net.SplitHostPort(u.Host)
	require.NoError(t, err)
	p, err := strconv.Atoi(port)
	require.NoError(t, err)
	var res nodeRefreshResult
	node.Do(t, nodeRefreshCmd{
		Op: "refresh", Sealed: cookie, Password: testPassword,
		ClientID: f.emu.ClientID(), APIKey: f.emu.APIKey(), APIHostname: host, Port: p,
	}, &res)
	return res
}

// sealedSession is the part of the AuthKit session cookie the test compares.
type sealedSession struct {
	User struct {
		ID string `json:"id"`
	} `json:"user"`
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
}

func openSession(t *testing.T, cookie string) sealedSession {
	t.Helper()
	pt, err := seal.Unseal(cookie, seal.Single(testPassword))
	require.NoError(t, err, "the cookie opens in Go")
	var s sealedSession
	require.NoError(t, json.Unmarshal(pt, &s))
	return s
}

// TestNodeRaceKeepsCookie: a Node app (the pinned @workos-inc/node, run by
// core/seal/internal/nodeinterop/interop.mjs) and a Go app share one session
// cookie without a shared store. Node refreshes it first; the Go app then
// gets the stale cookie, whose refresh token WorkOS now refuses while the
// session is still active. The Go side must not clear the cookie Node has
// just replaced: it serves a still-valid access token, answers an expired
// one as signed out, never sends a Set-Cookie for the session cookie, and
// stops sending the refused refresh token to WorkOS.
//
// Node verifies no token when refreshing, so only the emulator's clock (the
// fixture's test clock, shared with the Go client) decides what is valid.
// One node process serves both cases; see core/internal/nodetest for when
// the test is skipped (no node/npm) or fails (CI=true).
func TestNodeRaceKeepsCookie(t *testing.T) {
	node := nodetest.StartInterop(t, "seal/internal/nodeinterop")

	for _, tc := range []struct {
		name    string
		advance time.Duration
	}{{"still valid", inBuffer}, {"expired", expired}} {
		t.Run(tc.name, func(t *testing.T) {
			// A request with a still-valid token waits RefreshWait for the
			// refresh; make that wait long enough that the first stale request
			// sees WorkOS's refusal on a loaded machine (the flight is bounded
			// by the WorkOS client timeout anyway).
			f := newFixture(t, func(cfg *authkit.Config) { cfg.RefreshWait = time.Minute })
			stale, _ := f.signIn(authkittest.AdminEmail)
			before := f.load(f.c, stale)
			require.NotNil(t, before.Auth)
			require.False(t, before.Refreshed)
			old := openSession(t, stale)
			f.clock.Advance(tc.advance)

			// Node refreshes first.
			res := nodeRefresh(t, node, f, stale)
			require.True(t, res.OK, "the Node SDK refreshes the Go cookie: %s", res.Error)
			require.Equal(t, 1, f.emu.Count(authkittest.EndpointRefresh))
			require.Equal(t, authkittest.AdminUserID, res.UserID)
			require.Equal(t, before.Auth.SessionID, res.SessionID, "the same session")
			won := openSession(t, res.Sealed)
			require.Equal(t, authkittest.AdminUserID, won.User.ID)
			require.NotEmpty(t, won.RefreshToken)
			require.True(t, won.RefreshToken != old.RefreshToken, "Node's cookie carries a new refresh token")
			require.True(t, won.AccessToken != old.AccessToken, "and a new access token")

			// Node's cookie is signed in on the Go side, as it is.
			d := f.load(f.c, res.Sealed)
			require.NoError(t, d.Err)
			require.NotNil(t, d.Auth, "Go accepts the cookie Node wrote")
			require.Equal(t, authkittest.AdminUserID, d.Auth.User.ID)
			require.Equal(t, before.Auth.SessionID, d.Auth.SessionID)
			require.False(t, d.Refreshed)
			requireNoSessionCookie(t, d)

			// Then the Go side gets the stale cookie: it lost the race.
			lost := f.load(f.c, stale)
			requireNoSessionCookie(t, lost)
			require.ErrorIs(t, lost.Err, authkit.ErrRefreshFailed, "WorkOS refused the spent refresh token")
			require.Zero(t, lost.Status)
			if tc.advance == expired {
				require.Nil(t, lost.Auth, "an expired token is answered as signed out")
			} else {
				require.NotNil(t, lost.Auth, "the still-valid token is served")
				require.Equal(t, authkittest.AdminUserID, lost.Auth.User.ID)
				require.Equal(t, before.Auth.SessionID, lost.Auth.SessionID)
			}

			// The refused token is remembered: more requests with the stale
			// cookie keep it and stay away from WorkOS.
			for range 3 {
				again := f.load(f.c, stale)
				requireNoSessionCookie(t, again)
				require.Zero(t, again.Status)
				require.Equal(t, tc.advance != expired, again.Auth != nil)
			}
			require.LessOrEqual(t, f.emu.Count(authkittest.EndpointRefresh)-1, 1,
				"the Go side sent the stale refresh token to WorkOS at most once")

			// Node's cookie still works on the Go side after the lost race.
			d = f.load(f.c, res.Sealed)
			require.NotNil(t, d.Auth)
			require.False(t, d.Refreshed)
			requireNoSessionCookie(t, d)
		})
	}
}
