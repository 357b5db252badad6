package workos

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/authkit-go/authkit/core/internal/version"
	"github.com/authkit-go/authkit/core/observe"
)

// DefaultBaseURL is the production WorkOS API base URL.
const DefaultBaseURL = "https://api.workos.com"

// DefaultTimeout is the per-request timeout used when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// maxBodyBytes bounds how much of any response body is read (1 MiB).
const maxBodyBytes = 1 << 20

// defaultUserAgent is sent when Config.UserAgent is empty: the library and
// its release, so WorkOS (and a proxy's logs) can tell versions apart.
const defaultUserAgent = "authkit-go/" + version.Version

// Config configures a Client.
type Config struct {
	// BaseURL is the API base, e.g. "https://api.workos.com" (default
	// DefaultBaseURL). It must be an absolute http or https URL; a trailing
	// slash is trimmed.
	BaseURL string
	// APIKey is the WorkOS secret key (sent as client_secret). Never logged.
	APIKey string
	// ClientID is the WorkOS client ID (required).
	ClientID string
	// HTTPClient is used for requests; default is a new http.Client. The
	// Client works on a copy that never follows redirects (a redirect would
	// re-send client_secret, codes and refresh tokens to another host); the
	// caller's value is not modified.
	HTTPClient *http.Client
	// Timeout bounds each API request (default 10s).
	Timeout time.Duration
	// UserAgent is sent as the User-Agent header (default
	// "authkit-go/<version>", e.g. "authkit-go/0.1.0").
	UserAgent string
	// Observer, when set, is told about every API call
	// (observe.WorkOSCall).
	Observer observe.Observer
}

// Client is a WorkOS User Management client. It is safe for concurrent use.
type Client struct {
	baseURL   string
	apiKey    string
	clientID  string
	http      *http.Client
	timeout   time.Duration
	userAgent string
	obs       observe.Observer
}

// BaseURLFromEnv builds the API base URL from the WorkOS SDK environment
// variables: WORKOS_API_HOSTNAME (default "api.workos.com"), WORKOS_API_HTTPS
// (default true; "false" or "0" selects http) and WORKOS_API_PORT (optional).
// Errors name the offending variable.
func BaseURLFromEnv(getenv func(string) string) (string, error) {
	if getenv == nil {
		return "", errors.New("workos: BaseURLFromEnv: nil getenv")
	}
	host := strings.TrimSpace(getenv("WORKOS_API_HOSTNAME"))
	if host == "" {
		host = "api.workos.com"
	}
	if strings.ContainsAny(host, "/?#@ ") || strings.Contains(host, "://") {
		return "", fmt.Errorf("workos: WORKOS_API_HOSTNAME %q must be a bare host name", host)
	}
	scheme := "https"
	switch v := strings.ToLower(strings.TrimSpace(getenv("WORKOS_API_HTTPS"))); v {
	case "", "true", "1", "yes", "on":
	case "false", "0", "no", "off":
		scheme = "http"
	default:
		return "", fmt.Errorf("workos: WORKOS_API_HTTPS %q must be true or false", v)
	}
	if p := strings.TrimSpace(getenv("WORKOS_API_PORT")); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("workos: WORKOS_API_PORT %q must be a port number 1-65535", p)
		}
		host = host + ":" + strconv.Itoa(n)
	}
	return scheme + "://" + host, nil
}

// New validates cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.ClientID) == "" {
		return nil, errors.New("workos: Config.ClientID is required")
	}
	base := strings.TrimSpace(cfg.BaseURL)
	if base == "" {
		base = DefaultBaseURL
	}
	base = strings.TrimRight(base, "/")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("workos: Config.BaseURL %q must be an absolute http(s) URL", cfg.BaseURL)
	}
	c := &Client{
		baseURL:   base,
		apiKey:    cfg.APIKey,
		clientID:  cfg.ClientID,
		http:      noRedirects(cfg.HTTPClient),
		timeout:   cfg.Timeout,
		userAgent: cfg.UserAgent,
		obs:       cfg.Observer,
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.userAgent == "" {
		c.userAgent = defaultUserAgent
	}
	return c, nil
}

// noRedirects returns a copy of hc (or of a zero http.Client) that returns
// 3xx answers instead of following them. Go re-sends the request body on 307
// and 308, so following a redirect from the API host would hand
// client_secret, code, code_verifier or refresh_token to whatever host the
// Location names.
func noRedirects(hc *http.Client) *http.Client {
	var cp http.Client
	if hc != nil {
		cp = *hc
	}
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

// BaseURL returns the API base URL without a trailing slash.
func (c *Client) BaseURL() string { return c.baseURL }

// ClientID returns the configured WorkOS client ID.
func (c *Client) ClientID() string { return c.clientID }

// Timeout returns the per-request timeout (Config.Timeout, default
// DefaultTimeout): the longest any single API call of this client takes.
func (c *Client) Timeout() time.Duration { return c.timeout }

// AuthorizationURLParams are the query parameters of the AuthKit
// authorization URL (GET /user_management/authorize).
type AuthorizationURLParams struct {
	// RedirectURI is where WorkOS sends the user back with ?code= (required).
	RedirectURI string
	// State is echoed back on the redirect.
	State string
	// ScreenHint is "sign-in" or "sign-up" (AuthKit only).
	ScreenHint string
	// OrganizationID scopes sign-in to an organization.
	OrganizationID string
	// LoginHint pre-fills the email address.
	LoginHint string
	// DomainHint pre-selects an SSO connection by domain.
	DomainHint string
	// Prompt, e.g. "consent" or "login".
	Prompt string
	// CodeChallenge is the PKCE S256 challenge; when set,
	// code_challenge_method=S256 is added.
	CodeChallenge string
	// Provider defaults to "authkit".
	Provider string
	// MaxAge, when non-nil, is sent as max_age (seconds).
	MaxAge *int
}

// AuthorizationURL returns the URL to send the browser to for sign-in.
func (c *Client) AuthorizationURL(p AuthorizationURLParams) (string, error) {
	if p.RedirectURI == "" {
		return "", errors.New("workos: AuthorizationURL: RedirectURI is required")
	}
	if ru, err := url.Parse(p.RedirectURI); err != nil || !ru.IsAbs() {
		return "", errors.New("workos: AuthorizationURL: RedirectURI must be an absolute URL")
	}
	switch p.ScreenHint {
	case "", "sign-in", "sign-up":
	default:
		return "", fmt.Errorf("workos: AuthorizationURL: ScreenHint %q must be sign-in or sign-up", p.ScreenHint)
	}
	provider := p.Provider
	if provider == "" {
		provider = "authkit"
	}
	// The query is written in url.Values.Encode's form (keys sorted, values
	// QueryEscape'd) without building the map: every signed-out request to
	// a protected page comes here, with a ~450-byte state.
	var maxAge string
	if p.MaxAge != nil {
		maxAge = strconv.Itoa(*p.MaxAge)
	}
	method := ""
	if p.CodeChallenge != "" {
		method = "S256"
	}
	params := [...][2]string{ // sorted by key, as Encode sorts them
		{"client_id", c.clientID},
		{"code_challenge", p.CodeChallenge},
		{"code_challenge_method", method},
		{"domain_hint", p.DomainHint},
		{"login_hint", p.LoginHint},
		{"max_age", maxAge},
		{"organization_id", p.OrganizationID},
		{"prompt", p.Prompt},
		{"provider", provider},
		{"redirect_uri", p.RedirectURI},
		{"response_type", "code"},
		{"screen_hint", p.ScreenHint},
		{"state", p.State},
	}
	const path = "/user_management/authorize?"
	size := len(c.baseURL) + len(path)
	for _, kv := range params {
		size += len(kv[0]) + 3*len(kv[1]) + 2
	}
	b := make([]byte, 0, size)
	b = append(b, c.baseURL...)
	b = append(b, path...)
	first := true
	for _, kv := range params {
		if kv[1] == "" && kv[0] != "client_id" {
			continue
		}
		if !first {
			b = append(b, '&')
		}
		first = false
		b = append(b, kv[0]...)
		b = append(b, '=')
		b = appendQueryEscape(b, kv[1])
	}
	return string(b), nil
}

// appendQueryEscape appends url.QueryEscape(s) to b, copying runs of
// unreserved bytes at once (a sealed state is hundreds of them).
func appendQueryEscape(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	b = slices.Grow(b, len(s)+len(s)/4)
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && unreserved[s[j]] {
			j++
		}
		b = append(b, s[i:j]...)
		if j == len(s) {
			break
		}
		if c := s[j]; c == ' ' {
			b = append(b, '+')
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
		i = j + 1
	}
	return b
}

// unreserved marks the bytes url.QueryEscape leaves as they are.
var unreserved = func() (t [256]bool) {
	for c := range 256 {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
	}
	return t
}()

// LogoutURL returns the URL that ends sessionID at WorkOS and redirects the
// browser to returnTo (omitted when empty).
func (c *Client) LogoutURL(sessionID, returnTo string) string {
	q := url.Values{}
	q.Set("session_id", sessionID)
	if returnTo != "" {
		q.Set("return_to", returnTo)
	}
	return c.baseURL + "/user_management/sessions/logout?" + q.Encode()
}

// JWKSURL returns the URL of the key set that signs this client's access
// tokens.
func (c *Client) JWKSURL() string {
	return c.baseURL + "/sso/jwks/" + url.PathEscape(c.clientID)
}

// CodeParams are the inputs of the authorization_code grant.
type CodeParams struct {
	// Code is the authorization code from the redirect (required).
	Code string
	// CodeVerifier is the PKCE verifier, when a challenge was sent.
	CodeVerifier string
	// IPAddress of the end user, optional.
	IPAddress string
	// UserAgent of the end user, optional.
	UserAgent string
}

// RefreshParams are the inputs of the refresh_token grant.
type RefreshParams struct {
	// RefreshToken is the current refresh token (required; single use).
	RefreshToken string
	// OrganizationID, when set, switches the session to that organization.
	OrganizationID string
	// IPAddress of the end user, optional.
	IPAddress string
	// UserAgent of the end user, optional.
	UserAgent string
}

// AuthenticateResponse is the body of a successful
// POST /user_management/authenticate (UserlandAuthenticateResponse).
type AuthenticateResponse struct {
	User                 User          `json:"user"`
	OrganizationID       string        `json:"organization_id,omitempty"`
	AccessToken          string        `json:"access_token"`
	RefreshToken         string        `json:"refresh_token"`
	AuthenticationMethod string        `json:"authentication_method,omitempty"`
	Impersonator         *Impersonator `json:"impersonator,omitempty"`
}

// User is the WorkOS user object (UserlandUser). Nullable string fields
// decode to "" when null; Raw keeps the object as WorkOS sent it (nulls and
// fields this struct does not model included).
type User struct {
	Object            string            `json:"object"`
	ID                string            `json:"id"`
	Email             string            `json:"email"`
	EmailVerified     bool              `json:"email_verified"`
	Name              string            `json:"name,omitempty"`
	FirstName         string            `json:"first_name"`
	LastName          string            `json:"last_name"`
	ProfilePictureURL string            `json:"profile_picture_url"`
	LastSignInAt      string            `json:"last_sign_in_at"`
	ExternalID        string            `json:"external_id"`
	Locale            string            `json:"locale,omitempty"`
	CreatedAt         string            `json:"created_at"`
	UpdatedAt         string            `json:"updated_at"`
	Metadata          map[string]string `json:"metadata,omitempty"`
	// Raw is the user object as received, set when the User was decoded
	// from JSON.
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes a user object and keeps it in Raw.
func (u *User) UnmarshalJSON(b []byte) error {
	type plain User
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*u = User(p)
	if string(b) != "null" {
		u.Raw = append(json.RawMessage(nil), b...)
	}
	return nil
}

// Impersonator describes the WorkOS dashboard user impersonating a user.
// Raw keeps the object as received (a null reason stays null).
type Impersonator struct {
	Email  string          `json:"email"`
	Reason string          `json:"reason"`
	Raw    json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes an impersonator object and keeps it in Raw.
func (i *Impersonator) UnmarshalJSON(b []byte) error {
	type plain Impersonator
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*i = Impersonator(p)
	if string(b) != "null" {
		i.Raw = append(json.RawMessage(nil), b...)
	}
	return nil
}

// AuthenticateWithCode exchanges an authorization code (and PKCE verifier)
// for a session.
func (c *Client) AuthenticateWithCode(ctx context.Context, p CodeParams) (*AuthenticateResponse, error) {
	if p.Code == "" {
		return nil, errors.New("workos: AuthenticateWithCode: Code is required")
	}
	body := map[string]string{
		"grant_type":    "authorization_code",
		"client_id":     c.clientID,
		"client_secret": c.apiKey,
		"code":          p.Code,
	}
	addOpt(body, "code_verifier", p.CodeVerifier)
	addOpt(body, "ip_address", p.IPAddress)
	addOpt(body, "user_agent", p.UserAgent)
	return c.authenticate(ctx, body)
}

// AuthenticateWithRefreshToken exchanges a refresh token for a new session
// (access and rotated refresh token), optionally switching organization.
func (c *Client) AuthenticateWithRefreshToken(ctx context.Context, p RefreshParams) (*AuthenticateResponse, error) {
	if p.RefreshToken == "" {
		return nil, errors.New("workos: AuthenticateWithRefreshToken: RefreshToken is required")
	}
	body := map[string]string{
		"grant_type":    "refresh_token",
		"client_id":     c.clientID,
		"client_secret": c.apiKey,
		"refresh_token": p.RefreshToken,
	}
	addOpt(body, "organization_id", p.OrganizationID)
	addOpt(body, "ip_address", p.IPAddress)
	addOpt(body, "user_agent", p.UserAgent)
	return c.authenticate(ctx, body)
}

func addOpt(m map[string]string, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// ErrMalformedResponse is wrapped by errors for 2xx responses whose body is
// not the expected JSON (not JSON, missing required fields, over 1 MiB).
// IsTransient reports true for it: see IsTransient.
var ErrMalformedResponse = errors.New("workos: malformed response")

func (c *Client) authenticate(ctx context.Context, body map[string]string) (*AuthenticateResponse, error) {
	status, data, err := c.do(ctx, http.MethodPost, "/user_management/authenticate", "", nil, body, false)
	if err != nil {
		return nil, err
	}
	var out AuthenticateResponse
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("%w: status %d: %v", ErrMalformedResponse, status, jsonErrSummary(err))
	}
	if out.AccessToken == "" || out.RefreshToken == "" || out.User.ID == "" {
		return nil, fmt.Errorf("%w: status %d: missing user, access_token or refresh_token", ErrMalformedResponse, status)
	}
	return &out, nil
}

// send sends one API request bounded by the client's timeout and returns the
// status and body of a 2xx answer. path is the request path (escaped);
// opPath, when not "", names the operation in errors instead of path (so
// IDs in paths stay out of them). body, when not nil, is sent as JSON;
// bearer adds "Authorization: Bearer <API key>", which the management
// endpoints require. Non-2xx answers are *APIError values, failed exchanges
// *TransportError values, an oversized 2xx body ErrMalformedResponse.
func (c *Client) send(ctx context.Context, method, path, opPath string, query url.Values, body any, bearer bool) (int, []byte, error) {
	if opPath == "" {
		opPath = path
	}
	op := method + " " + opPath
	var rd io.Reader
	if body != nil {
		buf, err := json.Marshal(body)
		if err != nil {
			return 0, nil, fmt.Errorf("workos: %s: encode request: %w", op, err)
		}
		rd = bytes.NewReader(buf)
	}
	u := c.baseURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, nil, fmt.Errorf("workos: %s: build request: %w", op, scrubURLError(err))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if bearer {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, &TransportError{Op: op, Err: scrubURLError(err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	if err != nil {
		return 0, nil, &TransportError{Op: op, Err: scrubURLError(err)}
	}
	if len(data) > maxBodyBytes {
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return 0, nil, fmt.Errorf("%w: body exceeds %d bytes", ErrMalformedResponse, maxBodyBytes)
		}
		data = data[:maxBodyBytes]
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return 0, nil, newAPIError(resp, data, time.Now())
	}
	return resp.StatusCode, data, nil
}

// jsonErrSummary describes a JSON decode error without quoting body content.
func jsonErrSummary(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at offset %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q has wrong type", te.Field)
	}
	return "invalid JSON"
}

// scrubURLError strips the URL from *url.Error (it never carries secrets
// here, but keeps messages short) while keeping the cause chain for
// errors.Is / errors.As.
//
// Go's transport quotes what the peer sent when it is not HTTP ("malformed
// HTTP status code \"...\"", "malformed MIME header line: ..."): that is
// upstream text, which may echo the request, so such errors are replaced
// with errPeerProtocol. Timeouts, cancellations and network errors keep
// their chain.
func scrubURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := err.Error()
	if !strings.Contains(msg, "malformed") && !strings.ContainsRune(msg, '"') {
		return err
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || errors.As(err, &ne) {
		return err
	}
	return errPeerProtocol
}

// errPeerProtocol stands for a transport error that quoted the peer's
// non-HTTP answer.
var errPeerProtocol = errors.New("malformed HTTP response (not quoted)")
