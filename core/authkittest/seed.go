package authkittest

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
)

// Stable IDs of the default seed, so tests can name them.
const (
	// AcmeOrgID is "Acme Corp".
	AcmeOrgID = "org_01HACME0000000000000000000"
	// GlobexOrgID is "Globex Corporation".
	GlobexOrgID = "org_01HG10BEX00000000000000000"
	// AdminUserID is admin@example.com: admin of Acme Corp.
	AdminUserID = "user_01HADM1N000000000000000000"
	// MultiOrgUserID is multi@example.com: member of Acme Corp, admin of Globex.
	MultiOrgUserID = "user_01HMVLT10RG000000000000000"
	// PlainUserID is plain@example.com: no organization.
	PlainUserID = "user_01HP1A1N000000000000000000"
)

// Default seed email addresses.
const (
	AdminEmail    = "admin@example.com"
	MultiOrgEmail = "multi@example.com"
	PlainEmail    = "plain@example.com"
)

// Seed is the emulator's initial directory: organizations and users. It is
// the JSON format read by LoadSeed:
//
//	{"organizations": [{"id": "org_...", "name": "Acme Corp",
//	                    "entitlements": ["audit-logs"], "feature_flags": ["beta"]}],
//	 "users": [{"id": "user_...", "email": "a@example.com", "first_name": "A",
//	            "last_name": "B", "profile_picture_url": "",
//	            "impersonator": {"email": "support@example.com", "reason": "ticket 1"},
//	            "memberships": [{"organization_id": "org_...", "role": "admin",
//	                             "roles": ["admin"], "permissions": ["posts:read"]}]}]}
//
// IDs are optional (derived from email / name when missing); roles default to
// [role]; role defaults to "member".
type Seed struct {
	Organizations []Organization `json:"organizations"`
	Users         []User         `json:"users"`
}

// Organization is a seeded WorkOS organization.
type Organization struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Entitlements []string `json:"entitlements,omitempty"`
	FeatureFlags []string `json:"feature_flags,omitempty"`
}

// User is a seeded WorkOS user and their organization memberships.
type User struct {
	ID                string `json:"id"`
	Email             string `json:"email"`
	FirstName         string `json:"first_name,omitempty"`
	LastName          string `json:"last_name,omitempty"`
	ProfilePictureURL string `json:"profile_picture_url,omitempty"`
	// ExternalID, Locale and Metadata are returned as WorkOS returns them
	// (null when empty; metadata {}).
	ExternalID  string            `json:"external_id,omitempty"`
	Locale      string            `json:"locale,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	Memberships []Membership      `json:"memberships,omitempty"`
	// Impersonator, when set, makes every session of this user an
	// impersonation session (authentication_method "Impersonation",
	// "impersonator" in the response, "act" claim in the access token).
	Impersonator *Impersonator `json:"impersonator,omitempty"`
}

// Name returns "First Last", or the email when both are empty.
func (u User) Name() string {
	n := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if n == "" {
		return u.Email
	}
	return n
}

// Membership is a user's role in an organization.
type Membership struct {
	OrganizationID   string   `json:"organization_id"`
	OrganizationName string   `json:"organization_name,omitempty"`
	Role             string   `json:"role"`
	Roles            []string `json:"roles,omitempty"`
	Permissions      []string `json:"permissions,omitempty"`
}

// Impersonator is the dashboard user impersonating a seeded user.
type Impersonator struct {
	Email  string `json:"email"`
	Reason string `json:"reason,omitempty"`
}

// DefaultSeed returns the built-in directory: admin@example.com (admin of
// Acme Corp), multi@example.com (member of Acme Corp, admin of Globex
// Corporation) and plain@example.com (no organization).
func DefaultSeed() Seed {
	all := []string{"posts:read", "posts:write", "users:manage"}
	return Seed{
		Organizations: []Organization{
			{ID: AcmeOrgID, Name: "Acme Corp", Entitlements: []string{"audit-logs"}, FeatureFlags: []string{"new-dashboard"}},
			{ID: GlobexOrgID, Name: "Globex Corporation"},
		},
		Users: []User{
			{ID: AdminUserID, Email: AdminEmail, FirstName: "Ada", LastName: "Admin", Memberships: []Membership{
				{OrganizationID: AcmeOrgID, Role: "admin", Roles: []string{"admin"}, Permissions: all},
			}},
			{ID: MultiOrgUserID, Email: MultiOrgEmail, FirstName: "Morgan", LastName: "Multi", Memberships: []Membership{
				{OrganizationID: AcmeOrgID, Role: "member", Roles: []string{"member"}, Permissions: []string{"posts:read"}},
				{OrganizationID: GlobexOrgID, Role: "admin", Roles: []string{"admin"}, Permissions: all},
			}},
			{ID: PlainUserID, Email: PlainEmail, FirstName: "Pat", LastName: "Plain"},
		},
	}
}

// LoadSeed reads a JSON seed (see Seed) and validates it.
func LoadSeed(r io.Reader) (Seed, error) {
	var s Seed
	dec := json.NewDecoder(io.LimitReader(r, 4<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Seed{}, fmt.Errorf("authkittest: seed: %w", err)
	}
	return s.normalize()
}

func stableID(prefix, key string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(key)))
	return prefix + "01" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:])[:24]
}

// normalize fills defaults and checks references; it returns a deep copy.
func (s Seed) normalize() (Seed, error) {
	out := Seed{}
	orgNames := map[string]string{}
	for _, o := range s.Organizations {
		if strings.TrimSpace(o.Name) == "" {
			return Seed{}, errors.New("authkittest: seed: organization without name")
		}
		if o.ID == "" {
			o.ID = stableID("org_", o.Name)
		}
		if _, dup := orgNames[o.ID]; dup {
			return Seed{}, fmt.Errorf("authkittest: seed: duplicate organization id %q", o.ID)
		}
		orgNames[o.ID] = o.Name
		o.Entitlements = append([]string(nil), o.Entitlements...)
		o.FeatureFlags = append([]string(nil), o.FeatureFlags...)
		out.Organizations = append(out.Organizations, o)
	}
	ids, emails := map[string]bool{}, map[string]bool{}
	for _, u := range s.Users {
		u.Email = strings.TrimSpace(u.Email)
		if !strings.Contains(u.Email, "@") {
			return Seed{}, fmt.Errorf("authkittest: seed: user %q: invalid email", u.Email)
		}
		if u.ID == "" {
			u.ID = stableID("user_", u.Email)
		}
		le := strings.ToLower(u.Email)
		if ids[u.ID] || emails[le] {
			return Seed{}, fmt.Errorf("authkittest: seed: duplicate user %q", u.Email)
		}
		ids[u.ID], emails[le] = true, true
		var ms []Membership
		seen := map[string]bool{}
		for _, m := range u.Memberships {
			name, ok := orgNames[m.OrganizationID]
			if !ok {
				return Seed{}, fmt.Errorf("authkittest: seed: user %q: unknown organization %q", u.Email, m.OrganizationID)
			}
			if seen[m.OrganizationID] {
				return Seed{}, fmt.Errorf("authkittest: seed: user %q: duplicate membership %q", u.Email, m.OrganizationID)
			}
			seen[m.OrganizationID] = true
			m.OrganizationName = name
			if m.Role == "" {
				m.Role = "member"
			}
			if len(m.Roles) == 0 {
				m.Roles = []string{m.Role}
			} else {
				m.Roles = append([]string(nil), m.Roles...)
			}
			m.Permissions = append([]string{}, m.Permissions...)
			ms = append(ms, m)
		}
		u.Memberships = ms
		if u.Impersonator != nil {
			imp := *u.Impersonator
			u.Impersonator = &imp
		}
		out.Users = append(out.Users, u)
	}
	return out, nil
}

// copyUser returns a deep copy safe to hand to callers.
func copyUser(u User) User {
	c := u
	c.Metadata = maps.Clone(u.Metadata)
	c.Memberships = nil
	for _, m := range u.Memberships {
		m.Roles = append([]string(nil), m.Roles...)
		m.Permissions = append([]string(nil), m.Permissions...)
		c.Memberships = append(c.Memberships, m)
	}
	if u.Impersonator != nil {
		imp := *u.Impersonator
		c.Impersonator = &imp
	}
	return c
}

// membership returns u's membership in orgID.
func (u User) membership(orgID string) (Membership, bool) {
	for _, m := range u.Memberships {
		if m.OrganizationID == orgID {
			return m, true
		}
	}
	return Membership{}, false
}
