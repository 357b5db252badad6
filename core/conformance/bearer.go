package conformance

// The bearer-token suite, independent of the transport: the same checks run
// against the HTTP adapters (through Run, or HTTPBearer) and against RPC
// interceptors (gRPC, Connect) through RunBearer.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
)

// Access is what a call of the harness's service requires.
type Access int

// The three calls a BearerHarness serves.
const (
	// AccessPublic is a public call: served without a token (the handler
	// sees no Auth) and with a valid one (it sees the Auth).
	AccessPublic Access = iota
	// AccessProtected requires a valid token.
	AccessProtected
	// AccessAdmin requires a valid token with the role "admin"
	// (authkit.RequireRole("admin")).
	AccessAdmin
)

func (a Access) String() string {
	return [...]string{"public", "protected", "admin"}[a]
}

// BearerCall is one call the suite makes.
type BearerCall struct {
	Access Access
	// Stream asks for the transport's streaming path (a streaming RPC);
	// only when BearerHarness.Streaming.
	Stream bool
	// Token is sent as "Authorization: Bearer <Token>"; "" sends no
	// Authorization at all.
	Token string
}

// Outcome is how a call ended, in the suite's words.
type Outcome string

// The outcomes the suite expects. A harness reports any other ending as
// its own code or status in text ("Internal", "http 500").
const (
	OutcomeOK               Outcome = "ok"
	OutcomeUnauthenticated  Outcome = "unauthenticated"   // gRPC/Connect Unauthenticated, HTTP 401
	OutcomePermissionDenied Outcome = "permission_denied" // gRPC/Connect PermissionDenied, HTTP 403
)

// BearerResult is what a call returned.
type BearerResult struct {
	Outcome Outcome
	// Message is the refusal's message (or body) as the caller sees it; the
	// suite checks it reveals nothing of the token.
	Message string
	// Identity is the Auth the handler read with authkit.FromContext, nil
	// when anonymous or when the handler was not reached.
	Identity *Summary
	// AccessToken is that Auth's AccessToken.
	AccessToken string
}

// BearerCaller makes one call to the service; an error means the call
// could not be made at all (not a refusal).
type BearerCaller func(ctx context.Context, call BearerCall) (BearerResult, error)

// BearerHarness describes a transport to the bearer suite.
type BearerHarness struct {
	// Name labels the subtests, e.g. "grpc".
	Name string
	// Streaming says the service also serves each call as a streaming
	// RPC, checked the same way.
	Streaming bool
	// New starts the service with the adapter wired to c, on a real
	// listener closed with the test, and returns a caller for it. It may be
	// called several times in one test (two servers sharing a key cache).
	New func(t *testing.T, c *authkit.Client) BearerCaller
}

// RunBearer runs the bearer-token checks against h as subtests of t:
// "<Name>/Bearer/<check>".
func RunBearer(t *testing.T, h BearerHarness) {
	for _, tc := range bearerTests {
		t.Run(h.Name+"/Bearer/"+tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, h)
		})
	}
}

// HTTPBearer runs an HTTP adapter's harness as a BearerHarness: public is
// PathPublic, protected PathAPI, admin PathAdmin.
func HTTPBearer(h Harness) BearerHarness {
	paths := map[Access]string{AccessPublic: PathPublic, AccessProtected: PathAPI, AccessAdmin: PathAdmin}
	return BearerHarness{Name: h.Name, New: func(t *testing.T, c *authkit.Client) BearerCaller {
		srv := h.New(t, c)
		return func(ctx context.Context, call BearerCall) (BearerResult, error) {
			req, err := newRequest(ctx, http.MethodGet, paths[call.Access], nil, jsonHeader())
			if err != nil {
				return BearerResult{}, err
			}
			if call.Token != "" {
				req.Header.Set("Authorization", "Bearer "+call.Token)
			}
			resp, err := srv(req)
			if err != nil {
				return BearerResult{}, err
			}
			// Not readResponse: the suite calls from several goroutines, where t.FailNow must not run.
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				return BearerResult{}, err
			}
			r := &Response{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
			switch r.Status {
			case http.StatusOK:
				var rep Report
				if err := json.Unmarshal([]byte(r.Body), &rep); err != nil {
					return BearerResult{}, fmt.Errorf("%s: %w", paths[call.Access], err)
				}
				return BearerResult{Outcome: OutcomeOK, Identity: rep.Context, AccessToken: rep.AccessToken}, nil
			case http.StatusUnauthorized:
				return BearerResult{Outcome: OutcomeUnauthenticated, Message: r.Body + " " + r.Header.Get("WWW-Authenticate")}, nil
			case http.StatusForbidden:
				return BearerResult{Outcome: OutcomePermissionDenied, Message: r.Body}, nil
			}
			return BearerResult{Outcome: Outcome(fmt.Sprintf("http %d", r.Status)), Message: r.Body}, nil
		}
	}}
}

var bearerTests = []struct {
	name string
	fn   func(*testing.T, BearerHarness)
}{
	{"Valid", testBearerValid},
	{"Missing", testBearerMissing},
	{"Hostile", testBearerHostile},
	{"Forbidden", testBearerForbidden},
	{"Expiry", testBearerExpiry},
	{"Revoked", testBearerRevoked},
	{"JWKSFetchedOnce", testBearerJWKSOnce},
}

// bearerEnv is an Env with a service of the harness and a MemoryStore the
// suite can revoke sessions in.
type bearerEnv struct {
	*Env
	store *authkit.MemoryStore
	call  BearerCaller
	h     BearerHarness
}

func newBearerEnv(t *testing.T, h BearerHarness) *bearerEnv {
	t.Helper()
	e := &bearerEnv{h: h}
	e.Env = NewEnv(t, func(c *authkit.Config) {
		e.store = authkit.NewMemoryStore(c.Clock) // the env's clock
		c.Store = e.store
	})
	e.call = h.New(t, e.Client)
	return e
}

// streams lists the call paths to check: unary, and streaming when the
// harness has it.
func (e *bearerEnv) streams() []bool {
	if e.h.Streaming {
		return []bool{false, true}
	}
	return []bool{false}
}

// do makes one call and fails the test when it cannot be made.
func (e *bearerEnv) do(t *testing.T, c BearerCall) BearerResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	r, err := e.call(ctx, c)
	require.NoError(t, err, "%s call (stream=%t)", c.Access, c.Stream)
	return r
}

// mint signs a token for the admin user in their organization.
func (e *bearerEnv) mint(t *testing.T, p authkittest.TokenParams) string {
	t.Helper()
	if p.UserID == "" {
		p.UserID, p.OrganizationID = authkittest.AdminUserID, authkittest.AcmeOrgID
	}
	tok, err := e.Emulator.MintAccessToken(p)
	require.NoError(t, err)
	return tok
}

func testBearerValid(t *testing.T, h BearerHarness) {
	e := newBearerEnv(t, h)
	tok := e.mint(t, authkittest.TokenParams{SessionID: "session_valid"})
	for _, stream := range e.streams() {
		for _, access := range []Access{AccessPublic, AccessProtected, AccessAdmin} {
			r := e.do(t, BearerCall{Access: access, Stream: stream, Token: tok})
			require.Equal(t, OutcomeOK, r.Outcome, "%s (stream=%t): %s", access, stream, r.Message)
			require.NotNil(t, r.Identity, "%s (stream=%t): authkit.FromContext has the Auth", access, stream)
			assert.Equal(t, authkittest.AdminUserID, r.Identity.UserID)
			assert.Equal(t, authkittest.AcmeOrgID, r.Identity.OrganizationID)
			assert.Equal(t, "session_valid", r.Identity.SessionID)
			assert.Equal(t, "admin", r.Identity.Role)
			assert.Equal(t, string(authkit.SourceBearer), r.Identity.Source)
			assert.Equal(t, tok, r.AccessToken, "the Auth carries the verified token, for forwarding")
		}
	}
}

func testBearerMissing(t *testing.T, h BearerHarness) {
	e := newBearerEnv(t, h)
	for _, stream := range e.streams() {
		r := e.do(t, BearerCall{Access: AccessPublic, Stream: stream})
		require.Equal(t, OutcomeOK, r.Outcome, "a public call needs no token (stream=%t): %s", stream, r.Message)
		require.Nil(t, r.Identity, "anonymous")
		for _, access := range []Access{AccessProtected, AccessAdmin} {
			r := e.do(t, BearerCall{Access: access, Stream: stream})
			require.Equal(t, OutcomeUnauthenticated, r.Outcome, "%s without a token (stream=%t)", access, stream)
			require.Nil(t, r.Identity, "the handler is not reached")
		}
	}
}

// hostileTokens returns tokens every transport must refuse, by name.
func (e *bearerEnv) hostileTokens(t *testing.T) map[string]string {
	valid := e.mint(t, authkittest.TokenParams{})
	parts := strings.Split(valid, ".")
	require.Len(t, parts, 3)
	var header map[string]any
	raw, err := base64.RawURLEncoding.DecodeString(parts[0])
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &header))
	withHeader := func(mod map[string]any) string {
		h := map[string]any{}
		for k, v := range header {
			h[k] = v
		}
		for k, v := range mod {
			h[k] = v
		}
		b, _ := json.Marshal(h)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	hs := withHeader(map[string]any{"alg": "HS256"}) + "." + parts[1]
	mac := hmac.New(sha256.New, []byte("a guessed secret"))
	mac.Write([]byte(hs))
	other := e.mint(t, authkittest.TokenParams{UserID: authkittest.PlainUserID})
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	require.NoError(t, err)
	sig[len(sig)/2] ^= 1
	return map[string]string{
		"alg-none":           withHeader(map[string]any{"alg": "none"}) + "." + parts[1] + ".",
		"alg-hs256":          hs + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)),
		"unknown-kid":        withHeader(map[string]any{"kid": "no-such-key"}) + "." + parts[1] + "." + parts[2],
		"tampered-signature": parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig),
		"tampered-payload":   parts[0] + "." + strings.Split(other, ".")[1] + "." + parts[2],
		"wrong-issuer":       e.mint(t, authkittest.TokenParams{UserID: authkittest.AdminUserID, OrganizationID: authkittest.AcmeOrgID, Issuer: "https://evil.example/user_management/" + e.Emulator.ClientID()}),
		"wrong-audience":     e.mint(t, authkittest.TokenParams{UserID: authkittest.AdminUserID, OrganizationID: authkittest.AcmeOrgID, Extra: map[string]any{"aud": "client_other"}}),
		"expired":            e.mint(t, authkittest.TokenParams{UserID: authkittest.AdminUserID, OrganizationID: authkittest.AcmeOrgID, TTL: -time.Hour}),
		"not-yet-valid":      e.mint(t, authkittest.TokenParams{UserID: authkittest.AdminUserID, OrganizationID: authkittest.AcmeOrgID, Extra: map[string]any{"nbf": e.Clock.Now().Add(time.Hour).Unix()}}),
		"garbage":            "not.a.jwt",
		"empty-segments":     "..",
	}
}

func testBearerHostile(t *testing.T, h BearerHarness) {
	e := newBearerEnv(t, h)
	for name, tok := range e.hostileTokens(t) {
		t.Run(name, func(t *testing.T) {
			for _, stream := range e.streams() {
				for _, access := range []Access{AccessPublic, AccessProtected, AccessAdmin} {
					r := e.do(t, BearerCall{Access: access, Stream: stream, Token: tok})
					require.Equal(t, OutcomeUnauthenticated, r.Outcome, "%s (stream=%t): an invalid token is refused, never anonymous", access, stream)
					require.Nil(t, r.Identity, "the handler is not reached")
					requireNoLeak(t, r.Message, tok)
				}
			}
		})
	}
}

// requireNoLeak checks that a refusal's message reveals nothing of tok:
// not the token, a segment of it, or a claim value.
func requireNoLeak(t *testing.T, msg, tok string) {
	t.Helper()
	for _, part := range strings.Split(tok, ".") {
		if len(part) >= 8 {
			require.NotContains(t, msg, part, "the refusal quotes the token")
		}
	}
	for _, claim := range []string{authkittest.AdminUserID, authkittest.AcmeOrgID, "evil.example", "client_other"} {
		require.NotContains(t, msg, claim, "the refusal quotes a claim")
	}
}

func testBearerForbidden(t *testing.T, h BearerHarness) {
	e := newBearerEnv(t, h)
	plain := e.mint(t, authkittest.TokenParams{UserID: authkittest.PlainUserID})
	for _, stream := range e.streams() {
		r := e.do(t, BearerCall{Access: AccessAdmin, Stream: stream, Token: plain})
		require.Equal(t, OutcomePermissionDenied, r.Outcome, "a session without the role (stream=%t)", stream)
		require.Nil(t, r.Identity, "the handler is not reached")
		requireNoLeak(t, r.Message, plain)
		r = e.do(t, BearerCall{Access: AccessProtected, Stream: stream, Token: plain})
		require.Equal(t, OutcomeOK, r.Outcome, "the same session passes where no role is required")
		require.Equal(t, authkittest.PlainUserID, r.Identity.UserID)
	}
}

func testBearerExpiry(t *testing.T, h BearerHarness) {
	e := newBearerEnv(t, h)
	tok := e.mint(t, authkittest.TokenParams{TTL: 2 * time.Minute})
	for _, stream := range e.streams() {
		require.Equal(t, OutcomeOK, e.do(t, BearerCall{Access: AccessProtected, Stream: stream, Token: tok}).Outcome)
	}
	e.Clock.Advance(3 * time.Minute) // past the expiry and the leeway
	for _, stream := range e.streams() {
		for _, access := range []Access{AccessPublic, AccessProtected} {
			r := e.do(t, BearerCall{Access: access, Stream: stream, Token: tok})
			require.Equal(t, OutcomeUnauthenticated, r.Outcome, "%s (stream=%t): an expired token is refused (a bearer token is never refreshed)", access, stream)
			requireNoLeak(t, r.Message, tok)
		}
	}
}

func testBearerRevoked(t *testing.T, h BearerHarness) {
	e := newBearerEnv(t, h)
	tok := e.mint(t, authkittest.TokenParams{SessionID: "session_revoked"})
	require.Equal(t, OutcomeOK, e.do(t, BearerCall{Access: AccessProtected, Token: tok}).Outcome)
	require.NoError(t, e.store.Revoke(t.Context(), "session_revoked", time.Hour))
	for _, stream := range e.streams() {
		for _, access := range []Access{AccessPublic, AccessProtected} {
			r := e.do(t, BearerCall{Access: access, Stream: stream, Token: tok})
			require.Equal(t, OutcomeUnauthenticated, r.Outcome, "%s (stream=%t): a signed-out session's token is refused", access, stream)
		}
	}
}

func testBearerJWKSOnce(t *testing.T, h BearerHarness) {
	e := newBearerEnv(t, h)
	tokens := []string{e.mint(t, authkittest.TokenParams{}), e.mint(t, authkittest.TokenParams{UserID: authkittest.MultiOrgUserID})}
	streams := e.streams()
	var wg sync.WaitGroup
	results := make(chan BearerResult, 40)
	for i := range 40 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			r, err := e.call(ctx, BearerCall{Access: AccessProtected, Stream: streams[i%len(streams)], Token: tokens[i%2]})
			if err != nil {
				r.Outcome = Outcome(err.Error())
			}
			results <- r
		})
	}
	wg.Wait()
	close(results)
	for r := range results {
		require.Equal(t, OutcomeOK, r.Outcome, r.Message)
	}
	require.Equal(t, 1, e.Emulator.Count(authkittest.EndpointJWKS), "40 concurrent calls on a cold cache fetch the JWKS once")

	// A second server with its own client for the same client ID shares the cache.
	second := h.New(t, e.NewClient(nil))
	for _, tok := range tokens {
		r, err := second(t.Context(), BearerCall{Access: AccessProtected, Token: tok})
		require.NoError(t, err)
		require.Equal(t, OutcomeOK, r.Outcome, r.Message)
	}
	require.Equal(t, 1, e.Emulator.Count(authkittest.EndpointJWKS), "two servers with the same client ID share one cached key set")
}
