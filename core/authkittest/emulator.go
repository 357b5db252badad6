package authkittest

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Defaults used when no option overrides them.
const (
	DefaultClientID       = "client_emulator"
	DefaultAPIKey         = "sk_test_emulator"
	DefaultAccessTokenTTL = 5 * time.Minute
	DefaultAddr           = "127.0.0.1:0"
	// CodeTTL is how long an authorization code stays valid.
	CodeTTL = 10 * time.Minute
)

// Endpoint names an emulated endpoint for Count and FailNext.
type Endpoint string

// Endpoints.
const (
	// EndpointAuthorize is GET /user_management/authorize.
	EndpointAuthorize Endpoint = "authorize"
	// EndpointAuthenticate is POST /user_management/authenticate, any grant.
	EndpointAuthenticate Endpoint = "authenticate"
	// EndpointCodeGrant is the authorization_code grant of authenticate.
	EndpointCodeGrant Endpoint = "authenticate:authorization_code"
	// EndpointRefresh is the refresh_token grant of authenticate.
	EndpointRefresh Endpoint = "authenticate:refresh_token"
	// EndpointJWKS is GET /sso/jwks/{clientId}.
	EndpointJWKS Endpoint = "jwks"
	// EndpointLogout is GET /user_management/sessions/logout.
	EndpointLogout Endpoint = "logout"
	// EndpointRevokeSession is POST /user_management/sessions/revoke.
	EndpointRevokeSession Endpoint = "sessions:revoke"
	// EndpointListSessions is GET /user_management/users/{id}/sessions.
	EndpointListSessions Endpoint = "sessions:list"
)

// Endpoints of the password, magic auth and email verification sign-in
// (credentials.go), organizations (organizations.go) and API keys
// (apikeys.go).
const (
	// EndpointPasswordGrant is the password grant of authenticate.
	EndpointPasswordGrant Endpoint = "authenticate:password"
	// EndpointMagicAuthGrant is the magic auth grant of authenticate.
	EndpointMagicAuthGrant Endpoint = "authenticate:magic_auth"
	// EndpointEmailVerificationGrant is the email verification grant of
	// authenticate.
	EndpointEmailVerificationGrant Endpoint = "authenticate:email_verification"
	// EndpointCreateMagicAuth is POST /user_management/magic_auth.
	EndpointCreateMagicAuth Endpoint = "magic_auth:create"
	// EndpointGetMagicAuth is GET /user_management/magic_auth/{id}.
	EndpointGetMagicAuth Endpoint = "magic_auth:get"
	// EndpointGetEmailVerification is
	// GET /user_management/email_verification/{id}.
	EndpointGetEmailVerification Endpoint = "email_verification:get"
	// EndpointGetOrganization is GET /organizations/{id}.
	EndpointGetOrganization Endpoint = "organizations:get"
	// EndpointListMemberships is
	// GET /user_management/organization_memberships.
	EndpointListMemberships Endpoint = "organization_memberships:list"
	// EndpointCreateAPIKey is POST /organizations/{id}/api_keys and
	// POST /user_management/users/{id}/api_keys.
	EndpointCreateAPIKey Endpoint = "api_keys:create"
	// EndpointListAPIKeys is GET /organizations/{id}/api_keys and
	// GET /user_management/users/{id}/api_keys.
	EndpointListAPIKeys Endpoint = "api_keys:list"
	// EndpointDeleteAPIKey is DELETE /api_keys/{id}.
	EndpointDeleteAPIKey Endpoint = "api_keys:delete"
	// EndpointValidateAPIKey is POST /api_keys/validations.
	EndpointValidateAPIKey Endpoint = "api_keys:validate"
)

// Fault is an injected failure (see FailNext). After Delay (cut short when
// the request's context ends or the emulator closes), the emulator answers
// with Status, Header and Body. If Status is 0 the request is served
// normally after the delay. Content-Type defaults to application/json.
type Fault struct {
	Status int
	Body   string
	Header http.Header
	Delay  time.Duration
}

// Option configures an Emulator.
type Option func(*config) error

type config struct {
	clientID    string
	apiKey      string
	ttl         time.Duration
	seed        *Seed
	addr        string
	clock       func() time.Time
	autoApprove string
	logger      *slog.Logger
	publicURL   string
	jwksCache   string
}

// WithClientID sets the WorkOS client ID (default "client_emulator").
func WithClientID(id string) Option {
	return func(c *config) error {
		if strings.TrimSpace(id) == "" {
			return errors.New("authkittest: empty client ID")
		}
		c.clientID = id
		return nil
	}
}

// WithAPIKey sets the API key expected as client_secret (default
// "sk_test_emulator").
func WithAPIKey(key string) Option {
	return func(c *config) error {
		if key == "" {
			return errors.New("authkittest: empty API key")
		}
		c.apiKey = key
		return nil
	}
}

// WithAccessTokenTTL sets the access token lifetime (default 5m).
func WithAccessTokenTTL(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return errors.New("authkittest: access token TTL must be positive")
		}
		c.ttl = d
		return nil
	}
}

// WithSeed replaces the default seeded users and organizations.
func WithSeed(s Seed) Option {
	return func(c *config) error {
		n, err := s.normalize()
		if err != nil {
			return err
		}
		c.seed = &n
		return nil
	}
}

// WithAddr sets the listen address used by Start (default 127.0.0.1:0).
func WithAddr(addr string) Option {
	return func(c *config) error { c.addr = addr; return nil }
}

// WithClock sets the time source (tokens, code expiry).
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("authkittest: nil clock")
		}
		c.clock = now
		return nil
	}
}

// WithAutoApprove makes /authorize sign in email immediately (see
// Emulator.AutoApprove).
func WithAutoApprove(email string) Option {
	return func(c *config) error { c.autoApprove = email; return nil }
}

// WithLogger sets the logger (default: discard). Secrets are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { c.logger = l; return nil }
}

// WithPublicURL sets the externally visible base URL (issuer, JWKS URL) when
// the handler is served by something else than Start, e.g. httptest. When
// unset and not started, the request's Host is used.
func WithPublicURL(u string) Option {
	return func(c *config) error { c.publicURL = strings.TrimRight(u, "/"); return nil }
}

// WithJWKSCacheControl makes JWKS responses carry "Cache-Control: v" (for
// example "public, max-age=300"), so tests can exercise a key-set cache's
// handling of the header. By default JWKS responses carry no Cache-Control:
// what the real WorkOS sends there is not documented.
func WithJWKSCacheControl(v string) Option {
	return func(c *config) error {
		if strings.ContainsAny(v, "\r\n") {
			return errors.New("authkittest: Cache-Control value contains a line break")
		}
		c.jwksCache = v
		return nil
	}
}

// Emulator is a fake WorkOS User Management API.
type Emulator struct {
	clientID string
	apiKey   string
	clock    func() time.Time
	log      *slog.Logger
	handler  http.Handler
	// jwksCache is the JWKS Cache-Control value ("" sends none).
	jwksCache string

	srv       *http.Server
	closeOnce sync.Once
	closed    chan struct{}

	mu          sync.Mutex
	url         string
	ttl         time.Duration
	autoApprove string
	users       []User
	orgs        []Organization
	key         *signingKey
	pending     map[string]*pendingAuth
	codes       map[string]*codeGrant
	sessions    map[string]*session
	sessionSeq  int
	refresh     map[string]*refreshEntry
	counts      map[Endpoint]int
	faults      map[Endpoint][]Fault
	addr        string
	creds       credentials // passwords, magic auth, email verification
	keys        apiKeys     // API keys
}

type pendingAuth struct {
	redirectURI string
	state       string
	challenge   string
	orgID       string
	screenHint  string
	loginHint   string
	expires     time.Time
}

type codeGrant struct {
	userID      string
	orgID       string
	challenge   string
	redirectURI string
	expires     time.Time
}

type session struct {
	id         string
	seq        int // creation order, for listing
	userID     string
	orgID      string
	public     bool
	revoked    bool
	authMethod string // the list's auth_method
	ipAddress  string
	userAgent  string
	created    time.Time
	updated    time.Time
}

// revokeLocked ends s (logout, revoke endpoint, RevokeSession).
func (e *Emulator) revokeLocked(s *session) {
	if !s.revoked {
		s.revoked = true
		s.updated = e.clock()
	}
}

type refreshEntry struct {
	sessionID string
	used      bool
}

// New returns an emulator that is not listening; serve e.Handler().
func New(opts ...Option) (*Emulator, error) {
	cfg := config{
		clientID: DefaultClientID,
		apiKey:   DefaultAPIKey,
		ttl:      DefaultAccessTokenTTL,
		addr:     DefaultAddr,
		clock:    time.Now,
	}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.seed == nil {
		s, err := DefaultSeed().normalize()
		if err != nil {
			return nil, err
		}
		cfg.seed = &s
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	key, err := newSigningKey(cfg.clock())
	if err != nil {
		return nil, err
	}
	e := &Emulator{
		clientID:    cfg.clientID,
		apiKey:      cfg.apiKey,
		clock:       cfg.clock,
		log:         cfg.logger,
		jwksCache:   cfg.jwksCache,
		closed:      make(chan struct{}),
		url:         cfg.publicURL,
		ttl:         cfg.ttl,
		autoApprove: cfg.autoApprove,
		users:       cfg.seed.Users,
		orgs:        cfg.seed.Organizations,
		key:         key,
		pending:     map[string]*pendingAuth{},
		codes:       map[string]*codeGrant{},
		sessions:    map[string]*session{},
		refresh:     map[string]*refreshEntry{},
		counts:      map[Endpoint]int{},
		faults:      map[Endpoint][]Fault{},
		creds:       newCredentials(),
		keys:        newAPIKeys(),
	}
	e.handler = e.routes()
	e.srv = &http.Server{Handler: e.handler, ReadHeaderTimeout: 10 * time.Second}
	e.addr = cfg.addr
	return e, nil
}

// Start creates an emulator and serves it on WithAddr (default 127.0.0.1:0).
func Start(opts ...Option) (*Emulator, error) {
	e, err := New(opts...)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", e.addr)
	if err != nil {
		return nil, fmt.Errorf("authkittest: listen %s: %w", e.addr, err)
	}
	e.mu.Lock()
	if e.url == "" {
		e.url = "http://" + ln.Addr().String()
	}
	e.mu.Unlock()
	go func() {
		if err := e.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Error("authkittest: serve", "err", err)
		}
	}()
	e.log.Info("authkittest: WorkOS emulator listening", "url", e.URL(), "client_id", e.clientID)
	return e, nil
}

// NewServer starts an emulator for a test and closes it on cleanup.
func NewServer(tb testing.TB, opts ...Option) *Emulator {
	tb.Helper()
	e, err := Start(opts...)
	if err != nil {
		tb.Fatalf("authkittest: start emulator: %v", err)
	}
	tb.Cleanup(func() { _ = e.Close() })
	return e
}

// Handler returns the emulator's HTTP handler.
func (e *Emulator) Handler() http.Handler { return e.handler }

// Close stops serving (if started) and releases hanging fault delays.
func (e *Emulator) Close() error {
	var err error
	e.closeOnce.Do(func() {
		close(e.closed)
		err = e.srv.Close()
	})
	return err
}

// Shutdown stops accepting connections and waits (until ctx ends) for
// in-flight requests; injected delays are cut short. Use Close to stop at
// once.
func (e *Emulator) Shutdown(ctx context.Context) error {
	var err error
	e.closeOnce.Do(func() {
		close(e.closed)
		err = e.srv.Shutdown(ctx)
		if err != nil {
			_ = e.srv.Close()
		}
	})
	return err
}

// URL returns the base URL, e.g. http://127.0.0.1:PORT ("" if neither
// started nor configured with WithPublicURL).
func (e *Emulator) URL() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.url
}

// ClientID returns the WorkOS client ID the emulator accepts.
func (e *Emulator) ClientID() string { return e.clientID }

// APIKey returns the API key (client_secret) the emulator accepts.
func (e *Emulator) APIKey() string { return e.apiKey }

// JWKSURL returns {URL}/sso/jwks/{clientId}.
func (e *Emulator) JWKSURL() string { return e.URL() + "/sso/jwks/" + e.clientID }

// Issuer returns the iss claim of access tokens: {URL}/user_management/{clientId}.
func (e *Emulator) Issuer() string { return issuerFor(e.URL(), e.clientID) }

func issuerFor(base, clientID string) string { return base + "/user_management/" + clientID }

// Users returns copies of the seeded users.
func (e *Emulator) Users() []User {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]User, 0, len(e.users))
	for _, u := range e.users {
		out = append(out, copyUser(u))
	}
	return out
}

// Organizations returns copies of the seeded organizations.
func (e *Emulator) Organizations() []Organization {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Organization, 0, len(e.orgs))
	for _, o := range e.orgs {
		o.Entitlements = append([]string(nil), o.Entitlements...)
		o.FeatureFlags = append([]string(nil), o.FeatureFlags...)
		out = append(out, o)
	}
	return out
}

// UserByEmail finds a seeded user (case-insensitive).
func (e *Emulator) UserByEmail(email string) (User, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, ok := e.userByEmailLocked(email)
	if !ok {
		return User{}, false
	}
	return copyUser(u), true
}

func (e *Emulator) userByEmailLocked(email string) (User, bool) {
	for _, u := range e.users {
		if strings.EqualFold(u.Email, strings.TrimSpace(email)) {
			return u, true
		}
	}
	return User{}, false
}

func (e *Emulator) userByIDLocked(id string) (User, bool) {
	for _, u := range e.users {
		if u.ID == id {
			return u, true
		}
	}
	return User{}, false
}

func (e *Emulator) orgLocked(id string) (Organization, bool) {
	for _, o := range e.orgs {
		if o.ID == id {
			return o, true
		}
	}
	return Organization{}, false
}

// AutoApprove switches /authorize between the interactive sign-in page
// (email "") and immediate approval: the browser is redirected straight to
// redirect_uri?code=..&state=.. signed in as email, or as the user named by
// login_hint when it matches a seeded user.
func (e *Emulator) AutoApprove(email string) {
	e.mu.Lock()
	e.autoApprove = email
	e.mu.Unlock()
}

// Count returns how many requests reached ep since the last ResetCounts.
func (e *Emulator) Count(ep Endpoint) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.counts[ep]
}

// ResetCounts zeroes all counters.
func (e *Emulator) ResetCounts() {
	e.mu.Lock()
	e.counts = map[Endpoint]int{}
	e.mu.Unlock()
}

// FailNext makes the next n requests to ep fail with f.
func (e *Emulator) FailNext(ep Endpoint, n int, f Fault) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := 0; i < n; i++ {
		if f.Header != nil {
			f.Header = f.Header.Clone()
		}
		e.faults[ep] = append(e.faults[ep], f)
	}
}

// SetAccessTokenTTL changes the lifetime of access tokens issued from now on.
func (e *Emulator) SetAccessTokenTTL(d time.Duration) {
	if d <= 0 {
		return
	}
	e.mu.Lock()
	e.ttl = d
	e.mu.Unlock()
}

// RotateKeys replaces the signing key. The JWKS then publishes only the new
// key, so tokens signed before no longer verify against it.
func (e *Emulator) RotateKeys() {
	k, err := newSigningKey(e.clock())
	if err != nil {
		panic("authkittest: RotateKeys: " + err.Error())
	}
	e.mu.Lock()
	e.key = k
	e.mu.Unlock()
}

// KeyID returns the kid of the current signing key.
func (e *Emulator) KeyID() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.key.kid
}

// RevokeSession ends a session as logout would; its refresh tokens stop
// working. It reports whether the session existed.
func (e *Emulator) RevokeSession(sessionID string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.sessions[sessionID]
	if ok {
		e.revokeLocked(s)
	}
	return ok
}

// SessionActive reports whether sessionID exists and is not revoked.
func (e *Emulator) SessionActive(sessionID string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.sessions[sessionID]
	return ok && !s.revoked
}

var idEncoding = base32.NewEncoding("0123456789ABCDEFGHJKMNPQRSTVWXYZ").WithPadding(base32.NoPadding)

// newID returns prefix + a 26-character ULID-like random ID.
func newID(prefix string) string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	return prefix + "01" + idEncoding.EncodeToString(b[:])[:24]
}

// newSecret returns a random URL-safe opaque token.
func newSecret(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
