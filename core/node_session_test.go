package authkit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/internal/nodetest"
	"github.com/authkit-go/authkit/core/seal"
)

// The tests in this file drive the session-reading code of the pinned Node
// packages (core/seal/internal/nodeinterop: @workos-inc/node 11.0.0,
// @workos/authkit-session 0.7.1, iron-session 9.0.1) against the emulator,
// on cookies Go wrote, and Go on cookies each of them wrote. Node verifies
// tokens with its own clock, so the test clock only ever moves back to
// real time: a session signed in "two hours ago" has an access token that
// is expired for both sides.

// replayProxy sits between the clients and the emulator: it records the
// last body of POST /user_management/authenticate and, when armed, answers
// the next authenticate call with it, so that Go and the Node SDK can be
// given the same WorkOS response.
type replayProxy struct {
	mu     sync.Mutex
	last   []byte
	replay []byte
	srv    *httptest.Server
}

func newReplayProxy(t *testing.T, target string) *replayProxy {
	u, err := url.Parse(target)
	require.NoError(t, err)
	p := &replayProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.URL.Path != "/user_management/authenticate" || resp.StatusCode != http.StatusOK {
			return nil
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(b))
		p.mu.Lock()
		p.last = b
		p.mu.Unlock()
		return nil
	}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		body := p.replay
		p.replay = nil
		p.mu.Unlock()
		if body != nil && r.URL.Path == "/user_management/authenticate" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// armLast makes the next authenticate call get the last recorded answer.
func (p *replayProxy) armLast(t *testing.T) {
	p.mu.Lock()
	defer p.mu.Unlock()
	require.NotNil(t, p.last, "no authenticate answer recorded")
	p.replay, p.last = p.last, nil
}

// nodeAPI is what every session command needs to reach the emulator.
type nodeAPI struct {
	Op           string          `json:"op"`
	Sealed       string          `json:"sealed,omitempty"`
	RefreshToken string          `json:"refreshToken,omitempty"`
	Lib          string          `json:"lib,omitempty"`
	Payload      json.RawMessage `json:"payload,omitempty"`
	Password     string          `json:"password"`
	ClientID     string          `json:"clientId"`
	APIKey       string          `json:"apiKey"`
	APIHostname  string          `json:"apiHostname"`
	Port         int             `json:"port"`
}

type nodeSessionResult struct {
	OK                   bool            `json:"ok"`
	Error                string          `json:"error"`
	Sealed               string          `json:"sealed"`
	User                 json.RawMessage `json:"user"`
	Payload              json.RawMessage `json:"payload"`
	SessionID            string          `json:"sessionId"`
	OrganizationID       *string         `json:"organizationId"`
	AuthenticationMethod *string         `json:"authenticationMethod"`
	Impersonator         json.RawMessage `json:"impersonator"`
}

type nodeSide struct {
	t        *testing.T
	proc     *nodetest.Proc
	base     nodeAPI
	password string
}

func newNodeSide(t *testing.T, proc *nodetest.Proc, apiBase, clientID, apiKey, password string) *nodeSide {
	u, err := url.Parse(apiBase)
	require.NoError(t, err)
	host, port, err := net.SplitHostPort(u.Host)
	require.NoError(t, err)
	p, err := strconv.Atoi(port)
	require.NoError(t, err)
	return &nodeSide{t: t, proc: proc, password: password,
		base: nodeAPI{Password: password, ClientID: clientID, APIKey: apiKey, APIHostname: host, Port: p}}
}

func (n *nodeSide) do(cmd nodeAPI) nodeSessionResult {
	n.t.Helper()
	c := n.base
	c.Op, c.Sealed, c.RefreshToken, c.Lib, c.Payload = cmd.Op, cmd.Sealed, cmd.RefreshToken, cmd.Lib, cmd.Payload
	if cmd.Password != "" {
		c.Password = cmd.Password
	}
	var res nodeSessionResult
	n.proc.Do(n.t, c, &res)
	return res
}

// unsealMap opens a cookie in Go as generic JSON.
func unsealMap(t *testing.T, cookie string, pw seal.Passwords) map[string]any {
	t.Helper()
	b, err := seal.Unseal(cookie, pw)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func asMap(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	return m
}

// richSeed gives the admin every optional user field (the profile picture
// stays null) and the other users none.
func richSeed() authkittest.Seed {
	seed := authkittest.DefaultSeed()
	seed.Users[0].ExternalID, seed.Users[0].Locale = "ext_admin", "en-US"
	seed.Users[0].Metadata = map[string]string{"plan": "pro", "tier": "gold"}
	return seed
}

// TestNodeSessionPayloadMatchesSDK: for the same WorkOS response, at
// sign-in and at refresh, the cookie Go seals unseals to the JSON
// @workos-inc/node's sealSession writes.
func TestNodeSessionPayloadMatchesSDK(t *testing.T) {
	node := nodetest.StartInterop(t, "seal/internal/nodeinterop")
	for _, email := range []string{authkittest.AdminEmail, authkittest.PlainEmail} {
		t.Run(email, func(t *testing.T) {
			f := newFixture(t, nil, authkittest.WithSeed(richSeed()))
			// A client on a proxy in front of the emulator, accepting the
			// emulator's issuer.
			proxy := newReplayProxy(t, f.emu.URL())
			f.c = f.client(func(cfg *authkit.Config) {
				cfg.APIBaseURL = proxy.srv.URL
				cfg.Issuers = []string{f.emu.URL() + "/user_management/" + f.emu.ClientID()}
			})
			n := newNodeSide(t, node, proxy.srv.URL, f.emu.ClientID(), f.emu.APIKey(), testPassword)
			pw := seal.Single(testPassword)

			// Sign-in.
			goCookie, _ := f.signIn(email)
			proxy.armLast(t)
			res := n.do(nodeAPI{Op: "seal-response", RefreshToken: "replayed"})
			require.True(t, res.OK, res.Error)
			goPayload, nodePayload := unsealMap(t, goCookie, pw), unsealMap(t, res.Sealed, pw)
			// Go adds the authentication time (RequireRecentAuth), a field
			// the Node readers ignore; the rest is the SDK's.
			require.Contains(t, goPayload, "authenticatedAt")
			signedInAt := goPayload["authenticatedAt"]
			delete(goPayload, "authenticatedAt")
			require.Equal(t, nodePayload, goPayload, "Go's sign-in cookie is the Node SDK's for the same WorkOS response")
			user := goPayload["user"].(map[string]any)
			for _, k := range []string{"name", "externalId", "locale", "profilePictureUrl", "lastSignInAt", "metadata"} {
				require.Contains(t, user, k)
			}
			require.Nil(t, user["profilePictureUrl"], "null as the SDK writes it, not \"\"")

			// Refresh.
			f.clock.Advance(time.Hour)
			d := f.load(f.c, goCookie)
			require.NoError(t, d.Err)
			require.True(t, d.Refreshed)
			refreshed := cookieIn(d, authkit.DefaultCookieName).Value
			proxy.armLast(t)
			res = n.do(nodeAPI{Op: "seal-response", RefreshToken: "replayed"})
			require.True(t, res.OK, res.Error)
			goRefreshed := unsealMap(t, refreshed, pw)
			require.Equal(t, signedInAt, goRefreshed["authenticatedAt"], "a Go refresh keeps the authentication time")
			delete(goRefreshed, "authenticatedAt")
			require.Equal(t, unsealMap(t, res.Sealed, pw), goRefreshed, "Go's refreshed cookie is the Node SDK's for the same WorkOS response")
		})
	}
}

// TestNodeReadersOnGoCookies: @workos-inc/node authenticate() and
// refresh(), @workos/authkit-session withAuth and iron-session unsealData
// read the cookie Go wrote, field for field; and Go reads the cookies each
// of them wrote.
func TestNodeReadersOnGoCookies(t *testing.T) {
	node := nodetest.StartInterop(t, "seal/internal/nodeinterop")
	f := newFixture(t, nil, authkittest.WithSeed(richSeed()))
	n := newNodeSide(t, node, f.emu.URL(), f.emu.ClientID(), f.emu.APIKey(), testPassword)
	pw := seal.Single(testPassword)

	goCookie, sd := f.signIn(authkittest.AdminEmail)
	goPayload := unsealMap(t, goCookie, pw)
	goUser := goPayload["user"].(map[string]any)

	// @workos-inc/node authenticate(): verifies the token at the emulator.
	res := n.do(nodeAPI{Op: "authenticate", Sealed: goCookie})
	require.True(t, res.OK, res.Error)
	require.Equal(t, goUser, asMap(t, res.User), "the SDK reads the user Go wrote, field for field")
	require.Equal(t, sd.Auth.SessionID, res.SessionID)
	require.Equal(t, authkittest.AcmeOrgID, *res.OrganizationID)
	require.Equal(t, "Password", *res.AuthenticationMethod)

	// @workos/authkit-session withAuth.
	res = n.do(nodeAPI{Op: "with-auth", Sealed: goCookie})
	require.True(t, res.OK, res.Error)
	require.Equal(t, goUser, asMap(t, res.User))
	require.Equal(t, sd.Auth.SessionID, res.SessionID)
	require.Empty(t, res.Sealed, "a valid token is not refreshed")

	// iron-session unsealData.
	res = n.do(nodeAPI{Op: "unseal", Lib: "iron-session@9", Sealed: goCookie})
	require.True(t, res.OK, res.Error)
	require.Equal(t, goPayload, asMap(t, res.Payload))

	// Go reads a cookie iron-session sealed (sealData of the same payload).
	payload, err := json.Marshal(goPayload)
	require.NoError(t, err)
	res = n.do(nodeAPI{Op: "seal", Lib: "iron-session@9", Payload: payload})
	require.True(t, res.OK, res.Error)
	d := f.load(f.c, res.Sealed)
	require.NoError(t, d.Err)
	require.NotNil(t, d.Auth)
	require.Equal(t, sd.Auth.User.ID, d.Auth.User.ID)
	require.Equal(t, "en-US", d.Auth.User.Locale)
	require.Equal(t, "ext_admin", d.Auth.User.ExternalID)

	// Expired sessions: signed in two hours ago, read now.
	f.clock.Advance(-2 * time.Hour)
	old1, _ := f.signIn(authkittest.AdminEmail)
	old2, _ := f.signIn(authkittest.AdminEmail)
	old3, _ := f.signIn(authkittest.AdminEmail)
	f.clock.Advance(2 * time.Hour)

	// @workos-inc/node refresh() of a Go cookie; Go reads what it wrote.
	res = n.do(nodeAPI{Op: "refresh", Sealed: old1})
	require.True(t, res.OK, res.Error)
	d = f.load(f.c, res.Sealed)
	require.NoError(t, d.Err)
	require.NotNil(t, d.Auth, "Go reads the cookie @workos-inc/node refreshed")
	require.False(t, d.Refreshed)
	require.Equal(t, "en-US", d.Auth.User.Locale)

	// authkit-session withAuth refreshes a Go cookie; Go reads what it wrote.
	res = n.do(nodeAPI{Op: "with-auth", Sealed: old2})
	require.True(t, res.OK, res.Error)
	require.NotEmpty(t, res.Sealed, "the expired token was refreshed")
	d = f.load(f.c, res.Sealed)
	require.NoError(t, d.Err)
	require.NotNil(t, d.Auth, "Go reads the cookie @workos/authkit-session wrote")
	require.False(t, d.Refreshed)
	require.Equal(t, map[string]string{"plan": "pro", "tier": "gold"}, d.Auth.User.Metadata)

	// Go refreshes; every Node reader reads the result.
	d = f.load(f.c, old3)
	require.NoError(t, d.Err)
	require.True(t, d.Refreshed)
	refreshed := cookieIn(d, authkit.DefaultCookieName).Value
	for _, op := range []string{"authenticate", "with-auth"} {
		res = n.do(nodeAPI{Op: op, Sealed: refreshed})
		require.True(t, res.OK, "%s: %s", op, res.Error)
		require.Equal(t, unsealMap(t, refreshed, pw)["user"], asMap(t, res.User), op)
	}
}

// TestGoRefreshKeepsNodeFields: a cookie a Node library wrote, with a user
// field and a session field no library here models, refreshed by Go, reads
// back in Node field for field: only what WorkOS's answer changed differs.
func TestGoRefreshKeepsNodeFields(t *testing.T) {
	node := nodetest.StartInterop(t, "seal/internal/nodeinterop")
	f := newFixture(t, nil, authkittest.WithSeed(richSeed()))
	n := newNodeSide(t, node, f.emu.URL(), f.emu.ClientID(), f.emu.APIKey(), testPassword)
	pw := seal.Single(testPassword)

	f.clock.Advance(-2 * time.Hour)
	goCookie, _ := f.signIn(authkittest.AdminEmail)
	f.clock.Advance(2 * time.Hour)
	// The SDK's own cookie, refreshed at the emulator: Node-written.
	res := n.do(nodeAPI{Op: "refresh", Sealed: goCookie})
	require.True(t, res.OK, res.Error)
	nodePayload := unsealMap(t, res.Sealed, pw)
	user := nodePayload["user"].(map[string]any)
	user["favouriteColour"] = "teal"
	user["lastSignInAt"] = nil
	nodePayload["appState"] = map[string]any{"theme": "dark"}
	b, err := json.Marshal(nodePayload)
	require.NoError(t, err)
	// Sealed by the Node SDK's own sealer, with the token expired for Go
	// (two hours on).
	res = n.do(nodeAPI{Op: "seal", Lib: "iron-session@9", Payload: b})
	require.True(t, res.OK, res.Error)
	before := n.do(nodeAPI{Op: "authenticate", Sealed: res.Sealed})
	require.True(t, before.OK, before.Error)

	f.clock.Advance(time.Hour)
	d := f.load(f.c, res.Sealed)
	require.NoError(t, d.Err)
	require.True(t, d.Refreshed)
	raw, ok := d.Auth.User.RawField("favouriteColour")
	require.True(t, ok)
	require.JSONEq(t, `"teal"`, string(raw))
	f.clock.Advance(-time.Hour)
	refreshed := cookieIn(d, authkit.DefaultCookieName).Value

	after := n.do(nodeAPI{Op: "authenticate", Sealed: refreshed})
	require.True(t, after.OK, after.Error)
	was, now := asMap(t, before.User), asMap(t, after.User)
	require.NotNil(t, now["lastSignInAt"], "WorkOS's answer wins for the fields it returns")
	delete(was, "lastSignInAt")
	delete(now, "lastSignInAt")
	require.Equal(t, was, now, "every other user field reads back in Node as it was, unknown ones included")
	require.Equal(t, map[string]any{"theme": "dark"}, unsealMap(t, refreshed, pw)["appState"], "an unknown session field survives")
}

// TestNodeCompatibleRotation: with two passwords, Go seals with id 2 and the
// Node libraries (one password, id 1) refuse its cookie; with
// NodeCompatible it seals with id 1 and they read it, and Go still opens a
// Node cookie sealed with the new password (which Node labels 1 too).
func TestNodeCompatibleRotation(t *testing.T) {
	node := nodetest.StartInterop(t, "seal/internal/nodeinterop")
	const oldPW, newPW = "rotation-old-cookie-password-0123456789", "rotation-new-cookie-password-0123456789"
	f := newFixture(t, func(cfg *authkit.Config) {
		cfg.CookiePassword = ""
		cfg.CookiePasswords = seal.Passwords{"1": oldPW, "2": newPW}
	})
	n := newNodeSide(t, node, f.emu.URL(), f.emu.ClientID(), f.emu.APIKey(), oldPW)

	// Without the setting: id 2, unreadable to every Node reader.
	cookie, _ := f.signIn(authkittest.AdminEmail)
	for _, op := range []string{"authenticate", "with-auth"} {
		res := n.do(nodeAPI{Op: op, Sealed: cookie})
		require.False(t, res.OK, "%s opens an id-2 cookie", op)
	}
	res := n.do(nodeAPI{Op: "unseal", Lib: "iron-session@9", Sealed: cookie})
	require.False(t, res.OK)

	// With it: id 1, the Node apps' password; every reader opens it.
	compat := f.client(func(cfg *authkit.Config) {
		cfg.CookiePassword = ""
		cfg.CookiePasswords = seal.Passwords{"1": oldPW, "2": newPW}
		cfg.NodeCompatible = true
	})
	cookie, _ = f.signInWith(compat, authkittest.AdminEmail)
	for _, op := range []string{"authenticate", "with-auth"} {
		res := n.do(nodeAPI{Op: op, Sealed: cookie})
		require.True(t, res.OK, "%s: %s", op, res.Error)
	}
	res = n.do(nodeAPI{Op: "unseal", Lib: "iron-session@9", Sealed: cookie})
	require.True(t, res.OK, res.Error)

	// The Node apps switch to the new password: their cookies say id 1
	// with it. The Go set opens them, and once "1" is the new password in
	// Go too, Go's cookies are readable by the switched Node apps.
	nodeNew := newNodeSide(t, node, f.emu.URL(), f.emu.ClientID(), f.emu.APIKey(), newPW)
	res = nodeNew.do(nodeAPI{Op: "refresh", Sealed: mustReseal(t, cookie, oldPW, newPW)})
	require.True(t, res.OK, res.Error)
	d := compat.Load(context.Background(), newReq(http.MethodGet, "/", sessionCookie(res.Sealed)))
	require.NoError(t, d.Err)
	require.NotNil(t, d.Auth, "a Node cookie with the new password under id 1 opens")

	switched := f.client(func(cfg *authkit.Config) {
		cfg.CookiePassword = ""
		cfg.CookiePasswords = seal.Passwords{"1": newPW, "2": oldPW}
		cfg.NodeCompatible = true
	})
	d = switched.Load(context.Background(), newReq(http.MethodGet, "/", sessionCookie(cookie)))
	require.NotNil(t, d.Auth, "a cookie of the old password still opens after the switch")
	cookie, _ = f.signInWith(switched, authkittest.AdminEmail)
	res = nodeNew.do(nodeAPI{Op: "authenticate", Sealed: cookie})
	require.True(t, res.OK, res.Error)
}

// mustReseal re-seals a cookie's payload with another password (id 1).
func mustReseal(t *testing.T, cookie, from, to string) string {
	t.Helper()
	b, err := seal.Unseal(cookie, seal.Single(from))
	require.NoError(t, err)
	out, err := seal.Seal(b, seal.Single(to))
	require.NoError(t, err)
	return out
}
