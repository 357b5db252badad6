package authkittest

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// apiKeys is the emulator's store of WorkOS API keys (guarded by
// Emulator.mu). Values are kept as SHA-256 digests only.
type apiKeys struct {
	byID map[string]*apiKey
	seq  int
}

func newAPIKeys() apiKeys { return apiKeys{byID: map[string]*apiKey{}} }

type apiKey struct {
	id        string
	seq       int
	digest    [32]byte
	last4     string
	ownerType string // "organization" or "user"
	ownerID   string
	orgID     string // the organization a user key can access
	name      string
	perms     []string
	created   time.Time
	lastUsed  time.Time
}

// APIKeyParams describe a key for CreateAPIKey: an organization key
// (UserID empty) or a key of a user within OrganizationID, where the user
// must be a member.
type APIKeyParams struct {
	OrganizationID string
	UserID         string
	Name           string
	Permissions    []string
}

// CreatedAPIKey is a new key: its ID and its value, which nothing returns
// again.
type CreatedAPIKey struct {
	ID    string
	Value string
}

// CreateAPIKey creates an API key as POST /organizations/{id}/api_keys or
// POST /user_management/users/{id}/api_keys does.
func (e *Emulator) CreateAPIKey(p APIKeyParams) (CreatedAPIKey, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	k, value, err := e.createAPIKeyLocked(p)
	if err != nil {
		return CreatedAPIKey{}, err
	}
	return CreatedAPIKey{ID: k.id, Value: value}, nil
}

// DeleteAPIKey deletes a key as DELETE /api_keys/{id} does; it reports
// whether the key existed. Validating its value then answers
// {"api_key": null}.
func (e *Emulator) DeleteAPIKey(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.keys.byID[id]
	delete(e.keys.byID, id)
	return ok
}

var (
	errAPIKeyName       = errors.New("authkittest: API key name is required")
	errAPIKeyOrg        = errors.New("authkittest: organization not found")
	errAPIKeyUser       = errors.New("authkittest: user not found")
	errAPIKeyMembership = errors.New("authkittest: the user has no active membership in the organization")
)

func (e *Emulator) createAPIKeyLocked(p APIKeyParams) (*apiKey, string, error) {
	if strings.TrimSpace(p.Name) == "" {
		return nil, "", errAPIKeyName
	}
	if _, ok := e.orgLocked(p.OrganizationID); !ok {
		return nil, "", fmt.Errorf("%w: %q", errAPIKeyOrg, p.OrganizationID)
	}
	k := &apiKey{ownerType: "organization", ownerID: p.OrganizationID, name: p.Name, perms: append([]string{}, p.Permissions...), created: e.clock()}
	if p.UserID != "" {
		u, ok := e.userByIDLocked(p.UserID)
		if !ok {
			return nil, "", fmt.Errorf("%w: %q", errAPIKeyUser, p.UserID)
		}
		if _, ok := u.membership(p.OrganizationID); !ok {
			return nil, "", errAPIKeyMembership
		}
		k.ownerType, k.ownerID, k.orgID = "user", u.ID, p.OrganizationID
	}
	value := "sk_" + newSecret(30)
	e.keys.seq++
	k.id, k.seq = newID("api_key_"), e.keys.seq
	k.digest = sha256.Sum256([]byte(value))
	k.last4 = value[len(value)-4:]
	e.keys.byID[k.id] = k
	e.log.Debug("authkittest: API key created", "api_key", k.id, "owner", k.ownerID)
	return k, value, nil
}

// wireAPIKey is the ApiKey object (with value only at creation).
type wireAPIKey struct {
	Object          string       `json:"object"`
	ID              string       `json:"id"`
	Owner           wireKeyOwner `json:"owner"`
	Name            string       `json:"name"`
	ObfuscatedValue string       `json:"obfuscated_value"`
	LastUsedAt      *string      `json:"last_used_at"`
	Permissions     []string     `json:"permissions"`
	CreatedAt       string       `json:"created_at"`
	UpdatedAt       string       `json:"updated_at"`
	Value           string       `json:"value,omitempty"`
}

type wireKeyOwner struct {
	Type           string `json:"type"`
	ID             string `json:"id"`
	OrganizationID string `json:"organization_id,omitempty"`
}

func (k *apiKey) wire() wireAPIKey {
	w := wireAPIKey{
		Object: "api_key", ID: k.id,
		Owner: wireKeyOwner{Type: k.ownerType, ID: k.ownerID, OrganizationID: k.orgID},
		Name:  k.name, ObfuscatedValue: "sk_..." + k.last4, Permissions: append([]string{}, k.perms...),
		CreatedAt: wireTime(k.created), UpdatedAt: wireTime(k.created),
	}
	if !k.lastUsed.IsZero() {
		t := wireTime(k.lastUsed)
		w.LastUsedAt = &t
	}
	return w
}

// createBody is the body of both create endpoints.
type createBody struct {
	Name           string   `json:"name"`
	OrganizationID string   `json:"organization_id"`
	Permissions    []string `json:"permissions"`
}

func validationFailed(w http.ResponseWriter, status int, field string) {
	writeJSON(w, status, map[string]any{
		"message": "Validation failed.",
		"errors":  []map[string]string{{"code": "required", "field": field}},
	})
}

// handleCreateOrgAPIKey is POST /organizations/{id}/api_keys: 201 with the
// key and its value; 404 for an unknown organization, 422 without a name.
func (e *Emulator) handleCreateOrgAPIKey(w http.ResponseWriter, r *http.Request) {
	if e.hit(w, r, EndpointCreateAPIKey) {
		return
	}
	if !e.apiKeyOK(r) {
		unauthorized(w)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	var b createBody
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil || strings.TrimSpace(b.Name) == "" {
		validationFailed(w, http.StatusUnprocessableEntity, "name")
		return
	}
	e.mu.Lock()
	k, value, err := e.createAPIKeyLocked(APIKeyParams{OrganizationID: r.PathValue("id"), Name: b.Name, Permissions: b.Permissions})
	var out wireAPIKey
	if err == nil {
		out = k.wire()
		out.Value = value
	}
	e.mu.Unlock()
	if err != nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Organization not found: '" + r.PathValue("id") + "'."})
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

// handleCreateUserAPIKey is POST /user_management/users/{id}/api_keys: 201
// with the key and its value; 404 for an unknown user or organization, 400
// without a name or organization_id, 422 when the user is not a member of
// the organization.
func (e *Emulator) handleCreateUserAPIKey(w http.ResponseWriter, r *http.Request) {
	if e.hit(w, r, EndpointCreateAPIKey) {
		return
	}
	if !e.apiKeyOK(r) {
		unauthorized(w)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	var b createBody
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil || strings.TrimSpace(b.Name) == "" {
		validationFailed(w, http.StatusBadRequest, "name")
		return
	}
	if b.OrganizationID == "" {
		validationFailed(w, http.StatusBadRequest, "organization_id")
		return
	}
	e.mu.Lock()
	k, value, err := e.createAPIKeyLocked(APIKeyParams{UserID: r.PathValue("id"), OrganizationID: b.OrganizationID, Name: b.Name, Permissions: b.Permissions})
	var out wireAPIKey
	if err == nil {
		out = k.wire()
		out.Value = value
	}
	e.mu.Unlock()
	switch {
	case errors.Is(err, errAPIKeyUser):
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "User not found: '" + r.PathValue("id") + "'."})
	case errors.Is(err, errAPIKeyOrg):
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Organization not found: '" + b.OrganizationID + "'."})
	case err != nil:
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "The user does not have an active membership in the organization."})
	default:
		writeJSON(w, http.StatusCreated, out)
	}
}

// listAPIKeysLocked answers a list of the keys match selects, paged.
func (e *Emulator) listAPIKeysLocked(w http.ResponseWriter, r *http.Request, match func(*apiKey) bool) {
	var all []*apiKey
	for _, k := range e.keys.byID {
		if match(k) {
			all = append(all, k)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].seq < all[j].seq })
	page, meta, ok := paginate(r.URL.Query(), len(all), func(i int) string { return all[i].id }, func(int) bool { return true })
	if !ok {
		invalidParams(w)
		return
	}
	resp := struct {
		Object       string           `json:"object"`
		Data         []wireAPIKey     `json:"data"`
		ListMetadata wireListMetadata `json:"list_metadata"`
	}{Object: "list", Data: []wireAPIKey{}, ListMetadata: meta}
	for _, i := range page {
		resp.Data = append(resp.Data, all[i].wire())
	}
	writeJSON(w, http.StatusOK, resp)
}

// handleListOrgAPIKeys is GET /organizations/{id}/api_keys: the
// organization's own keys (not its users' keys).
func (e *Emulator) handleListOrgAPIKeys(w http.ResponseWriter, r *http.Request) {
	if e.hit(w, r, EndpointListAPIKeys) {
		return
	}
	if !e.apiKeyOK(r) {
		unauthorized(w)
		return
	}
	id := r.PathValue("id")
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.orgLocked(id); !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Organization not found: '" + id + "'."})
		return
	}
	e.listAPIKeysLocked(w, r, func(k *apiKey) bool { return k.ownerType == "organization" && k.ownerID == id })
}

// handleListUserAPIKeys is GET /user_management/users/{id}/api_keys,
// optionally filtered by organization_id.
func (e *Emulator) handleListUserAPIKeys(w http.ResponseWriter, r *http.Request) {
	if e.hit(w, r, EndpointListAPIKeys) {
		return
	}
	if !e.apiKeyOK(r) {
		unauthorized(w)
		return
	}
	id, orgID := r.PathValue("id"), r.URL.Query().Get("organization_id")
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.userByIDLocked(id); !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "User not found: '" + id + "'."})
		return
	}
	e.listAPIKeysLocked(w, r, func(k *apiKey) bool {
		return k.ownerType == "user" && k.ownerID == id && (orgID == "" || k.orgID == orgID)
	})
}

// handleDeleteAPIKey is DELETE /api_keys/{id}: 204, or 404.
func (e *Emulator) handleDeleteAPIKey(w http.ResponseWriter, r *http.Request) {
	if e.hit(w, r, EndpointDeleteAPIKey) {
		return
	}
	if !e.apiKeyOK(r) {
		unauthorized(w)
		return
	}
	if !e.DeleteAPIKey(r.PathValue("id")) {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "API key not found: '" + r.PathValue("id") + "'."})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// handleValidateAPIKey is POST /api_keys/validations: 200 {"api_key": key}
// for a live key (and last_used_at set to now), 200 {"api_key": null} for
// any other value, 422 without a value.
func (e *Emulator) handleValidateAPIKey(w http.ResponseWriter, r *http.Request) {
	if e.hit(w, r, EndpointValidateAPIKey) {
		return
	}
	if !e.apiKeyOK(r) {
		unauthorized(w)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	var b struct {
		Value string `json:"value"`
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil || b.Value == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "value is required."})
		return
	}
	digest := sha256.Sum256([]byte(b.Value))
	e.mu.Lock()
	var found *wireAPIKey
	for _, k := range e.keys.byID {
		if k.digest == digest { // digests of random values: no timing oracle worth guarding
			k.lastUsed = e.clock()
			wk := k.wire()
			found = &wk
			break
		}
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]*wireAPIKey{"api_key": found})
}
