package workos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Organization is a WorkOS organization (GET /organizations/{id}).
// Nullable string fields decode to "" when null.
type Organization struct {
	Object     string               `json:"object"`
	ID         string               `json:"id"`
	Name       string               `json:"name"`
	Domains    []OrganizationDomain `json:"domains"`
	Metadata   map[string]string    `json:"metadata,omitempty"`
	ExternalID string               `json:"external_id"`
	CreatedAt  string               `json:"created_at"`
	UpdatedAt  string               `json:"updated_at"`
}

// OrganizationDomain is one of an organization's domains.
type OrganizationDomain struct {
	Object               string `json:"object"`
	ID                   string `json:"id"`
	OrganizationID       string `json:"organization_id"`
	Domain               string `json:"domain"`
	State                string `json:"state,omitempty"`
	VerificationStrategy string `json:"verification_strategy,omitempty"`
	CreatedAt            string `json:"created_at"`
	UpdatedAt            string `json:"updated_at"`
}

// Organization membership statuses (OrganizationMembership.Status and
// ListOrganizationMembershipsParams.Statuses).
const (
	MembershipStatusActive   = "active"
	MembershipStatusInactive = "inactive"
	MembershipStatusPending  = "pending"
)

// RoleSlug is a role as memberships carry it ({"slug": "admin"}).
type RoleSlug struct {
	Slug string `json:"slug"`
}

// OrganizationMembership is a user's membership in an organization
// (UserlandUserOrganizationMembership).
type OrganizationMembership struct {
	Object           string         `json:"object"`
	ID               string         `json:"id"`
	UserID           string         `json:"user_id"`
	OrganizationID   string         `json:"organization_id"`
	OrganizationName string         `json:"organization_name,omitempty"`
	Status           string         `json:"status"`
	Role             RoleSlug       `json:"role"`
	DirectoryManaged bool           `json:"directory_managed"`
	CustomAttributes map[string]any `json:"custom_attributes,omitempty"`
	// User is the member, when WorkOS includes it.
	User      *User  `json:"user,omitempty"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// OrganizationMembershipList is one page of memberships.
type OrganizationMembershipList struct {
	Data         []OrganizationMembership `json:"data"`
	ListMetadata ListMetadata             `json:"list_metadata"`
}

// ListOrganizationMembershipsParams are the query parameters of
// ListOrganizationMemberships. At least one of UserID and OrganizationID is
// required; zero values are omitted (WorkOS then returns active memberships
// only, 10 per page, newest first).
type ListOrganizationMembershipsParams struct {
	UserID         string
	OrganizationID string
	// Statuses filters by status (MembershipStatus*); empty means active.
	Statuses []string
	// Limit is the page size, 1-100.
	Limit int
	// After and Before are the cursors of the next and previous page
	// (ListMetadata.After / Before).
	After  string
	Before string
	// Order is "desc" (default), "asc" or "normal".
	Order string
}

const listMembershipsPath = "/user_management/organization_memberships"

// ListOrganizationMemberships returns one page of organization memberships
// (GET /user_management/organization_memberships, authenticated with the
// API key).
func (c *Client) ListOrganizationMemberships(ctx context.Context, p ListOrganizationMembershipsParams) (*OrganizationMembershipList, error) {
	const op = "workos: ListOrganizationMemberships: "
	if p.UserID == "" && p.OrganizationID == "" {
		return nil, errors.New(op + "UserID or OrganizationID is required")
	}
	if c.apiKey == "" {
		return nil, errors.New(op + "Config.APIKey is required")
	}
	q, err := listQuery("ListOrganizationMemberships", p.Limit, p.After, p.Before, p.Order)
	if err != nil {
		return nil, err
	}
	addQuery(q, "user_id", p.UserID)
	addQuery(q, "organization_id", p.OrganizationID)
	for _, s := range p.Statuses {
		switch s {
		case MembershipStatusActive, MembershipStatusInactive, MembershipStatusPending:
		default:
			return nil, fmt.Errorf(op+"status %q must be active, inactive or pending", s)
		}
	}
	if len(p.Statuses) > 0 {
		q.Set("statuses", strings.Join(p.Statuses, ","))
	}
	status, data, err := c.do(ctx, http.MethodGet, listMembershipsPath, "", q, nil, true)
	if err != nil {
		return nil, err
	}
	list, meta, err := decodeList(status, data, "membership without id, user_id, organization_id or status", func(m OrganizationMembership) bool {
		return m.ID != "" && m.UserID != "" && m.OrganizationID != "" && m.Status != ""
	})
	if err != nil {
		return nil, err
	}
	return &OrganizationMembershipList{Data: list, ListMetadata: meta}, nil
}

// GetOrganization returns the organization id (GET /organizations/{id},
// authenticated with the API key). An unknown organization is an *APIError
// with StatusCode 404.
func (c *Client) GetOrganization(ctx context.Context, id string) (*Organization, error) {
	if id == "" {
		return nil, errors.New("workos: GetOrganization: id is required")
	}
	if c.apiKey == "" {
		return nil, errors.New("workos: GetOrganization: Config.APIKey is required")
	}
	status, data, err := c.do(ctx, http.MethodGet, "/organizations/"+url.PathEscape(id), "/organizations/{id}", nil, nil, true)
	if err != nil {
		return nil, err
	}
	var out Organization
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("%w: status %d: %v", ErrMalformedResponse, status, jsonErrSummary(err))
	}
	if out.ID == "" {
		return nil, fmt.Errorf("%w: status %d: organization without id", ErrMalformedResponse, status)
	}
	return &out, nil
}

// listQuery checks and encodes the pagination parameters WorkOS lists share.
// decodeList reads a WorkOS list response: its data (required, every item
// passing valid, else missing says what is malformed) and list metadata.
func decodeList[T any](status int, data []byte, missing string, valid func(T) bool) ([]T, ListMetadata, error) {
	var out struct {
		Data         *[]T         `json:"data"`
		ListMetadata ListMetadata `json:"list_metadata"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, ListMetadata{}, fmt.Errorf("%w: status %d: %v", ErrMalformedResponse, status, jsonErrSummary(err))
	}
	if out.Data == nil {
		return nil, ListMetadata{}, fmt.Errorf("%w: status %d: missing data", ErrMalformedResponse, status)
	}
	for _, item := range *out.Data {
		if !valid(item) {
			return nil, ListMetadata{}, fmt.Errorf("%w: status %d: %s", ErrMalformedResponse, status, missing)
		}
	}
	return *out.Data, out.ListMetadata, nil
}

func listQuery(method string, limit int, after, before, order string) (url.Values, error) {
	if limit < 0 || limit > 100 {
		return nil, fmt.Errorf("workos: %s: Limit %d must be between 1 and 100", method, limit)
	}
	switch order {
	case "", "desc", "asc", "normal":
	default:
		return nil, fmt.Errorf("workos: %s: Order %q must be desc, asc or normal", method, order)
	}
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	addQuery(q, "after", after)
	addQuery(q, "before", before)
	addQuery(q, "order", order)
	return q, nil
}
