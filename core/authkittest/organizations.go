package authkittest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// wireOrganization is the Organization object.
type wireOrganization struct {
	Object     string            `json:"object"`
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Domains    []any             `json:"domains"`
	Metadata   map[string]string `json:"metadata"`
	ExternalID *string           `json:"external_id"`
	CreatedAt  string            `json:"created_at"`
	UpdatedAt  string            `json:"updated_at"`
}

// handleGetOrganization is GET /organizations/{id}: a seeded organization
// (no domains, empty metadata, no external ID), or 404.
func (e *Emulator) handleGetOrganization(w http.ResponseWriter, r *http.Request) {
	if e.hit(w, r, EndpointGetOrganization) {
		return
	}
	if !e.apiKeyOK(r) {
		unauthorized(w)
		return
	}
	id := r.PathValue("id")
	e.mu.Lock()
	o, ok := e.orgLocked(id)
	e.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Organization not found: '" + id + "'."})
		return
	}
	writeJSON(w, http.StatusOK, wireOrganization{
		Object: "organization", ID: o.ID, Name: o.Name, Domains: []any{}, Metadata: map[string]string{},
		CreatedAt: seedTime, UpdatedAt: seedTime,
	})
}

// MembershipID returns the ID the emulator gives the seeded membership of
// userID in orgID (stable across runs: "om_" and a hash of both).
func MembershipID(userID, orgID string) string { return stableID("om_", userID+"/"+orgID) }

// wireMembership is UserlandUserOrganizationMembership.
type wireMembership struct {
	Object           string         `json:"object"`
	ID               string         `json:"id"`
	UserID           string         `json:"user_id"`
	OrganizationID   string         `json:"organization_id"`
	Status           string         `json:"status"`
	DirectoryManaged bool           `json:"directory_managed"`
	OrganizationName string         `json:"organization_name"`
	CustomAttributes map[string]any `json:"custom_attributes"`
	CreatedAt        string         `json:"created_at"`
	UpdatedAt        string         `json:"updated_at"`
	Role             wireRole       `json:"role"`
	User             wireUser       `json:"user"`
}

type wireRole struct {
	Slug string `json:"slug"`
}

type wireMembershipList struct {
	Object       string           `json:"object"`
	Data         []wireMembership `json:"data"`
	ListMetadata wireListMetadata `json:"list_metadata"`
}

// memberUserLocked is the user object nested in a membership: the fields
// respondSessionLocked sends, without last_sign_in_at.
func (e *Emulator) memberUserLocked(u User) wireUser {
	return wireUser{
		Object: "user", ID: u.ID, Email: u.Email, EmailVerified: !e.creds.unverified[u.ID],
		FirstName: nullable(u.FirstName), LastName: nullable(u.LastName),
		Name:              nullable(strings.TrimSpace(u.FirstName + " " + u.LastName)),
		ProfilePictureURL: nullable(u.ProfilePictureURL), Metadata: metadataOf(u),
		ExternalID: nullable(u.ExternalID), Locale: nullable(u.Locale),
		CreatedAt: seedTime, UpdatedAt: seedTime,
	}
}

func badListParams(w http.ResponseWriter) {
	codeError(w, http.StatusBadRequest, "invalid_request_parameters", "Validation failed.")
}

// handleListMemberships is GET /user_management/organization_memberships:
// the seeded memberships of user_id and/or organization_id (one is
// required: 400 missing_user_id_or_organization_id), filtered by statuses
// (default active; seeded memberships are all active), paged like every
// WorkOS list. An unknown user or organization is a 404.
func (e *Emulator) handleListMemberships(w http.ResponseWriter, r *http.Request) {
	if e.hit(w, r, EndpointListMemberships) {
		return
	}
	if !e.apiKeyOK(r) {
		unauthorized(w)
		return
	}
	q := r.URL.Query()
	userID, orgID := q.Get("user_id"), q.Get("organization_id")
	if userID == "" && orgID == "" {
		codeError(w, http.StatusBadRequest, "missing_user_id_or_organization_id", "Either user_id or organization_id must be provided.")
		return
	}
	statuses := map[string]bool{"active": true}
	if v := q.Get("statuses"); v != "" {
		statuses = map[string]bool{}
		for _, s := range strings.Split(v, ",") {
			switch s {
			case "active", "inactive", "pending":
				statuses[s] = true
			default:
				badListParams(w)
				return
			}
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if userID != "" {
		if _, ok := e.userByIDLocked(userID); !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "User not found: '" + userID + "'."})
			return
		}
	}
	if orgID != "" {
		if _, ok := e.orgLocked(orgID); !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "Organization not found: '" + orgID + "'."})
			return
		}
	}
	// Seed order is creation order.
	var all []wireMembership
	for _, u := range e.users {
		if userID != "" && u.ID != userID {
			continue
		}
		for _, m := range u.Memberships {
			if orgID != "" && m.OrganizationID != orgID {
				continue
			}
			all = append(all, wireMembership{
				Object: "organization_membership", ID: MembershipID(u.ID, m.OrganizationID),
				UserID: u.ID, OrganizationID: m.OrganizationID, Status: "active",
				OrganizationName: m.OrganizationName, CustomAttributes: map[string]any{},
				CreatedAt: seedTime, UpdatedAt: seedTime,
				Role: wireRole{Slug: m.Role}, User: e.memberUserLocked(u),
			})
		}
	}
	page, meta, ok := paginate(q, len(all), func(i int) string { return all[i].ID }, func(i int) bool { return statuses[all[i].Status] })
	if !ok {
		badListParams(w)
		return
	}
	resp := wireMembershipList{Object: "list", Data: []wireMembership{}, ListMetadata: meta}
	for _, i := range page {
		resp.Data = append(resp.Data, all[i])
	}
	writeJSON(w, http.StatusOK, resp)
}

// paginate pages n records, given in creation order, as WorkOS lists do:
// limit 1-100 (default 10), order desc (default), asc or normal
// (descending, with after fetching newer and before older records), and an
// after or before cursor naming a record (one that is no longer visible
// still works). It returns the indexes of the page's visible records in
// listing order and the cursors; ok is false for invalid parameters.
func paginate(q url.Values, n int, id func(int) string, visible func(int) bool) (page []int, meta wireListMetadata, ok bool) {
	p, ok := parseListParams(q)
	if !ok {
		return nil, meta, false
	}
	return p.page(n, id, visible)
}

// listParams are a list request's paging parameters, checked.
type listParams struct {
	limit            int
	order            string
	fwd, bwd         string // the cursors moving along and against the listing order
	fwdName, bwdName string
}

// parseListParams checks limit, order and the cursors (not whether a
// cursor names a record: page does).
func parseListParams(q url.Values) (p listParams, ok bool) {
	p.limit = 10
	if v := q.Get("limit"); v != "" {
		l, err := strconv.Atoi(v)
		if err != nil || l < 1 || l > 100 {
			return p, false
		}
		p.limit = l
	}
	p.order = q.Get("order")
	switch p.order {
	case "":
		p.order = "desc"
	case "desc", "asc", "normal":
	default:
		return p, false
	}
	p.fwd, p.bwd = q.Get("after"), q.Get("before")
	p.fwdName, p.bwdName = "after", "before"
	if p.order == "normal" {
		p.fwd, p.bwd = p.bwd, p.fwd
		p.fwdName, p.bwdName = p.bwdName, p.fwdName
	}
	return p, p.fwd == "" || p.bwd == ""
}

// page is paginate once the parameters are checked; ok is false for a
// cursor that names no record.
func (p listParams) page(n int, id func(int) string, visible func(int) bool) (page []int, meta wireListMetadata, ok bool) {
	limit, order, fwd, bwd, fwdName, bwdName := p.limit, p.order, p.fwd, p.bwd, p.fwdName, p.bwdName
	all := make([]int, n) // listing order
	for i := range all {
		if order == "asc" {
			all[i] = i
		} else {
			all[i] = n - 1 - i
		}
	}
	index := func(c string) int {
		for pos, i := range all {
			if id(i) == c {
				return pos
			}
		}
		return -1
	}
	lo, hi := 0, n
	if fwd != "" {
		if lo = index(fwd) + 1; lo == 0 {
			return nil, meta, false
		}
	}
	if bwd != "" {
		if hi = index(bwd); hi < 0 {
			return nil, meta, false
		}
	}
	var cand []int // positions in all
	for pos := lo; pos < hi; pos++ {
		if visible(all[pos]) {
			cand = append(cand, pos)
		}
	}
	if len(cand) > limit {
		if bwd != "" {
			cand = cand[len(cand)-limit:]
		} else {
			cand = cand[:limit]
		}
	}
	visibleIn := func(from, to int) bool {
		for pos := from; pos < to; pos++ {
			if visible(all[pos]) {
				return true
			}
		}
		return false
	}
	cursors := map[string]*string{}
	if len(cand) > 0 {
		first, last := id(all[cand[0]]), id(all[cand[len(cand)-1]])
		if visibleIn(cand[len(cand)-1]+1, n) {
			cursors[fwdName] = &last
		}
		if visibleIn(0, cand[0]) {
			cursors[bwdName] = &first
		}
	}
	for _, pos := range cand {
		page = append(page, all[pos])
	}
	return page, wireListMetadata{Before: cursors["before"], After: cursors["after"]}, true
}
