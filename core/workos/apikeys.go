package workos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// API key owner types (APIKeyOwner.Type).
const (
	APIKeyOwnerOrganization = "organization"
	APIKeyOwnerUser         = "user"
)

// APIKeyOwner is the entity an API key belongs to: an organization, or a
// user acting within one organization (OrganizationID set).
type APIKeyOwner struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	// OrganizationID is the organization a user-owned key can access ("" for
	// organization keys).
	OrganizationID string `json:"organization_id,omitempty"`
}

// APIKey is a WorkOS API key as POST /api_keys/validations returns it: no
// secret value, only its obfuscated form. Timestamps are ISO 8601 strings;
// LastUsedAt is "" when the key was never used.
type APIKey struct {
	Object          string      `json:"object"`
	ID              string      `json:"id"`
	Owner           APIKeyOwner `json:"owner"`
	Name            string      `json:"name"`
	ObfuscatedValue string      `json:"obfuscated_value"`
	LastUsedAt      string      `json:"last_used_at"`
	Permissions     []string    `json:"permissions"`
	CreatedAt       string      `json:"created_at"`
	UpdatedAt       string      `json:"updated_at"`
}

// OrganizationID returns the organization the key acts for: the owner for
// an organization key, Owner.OrganizationID for a user key.
func (k *APIKey) OrganizationID() string {
	if k.Owner.Type == APIKeyOwnerOrganization {
		return k.Owner.ID
	}
	return k.Owner.OrganizationID
}

// ErrAPIKeyInvalid is returned by ValidateAPIKey when WorkOS does not know
// the value as a live API key (never issued, deleted, or empty). It is
// terminal, not transient.
var ErrAPIKeyInvalid = errors.New("workos: API key is not valid")

// ValidateAPIKey asks WorkOS whether value is a live API key
// (POST /api_keys/validations, authenticated with this client's API key)
// and returns it. An unknown or deleted key is ErrAPIKeyInvalid (WorkOS
// answers 200 {"api_key": null}); other failures are *APIError (401: this
// client's own API key was refused), *TransportError or
// ErrMalformedResponse values, as for every call. value never appears in
// errors.
func (c *Client) ValidateAPIKey(ctx context.Context, value string) (*APIKey, error) {
	if value == "" {
		return nil, ErrAPIKeyInvalid
	}
	if c.apiKey == "" {
		return nil, errors.New("workos: ValidateAPIKey: Config.APIKey is required")
	}
	status, data, err := c.do(ctx, http.MethodPost, "/api_keys/validations", "", nil, map[string]string{"value": value}, true)
	if err != nil {
		return nil, err
	}
	var out map[string]json.RawMessage
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("%w: status %d: %v", ErrMalformedResponse, status, jsonErrSummary(err))
	}
	raw, ok := out["api_key"]
	if !ok {
		return nil, fmt.Errorf("%w: status %d: missing api_key", ErrMalformedResponse, status)
	}
	if string(raw) == "null" {
		return nil, ErrAPIKeyInvalid
	}
	var k APIKey
	if err := json.Unmarshal(raw, &k); err != nil {
		return nil, fmt.Errorf("%w: status %d: %v", ErrMalformedResponse, status, jsonErrSummary(err))
	}
	if k.ID == "" || k.Owner.ID == "" || (k.Owner.Type != APIKeyOwnerOrganization && k.Owner.Type != APIKeyOwnerUser) {
		return nil, fmt.Errorf("%w: status %d: api_key without id or owner", ErrMalformedResponse, status)
	}
	return &k, nil
}
