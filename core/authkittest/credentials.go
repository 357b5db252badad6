package authkittest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"
)

// DefaultPassword is the password of every seeded user until SetPassword
// changes it: the password grant signs admin@example.com in with
// ("admin@example.com", "password").
const DefaultPassword = "password"

// MagicAuthTTL is how long a magic auth code stays valid (WorkOS: 10
// minutes).
const MagicAuthTTL = 10 * time.Minute

// EmailVerificationTTL is how long an email verification code and the
// pending authentication token that goes with it stay valid.
const EmailVerificationTTL = 10 * time.Minute

// Grant types of the sign-ins in this file.
const (
	grantPassword          = "password"
	grantMagicAuth         = "urn:workos:oauth:grant-type:magic-auth:code"
	grantEmailVerification = "urn:workos:oauth:grant-type:email-verification:code"
)

// credentials is the emulator's state for the password, magic auth and
// email verification sign-ins (guarded by Emulator.mu).
type credentials struct {
	// passwords overrides DefaultPassword per user ID; "" refuses every
	// password.
	passwords map[string]string
	// unverified holds the IDs of users whose email is not verified.
	unverified map[string]bool
	magic      map[string]*magicAuth         // by ID
	verify     map[string]*emailVerification // by ID
	pending    map[string]*pendingVerify     // by pending authentication token
}

func newCredentials() credentials {
	return credentials{
		passwords:  map[string]string{},
		unverified: map[string]bool{},
		magic:      map[string]*magicAuth{},
		verify:     map[string]*emailVerification{},
		pending:    map[string]*pendingVerify{},
	}
}

type magicAuth struct {
	id, userID, email, code string
	created, expires        time.Time
	used                    bool
}

type emailVerification struct {
	id, userID, email, code string
	created, expires        time.Time
}

// pendingVerify is a sign-in waiting for the user's email verification.
type pendingVerify struct {
	userID, verificationID, authMethod string
	expires                            time.Time
}

// SetPassword sets the password of the seeded user with this email; ""
// makes every password grant for the user fail with invalid_credentials.
func (e *Emulator) SetPassword(email, password string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, ok := e.userByEmailLocked(email)
	if !ok {
		return fmt.Errorf("authkittest: SetPassword: no seeded user %q", email)
	}
	e.creds.passwords[u.ID] = password
	return nil
}

// SetEmailVerified marks the email of a seeded user verified (the default)
// or not. A user whose email is not verified gets a 403
// email_verification_required (with a pending_authentication_token and an
// email_verification_id, see EmailVerificationCode) from the password
// grant; the email verification grant or a magic auth sign-in verifies it.
func (e *Emulator) SetEmailVerified(email string, verified bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, ok := e.userByEmailLocked(email)
	if !ok {
		return fmt.Errorf("authkittest: SetEmailVerified: no seeded user %q", email)
	}
	if verified {
		delete(e.creds.unverified, u.ID)
	} else {
		e.creds.unverified[u.ID] = true
	}
	return nil
}

// EmailVerified reports whether the seeded user's email is verified.
func (e *Emulator) EmailVerified(email string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, ok := e.userByEmailLocked(email)
	return ok && !e.creds.unverified[u.ID]
}

// CreateMagicAuth creates a magic auth code for the seeded user with this
// email, as POST /user_management/magic_auth does (WorkOS would email it),
// and returns the code.
func (e *Emulator) CreateMagicAuth(email string) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	m, err := e.createMagicAuthLocked(email)
	if err != nil {
		return "", err
	}
	return m.code, nil
}

// EmailVerificationCode returns the code of the newest email verification
// of the seeded user with this email that is still valid (what WorkOS
// would have emailed after a sign-in refused with
// email_verification_required).
func (e *Emulator) EmailVerificationCode(email string) (string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, ok := e.userByEmailLocked(email)
	if !ok {
		return "", false
	}
	var best *emailVerification
	now := e.clock()
	for _, v := range e.creds.verify {
		if v.userID == u.ID && now.Before(v.expires) && (best == nil || v.created.After(best.created)) {
			best = v
		}
	}
	if best == nil {
		return "", false
	}
	return best.code, true
}

var errSignUpNotAllowed = errors.New("authkittest: no seeded user with this email (the emulator does not sign users up)")

func (e *Emulator) createMagicAuthLocked(email string) (*magicAuth, error) {
	u, ok := e.userByEmailLocked(email)
	if !ok {
		return nil, errSignUpNotAllowed
	}
	now := e.clock()
	m := &magicAuth{id: newID("magic_auth_"), userID: u.ID, email: u.Email, code: oneTimeCode(), created: now, expires: now.Add(MagicAuthTTL)}
	e.creds.magic[m.id] = m
	return m, nil
}

// oneTimeCode returns a random 6-digit code.
func oneTimeCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic("authkittest: crypto/rand: " + err.Error())
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// codeError writes {"code": code, "message": msg}, the shape of the
// password and one-time-code errors.
func codeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]string{"code": code, "message": msg})
}

func secretEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// startSessionLocked creates a session for u in its first organization (as
// the code grant does without organization_id) and answers with it.
func (e *Emulator) startSessionLocked(w http.ResponseWriter, r *http.Request, u User, authMethod string, a authRequest) {
	orgID := ""
	if len(u.Memberships) > 0 {
		orgID = u.Memberships[0].OrganizationID
	}
	now := e.clock()
	e.sessionSeq++
	s := &session{
		id: newID("session_"), seq: e.sessionSeq, userID: u.ID, orgID: orgID,
		authMethod: authMethod, ipAddress: a.IPAddress, userAgent: a.UserAgent,
		created: now, updated: now,
	}
	if u.Impersonator != nil {
		s.authMethod = "impersonation"
	}
	e.sessions[s.id] = s
	e.respondSessionLocked(w, r, s, u)
}

// authenticationMethod is the response's authentication_method for a
// session's auth_method.
func authenticationMethod(sessionMethod string) string {
	switch sessionMethod {
	case "magic_code":
		return "MagicAuth"
	case "impersonation":
		return "Impersonation"
	default:
		return "Password"
	}
}

// passwordGrant is grant_type=password. A wrong password and an unknown
// email get the same 400 invalid_credentials.
func (e *Emulator) passwordGrant(w http.ResponseWriter, r *http.Request, a authRequest) {
	if !e.clientOK(a, false) {
		oauthError(w, http.StatusBadRequest, "invalid_client", "Invalid client ID or client secret.")
		return
	}
	if a.Email == "" || a.Password == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "email and password are required.")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	u, found := e.userByEmailLocked(a.Email)
	want, set := DefaultPassword, false
	if found {
		want, set = e.creds.passwords[u.ID]
		if !set {
			want = DefaultPassword
		}
	}
	if !secretEqual(a.Password, want) || !found || want == "" {
		codeError(w, http.StatusBadRequest, "invalid_credentials", "Invalid credentials.")
		return
	}
	if e.creds.unverified[u.ID] {
		e.requireVerificationLocked(w, u, "password")
		return
	}
	e.startSessionLocked(w, r, u, "password", a)
}

// requireVerificationLocked emails (stores) a verification code and
// answers 403 email_verification_required with the pending token, as
// WorkOS does.
func (e *Emulator) requireVerificationLocked(w http.ResponseWriter, u User, authMethod string) {
	now := e.clock()
	v := &emailVerification{id: newID("email_verification_"), userID: u.ID, email: u.Email, code: oneTimeCode(), created: now, expires: now.Add(EmailVerificationTTL)}
	e.creds.verify[v.id] = v
	token := newSecret(24)
	e.creds.pending[token] = &pendingVerify{userID: u.ID, verificationID: v.id, authMethod: authMethod, expires: v.expires}
	e.log.Debug("authkittest: email verification required", "user", u.ID, "email_verification", v.id)
	writeJSON(w, http.StatusForbidden, map[string]string{
		"code":                         "email_verification_required",
		"message":                      "Email ownership must be verified before authentication.",
		"pending_authentication_token": token,
		"email":                        u.Email,
		"email_verification_id":        v.id,
	})
}

// magicAuthGrant is the magic auth grant: a code from
// POST /user_management/magic_auth (or CreateMagicAuth), single use. It
// verifies the user's email.
func (e *Emulator) magicAuthGrant(w http.ResponseWriter, r *http.Request, a authRequest) {
	if !e.clientOK(a, false) {
		oauthError(w, http.StatusBadRequest, "invalid_client", "Invalid client ID or client secret.")
		return
	}
	if a.Code == "" || a.Email == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "code and email are required.")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	u, found := e.userByEmailLocked(a.Email)
	var match *magicAuth
	if found {
		for _, m := range e.creds.magic {
			if m.userID == u.ID && secretEqual(a.Code, m.code) && (match == nil || m.created.After(match.created)) {
				match = m
			}
		}
	}
	switch {
	case match == nil:
		codeError(w, http.StatusBadRequest, "invalid_one_time_code", "The code is invalid.")
		return
	case match.used:
		codeError(w, http.StatusBadRequest, "one_time_code_previously_used", "The code has already been used.")
		return
	case !e.clock().Before(match.expires):
		codeError(w, http.StatusBadRequest, "one_time_code_expired", "The code has expired.")
		return
	}
	match.used = true
	delete(e.creds.unverified, u.ID)
	e.startSessionLocked(w, r, u, "magic_code", a)
}

// emailVerificationGrant completes a sign-in refused with
// email_verification_required.
func (e *Emulator) emailVerificationGrant(w http.ResponseWriter, r *http.Request, a authRequest) {
	if !e.clientOK(a, false) {
		oauthError(w, http.StatusBadRequest, "invalid_client", "Invalid client ID or client secret.")
		return
	}
	if a.Code == "" || a.PendingToken == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "code and pending_authentication_token are required.")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	p, ok := e.creds.pending[a.PendingToken]
	now := e.clock()
	if !ok || !now.Before(p.expires) {
		delete(e.creds.pending, a.PendingToken)
		codeError(w, http.StatusBadRequest, "invalid_pending_authentication_token", "The pending authentication token is invalid or expired.")
		return
	}
	v, ok := e.creds.verify[p.verificationID]
	if !ok || !secretEqual(a.Code, v.code) {
		codeError(w, http.StatusBadRequest, "invalid_one_time_code", "The code is invalid.")
		return
	}
	u, ok := e.userByIDLocked(p.userID)
	if !ok {
		codeError(w, http.StatusBadRequest, "invalid_pending_authentication_token", "The pending authentication token is invalid or expired.")
		return
	}
	delete(e.creds.pending, a.PendingToken)
	delete(e.creds.verify, v.id)
	delete(e.creds.unverified, u.ID)
	e.startSessionLocked(w, r, u, p.authMethod, a)
}

// wireOneTimeCode is the MagicAuth and EmailVerification object.
type wireOneTimeCode struct {
	Object    string `json:"object"`
	ID        string `json:"id"`
	UserID    string `json:"user_id"`
	Email     string `json:"email"`
	ExpiresAt string `json:"expires_at"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
	Code      string `json:"code"`
}

func wireMagicAuth(m *magicAuth) wireOneTimeCode {
	return wireOneTimeCode{Object: "magic_auth", ID: m.id, UserID: m.userID, Email: m.email,
		ExpiresAt: wireTime(m.expires), CreatedAt: wireTime(m.created), UpdatedAt: wireTime(m.created), Code: m.code}
}

// handleCreateMagicAuth is POST /user_management/magic_auth: 201 with the
// MagicAuth object (code included, as WorkOS returns it). An email with no
// seeded user is refused with 400 sign_up_not_allowed: the emulator does
// not create users.
func (e *Emulator) handleCreateMagicAuth(w http.ResponseWriter, r *http.Request) {
	if e.hit(w, r, EndpointCreateMagicAuth) {
		return
	}
	if !e.apiKeyOK(r) {
		unauthorized(w)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	var body struct {
		Email string `json:"email"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || !strings.Contains(body.Email, "@") {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "email must be an email address."})
		return
	}
	e.mu.Lock()
	m, err := e.createMagicAuthLocked(body.Email)
	var out wireOneTimeCode
	if err == nil {
		out = wireMagicAuth(m)
	}
	e.mu.Unlock()
	if err != nil {
		oauthError(w, http.StatusBadRequest, "sign_up_not_allowed", "The request failed due to: sign_up_not_allowed.")
		return
	}
	e.log.Debug("authkittest: magic auth created", "user", out.UserID, "magic_auth", out.ID)
	writeJSON(w, http.StatusCreated, out)
}

// handleGetMagicAuth is GET /user_management/magic_auth/{id}.
func (e *Emulator) handleGetMagicAuth(w http.ResponseWriter, r *http.Request) {
	if e.hit(w, r, EndpointGetMagicAuth) {
		return
	}
	if !e.apiKeyOK(r) {
		unauthorized(w)
		return
	}
	e.mu.Lock()
	m, ok := e.creds.magic[r.PathValue("id")]
	var out wireOneTimeCode
	if ok {
		out = wireMagicAuth(m)
	}
	e.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Magic Auth not found."})
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// handleGetEmailVerification is GET /user_management/email_verification/{id}:
// the code a sign-in refused with email_verification_required waits for.
func (e *Emulator) handleGetEmailVerification(w http.ResponseWriter, r *http.Request) {
	if e.hit(w, r, EndpointGetEmailVerification) {
		return
	}
	if !e.apiKeyOK(r) {
		unauthorized(w)
		return
	}
	e.mu.Lock()
	v, ok := e.creds.verify[r.PathValue("id")]
	var out wireOneTimeCode
	if ok {
		out = wireOneTimeCode{Object: "email_verification", ID: v.id, UserID: v.userID, Email: v.email,
			ExpiresAt: wireTime(v.expires), CreatedAt: wireTime(v.created), UpdatedAt: wireTime(v.created), Code: v.code}
	}
	e.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Email verification not found."})
		return
	}
	writeJSON(w, http.StatusOK, out)
}
