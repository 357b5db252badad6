package authkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/authkit-go/authkit/core/internal/memo"
	"github.com/authkit-go/authkit/core/observe"
	"github.com/authkit-go/authkit/core/seal"
	"github.com/authkit-go/authkit/core/token"
	"github.com/authkit-go/authkit/core/workos"
)

// Client is the session engine: every adapter calls it with what it read
// from a request and writes the Decision it returns. A Client is safe for
// concurrent use; build one per application.
type Client struct {
	cfg      Config
	workos   *workos.Client
	verifier *token.Verifier

	// flights shares one refresh per refresh token among this process's
	// requests.
	flights singleflight.Group
	// recent remembers what spending each refresh token led to (by its
	// hash): the new session during a grace period, a backoff, a refusal.
	recent *memo.Cache[*outcome]
	// sessions remembers session cookies opened and verified (by the
	// seal's MAC, see sessionKey, until the token's expiry): a session's
	// cookie is the same on every request until its next refresh, so its
	// next requests skip the unseal and the signature check.
	sessions *memo.Cache[rememberedSession]
	store    *guardedStore
	breaker  breaker

	// apiKeys validates WorkOS API keys (Config.AcceptAPIKeys); orgs
	// caches organization memberships.
	apiKeys *apiKeyState
	orgs    *membershipState
}

// New builds a Client from cfg, filling zero fields from the WORKOS_*
// environment variables (a value set in code wins). Invalid configuration
// fails here, with an error that names the variable to fix.
func New(cfg Config) (*Client, error) {
	cfg, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	warnNodeUnreadable(cfg)
	wc, err := workos.New(workos.Config{BaseURL: cfg.APIBaseURL, APIKey: cfg.APIKey, ClientID: cfg.ClientID, HTTPClient: cfg.HTTPClient, Observer: cfg.Observer})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	v, err := token.New(token.Config{
		ClientID:   cfg.ClientID,
		JWKSURL:    wc.JWKSURL(),
		APIBase:    cfg.APIBaseURL,
		Issuers:    cfg.Issuers,
		Algorithms: cfg.Algorithms,
		Leeway:     cfg.Leeway,
		Cache:      cfg.JWKSCache,
		Remember:   cfg.RememberSessions, // bearer tokens (cookie sessions remember their own)
		Clock:      cfg.Clock,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return &Client{
		cfg: cfg, workos: wc, verifier: v,
		recent:   memo.New[*outcome](maxRecentEntries),
		sessions: memo.New[rememberedSession](cfg.RememberSessions),
		store:    &guardedStore{s: cfg.Store, timeout: cfg.StoreTimeout, log: cfg.Logger, obs: cfg.Observer},
		apiKeys:  newAPIKeyState(), orgs: newMembershipState(),
	}, nil
}

// warnNodeUnreadable warns when the session cookie is sealed with a
// password id other than "1": the Node AuthKit libraries open only id 1, so
// a Node app sharing the cookie would sign every user out.
func warnNodeUnreadable(cfg Config) {
	if id := cfg.CookiePasswords.CurrentID(); !cfg.NodeCompatible && id != "1" {
		cfg.Logger.Warn("authkit: the session cookie is sealed with password id " + strconv.Quote(id) + ", which the Node AuthKit libraries (authkit-nextjs, @workos/authkit-session, @workos-inc/node) cannot open: if a Node app shares the cookie, set WORKOS_COOKIE_NODE_COMPAT=true and put the Node apps' password under id \"1\"")
	}
}

// Config returns a copy of the resolved configuration without its secrets:
// APIKey, CookiePassword and CookiePasswords are empty, and the slices are
// copies, so changing the result changes nothing in the client.
func (c *Client) Config() Config {
	cfg := c.cfg
	cfg.APIKey, cfg.CookiePassword, cfg.CookiePasswords = "", "", nil
	cfg.Issuers = append([]string(nil), cfg.Issuers...)
	cfg.Algorithms = append([]string(nil), cfg.Algorithms...)
	cfg.TrustedOrigins = append([]string(nil), cfg.TrustedOrigins...)
	return cfg
}

// CallbackPath is the path of the redirect URI: where to mount the
// adapter's Callback handler.
func (c *Client) CallbackPath() string {
	u, err := url.Parse(c.cfg.RedirectURI)
	if err != nil || u.Path == "" {
		return "/"
	}
	return u.Path
}

// WorkOS returns the client's WorkOS API client.
func (c *Client) WorkOS() *workos.Client { return c.workos }

// Verifier returns the client's access-token verifier.
func (c *Client) Verifier() *token.Verifier { return c.verifier }

// session is the sealed cookie's payload, field for field what the Node
// AuthKit libraries write. Fields it does not model (another library's, a
// newer version's) are kept in extra and written back; the user keeps its
// whole JSON object too (see User).
type session struct {
	AccessToken          string        `json:"accessToken"`
	RefreshToken         string        `json:"refreshToken"`
	User                 User          `json:"user"`
	Impersonator         *Impersonator `json:"impersonator,omitempty"`
	OrganizationID       string        `json:"organizationId,omitempty"`
	AuthenticationMethod string        `json:"authenticationMethod,omitempty"`
	// AuthenticatedAt is when the user last authenticated (unix ms): set
	// at sign-in, carried over by a Go refresh. The Node libraries ignore
	// it and drop it when they refresh: a session without it counts as not
	// recently authenticated (RequireRecentAuth).
	AuthenticatedAt int64 `json:"authenticatedAt,omitempty"`

	// rawImpersonator is the impersonator object as WorkOS or the cookie
	// gave it (a null reason stays null), written while Impersonator
	// still reads the same.
	rawImpersonator json.RawMessage
	// extra holds the top-level fields of the cookie this struct does not
	// model, by key; never modified once set.
	extra map[string]json.RawMessage
}

// sessionFields is session without its methods.
type sessionFields session

var sessionKeys = []string{"accessToken", "refreshToken", "user", "impersonator", "organizationId", "authenticationMethod", "authenticatedAt"}

func (s *session) UnmarshalJSON(b []byte) error {
	if decodeSession(s, b) {
		return nil
	}
	return s.unmarshalSlow(b)
}

// ValidatesJSON marks session as a seal.ValidatingUnmarshaler: both of its
// decoders reject invalid JSON.
func (*session) ValidatesJSON() {}

// unmarshalSlow is UnmarshalJSON with encoding/json, for every shape
// decodeSession does not read.
func (s *session) unmarshalSlow(b []byte) error {
	var p sessionFields
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if imp, ok := raw["impersonator"]; ok && p.Impersonator != nil {
		p.rawImpersonator = imp
	}
	for _, k := range sessionKeys {
		delete(raw, k)
	}
	if len(raw) > 0 {
		p.extra = raw
	}
	*s = session(p)
	return nil
}

func (s session) MarshalJSON() ([]byte, error) {
	p := sessionFields(s)
	typed, err := json.Marshal(p)
	if err != nil || (len(s.extra) == 0 && s.rawImpersonator == nil) {
		return typed, err
	}
	out := map[string]json.RawMessage{}
	if err := json.Unmarshal(typed, &out); err != nil {
		return nil, err
	}
	for k, v := range s.extra {
		if _, known := out[k]; !known && !slices.Contains(sessionKeys, k) {
			out[k] = v
		}
	}
	if s.rawImpersonator != nil && s.Impersonator != nil {
		var was Impersonator
		if json.Unmarshal(s.rawImpersonator, &was) == nil && was == *s.Impersonator {
			out["impersonator"] = s.rawImpersonator
		}
	}
	return json.Marshal(out)
}

// Load reads the request's session: the bearer token or the session cookie,
// verified, and refreshed when due. The Decision carries the Auth (nil when
// signed out) and any cookie to set or clear. Its Status is set only when a
// bearer token was rejected (401): a bad cookie means signed out, never an
// error response.
//
// The cookie is cleared only when the session is known to be over: it does
// not open, its session was signed out, or WorkOS confirmed the session
// ended. A failed or lost refresh is not proof (another instance or a Node
// app sharing the cookie may have spent the refresh token first): the
// still-valid token is served, an expired one means signed out for this
// request, and the cookie is left alone.
func (c *Client) Load(ctx context.Context, r *Request) Decision {
	var d Decision
	if !c.cfg.DisableBearer {
		if tok, ok := bearerToken(r); ok {
			if c.cfg.AcceptAPIKeys && !looksLikeJWT(tok) {
				return c.loadAPIKey(ctx, tok)
			}
			claims, err := c.verifier.VerifyShared(ctx, tok) // Auth.Claims may be shared
			if err == nil && c.store.s.Revoked(claims.SessionID) {
				err = errRevoked
			}
			c.observeVerify(ctx, observe.SourceBearer, err)
			if err != nil {
				d.Err = fmt.Errorf("%w: %w", ErrInvalidBearer, err)
				desc := bearerErrorDescription(err)
				d.header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+desc+`"`)
				d.respond(http.StatusUnauthorized, "application/json", `{"error":"invalid_token","error_description":"`+desc+`"}`)
				return d
			}
			d.Auth = authFromClaims(claims, tok, SourceBearer)
			return d
		}
	}
	s, ref, found, err := c.readSession(r)
	if !found {
		return d
	}
	if err != nil {
		d.Err = err
		c.clearSession(&d)
		c.signedOut(ctx, observe.SignOutInvalidCookie)
		return d
	}
	var claims *token.Claims
	verr := errNotRemembered
	if ref.remembered {
		// Verified when remembered, and the entry ends at the token's
		// expiry: only the claims are read again, from the token itself.
		claims, verr = token.ParseUnverified(s.AccessToken)
	}
	if verr != nil {
		// The session is remembered below, token included: the verifier
		// need not remember the token too.
		claims, verr = c.verifier.VerifyWithoutRemembering(ctx, s.AccessToken)
	}
	c.observeVerify(ctx, observe.SourceCookie, verr)
	if claims != nil && claims.Subject != s.User.ID {
		c.forget(ref)
		d.Err = fmt.Errorf("%w: token subject does not match the session's user", ErrInvalidSession)
		c.clearSession(&d)
		c.signedOut(ctx, observe.SignOutInvalidCookie)
		return d
	}
	if claims != nil && c.store.s.Revoked(claims.SessionID) {
		c.forget(ref)
		d.Err = fmt.Errorf("%w: %w", ErrInvalidSession, errRevoked)
		c.clearSession(&d)
		c.signedOut(ctx, observe.SignOutRevoked)
		return d
	}
	wait := time.Duration(0) // an unusable token waits for the refresh (bounded by ctx and the WorkOS timeout)
	switch {
	case verr == nil:
		c.rememberSession(ref, s, claims)
		if c.cfg.RefreshBuffer == 0 || c.cfg.Clock().Add(c.cfg.RefreshBuffer).Before(claims.ExpiresAt) {
			d.Auth = authFromSession(s, claims)
			return d
		}
		// Due for a proactive refresh: wait briefly, never stall.
		wait = c.cfg.RefreshWait
	case errors.Is(verr, token.ErrExpired):
		// Refresh below, in the expired token's organization.
	case errors.Is(verr, token.ErrUnknownKey):
		// Signed by a key WorkOS no longer publishes: the refresh token
		// (sealed by us) can still renew the session.
	case errors.Is(verr, token.ErrJWKSUnavailable):
		// Cannot verify right now: signed out for this request, cookie kept.
		d.Err = fmt.Errorf("%w: %w", ErrUpstream, verr)
		return d
	default:
		d.Err = fmt.Errorf("%w: %w", ErrInvalidSession, verr)
		c.clearSession(&d)
		c.signedOut(ctx, observe.SignOutInvalidCookie)
		return d
	}

	res, err := c.refresh(ctx, refreshRequest{session: s, wait: wait, ip: clientIP(r), ua: r.Header.Get("User-Agent")})
	if err == nil {
		c.forget(ref)
		if c.revokedResult(res) {
			d.Err = fmt.Errorf("%w: %w", ErrInvalidSession, errRevoked)
			c.clearSession(&d)
			c.signedOut(ctx, observe.SignOutRevoked)
			return d
		}
		c.setSession(&d, res.sealed)
		d.Auth, d.Refreshed = res.auth(), true
		return d
	}
	if errors.Is(err, errSessionEnded) {
		c.forget(ref)
		d.Err = err
		c.clearSession(&d)
		c.signedOut(ctx, observe.SignOutEnded)
		return d
	}
	if !errors.Is(err, errRefreshPending) {
		d.Err = err
	}
	if verr == nil {
		d.Auth = authFromSession(s, claims) // the current token is still valid
	}
	return d
}

// errNotRemembered stands for "not verified yet" in Load.
var errNotRemembered = errors.New("not remembered")

// errRevoked: the session was signed out (recorded in the Store).
var errRevoked = errors.New("the session was signed out")

// revokedResult reports whether a refreshed session was signed out
// meanwhile.
func (c *Client) revokedResult(res *refreshResult) bool {
	return res.claims != nil && c.store.s.Revoked(res.claims.SessionID)
}

// openSession unseals and sanity-checks a session cookie.
// Sessions are read-only once opened (they may be shared between
// requests); Auth gets its own copy of what a handler could change.
func (c *Client) openSession(sealed string) (*session, error) {
	var s session
	if err := c.unsealSession(sealed, &s); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidSession, err)
	}
	if s.AccessToken == "" || s.RefreshToken == "" || s.User.ID == "" {
		return nil, fmt.Errorf("%w: session is missing its tokens or user", ErrInvalidSession)
	}
	return &s, nil
}

// sealPasswords is the set the session cookie is sealed with: the
// configured set (its highest id), or with Config.NodeCompatible only the
// password of id "1", the only id the Node libraries open.
func (c *Client) sealPasswords() seal.Passwords {
	if c.cfg.NodeCompatible {
		return seal.Passwords{"1": c.cfg.CookiePasswords["1"]}
	}
	return c.cfg.CookiePasswords
}

// unsealSession opens a session cookie with the configured set. With
// Config.NodeCompatible, a cookie labelled "1" that the id-1 password does
// not open is tried with the set's other passwords: the Node libraries
// label every password "1", so during a rotation a Node app's cookie
// carries id 1 whichever password it holds.
func (c *Client) unsealSession(sealed string, v any) error {
	err := seal.UnsealJSON(sealed, c.cfg.CookiePasswords, v, seal.WithClock(c.cfg.Clock))
	if err == nil || !c.cfg.NodeCompatible || !errors.Is(err, seal.ErrBadMAC) || !strings.HasPrefix(sealed, "Fe26.2*1*") {
		return err
	}
	for id, pw := range c.cfg.CookiePasswords {
		if id == "1" {
			continue
		}
		if seal.UnsealJSON(sealed, seal.Passwords{"1": pw}, v, seal.WithClock(c.cfg.Clock)) == nil {
			return nil
		}
	}
	return err
}

// sealExpires reports whether an iron seal carries an expiry (its sixth
// field, empty when the seal was made with ttl 0).
func sealExpires(sealed string) bool {
	rest := sealed
	for range 5 { // skip prefix, id, salt, iv, ciphertext
		i := strings.IndexByte(rest, '*')
		if i < 0 {
			return true
		}
		rest = rest[i+1:]
	}
	i := strings.IndexByte(rest, '*')
	return i < 0 || i > 0
}

func authFromSession(s *session, claims *token.Claims) *Auth {
	a := authFromClaims(claims, s.AccessToken, SourceCookie)
	a.User = s.User
	a.User.Metadata = maps.Clone(s.User.Metadata)
	if s.Impersonator != nil {
		imp := *s.Impersonator
		a.Impersonator = &imp
	}
	a.AuthenticationMethod = s.AuthenticationMethod
	if s.AuthenticatedAt > 0 {
		a.AuthenticatedAt = time.UnixMilli(s.AuthenticatedAt)
	}
	if a.OrganizationID == "" {
		a.OrganizationID = s.OrganizationID
	}
	return a
}

// upstreamErr classifies a WorkOS failure: transient ones wrap ErrUpstream
// too, so callers keep the session.
func (c *Client) upstreamErr(kind, err error) error {
	if workos.IsTransient(err) {
		return fmt.Errorf("%w: %w: %w", kind, ErrUpstream, err)
	}
	return fmt.Errorf("%w: %w", kind, err)
}

// newSession verifies an authentication response's token and seals it.
// The user is WorkOS's, mapped as @workos-inc/node maps it; prev, the
// session being refreshed (nil at sign-in), gives the user fields the
// response lacks and the cookie fields this library does not model, so that
// a Go refresh keeps what another library wrote. A session without prev
// is a new authentication: its AuthenticatedAt is now; a refresh carries
// prev's over.
func (c *Client) newSession(ctx context.Context, resp *workos.AuthenticateResponse, prev *session) (*refreshResult, error) {
	user, err := userFromWorkOS(resp.User)
	if err != nil {
		return nil, fmt.Errorf("%w: WorkOS returned an unreadable user: %w", ErrInvalidSession, err)
	}
	s := &session{
		AccessToken:          resp.AccessToken,
		RefreshToken:         resp.RefreshToken,
		User:                 user,
		OrganizationID:       resp.OrganizationID,
		AuthenticationMethod: resp.AuthenticationMethod,
	}
	if prev != nil {
		s.User = carryUser(s.User, prev.User)
		s.extra = prev.extra
		s.AuthenticatedAt = prev.AuthenticatedAt
	} else {
		s.AuthenticatedAt = c.cfg.Clock().UnixMilli()
	}
	if resp.Impersonator != nil {
		s.Impersonator = &Impersonator{Email: resp.Impersonator.Email, Reason: resp.Impersonator.Reason}
		s.rawImpersonator = resp.Impersonator.Raw
	}
	claims, err := c.verifier.VerifyWithoutRemembering(ctx, s.AccessToken) // its cookie is remembered when it comes back
	if errors.Is(err, token.ErrJWKSUnavailable) || errors.Is(err, token.ErrUnknownKey) {
		// The token is WorkOS's own answer to our authenticated call, and
		// WorkOS has already spent the old refresh token: dropping it because
		// the key set is unreachable, or does not show a just-rotated key yet,
		// would sign the user out at the next refresh. Keep it, reading its
		// claims unverified; later requests verify it once the keys are back.
		claims, err = token.ParseUnverified(s.AccessToken)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: WorkOS returned a token that does not verify: %w", ErrInvalidSession, err)
	}
	if s.OrganizationID == "" {
		s.OrganizationID = claims.OrganizationID // as the Node SDK: the token's org_id
	}
	if claims.Subject != s.User.ID || s.RefreshToken == "" {
		return nil, fmt.Errorf("%w: WorkOS returned a token for another user or no refresh token", ErrInvalidSession)
	}
	sealed, err := seal.SealJSON(s, c.sealPasswords())
	if err != nil {
		return nil, fmt.Errorf("authkit: sealing session: %w", err)
	}
	return &refreshResult{sealed: sealed, session: s, claims: claims}, nil
}

// sessionCookie builds the session cookie with the configured attributes.
func (c *Client) sessionCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: c.cfg.CookieName, Value: value, Path: "/", Domain: c.cfg.CookieDomain,
		MaxAge: maxAge, HttpOnly: true, Secure: c.cfg.secure(), SameSite: c.cfg.CookieSameSite,
	}
}

func (c *Client) setSession(d *Decision, sealed string) {
	ck := c.sessionCookie(sealed, int(c.cfg.CookieMaxAge/time.Second))
	if n := len(ck.String()); n > maxCookieSize {
		c.cfg.Logger.Warn("authkit: session cookie is larger than browsers accept and may be dropped; reduce user metadata or custom claims", "bytes", n, "limit", maxCookieSize)
	}
	d.setCookie(ck)
}

func (c *Client) clearSession(d *Decision) {
	d.setCookie(c.sessionCookie("", -1))
}

func bearerToken(r *Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return "", false
	}
	return strings.TrimSpace(h[7:]), true
}

// bearerErrorDescription is a short, quote-free reason for WWW-Authenticate.
func bearerErrorDescription(err error) string {
	if errors.Is(err, errRevoked) {
		return "session signed out"
	}
	var te *token.Error
	if errors.As(err, &te) {
		return strings.ReplaceAll(string(te.Code), `"`, "")
	}
	return "invalid token"
}

func clientIP(r *Request) string {
	if r.RemoteAddr == "" {
		return ""
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
