package authkit

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/authkit-go/authkit/core/token"
)

// User is the signed-in WorkOS user, with the camelCase JSON field names of
// the session cookie written by the Node AuthKit libraries.
//
// The fields are a typed view (a JSON null reads as ""). A User read from a
// session cookie or a WorkOS response also keeps the whole JSON object it
// came from, and writes it back as it was: fields this struct does not
// model (such as "name"), and nulls, survive; a field changed in the struct
// is written with its new value. See RawField.
type User struct {
	Object            string            `json:"object"`
	ID                string            `json:"id"`
	Email             string            `json:"email"`
	EmailVerified     bool              `json:"emailVerified"`
	FirstName         string            `json:"firstName"`
	LastName          string            `json:"lastName"`
	ProfilePictureURL string            `json:"profilePictureUrl"`
	LastSignInAt      string            `json:"lastSignInAt,omitempty"`
	ExternalID        string            `json:"externalId,omitempty"`
	Locale            string            `json:"locale,omitempty"`
	Metadata          map[string]string `json:"metadata"`
	CreatedAt         string            `json:"createdAt"`
	UpdatedAt         string            `json:"updatedAt"`

	// raw is the JSON object the user was read from ("" for a User built
	// in code), parsed again when a field is asked for. Text rather than a
	// map keeps a remembered session small: it is a substring of the
	// session's payload.
	raw string
}

// Name is the user's full name (first and last name, else WorkOS's "name"),
// or the email when WorkOS has no name.
func (u User) Name() string {
	if n := strings.TrimSpace(u.FirstName + " " + u.LastName); n != "" {
		return n
	}
	var name string
	if json.Unmarshal(u.rawMap()["name"], &name) == nil && strings.TrimSpace(name) != "" {
		return strings.TrimSpace(name)
	}
	return u.Email
}

// Impersonator is set when a WorkOS admin is signed in as the user.
type Impersonator struct {
	Email  string `json:"email"`
	Reason string `json:"reason,omitempty"`
}

// Source says where a request's credentials came from.
type Source string

// The credential sources.
const (
	SourceCookie Source = "cookie"
	SourceBearer Source = "bearer"
	// SourceAPIKey: a WorkOS API key in Authorization: Bearer
	// (Config.AcceptAPIKeys); Auth.APIKey describes it.
	SourceAPIKey Source = "api_key"
)

// Auth is the authenticated identity of a request.
type Auth struct {
	User                 User          `json:"user"`
	SessionID            string        `json:"sessionId"`
	OrganizationID       string        `json:"organizationId,omitempty"`
	Role                 string        `json:"role,omitempty"`
	Roles                []string      `json:"roles,omitempty"`
	Permissions          []string      `json:"permissions,omitempty"`
	Entitlements         []string      `json:"entitlements,omitempty"`
	FeatureFlags         []string      `json:"featureFlags,omitempty"`
	Impersonator         *Impersonator `json:"impersonator,omitempty"`
	AuthenticationMethod string        `json:"authenticationMethod,omitempty"`
	// AccessToken is the verified WorkOS access token, for calling other APIs.
	AccessToken string `json:"-"`
	// ExpiresAt is when AccessToken expires.
	ExpiresAt time.Time `json:"expiresAt"`
	// IssuedAt is when AccessToken was issued: the time of the last sign-in
	// or refresh.
	IssuedAt time.Time `json:"issuedAt"`
	// AuthenticatedAt is when the user last signed in (not refreshed),
	// for RequireRecentAuth; zero when unknown (a bearer token, or a
	// session written or refreshed by a Node app).
	AuthenticatedAt time.Time `json:"authenticatedAt,omitzero"`
	// Source says whether the credentials came from the session cookie,
	// an access token or a WorkOS API key in Authorization: Bearer.
	Source Source `json:"source"`
	// APIKey describes the WorkOS API key of a request whose Source is
	// SourceAPIKey (nil otherwise). User.ID is the key's owner when a user
	// owns it; OrganizationID and Permissions are the key's.
	APIKey *APIKeyInfo `json:"apiKey,omitempty"`
	// Claims are the verified access-token claims, custom ones included.
	// They may be shared between requests: read, never modify.
	Claims *token.Claims `json:"-"`
}

// HasRole reports whether the session has role, as its main role or among
// its roles.
func (a *Auth) HasRole(role string) bool {
	return a != nil && (a.Role == role || slices.Contains(a.Roles, role))
}

// HasPermission reports whether the session's token grants permission.
func (a *Auth) HasPermission(permission string) bool {
	return a != nil && slices.Contains(a.Permissions, permission)
}

type ctxKey struct{}

// NewContext returns a copy of ctx carrying auth. Adapters call it so that
// code which only sees a context.Context can read the session.
func NewContext(ctx context.Context, auth *Auth) context.Context {
	return context.WithValue(ctx, ctxKey{}, auth)
}

// FromContext returns the request's Auth, or nil when it is not signed in.
func FromContext(ctx context.Context) *Auth {
	a, _ := ctx.Value(ctxKey{}).(*Auth)
	return a
}

// authFromClaims builds the Auth of a verified token.
func authFromClaims(c *token.Claims, raw string, src Source) *Auth {
	return &Auth{
		User:           User{ID: c.Subject},
		SessionID:      c.SessionID,
		OrganizationID: c.OrganizationID,
		Role:           c.Role,
		Roles:          slices.Clone(c.Roles),
		Permissions:    slices.Clone(c.Permissions),
		Entitlements:   slices.Clone(c.Entitlements),
		FeatureFlags:   slices.Clone(c.FeatureFlags),
		AccessToken:    raw,
		ExpiresAt:      c.ExpiresAt,
		IssuedAt:       c.IssuedAt,
		Source:         src,
		Claims:         c,
	}
}
