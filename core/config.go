package authkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/authkit-go/authkit/core/jwks"
	"github.com/authkit-go/authkit/core/observe"
	"github.com/authkit-go/authkit/core/seal"
	"github.com/authkit-go/authkit/core/workos"
)

// Defaults.
const (
	DefaultCookieName     = "wos-session"
	DefaultCookieMaxAge   = 400 * 24 * time.Hour
	DefaultRefreshBuffer  = 60 * time.Second
	DefaultVerifierPrefix = "wos-go-verifier" // not the Node libraries' "wos-auth-verifier": see verifierCookiePrefix
	maxCookieSize         = 4096
	// maxCookieMaxAgeSeconds bounds WORKOS_COOKIE_MAX_AGE (about 100
	// years; browsers cap cookie lifetimes at 400 days anyway).
	maxCookieMaxAgeSeconds = 100 * 365 * 24 * 60 * 60
)

// Defaults of the refresh coordination.
const (
	DefaultStoreTimeout = 50 * time.Millisecond
	DefaultRefreshWait  = 250 * time.Millisecond
	// DefaultRememberSessions (Config.RememberSessions) keeps 100,000
	// active sessions remembered, with room to spare, in about 200 MB.
	DefaultRememberSessions = 110_000
)

// NoRefreshWait makes requests whose token is still valid never wait for a
// proactive refresh (Config.RefreshWait).
const NoRefreshWait time.Duration = -1

// NoRefreshBuffer disables proactive refresh: a session is refreshed only
// once its access token has expired.
const NoRefreshBuffer time.Duration = -1

// Config configures a Client. Zero fields are filled from the environment
// (the WORKOS_* variables named on each field), then from defaults: a value
// set in code always wins over the environment.
type Config struct {
	// ClientID is the WorkOS client ID (WORKOS_CLIENT_ID). Required.
	ClientID string
	// APIKey is the WorkOS API key (WORKOS_API_KEY). Required.
	APIKey string
	// RedirectURI is the absolute URL of the callback route
	// (WORKOS_REDIRECT_URI). Required.
	RedirectURI string
	// CookiePassword seals the session cookie (WORKOS_COOKIE_PASSWORD), at
	// least 32 characters. The variable may also hold a JSON object of
	// id -> password for rotation: {"2":"new...","1":"old..."}.
	CookiePassword string
	// CookiePasswords is the rotation set in code; it wins over
	// CookiePassword. Seals use the highest id, any id opens.
	CookiePasswords seal.Passwords
	// NodeCompatible (WORKOS_COOKIE_NODE_COMPAT=true) is for a session
	// cookie shared with Node apps (authkit-nextjs, @workos/authkit-session,
	// @workos-inc/node, iron-session with a plain password): those seal
	// with, and open only, password id "1". With it, Go seals the session
	// cookie with the password of id "1" under id "1" (the set must have
	// one: the password the Node apps are configured with), and opens a
	// cookie labelled "1" with any password of the set, since Node labels
	// every password "1". Rotate by adding the new password under another
	// id, switching the Node apps to it while moving it to id "1" in Go,
	// then dropping the old one (see the README).
	NodeCompatible bool
	// CookieName is the session cookie's name (WORKOS_COOKIE_NAME,
	// default wos-session). A name starting with __Host- sets HostPrefix.
	CookieName string
	// HostPrefix names the session cookie __Host-<CookieName> and the
	// sign-in verifier cookies __Host-wos-go-verifier-...
	// (WORKOS_COOKIE_HOST_PREFIX=true). Browsers accept such a cookie only
	// when it is Secure, has Path=/ and no Domain, so a sibling subdomain
	// cannot plant or overwrite it: it needs an https RedirectURI and no
	// CookieDomain. The Node AuthKit libraries read wos-session: set their
	// cookie name to match if they share the session.
	HostPrefix bool
	// CookieMaxAge is the session cookie's lifetime (WORKOS_COOKIE_MAX_AGE in
	// seconds; default 400 days).
	CookieMaxAge time.Duration
	// CookieDomain is the cookie's Domain attribute (WORKOS_COOKIE_DOMAIN).
	CookieDomain string
	// CookieSameSite is lax (default), strict or none
	// (WORKOS_COOKIE_SAMESITE or WORKOS_COOKIE_SAME_SITE).
	CookieSameSite http.SameSite
	// APIBaseURL is the WorkOS API base, default from WORKOS_API_HOSTNAME,
	// WORKOS_API_HTTPS and WORKOS_API_PORT, else https://api.workos.com.
	APIBaseURL string

	// RefreshBuffer refreshes a session this long before its access token
	// expires (default 60s); NoRefreshBuffer refreshes only after expiry.
	RefreshBuffer time.Duration
	// Leeway is the clock skew allowed on exp/nbf (default: the token
	// package's).
	Leeway time.Duration
	// Issuers overrides the accepted token issuers (custom auth domains).
	Issuers []string
	// Algorithms overrides the accepted signing algorithms (default RS256).
	Algorithms []string
	// JWKSCache is the key cache; default the process-wide jwks.Shared().
	JWKSCache *jwks.Cache
	// RememberSessions is how many sessions (session cookies and bearer
	// tokens) to remember once opened and verified, so that their next
	// requests skip the unseal and the signature check: default
	// DefaultRememberSessions, negative turns it off. A remembered session
	// takes about its cookie's JSON plus 0.5 KB (under 2 KB for a typical
	// WorkOS session). Entries end at the access token's expiry and on
	// refresh; a full cache evicts a random entry. Revocation is checked on
	// every request regardless.
	RememberSessions int
	// HTTPClient is used for WorkOS API calls.
	HTTPClient *http.Client

	// Store is what the instances of the application share: refreshes (one
	// WorkOS call per refresh token across all instances) and signed-out
	// sessions. Default: an in-process MemoryStore, right for one
	// instance. For several, use github.com/authkit-go/authkit/stores/redis.
	Store Store
	// StoreTimeout bounds each Store call (default 50ms); a Store that is
	// down or slower falls back to in-process behaviour.
	StoreTimeout time.Duration
	// RefreshWait is how long a request whose token is still valid waits
	// for a proactive refresh (default 250ms) before it is served with its
	// current token; the refresh goes on, and its cookie goes out on a later
	// response. A request with an expired token waits for the refresh,
	// bounded by the WorkOS client timeout. NoRefreshWait never waits.
	RefreshWait time.Duration
	// DisableBearer stops the middleware from accepting
	// Authorization: Bearer tokens.
	DisableBearer bool
	// AllowGETSignOut accepts sign-out by GET too (not recommended: a link
	// or image on any page could sign users out).
	AllowGETSignOut bool
	// SignOutReturnTo is where WorkOS sends the browser after sign-out
	// (default: the origin of RedirectURI).
	SignOutReturnTo string
	// TrustedOrigins lists origins besides RedirectURI's from which
	// sign-out and organization switch are accepted, for an application
	// split over hosts (WORKOS_TRUSTED_ORIGINS, comma-separated). Each is
	// scheme://host[:port], e.g. https://www.example.com. Requests from any
	// other origin, sibling subdomains included, are refused with 403.
	TrustedOrigins []string
	// IsAPIRequest decides whether an unauthenticated request gets 401
	// (true) or a redirect to sign-in (false). Default: Accept prefers
	// JSON, or the request is a fetch/XHR, or it carries Authorization.
	IsAPIRequest func(*Request) bool
	// ownIsAPIRequest records that IsAPIRequest is the application's own,
	// which may read any request header (see Client.RequestHeaders).
	ownIsAPIRequest bool
	// OnRefresh is called after a session was refreshed.
	OnRefresh func(RefreshEvent)
	// OnRefreshError is called when a refresh failed.
	OnRefreshError func(RefreshEvent)
	// OnSignIn is called after a successful callback, once the session is
	// set. It cannot act on the sign-in: use OnSignInSuccess, which also
	// gets the context and the request and can redirect or refuse.
	OnSignIn func(CallbackResult)
	// OnSignInSuccess is called at the callback once WorkOS has
	// authenticated the user, before the session cookie is set. It gets
	// WorkOS's whole answer (res.Authentication). Returning a redirect (a
	// same-origin path or a URL on a trusted origin; "" keeps
	// res.ReturnTo) sends the browser there instead; returning an error
	// fails the sign-in: no cookie is set, the session is revoked at
	// WorkOS, and the callback answers 403 (or OnSignInError's page) with
	// Decision.Err matching ErrSignInRejected.
	OnSignInSuccess func(ctx context.Context, r *Request, res CallbackResult) (redirect string, err error)
	// OnSignInError is called when the callback fails (a denied or expired
	// sign-in, WorkOS unavailable, OnSignInSuccess refusing): d holds the
	// default answer (400, 403 or 502, plain text) and d.Err the reason;
	// change it with d.Respond or d.Redirect to show the application's own
	// page. Keep d's cookies.
	OnSignInError func(ctx context.Context, r *Request, d *Decision)
	// DefaultReturnTo is where sign-in lands when the sign-in had no (or an
	// unsafe) return path (default "/").
	DefaultReturnTo string
	// SignInPath is the path of the application's sign-in route, where
	// SignInURL links point (default "/sign-in").
	SignInPath string
	// AcceptAPIKeys accepts WorkOS API keys (the ones customers create in
	// the application for machine-to-machine calls) in Authorization:
	// Bearer: a bearer value that is not a JWT is validated with WorkOS
	// (verdicts cached briefly by the key's hash; one call per key at a
	// time; unknown keys rate-limited) and yields an Auth with Source
	// SourceAPIKey. Access tokens keep working on the same routes.
	AcceptAPIKeys bool
	// Observer is told what happens, for metrics and traces: token
	// verifications, refreshes, sign-ins, sign-outs, session-store failures
	// and WorkOS calls (package observe; github.com/authkit-go/authkit/otel
	// implements it with OpenTelemetry). JWKS fetches are the process-wide
	// key cache's: observe them with jwks.Shared().SetObserver.
	Observer observe.Observer
	// Logger receives warnings (default slog.Default()); it never sees
	// tokens, codes, cookies or passwords.
	Logger *slog.Logger
	// Clock returns the current time (tests).
	Clock func() time.Time
	// Getenv reads the environment (default os.Getenv; tests).
	Getenv func(string) string

	// originCheck is the same-origin check of the state-changing routes,
	// built by resolve (see origin.go).
	originCheck *http.CrossOriginProtection
}

// RefreshEvent describes a refresh, for Config.OnRefresh and OnRefreshError.
type RefreshEvent struct {
	UserID         string
	SessionID      string
	OrganizationID string
	// Err is the failure (OnRefreshError only).
	Err error
	// Transient reports whether Err is expected to pass (the cookie is kept).
	Transient bool
}

func configErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...)
}

// resolve fills zero fields from the environment and defaults and validates.
func (c Config) resolve() (Config, error) {
	getenv := c.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	str := func(field *string, vars ...string) {
		for _, v := range vars {
			if *field == "" {
				*field = strings.TrimSpace(getenv(v))
			}
		}
	}
	str(&c.ClientID, "WORKOS_CLIENT_ID")
	str(&c.APIKey, "WORKOS_API_KEY")
	str(&c.RedirectURI, "WORKOS_REDIRECT_URI")
	str(&c.CookieName, "WORKOS_COOKIE_NAME")
	str(&c.CookieDomain, "WORKOS_COOKIE_DOMAIN")

	// Every problem is collected, so that one run names everything to fix.
	var errs []error
	bad := func(err error) { errs = append(errs, err) }
	if c.ClientID == "" {
		bad(configErr("WORKOS_CLIENT_ID is required: set it (or Config.ClientID) to the client ID from the WorkOS dashboard"))
	}
	if c.APIKey == "" {
		bad(configErr("WORKOS_API_KEY is required: set it (or Config.APIKey) to an API key from the WorkOS dashboard"))
	}
	if c.RedirectURI == "" {
		bad(configErr("WORKOS_REDIRECT_URI is required: set it (or Config.RedirectURI) to your callback URL, e.g. http://localhost:8080/callback"))
	} else if u, err := url.Parse(c.RedirectURI); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad(configErr("WORKOS_REDIRECT_URI must be an absolute http(s) URL, e.g. https://app.example.com/callback"))
	}

	passwordOK := true // false once a password problem is reported
	if len(c.CookiePasswords) == 0 {
		pw := c.CookiePassword
		if pw == "" {
			pw = getenv("WORKOS_COOKIE_PASSWORD")
		}
		if pw == "" {
			passwordOK = false
			bad(configErr("WORKOS_COOKIE_PASSWORD is required: set it to at least 32 random characters, e.g. the output of: openssl rand -base64 32"))
		} else if strings.HasPrefix(strings.TrimSpace(pw), "{") {
			var m map[string]string
			if err := json.Unmarshal([]byte(pw), &m); err != nil {
				passwordOK = false
				bad(configErr("WORKOS_COOKIE_PASSWORD looks like a JSON rotation set but does not parse: use {\"2\":\"new password\",\"1\":\"old password\"}"))
			} else {
				c.CookiePasswords = m
			}
		} else {
			c.CookiePasswords = seal.Single(pw)
		}
	}
	if passwordOK {
		if err := c.CookiePasswords.Validate("WORKOS_COOKIE_PASSWORD"); err != nil {
			bad(fmt.Errorf("%w: %w", ErrConfig, err))
		}
	}
	if !c.NodeCompatible {
		switch v := strings.ToLower(strings.TrimSpace(getenv("WORKOS_COOKIE_NODE_COMPAT"))); v {
		case "", "0", "false", "no", "off":
		case "1", "true", "yes", "on":
			c.NodeCompatible = true
		default:
			bad(configErr("WORKOS_COOKIE_NODE_COMPAT must be true or false (got %q)", v))
		}
	}
	if c.NodeCompatible && passwordOK && c.CookiePasswords["1"] == "" {
		bad(configErr("WORKOS_COOKIE_NODE_COMPAT: the password set has no id \"1\": the Node AuthKit libraries seal and open only id 1, so put the password the Node apps use under \"1\", e.g. {\"1\":\"node password\",\"2\":\"other\"}"))
	}

	if c.CookieName == "" {
		c.CookieName = DefaultCookieName
	}
	if !validCookieName(c.CookieName) {
		bad(configErr("WORKOS_COOKIE_NAME %q is not a valid cookie name: use letters, digits, '-' or '_'", c.CookieName))
	}
	c.resolveCookiePrefix(getenv, bad)
	if c.CookieMaxAge == 0 {
		if v := strings.TrimSpace(getenv("WORKOS_COOKIE_MAX_AGE")); v != "" {
			n, err := strconv.Atoi(v)
			// The upper bound keeps the duration from overflowing.
			if err != nil || n <= 0 || n > maxCookieMaxAgeSeconds {
				bad(configErr("WORKOS_COOKIE_MAX_AGE must be a positive number of seconds, e.g. 34560000 (400 days)"))
			} else {
				c.CookieMaxAge = time.Duration(n) * time.Second
			}
		} else {
			c.CookieMaxAge = DefaultCookieMaxAge
		}
	} else if c.CookieMaxAge < time.Second {
		bad(configErr("CookieMaxAge must be at least one second"))
	}
	if c.CookieSameSite == 0 {
		name := "WORKOS_COOKIE_SAMESITE"
		v := getenv(name)
		if strings.TrimSpace(v) == "" {
			name = "WORKOS_COOKIE_SAME_SITE"
			v = getenv(name)
		}
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "", "lax":
			c.CookieSameSite = http.SameSiteLaxMode
		case "strict":
			c.CookieSameSite = http.SameSiteStrictMode
		case "none":
			c.CookieSameSite = http.SameSiteNoneMode
		default:
			bad(configErr("%s must be lax, strict or none (got %q)", name, v))
		}
	}

	if c.APIBaseURL == "" {
		base, err := workos.BaseURLFromEnv(getenv)
		if err != nil {
			bad(fmt.Errorf("%w: %w", ErrConfig, err))
		}
		c.APIBaseURL = base
	}
	c.APIBaseURL = strings.TrimRight(c.APIBaseURL, "/")
	c.TrustedOrigins = resolveTrustedOrigins(c.TrustedOrigins, getenv, bad)
	if len(errs) > 0 {
		return c, errors.Join(errs...)
	}

	switch {
	case c.RefreshBuffer == 0:
		c.RefreshBuffer = DefaultRefreshBuffer
	case c.RefreshBuffer < 0:
		c.RefreshBuffer = 0
	}
	if c.RememberSessions == 0 {
		c.RememberSessions = DefaultRememberSessions
	}
	switch {
	case c.RefreshWait == 0:
		c.RefreshWait = DefaultRefreshWait
	case c.RefreshWait < 0:
		c.RefreshWait = time.Nanosecond // serve at once; the refresh goes on
	}
	if c.StoreTimeout <= 0 {
		c.StoreTimeout = DefaultStoreTimeout
	}
	if c.DefaultReturnTo = SafeReturnPath(c.DefaultReturnTo, "/"); c.DefaultReturnTo == "" {
		c.DefaultReturnTo = "/"
	}
	if c.SignInPath == "" || SafeReturnPath(c.SignInPath, "") != c.SignInPath {
		c.SignInPath = "/sign-in"
	}
	if c.SignOutReturnTo == "" {
		u, _ := url.Parse(c.RedirectURI)
		c.SignOutReturnTo = u.Scheme + "://" + u.Host + "/"
	}
	check, err := newOriginCheck(append([]string{c.appOrigin()}, c.TrustedOrigins...)...)
	if err != nil {
		return c, configErr("WORKOS_REDIRECT_URI's origin cannot be trusted (%v): use a plain https://host[:port]/path URL", err)
	}
	c.originCheck = check
	if c.JWKSCache == nil {
		c.JWKSCache = jwks.Shared()
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Store == nil {
		c.Store = NewMemoryStore(c.Clock)
	}
	c.ownIsAPIRequest = c.IsAPIRequest != nil
	if c.IsAPIRequest == nil {
		c.IsAPIRequest = DefaultIsAPIRequest
	}
	return c, nil
}

// Cookie name prefixes that browsers enforce (RFC 6265bis; matched
// without regard to case).
const (
	hostPrefix   = "__Host-"
	securePrefix = "__Secure-"
)

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// resolveCookiePrefix applies HostPrefix (or WORKOS_COOKIE_HOST_PREFIX) to
// the cookie name, and refuses what browsers would then refuse to store.
func (c *Config) resolveCookiePrefix(getenv func(string) string, bad func(error)) {
	const setting = "WORKOS_COOKIE_HOST_PREFIX (or a WORKOS_COOKIE_NAME starting with __Host-)"
	if !c.HostPrefix {
		if v := strings.TrimSpace(getenv("WORKOS_COOKIE_HOST_PREFIX")); v != "" {
			on, err := strconv.ParseBool(v)
			if err != nil {
				bad(configErr("WORKOS_COOKIE_HOST_PREFIX must be true or false (got %q)", v))
			}
			c.HostPrefix = on
		}
	}
	switch {
	case hasPrefixFold(c.CookieName, hostPrefix):
		c.HostPrefix = true
	case c.HostPrefix:
		c.CookieName = hostPrefix + c.CookieName
	}
	https := hasPrefixFold(c.RedirectURI, "https://")
	if c.HostPrefix {
		if c.CookieDomain != "" {
			bad(configErr("%s cannot be used with WORKOS_COOKIE_DOMAIN: browsers refuse a __Host- cookie with a Domain; unset one of them", setting))
		}
		if c.RedirectURI != "" && !https {
			bad(configErr("%s needs an https WORKOS_REDIRECT_URI: a __Host- cookie must be Secure, and browsers refuse Secure cookies from plain http", setting))
		}
	} else if hasPrefixFold(c.CookieName, securePrefix) && c.RedirectURI != "" && !https {
		bad(configErr("WORKOS_COOKIE_NAME starting with __Secure- needs an https WORKOS_REDIRECT_URI: browsers refuse such a cookie from plain http"))
	}
}

// verifierPrefix is the name prefix of the sign-in verifier cookies.
func (c *Config) verifierPrefix() string {
	if c.HostPrefix {
		return hostPrefix + DefaultVerifierPrefix
	}
	return DefaultVerifierPrefix
}

// resolveTrustedOrigins normalizes the configured trusted origins (from
// WORKOS_TRUSTED_ORIGINS when none are set in code), reporting each invalid
// one to bad.
func resolveTrustedOrigins(origins []string, getenv func(string) string, bad func(error)) []string {
	if len(origins) == 0 {
		for o := range strings.SplitSeq(getenv("WORKOS_TRUSTED_ORIGINS"), ",") {
			if o = strings.TrimSpace(o); o != "" {
				origins = append(origins, o)
			}
		}
	}
	var out []string
	for _, o := range origins {
		n, ok := parseOrigin(strings.TrimSpace(o))
		if !ok {
			bad(configErr("WORKOS_TRUSTED_ORIGINS (Config.TrustedOrigins) holds %q, which is not an origin: use scheme://host[:port] with http or https, e.g. https://www.example.com (no path, no wildcard)", o))
			continue
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func validCookieName(s string) bool {
	for _, r := range s {
		if !(r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return s != ""
}

// secure reports whether cookies get the Secure attribute.
func (c *Config) secure() bool {
	// Compare the scheme case-insensitively: resolve accepts
	// "HTTPS://app.example.com/callback" (url.Parse lowercases the scheme),
	// and such a site must still get Secure cookies.
	return len(c.RedirectURI) >= 8 && strings.EqualFold(c.RedirectURI[:8], "https://") || c.CookieSameSite == http.SameSiteNoneMode
}
