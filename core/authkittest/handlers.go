package authkittest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// approvePath is the emulator-internal target of the sign-in page's buttons.
const approvePath = "/_emulator/authorize/approve"

func (e *Emulator) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /user_management/authorize", e.handleAuthorize)
	mux.HandleFunc("POST "+approvePath, e.handleApprove)
	mux.HandleFunc("POST /user_management/authenticate", e.handleAuthenticate)
	mux.HandleFunc("GET /sso/jwks/{clientId}", e.handleJWKS)
	mux.HandleFunc("GET /user_management/sessions/logout", e.handleLogout)
	mux.HandleFunc("POST /user_management/sessions/revoke", e.handleRevokeSession)
	mux.HandleFunc("GET /user_management/users/{id}/sessions", e.handleListSessions)
	mux.HandleFunc("POST /user_management/magic_auth", e.handleCreateMagicAuth)
	mux.HandleFunc("GET /user_management/magic_auth/{id}", e.handleGetMagicAuth)
	mux.HandleFunc("GET /user_management/email_verification/{id}", e.handleGetEmailVerification)
	mux.HandleFunc("GET /organizations/{id}", e.handleGetOrganization)
	mux.HandleFunc("GET /user_management/organization_memberships", e.handleListMemberships)
	mux.HandleFunc("POST /organizations/{id}/api_keys", e.handleCreateOrgAPIKey)
	mux.HandleFunc("GET /organizations/{id}/api_keys", e.handleListOrgAPIKeys)
	mux.HandleFunc("POST /user_management/users/{id}/api_keys", e.handleCreateUserAPIKey)
	mux.HandleFunc("GET /user_management/users/{id}/api_keys", e.handleListUserAPIKeys)
	mux.HandleFunc("DELETE /api_keys/{id}", e.handleDeleteAPIKey)
	mux.HandleFunc("POST /api_keys/validations", e.handleValidateAPIKey)
	// Pages without a <link rel="icon"> (the signed-out page, JSON viewed
	// in a browser) make the browser ask for /favicon.ico: no 404 in its
	// console.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		_, _ = io.WriteString(w, faviconSVG)
	})
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not found"})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSONCached(w, status, v)
}

// writeJSONCached writes v with whatever Cache-Control w already has (none
// unless set).
func writeJSONCached(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// oauthError writes {"error": code, "error_description": desc}.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// hit counts a request to ep and applies a queued fault. It reports whether
// the fault answered the request (the handler must then return).
func (e *Emulator) hit(w http.ResponseWriter, r *http.Request, ep Endpoint) bool {
	e.mu.Lock()
	e.counts[ep]++
	var f *Fault
	if q := e.faults[ep]; len(q) > 0 {
		f = &q[0]
		e.faults[ep] = q[1:]
	}
	e.mu.Unlock()
	if f == nil {
		return false
	}
	e.log.Debug("authkittest: injecting fault", "endpoint", string(ep), "status", f.Status, "delay", f.Delay)
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return true
		case <-e.closed:
			return true
		}
	}
	if f.Status == 0 {
		return false
	}
	for k, vs := range f.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(f.Status)
	_, _ = io.WriteString(w, f.Body)
	return true
}

func validAbsURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// handleAuthorize validates the authorization request, then either shows
// the sign-in page or (auto-approve) redirects with a code.
func (e *Emulator) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	if e.hit(w, r, EndpointAuthorize) {
		return
	}
	q := r.URL.Query()
	bad := func(msg string) {
		e.log.Debug("authkittest: authorize rejected", "reason", msg)
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": msg})
	}
	if q.Get("client_id") != e.clientID {
		bad("Invalid client ID.")
		return
	}
	redirectURI := q.Get("redirect_uri")
	if !validAbsURL(redirectURI) {
		bad("redirect_uri must be an absolute http(s) URL.")
		return
	}
	if q.Get("response_type") != "code" {
		bad("response_type must be 'code'.")
		return
	}
	if p := q.Get("provider"); p != "" && p != "authkit" {
		bad("Only provider=authkit is emulated.")
		return
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if challenge == "" && method != "" {
		bad("code_challenge_method without code_challenge.")
		return
	}
	if challenge != "" && method != "S256" {
		bad("code_challenge_method must be S256.")
		return
	}
	hint := q.Get("screen_hint")
	if hint != "" && hint != "sign-in" && hint != "sign-up" {
		bad("screen_hint must be sign-in or sign-up.")
		return
	}
	orgID := q.Get("organization_id")
	e.mu.Lock()
	if orgID != "" {
		if _, ok := e.orgLocked(orgID); !ok {
			e.mu.Unlock()
			bad("Organization not found.")
			return
		}
	}
	p := &pendingAuth{
		redirectURI: redirectURI,
		state:       q.Get("state"),
		challenge:   challenge,
		orgID:       orgID,
		screenHint:  hint,
		loginHint:   q.Get("login_hint"),
		expires:     e.clock().Add(CodeTTL),
	}
	auto := e.autoApprove
	if auto != "" {
		if _, ok := e.userByEmailLocked(p.loginHint); ok {
			auto = p.loginHint
		}
		u, ok := e.userByEmailLocked(auto)
		if !ok {
			e.mu.Unlock()
			bad("Auto-approve user is not seeded.")
			return
		}
		loc := e.issueCodeLocked(p, u)
		e.mu.Unlock()
		e.log.Debug("authkittest: authorize auto-approved", "user", u.ID)
		http.Redirect(w, r, loc, http.StatusFound)
		return
	}
	e.gcLocked()
	reqID := newSecret(18)
	e.pending[reqID] = p
	users := make([]User, 0, len(e.users))
	for _, u := range e.users {
		users = append(users, copyUser(u))
	}
	e.mu.Unlock()
	e.renderSignIn(w, reqID, p, users)
}

// issueCodeLocked stores a code for u and returns the redirect location.
func (e *Emulator) issueCodeLocked(p *pendingAuth, u User) string {
	orgID := ""
	if p.orgID != "" {
		if _, ok := u.membership(p.orgID); ok {
			orgID = p.orgID
		}
	}
	if orgID == "" && len(u.Memberships) > 0 {
		orgID = u.Memberships[0].OrganizationID
	}
	code := newSecret(24)
	e.codes[code] = &codeGrant{
		userID:      u.ID,
		orgID:       orgID,
		challenge:   p.challenge,
		redirectURI: p.redirectURI,
		expires:     e.clock().Add(CodeTTL),
	}
	ru, _ := url.Parse(p.redirectURI)
	rq := ru.Query()
	rq.Set("code", code)
	if p.state != "" {
		rq.Set("state", p.state)
	}
	ru.RawQuery = rq.Encode()
	return ru.String()
}

// gcLocked drops expired pending requests and codes.
func (e *Emulator) gcLocked() {
	now := e.clock()
	for k, p := range e.pending {
		if now.After(p.expires) {
			delete(e.pending, k)
		}
	}
	for k, c := range e.codes {
		if now.After(c.expires) {
			delete(e.codes, k)
		}
	}
}

// handleApprove is the sign-in page's form target.
func (e *Emulator) handleApprove(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	reqID, email := r.PostForm.Get("request"), r.PostForm.Get("email")
	e.mu.Lock()
	p, ok := e.pending[reqID]
	if !ok || e.clock().After(p.expires) {
		delete(e.pending, reqID)
		e.mu.Unlock()
		http.Error(w, "This sign-in request expired or was already used. Start again from the application.", http.StatusBadRequest)
		return
	}
	u, ok := e.userByEmailLocked(email)
	if !ok {
		e.mu.Unlock()
		http.Error(w, "Unknown user.", http.StatusBadRequest)
		return
	}
	delete(e.pending, reqID)
	loc := e.issueCodeLocked(p, u)
	e.mu.Unlock()
	e.log.Debug("authkittest: sign-in approved", "user", u.ID)
	http.Redirect(w, r, loc, http.StatusFound)
}

// authRequest is the union of the authenticate request fields we use.
type authRequest struct {
	GrantType      string `json:"grant_type"`
	ClientID       string `json:"client_id"`
	ClientSecret   string `json:"client_secret"`
	Code           string `json:"code"`
	CodeVerifier   string `json:"code_verifier"`
	RefreshToken   string `json:"refresh_token"`
	OrganizationID string `json:"organization_id"`
	IPAddress      string `json:"ip_address"`
	UserAgent      string `json:"user_agent"`
	// The password, magic auth and email verification grants.
	Email        string `json:"email"`
	Password     string `json:"password"`
	PendingToken string `json:"pending_authentication_token"`
}

func parseAuthRequest(r *http.Request) (authRequest, bool) {
	var a authRequest
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/x-www-form-urlencoded" {
		if err := r.ParseForm(); err != nil {
			return a, false
		}
		f := r.PostForm
		a = authRequest{
			GrantType: f.Get("grant_type"), ClientID: f.Get("client_id"), ClientSecret: f.Get("client_secret"),
			Code: f.Get("code"), CodeVerifier: f.Get("code_verifier"), RefreshToken: f.Get("refresh_token"),
			OrganizationID: f.Get("organization_id"), IPAddress: f.Get("ip_address"), UserAgent: f.Get("user_agent"),
			Email: f.Get("email"), Password: f.Get("password"), PendingToken: f.Get("pending_authentication_token"),
		}
		return a, true
	}
	return a, json.NewDecoder(r.Body).Decode(&a) == nil
}

func (e *Emulator) handleAuthenticate(w http.ResponseWriter, r *http.Request) {
	if e.hit(w, r, EndpointAuthenticate) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	a, ok := parseAuthRequest(r)
	if !ok {
		oauthError(w, http.StatusBadRequest, "invalid_request", "The request body could not be parsed.")
		return
	}
	switch a.GrantType {
	case "authorization_code":
		if e.hit(w, r, EndpointCodeGrant) {
			return
		}
		e.codeGrant(w, r, a)
	case "refresh_token":
		if e.hit(w, r, EndpointRefresh) {
			return
		}
		e.refreshGrant(w, r, a)
	case grantPassword:
		if e.hit(w, r, EndpointPasswordGrant) {
			return
		}
		e.passwordGrant(w, r, a)
	case grantMagicAuth:
		if e.hit(w, r, EndpointMagicAuthGrant) {
			return
		}
		e.magicAuthGrant(w, r, a)
	case grantEmailVerification:
		if e.hit(w, r, EndpointEmailVerificationGrant) {
			return
		}
		e.emailVerificationGrant(w, r, a)
	default:
		oauthError(w, http.StatusBadRequest, "invalid_request", "Unsupported grant_type.")
	}
}

func (e *Emulator) clientOK(a authRequest, publicAllowed bool) bool {
	if a.ClientID != e.clientID {
		return false
	}
	if a.ClientSecret == "" {
		return publicAllowed
	}
	return subtle.ConstantTimeCompare([]byte(a.ClientSecret), []byte(e.apiKey)) == 1
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (e *Emulator) codeGrant(w http.ResponseWriter, r *http.Request, a authRequest) {
	if a.Code == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "code is required.")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	c, found := e.codes[a.Code]
	// A public client (no client_secret) may exchange a PKCE code. With a
	// known client ID and a code that is unknown or already spent, the grant
	// is what is wrong: invalid_grant (RFC 6749 5.2), as WorkOS answers.
	if !e.clientOK(a, !found || c.challenge != "") {
		oauthError(w, http.StatusBadRequest, "invalid_client", "Invalid client ID or client secret.")
		return
	}
	if !found {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "The code is invalid, expired or has already been used.")
		return
	}
	delete(e.codes, a.Code) // single use, even when the exchange fails
	if e.clock().After(c.expires) {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "The code is invalid, expired or has already been used.")
		return
	}
	if c.challenge != "" {
		if a.CodeVerifier == "" || subtle.ConstantTimeCompare([]byte(s256(a.CodeVerifier)), []byte(c.challenge)) != 1 {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "The code_verifier does not match the code_challenge.")
			return
		}
	}
	u, ok := e.userByIDLocked(c.userID)
	if !ok {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "The user no longer exists.")
		return
	}
	now := e.clock()
	e.sessionSeq++
	s := &session{
		id: newID("session_"), seq: e.sessionSeq, userID: u.ID, orgID: c.orgID,
		public:     c.challenge != "" && a.ClientSecret == "",
		authMethod: "password", ipAddress: a.IPAddress, userAgent: a.UserAgent,
		created: now, updated: now,
	}
	if u.Impersonator != nil {
		s.authMethod = "impersonation"
	}
	e.sessions[s.id] = s
	e.respondSessionLocked(w, r, s, u)
}

func (e *Emulator) refreshGrant(w http.ResponseWriter, r *http.Request, a authRequest) {
	if a.RefreshToken == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "refresh_token is required.")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	rt, found := e.refresh[a.RefreshToken]
	var s *session
	if found {
		s = e.sessions[rt.sessionID]
	}
	// As for codes: an unknown refresh token from a public client is
	// invalid_grant; a confidential session's token needs the secret.
	if !e.clientOK(a, s == nil || s.public) {
		oauthError(w, http.StatusBadRequest, "invalid_client", "Invalid client ID or client secret.")
		return
	}
	if !found || rt.used || s == nil || s.revoked {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Session has already ended.")
		return
	}
	u, ok := e.userByIDLocked(s.userID)
	if !ok {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Session has already ended.")
		return
	}
	if a.OrganizationID != "" && a.OrganizationID != s.orgID {
		if _, ok := e.orgLocked(a.OrganizationID); !ok {
			oauthError(w, http.StatusBadRequest, "organization_not_found", "The request failed due to: organization_not_found.")
			return
		}
		if _, ok := u.membership(a.OrganizationID); !ok {
			oauthError(w, http.StatusBadRequest, "organization_membership_not_found", "The request failed due to: organization_membership_not_found.")
			return
		}
		s.orgID = a.OrganizationID
	}
	rt.used = true
	e.respondSessionLocked(w, r, s, u)
}

// wireUser is UserlandUser as WorkOS serialises it (nullable fields).
type wireUser struct {
	Object            string            `json:"object"`
	ID                string            `json:"id"`
	FirstName         *string           `json:"first_name"`
	LastName          *string           `json:"last_name"`
	ProfilePictureURL *string           `json:"profile_picture_url"`
	Email             string            `json:"email"`
	EmailVerified     bool              `json:"email_verified"`
	Name              *string           `json:"name"`
	ExternalID        *string           `json:"external_id"`
	Metadata          map[string]string `json:"metadata"`
	LastSignInAt      *string           `json:"last_sign_in_at"`
	Locale            *string           `json:"locale"`
	CreatedAt         string            `json:"created_at"`
	UpdatedAt         string            `json:"updated_at"`
}

type wireImpersonator struct {
	Email  string  `json:"email"`
	Reason *string `json:"reason"`
}

// wireAuthResponse is UserlandAuthenticateResponse.
type wireAuthResponse struct {
	User                 wireUser          `json:"user"`
	OrganizationID       string            `json:"organization_id,omitempty"`
	AccessToken          string            `json:"access_token"`
	RefreshToken         string            `json:"refresh_token"`
	AuthenticationMethod string            `json:"authentication_method"`
	Impersonator         *wireImpersonator `json:"impersonator,omitempty"`
}

// metadataOf is the user's metadata as WorkOS returns it: {} when empty.
func metadataOf(u User) map[string]string {
	if len(u.Metadata) == 0 {
		return map[string]string{}
	}
	return maps.Clone(u.Metadata)
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// seedTime is the fixed created_at of seeded users.
const seedTime = "2024-01-01T00:00:00.000Z"

func (e *Emulator) respondSessionLocked(w http.ResponseWriter, r *http.Request, s *session, u User) {
	tok, err := e.mintLocked(e.publicBaseLocked(r), TokenParams{UserID: u.ID, SessionID: s.id, OrganizationID: s.orgID})
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"message": "could not sign token"})
		return
	}
	rtok := newSecret(24)
	e.refresh[rtok] = &refreshEntry{sessionID: s.id}
	now := e.clock().UTC().Format("2006-01-02T15:04:05.000Z")
	resp := wireAuthResponse{
		User: wireUser{
			Object: "user", ID: u.ID, Email: u.Email, EmailVerified: true,
			FirstName: nullable(u.FirstName), LastName: nullable(u.LastName),
			Name:              nullable(strings.TrimSpace(u.FirstName + " " + u.LastName)),
			ProfilePictureURL: nullable(u.ProfilePictureURL), Metadata: metadataOf(u),
			ExternalID: nullable(u.ExternalID), Locale: nullable(u.Locale),
			LastSignInAt: &now, CreatedAt: seedTime, UpdatedAt: seedTime,
		},
		OrganizationID:       s.orgID,
		AccessToken:          tok,
		RefreshToken:         rtok,
		AuthenticationMethod: authenticationMethod(s.authMethod),
	}
	if u.Impersonator != nil {
		resp.AuthenticationMethod = "Impersonation"
		resp.Impersonator = &wireImpersonator{Email: u.Impersonator.Email, Reason: nullable(u.Impersonator.Reason)}
	}
	e.log.Debug("authkittest: session issued", "user", u.ID, "session", s.id, "org", s.orgID)
	writeJSON(w, http.StatusOK, resp)
}

// publicBaseLocked is publicBase for callers holding e.mu.
func (e *Emulator) publicBaseLocked(r *http.Request) string {
	if e.url != "" {
		return e.url
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (e *Emulator) handleJWKS(w http.ResponseWriter, r *http.Request) {
	if e.hit(w, r, EndpointJWKS) {
		return
	}
	if r.PathValue("clientId") != e.clientID {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Client not found: '" + r.PathValue("clientId") + "'."})
		return
	}
	e.mu.Lock()
	k := e.key.public()
	e.mu.Unlock()
	if e.jwksCache != "" {
		w.Header().Set("Cache-Control", e.jwksCache)
	}
	writeJSONCached(w, http.StatusOK, map[string]any{"keys": []jwksKey{k}})
}

func (e *Emulator) handleLogout(w http.ResponseWriter, r *http.Request) {
	if e.hit(w, r, EndpointLogout) {
		return
	}
	q := r.URL.Query()
	sid, returnTo := q.Get("session_id"), q.Get("return_to")
	if sid == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "session_id is required."})
		return
	}
	if returnTo != "" && !validAbsURL(returnTo) {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "return_to must be an absolute http(s) URL."})
		return
	}
	e.mu.Lock()
	if s, ok := e.sessions[sid]; ok {
		e.revokeLocked(s)
	}
	e.mu.Unlock()
	e.log.Debug("authkittest: session logged out", "session", sid)
	if returnTo == "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<!doctype html><title>Signed out</title><link rel=\"icon\" href=\"/favicon.ico\"><p>You have been signed out.</p>")
		return
	}
	http.Redirect(w, r, returnTo, http.StatusFound)
}
