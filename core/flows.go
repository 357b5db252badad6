package authkit

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/authkit-go/authkit/core/observe"
	"github.com/authkit-go/authkit/core/seal"
	"github.com/authkit-go/authkit/core/token"
	"github.com/authkit-go/authkit/core/workos"
)

const (
	stateTTL = 10 * time.Minute
	// maxFlows is how many sign-in flows (browser tabs) may be pending at
	// once; older verifier cookies are evicted.
	maxFlows = 3
	// maxVerifierCookies bounds how many verifier cookies are examined.
	maxVerifierCookies = 16
)

// Query and form parameter names the handlers read.
const (
	ParamReturnTo       = "return_to"
	ParamOrganizationID = "organization_id"
	ParamLoginHint      = "login_hint"
)

// SignInOptions customises a sign-in redirect.
type SignInOptions struct {
	// ReturnTo is the same-origin path to land on after sign-in; anything
	// else is replaced by Config.DefaultReturnTo.
	ReturnTo string
	// ScreenHint is "sign-in" (default) or "sign-up".
	ScreenHint     string
	OrganizationID string
	LoginHint      string
	DomainHint     string
	Prompt         string
	// State is opaque application state returned by Callback in
	// CallbackResult (to Config.OnSignInSuccess). Anyone can make a sign-in
	// link with any state: do not trust it.
	State string
	// MaxAge, when positive, asks WorkOS to authenticate the user again
	// when their last authentication is older (max_age, whole seconds).
	MaxAge time.Duration
	// RedirectURI, when set, replaces Config.RedirectURI for this sign-in
	// (preview deployments, several hosts): an absolute URL on a trusted
	// origin (Client.TrustedOrigin) with the callback's path, registered at
	// WorkOS. The callback completes the sign-in only on that URL.
	RedirectURI string
}

// flowOwner marks a flow state (and so a verifier cookie) as written by
// this library: the Node AuthKit libraries seal their PKCE state with the
// same password, and a state without the marker is never taken for ours.
const flowOwner = "authkit-go"

// flowState is sealed into the state parameter and the verifier cookie.
type flowState struct {
	Owner        string `json:"o"`
	Nonce        string `json:"n"`
	CodeVerifier string `json:"v"`
	ReturnTo     string `json:"r"`
	Custom       string `json:"s,omitempty"`
	RedirectURI  string `json:"u,omitempty"`
	Expires      int64  `json:"e"`
}

// SignIn answers with a redirect to the WorkOS authorization URL, with
// PKCE and a sealed state that is also set in a short-lived verifier cookie.
func (c *Client) SignIn(ctx context.Context, r *Request, o SignInOptions) Decision {
	var d Decision
	verifier := randomString(32)
	challenge := sha256.Sum256([]byte(verifier))
	st := flowState{
		Owner:        flowOwner,
		Nonce:        randomString(16),
		CodeVerifier: verifier,
		ReturnTo:     SafeReturnPath(o.ReturnTo, c.cfg.DefaultReturnTo),
		Custom:       o.State,
		RedirectURI:  o.RedirectURI,
		Expires:      c.cfg.Clock().Add(stateTTL).UnixMilli(),
	}
	state, err := seal.SealJSON(st, c.cfg.CookiePasswords, seal.WithTTL(stateTTL), seal.WithClock(c.cfg.Clock))
	if err != nil {
		d.Err = fmt.Errorf("authkit: sealing sign-in state: %w", err)
		d.respond(http.StatusInternalServerError, "text/plain; charset=utf-8", "Sign-in is unavailable.\n")
		return d
	}
	if o.RedirectURI != "" && !c.allowedRedirectURI(o.RedirectURI) {
		d.Err = fmt.Errorf("%w: redirect URI is not on a trusted origin with the callback's path", ErrInvalidParameter)
		d.respond(http.StatusBadRequest, "text/plain; charset=utf-8", "Invalid sign-in link.\n")
		return d
	}
	params := workos.AuthorizationURLParams{
		RedirectURI:    cmp.Or(o.RedirectURI, c.cfg.RedirectURI),
		State:          state,
		ScreenHint:     o.ScreenHint,
		OrganizationID: o.OrganizationID,
		LoginHint:      o.LoginHint,
		DomainHint:     o.DomainHint,
		Prompt:         o.Prompt,
		CodeChallenge:  base64.RawURLEncoding.EncodeToString(challenge[:]),
	}
	if o.MaxAge > 0 {
		secs := int(maxAgeSeconds(o.MaxAge))
		params.MaxAge = &secs
	}
	authURL, err := c.workos.AuthorizationURL(params)
	if err != nil {
		d.Err = fmt.Errorf("authkit: building authorization URL: %w", err)
		d.respond(http.StatusInternalServerError, "text/plain; charset=utf-8", "Sign-in is unavailable.\n")
		return d
	}
	c.evictVerifiers(&d, r)
	d.setCookie(c.verifierCookie(c.verifierName(state), state, int(stateTTL/time.Second)))
	d.redirect(http.StatusFound, authURL)
	return d
}

// HandleSignIn serves a sign-in route: it reads the options SignInURL
// writes from the query (return_to, login_hint, organization_id, prompt,
// screen_hint, max_age, state, domain_hint, redirect_uri). A malformed one
// answers 400.
func (c *Client) HandleSignIn(ctx context.Context, r *Request) Decision {
	return c.handleSignIn(ctx, r, "")
}

// HandleSignUp serves a sign-up route, like HandleSignIn with the sign-up
// screen.
func (c *Client) HandleSignUp(ctx context.Context, r *Request) Decision {
	return c.handleSignIn(ctx, r, "sign-up")
}

func (c *Client) handleSignIn(ctx context.Context, r *Request, screen string) Decision {
	var q url.Values
	if r.URL != nil {
		q = r.URL.Query()
	}
	o, err := c.signInOptions(q)
	if err != nil {
		var d Decision
		d.Err = err
		d.respond(http.StatusBadRequest, "text/plain; charset=utf-8", "Invalid sign-in link.\n")
		return d
	}
	if screen != "" {
		o.ScreenHint = screen
	}
	return c.SignIn(ctx, r, o)
}

// verifierCookiePrefix starts the name of every verifier cookie this
// library writes, and only those: "wos-go-verifier-". authkit-nextjs and
// @workos/authkit-session name theirs "wos-auth-verifier-<fnv1a32 hex>" (or
// "wos-auth-verifier") and evict every cookie that starts with
// "wos-auth-verifier-", so ours must not start with it either. Any prefix
// added to the cookie names (such as "__Host-") is added here, so that
// writing, finding and clearing verifier cookies agree.
func (c *Client) verifierCookiePrefix() string {
	return c.cfg.verifierPrefix() + "-"
}

// verifierName names a flow's verifier cookie after its state, so several
// tabs can sign in at once without overwriting each other.
func (c *Client) verifierName(state string) string {
	h := sha256.Sum256([]byte(state))
	return c.verifierCookiePrefix() + hex.EncodeToString(h[:8])
}

func (c *Client) verifierCookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: c.cfg.secure(), SameSite: http.SameSiteLaxMode,
	}
}

// pendingFlow is a verifier cookie of a sign-in this library started that
// can still complete.
type pendingFlow struct {
	name    string
	expires int64
}

// ownVerifiers sorts the request's verifier cookies under this library's
// prefix into flows that can still complete (newest first) and stale ones
// (expired, unreadable, or past the examined bound). A cookie that opens
// but lacks this library's marker is not ours and is in neither list: it is
// never read as a flow, rewritten or cleared.
func (c *Client) ownVerifiers(r *Request) (live []pendingFlow, stale []string) {
	cookies := r.cookiesWithPrefix(c.verifierCookiePrefix())
	names := make([]string, 0, len(cookies))
	for k := range cookies {
		names = append(names, k)
	}
	sort.Strings(names)
	now := c.cfg.Clock().UnixMilli()
	for i, name := range names {
		var st flowState
		if i >= maxVerifierCookies || seal.UnsealJSON(cookies[name], c.cfg.CookiePasswords, &st, seal.WithClock(c.cfg.Clock)) != nil {
			stale = append(stale, name)
			continue
		}
		switch {
		case st.Owner != flowOwner:
			// Not written by this library: leave it alone.
		case st.Expires < now:
			stale = append(stale, name)
		default:
			live = append(live, pendingFlow{name, st.Expires})
		}
	}
	slices.SortFunc(live, func(a, b pendingFlow) int { return cmp.Compare(b.expires, a.expires) })
	return live, stale
}

// evictVerifiers clears this library's expired, unreadable and surplus
// verifier cookies so that abandoned sign-ins cannot pile up in the
// browser: with the flow being started, at most maxFlows stay pending.
func (c *Client) evictVerifiers(d *Decision, r *Request) {
	live, stale := c.ownVerifiers(r)
	for _, name := range stale {
		d.setCookie(c.verifierCookie(name, "", -1))
	}
	for i, f := range live {
		if i >= maxFlows-1 {
			d.setCookie(c.verifierCookie(f.name, "", -1))
		}
	}
}

// clearVerifiers clears this library's verifier cookies: the stale ones,
// and with all set the pending flows too (sign-out). Cookies of other
// libraries are left alone.
func (c *Client) clearVerifiers(d *Decision, r *Request, all bool) {
	live, stale := c.ownVerifiers(r)
	for _, name := range stale {
		d.setCookie(c.verifierCookie(name, "", -1))
	}
	if all {
		for _, f := range live {
			d.setCookie(c.verifierCookie(f.name, "", -1))
		}
	}
}

// CallbackResult describes a completed sign-in, for Config.OnSignIn and
// Config.OnSignInSuccess.
type CallbackResult struct {
	Auth     *Auth
	ReturnTo string
	// State is the application state passed in SignInOptions.State (from
	// the sign-in link: anyone can write it, do not trust it).
	State string
	// Authentication is WorkOS's whole answer: the user, organization,
	// authentication method, impersonator and the tokens. Never log it.
	Authentication *workos.AuthenticateResponse
}

// Callback completes sign-in: it checks the state against the verifier
// cookie, exchanges the code with PKCE, sets the session cookie and
// redirects to the remembered path. Failures answer 400 (or 502 when WorkOS
// is unreachable) with a short message that reveals nothing internal.
func (c *Client) Callback(ctx context.Context, r *Request) Decision {
	var d Decision
	fail := func(status int, err error) Decision {
		d.Err = err
		c.observeSignIn(ctx, err, "")
		msg := "Sign-in could not be completed. Please go back and sign in again.\n"
		if status == http.StatusBadGateway {
			msg = "Sign-in is temporarily unavailable (WorkOS could not be reached). Please try again in a moment.\n"
			d.header().Set("Retry-After", "5")
		}
		d.respond(status, "text/plain; charset=utf-8", msg)
		if c.cfg.OnSignInError != nil {
			c.cfg.OnSignInError(ctx, r, &d)
		}
		return d
	}
	if e := r.query("error"); e != "" {
		return fail(http.StatusBadRequest, fmt.Errorf("%w: %.100q", ErrAuthorizationDenied, e))
	}
	code, state := r.query("code"), r.query("state")
	if code == "" || state == "" || len(state) > seal.MaxSealedLength {
		return fail(http.StatusBadRequest, ErrMissingCallbackParams)
	}
	name := c.verifierName(state)
	cookie, ok := r.cookie(name)
	if !ok || cookie == "" {
		return fail(http.StatusBadRequest, ErrMissingVerifier)
	}
	d.setCookie(c.verifierCookie(name, "", -1))
	if subtle.ConstantTimeCompare([]byte(cookie), []byte(state)) != 1 {
		return fail(http.StatusBadRequest, ErrStateMismatch)
	}
	var st flowState
	if err := seal.UnsealJSON(state, c.cfg.CookiePasswords, &st, seal.WithClock(c.cfg.Clock)); err != nil {
		return fail(http.StatusBadRequest, fmt.Errorf("%w: %w", ErrInvalidState, err))
	}
	if st.Owner != flowOwner || st.CodeVerifier == "" || c.cfg.Clock().UnixMilli() > st.Expires {
		return fail(http.StatusBadRequest, ErrInvalidState)
	}
	if st.RedirectURI != "" && !c.onRedirectURI(r, st.RedirectURI) {
		// The code was issued for another redirect URI: WorkOS's code
		// grant takes no redirect_uri, so the sealed state binds it.
		return fail(http.StatusBadRequest, fmt.Errorf("%w: the callback was not served on the sign-in's redirect URI", ErrInvalidState))
	}
	// Not held back by the refresh breaker: a person is waiting, and a
	// success closes the breaker for everyone.
	resp, err := c.workos.AuthenticateWithCode(ctx, workos.CodeParams{
		Code: code, CodeVerifier: st.CodeVerifier, IPAddress: clientIP(r), UserAgent: r.Header.Get("User-Agent"),
	})
	c.breaker.record(c.cfg.Clock(), workos.IsTransient(err), err)
	if err != nil {
		err = c.upstreamErr(ErrCodeExchange, err)
		if errors.Is(err, ErrUpstream) {
			return fail(http.StatusBadGateway, err)
		}
		return fail(http.StatusBadRequest, err)
	}
	res, err := c.newSession(ctx, resp, nil)
	if err != nil {
		if errors.Is(err, ErrUpstream) {
			return fail(http.StatusBadGateway, err)
		}
		return fail(http.StatusBadRequest, fmt.Errorf("%w: %w", ErrCodeExchange, err))
	}
	auth := res.auth()
	returnTo := SafeReturnPath(st.ReturnTo, c.cfg.DefaultReturnTo)
	result := CallbackResult{Auth: auth, ReturnTo: returnTo, State: st.Custom, Authentication: resp}
	if c.cfg.OnSignInSuccess != nil {
		to, err := c.cfg.OnSignInSuccess(ctx, r, result)
		if err != nil {
			// Nothing of the session reaches the browser; end it at WorkOS.
			c.endSession(ctx, res.claims.SessionID, c.revocationTTL(res.claims))
			return fail(http.StatusForbidden, fmt.Errorf("%w: %w", ErrSignInRejected, err))
		}
		if to != "" {
			if target, ok := c.redirectTarget(to); ok {
				returnTo = target
			} else {
				c.cfg.Logger.Warn("authkit: OnSignInSuccess returned a redirect that is neither a same-origin path nor on a trusted origin; using the return path")
			}
		}
	}
	c.setSession(&d, res.sealed)
	c.observeSignIn(ctx, nil, res.session.AuthenticationMethod)
	c.clearVerifiers(&d, r, false) // leftovers of abandoned flows; other tabs' pending flows stay
	d.Auth = auth
	if c.cfg.OnSignIn != nil {
		result.ReturnTo = returnTo
		c.cfg.OnSignIn(result)
	}
	d.redirect(http.StatusFound, returnTo)
	return d
}

// onRedirectURI reports whether the callback request was served at the
// path of the flow's redirect URI.
func (c *Client) onRedirectURI(r *Request, redirectURI string) bool {
	u, err := url.Parse(redirectURI)
	return err == nil && r.URL != nil && r.URL.Path == u.Path
}

// SignOut clears the session cookie and redirects to the WorkOS logout URL
// for the session (which ends it at WorkOS and returns to
// Config.SignOutReturnTo, or to the query's return_to: see SignOutOptions),
// or to "/" when there is no session. Only POST is
// accepted unless Config.AllowGETSignOut is set, and only from the
// application's origin (see Client.TrustedOrigin): a request from another
// origin, a sibling subdomain included, gets 403.
func (c *Client) SignOut(ctx context.Context, r *Request) Decision {
	return c.SignOutWith(ctx, r, SignOutOptions{ReturnTo: r.query(ParamReturnTo)})
}

// SignOutWith is SignOut with a per-request return URL (the adapters'
// SignOut handlers pass the return_to form field or query parameter).
func (c *Client) SignOutWith(ctx context.Context, r *Request, o SignOutOptions) Decision {
	var d Decision
	if r.Method != http.MethodPost && !(c.cfg.AllowGETSignOut && (r.Method == http.MethodGet || r.Method == http.MethodHead)) {
		d.Err = ErrMethodNotAllowed
		d.header().Set("Allow", http.MethodPost)
		d.respond(http.StatusMethodNotAllowed, "text/plain; charset=utf-8", "Sign out with a POST request.\n")
		return d
	}
	if err := c.sameOrigin(r); err != nil {
		d.Err = fmt.Errorf("%w: %w", ErrCrossSite, err)
		d.respond(http.StatusForbidden, "text/plain; charset=utf-8", "Cross-origin sign-out refused.\n")
		return d
	}
	sid, ttl := "", time.Duration(0)
	if s, ref, found, err := c.readSession(r); found {
		c.forget(ref)
		// The sealed cookie is ours (or a Node library's with our password),
		// so its token names the session even when it has expired or its key
		// is unreachable: no verification, no JWKS fetch, to end it at WorkOS.
		if err == nil {
			if claims, err := token.ParseUnverified(s.AccessToken); err == nil && claims.Subject == s.User.ID {
				sid, ttl = claims.SessionID, c.revocationTTL(claims)
			}
		}
		c.clearSession(&d)
		c.signedOut(ctx, observe.SignOutUser)
	}
	c.clearVerifiers(&d, r, true)
	returnTo := c.signOutReturnTo(o.ReturnTo)
	if sid == "" {
		if o.ReturnTo == "" {
			returnTo = "/"
		}
		d.redirect(http.StatusSeeOther, returnTo)
		return d
	}
	c.endSession(ctx, sid, ttl)
	d.redirect(http.StatusSeeOther, c.workos.LogoutURL(sid, returnTo))
	return d
}

// revokeTimeout bounds the server-side revocation at sign-out; the logout
// redirect ends the session at WorkOS too, if the browser follows it.
const revokeTimeout = 3 * time.Second

// revocationTTL is how long a signed-out session is refused: past the
// expiry of its newest possible access token.
func (c *Client) revocationTTL(claims *token.Claims) time.Duration {
	lifetime := 10 * time.Minute
	if !claims.IssuedAt.IsZero() && claims.ExpiresAt.After(claims.IssuedAt) {
		lifetime = max(lifetime, 2*claims.ExpiresAt.Sub(claims.IssuedAt))
	}
	return max(claims.ExpiresAt.Sub(c.cfg.Clock()), 0) + lifetime
}

// endSession records the session as signed out (in the Store, so every
// instance refuses copies of its cookie) and revokes it at WorkOS from the
// server, unless WorkOS is known to be failing.
func (c *Client) endSession(ctx context.Context, sid string, ttl time.Duration) {
	c.store.revoke(sid, ttl)
	if !c.breaker.allow(c.cfg.Clock()) {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), min(revokeTimeout, c.workos.Timeout()))
	defer cancel()
	err := c.workos.RevokeSession(rctx, sid)
	c.breaker.record(c.cfg.Clock(), workos.IsTransient(err), err)
	if err != nil {
		c.cfg.Logger.Warn("authkit: revoking the session at WorkOS failed; the logout redirect ends it too", "err", err)
	}
}

// SwitchOrganization refreshes the session into organizationID and
// redirects to returnTo (a same-origin path, default "/"). Like SignOut, it
// accepts only POST, from the application's origin. When the
// organization requires SSO or MFA enrollment it redirects to sign-in for
// that organization instead.
func (c *Client) SwitchOrganization(ctx context.Context, r *Request, organizationID, returnTo string) Decision {
	var d Decision
	api := c.cfg.IsAPIRequest(r)
	fail := func(status int, err error, msg string) Decision {
		d.Err = err
		if api {
			b, _ := json.Marshal(map[string]string{"error": msg})
			d.respond(status, "application/json", string(b))
		} else {
			d.respond(status, "text/plain; charset=utf-8", msg+"\n")
		}
		return d
	}
	if r.Method != http.MethodPost {
		d.header().Set("Allow", http.MethodPost)
		return fail(http.StatusMethodNotAllowed, ErrMethodNotAllowed, "Switch organization with a POST request.")
	}
	if err := c.sameOrigin(r); err != nil {
		return fail(http.StatusForbidden, fmt.Errorf("%w: %w", ErrCrossSite, err), "Cross-origin request refused.")
	}
	if organizationID == "" || len(organizationID) > 256 {
		return fail(http.StatusBadRequest, fmt.Errorf("%w: organization_id is required", ErrOrganizationSwitch), "organization_id is required.")
	}
	s, ref, found, err := c.readSession(r)
	if !found || err != nil {
		if found {
			c.clearSession(&d)
			c.signedOut(ctx, observe.SignOutInvalidCookie)
		}
		return c.signInAgain(ctx, r, d, returnTo)
	}
	res, err := c.refresh(ctx, refreshRequest{session: s, org: organizationID, ip: clientIP(r), ua: r.Header.Get("User-Agent")})
	if err == nil && c.revokedResult(res) {
		err = fmt.Errorf("%w: %w", errSessionEnded, errRevoked)
	}
	if err == nil {
		c.forget(ref)
		c.setSession(&d, res.sealed)
		d.Auth = res.auth()
		d.redirect(http.StatusSeeOther, SafeReturnPath(returnTo, "/"))
		return d
	}
	var apiErr *workos.APIError
	switch {
	case errors.Is(err, errSessionEnded):
		c.clearSession(&d)
		c.signedOut(ctx, endedCause(err))
		d.Err = err
		return c.signInAgain(ctx, r, d, returnTo)
	case errors.Is(err, ErrUpstream):
		d.header().Set("Retry-After", "5")
		return fail(http.StatusBadGateway, err, "WorkOS is unavailable; please try again.")
	case errors.As(err, &apiErr) && (apiErr.Code == workos.CodeSSORequired || apiErr.Code == workos.CodeMFAEnrollment):
		sd := c.SignIn(ctx, r, SignInOptions{OrganizationID: organizationID, ReturnTo: returnTo})
		sd.Err = fmt.Errorf("%w: %w", ErrOrganizationSwitch, err)
		return sd
	case workos.IsInvalidGrant(err) || errors.Is(err, ErrRefreshFailed) && apiErr == nil:
		// The refresh token was spent elsewhere (another instance, a Node
		// app): the browser holds or is about to get the newer cookie.
		return fail(http.StatusConflict, fmt.Errorf("%w: %w", ErrOrganizationSwitch, err), "Your session changed while switching organization; please try again.")
	default:
		return fail(http.StatusForbidden, fmt.Errorf("%w: %w", ErrOrganizationSwitch, err), "You cannot switch to that organization.")
	}
}

// Requirement is a condition a session must meet, checked by Require.
type Requirement struct {
	role, permission string
	// recent is RequireRecentAuth's maximum age (0: none).
	recent time.Duration
}

// RequireRole requires role (the session's role or one of its roles).
func RequireRole(role string) Requirement { return Requirement{role: role} }

// RequirePermission requires permission in the access token.
func RequirePermission(permission string) Requirement { return Requirement{permission: permission} }

func (q Requirement) met(a *Auth) bool {
	return (q.role == "" || a.HasRole(q.role)) && (q.permission == "" || a.HasPermission(q.permission))
}

func (q Requirement) String() string {
	if q.recent > 0 {
		return "authentication within " + q.recent.String()
	}
	if q.role != "" {
		return "role " + q.role
	}
	return "permission " + q.permission
}

// Require guards a route: with no session it redirects browsers (GET/HEAD)
// to sign-in, remembering the path and query, and answers API requests
// (Config.IsAPIRequest) and other methods with 401 and WWW-Authenticate.
// A session that misses a requirement gets 403. A nil-Status Decision
// means go on.
func (c *Client) Require(ctx context.Context, r *Request, auth *Auth, reqs ...Requirement) Decision {
	var d Decision
	if auth == nil {
		return c.unauthenticated(ctx, r, d, "")
	}
	d.Auth = auth
	for _, q := range reqs {
		if q.recent > 0 {
			if !c.recentlyAuthenticated(auth, q.recent) {
				return c.reauthenticate(ctx, r, auth, q.recent)
			}
			continue
		}
		if !q.met(auth) {
			d.Err = fmt.Errorf("%w: missing %s", ErrForbidden, q)
			if c.cfg.IsAPIRequest(r) {
				d.respond(http.StatusForbidden, "application/json", `{"error":"forbidden"}`)
			} else {
				d.respond(http.StatusForbidden, "text/plain; charset=utf-8", "You do not have access to this page.\n")
			}
			return d
		}
	}
	return d
}

// signInAgain answers a POST from a page (organization switch) whose
// session is missing or was ended: browsers are sent to sign in again with
// a 303 (a form submission must not get a bare 401 JSON body), API requests
// get 401. d's cookies are kept.
func (c *Client) signInAgain(ctx context.Context, r *Request, d Decision, returnTo string) Decision {
	if c.cfg.IsAPIRequest(r) {
		return c.unauthenticated(ctx, r, d, returnTo)
	}
	if d.Err == nil {
		d.Err = ErrUnauthenticated
	}
	sd := c.SignIn(ctx, r, SignInOptions{ReturnTo: returnTo})
	if sd.Status == http.StatusFound {
		sd.Status = http.StatusSeeOther
	}
	for _, ck := range d.Cookies {
		sd.setCookie(ck)
	}
	if sd.Err == nil {
		sd.Err = d.Err
	}
	return sd
}

// unauthenticated answers a request that needs a session and has none,
// keeping any cookies d already carries.
func (c *Client) unauthenticated(ctx context.Context, r *Request, d Decision, returnTo string) Decision {
	if d.Err == nil {
		d.Err = ErrUnauthenticated
	}
	if !c.cfg.IsAPIRequest(r) && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		if returnTo == "" && r.URL != nil {
			returnTo = r.URL.RequestURI()
		}
		sd := c.SignIn(ctx, r, SignInOptions{ReturnTo: returnTo})
		for _, ck := range d.Cookies {
			sd.setCookie(ck)
		}
		sd.Err = d.Err
		return sd
	}
	d.header().Set("WWW-Authenticate", `Bearer realm="authkit"`)
	d.respond(http.StatusUnauthorized, "application/json", `{"error":"unauthorized"}`)
	return d
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// PathMatches reports whether path matches one of patterns: exact, or a
// prefix when the pattern ends in "/*" ("/public/*" matches "/public/a").
func PathMatches(path string, patterns ...string) bool {
	for _, p := range patterns {
		if prefix, ok := strings.CutSuffix(p, "*"); ok {
			if strings.HasPrefix(path, prefix) {
				return true
			}
		} else if path == p {
			return true
		}
	}
	return false
}
