package token

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/authkit-go/authkit/core/internal/strictjson"
)

// ErrClaimNotPresent is returned by Claims.Get for a claim the token lacks.
var ErrClaimNotPresent = errors.New("token: claim not present")

// Claims are the claims of a verified access token.
type Claims struct {
	// Issuer is iss.
	Issuer string
	// Subject is sub, the WorkOS user ID.
	Subject string
	// SessionID is sid.
	SessionID string
	// OrganizationID is org_id.
	OrganizationID string
	// Role is role.
	Role string
	// JTI is jti.
	JTI string
	// Audience is aud (a single string becomes a one-element slice).
	Audience []string
	// Roles is roles.
	Roles []string
	// Permissions is permissions.
	Permissions []string
	// Entitlements is entitlements.
	Entitlements []string
	// FeatureFlags is feature_flags.
	FeatureFlags []string
	// IssuedAt is iat (zero if absent).
	IssuedAt time.Time
	// ExpiresAt is exp (always present in a verified token).
	ExpiresAt time.Time
	// NotBefore is nbf (zero if absent).
	NotBefore time.Time
	// Actor is act, set when an admin impersonates the user.
	Actor *Actor
	// Raw holds every claim by exact name, including custom ones.
	Raw map[string]json.RawMessage
}

// Actor is the "act" claim: who is acting on behalf of the subject.
type Actor struct {
	// Subject is act.sub, e.g. the impersonating admin's email or ID.
	Subject string
}

// Get decodes the raw claim name into v with encoding/json. It returns an
// error matching ErrClaimNotPresent if the token has no such claim.
func (c *Claims) Get(name string, v any) error {
	raw, ok := c.Raw[name]
	if !ok {
		return fmt.Errorf("%w: %q", ErrClaimNotPresent, name)
	}
	return json.Unmarshal(raw, v)
}

// parseClaims reads the registered and WorkOS claims by exact name, checking
// their types. A claim with JSON null is treated as absent, except aud.
func parseClaims(obj *object) (*Claims, error) {
	raw := obj.rawMap()
	c := &Claims{Raw: raw}
	strs := [...]struct {
		name string
		dst  *string
	}{
		{"iss", &c.Issuer}, {"sub", &c.Subject}, {"sid", &c.SessionID},
		{"org_id", &c.OrganizationID}, {"role", &c.Role}, {"jti", &c.JTI},
	}
	for _, f := range strs {
		if err := getString(obj, f.name, f.dst); err != nil {
			return nil, err
		}
	}
	lists := [...]struct {
		name string
		dst  *[]string
	}{
		{"roles", &c.Roles}, {"permissions", &c.Permissions},
		{"entitlements", &c.Entitlements}, {"feature_flags", &c.FeatureFlags},
	}
	for _, f := range lists {
		if m, ok := obj.get(f.name); ok && m.Text != "null" {
			if err := stringList(m.Text, f.dst); err != nil {
				return nil, fmt.Errorf("claim %q must be an array of strings", f.name)
			}
		}
	}
	// aud is the one claim where null is not read as absent: a token that
	// names an audience field must name an audience, so "aud": null (which
	// would otherwise skip the audience check) is malformed.
	if m, ok := obj.get("aud"); ok {
		if m.Text == "null" {
			return nil, errors.New(`claim "aud" must be a string or an array of strings, not null`)
		} else if one, ok := strictjson.String(m.Text); ok {
			c.Audience = []string{one}
		} else if err := stringList(m.Text, &c.Audience); err != nil {
			return nil, errors.New(`claim "aud" must be a string or an array of strings`)
		}
	}
	if _, ok := present(raw, "exp"); !ok {
		return nil, errors.New(`claim "exp" is required`)
	}
	dates := [...]struct {
		name string
		dst  *time.Time
	}{{"iat", &c.IssuedAt}, {"exp", &c.ExpiresAt}, {"nbf", &c.NotBefore}}
	for _, f := range dates {
		if r, ok := present(raw, f.name); ok {
			t, err := numericDate(r)
			if err != nil {
				return nil, fmt.Errorf("claim %q: %v", f.name, err)
			}
			*f.dst = t
		}
	}
	if r, ok := present(raw, "act"); ok {
		var buf objectBuf
		act, err := decodeObject(buf[:0], r)
		if err != nil {
			return nil, errors.New(`claim "act" must be an object`)
		}
		c.Actor = &Actor{}
		if err := getString(&act, "sub", &c.Actor.Subject); err != nil {
			return nil, fmt.Errorf(`claim "act": %v`, err)
		}
	}
	return c, nil
}

func present(raw map[string]json.RawMessage, name string) (json.RawMessage, bool) {
	r, ok := raw[name]
	if !ok || string(r) == "null" {
		return nil, false
	}
	return r, true
}

func getString(obj *object, name string, dst *string) error {
	m, ok := obj.get(name)
	if !ok || m.Text == "null" {
		return nil
	}
	s, ok := strictjson.String(m.Text)
	if !ok {
		return fmt.Errorf("claim %q must be a string", name)
	}
	*dst = s
	return nil
}

// stringList decodes a JSON array of strings (the text of a value that
// strictjson validated) as json.Unmarshal into a []string does. Arrays of
// plain strings (all that issuers write) become substrings of it; anything
// else goes through encoding/json, for its exact semantics (a null element
// reads as "").
func stringList(text string, dst *[]string) error {
	if len(text) >= 2 && text[0] == '[' {
		if list, ok := plainStrings(text); ok {
			*dst = list
			return nil
		}
	}
	return json.Unmarshal([]byte(text), dst)
}

// plainStrings reads an array whose elements are all strings without
// escapes; ok is false for any other.
func plainStrings(r string) (list []string, ok bool) {
	list = make([]string, 0, strings.Count(r, `"`)/2)
	for i := 1; ; {
		i += skipSpace(r[i:])
		if r[i] == ']' && len(list) == 0 {
			return list, true
		}
		if r[i] != '"' {
			return nil, false
		}
		j := strings.IndexByte(r[i+1:], '"')
		s := r[i+1 : i+1+j]
		if strings.IndexByte(s, '\\') >= 0 {
			return nil, false
		}
		list = append(list, s)
		i += j + 2
		i += skipSpace(r[i:])
		if r[i] == ']' {
			return list, true
		}
		i++ // ','
	}
}

func skipSpace(b string) int {
	n := 0
	for n < len(b) && (b[n] == ' ' || b[n] == '\t' || b[n] == '\n' || b[n] == '\r') {
		n++
	}
	return n
}
