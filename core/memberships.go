package authkit

// Organization memberships, for an organization switcher.

import (
	"context"
	"fmt"
	"slices"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/authkit-go/authkit/core/internal/memo"
	"github.com/authkit-go/authkit/core/workos"
)

// Membership is one of the user's organization memberships.
type Membership struct {
	ID               string `json:"id"`
	OrganizationID   string `json:"organizationId"`
	OrganizationName string `json:"organizationName"`
	Role             string `json:"role"`
	Status           string `json:"status"`
}

const (
	// membershipTTL is how long a user's memberships are reused.
	membershipTTL = 30 * time.Second
	// orgNameTTL is how long an organization's name is reused.
	orgNameTTL = 5 * time.Minute
	// maxMembershipUsers and maxOrgNames bound the caches.
	maxMembershipUsers = 10000
	maxOrgNames        = 10000
	// maxMembershipPages bounds the pages read (100 memberships each).
	maxMembershipPages = 10
)

type membershipState struct {
	byUser  *memo.Cache[[]Membership]
	names   *memo.Cache[string]
	flights singleflight.Group
}

func newMembershipState() *membershipState {
	return &membershipState{byUser: memo.New[[]Membership](maxMembershipUsers), names: memo.New[string](maxOrgNames)}
}

// OrganizationMemberships returns the active organization memberships of
// auth's user, with each organization's name, for an organization
// switcher. It asks WorkOS (the memberships list, and the organization for
// a name the list lacks) at most once per user every 30 seconds; concurrent
// calls for one user share one lookup. auth must be a user's (a session, an
// access token, or a user's API key).
func (c *Client) OrganizationMemberships(ctx context.Context, auth *Auth) ([]Membership, error) {
	if auth == nil || auth.User.ID == "" {
		return nil, ErrUnauthenticated
	}
	userID := auth.User.ID
	if ms, ok := c.orgs.byUser.Get(userID, c.cfg.Clock()); ok {
		return slices.Clone(ms), nil
	}
	ch := c.orgs.flights.DoChan(userID, func() (any, error) {
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*c.workos.Timeout())
		defer cancel()
		ms, err := c.listMemberships(lctx, userID)
		if err != nil {
			return nil, err
		}
		now := c.cfg.Clock()
		c.orgs.byUser.Put(userID, ms, now.Add(membershipTTL), now)
		return ms, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return slices.Clone(res.Val.([]Membership)), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrUpstream, ctx.Err())
	}
}

func (c *Client) listMemberships(ctx context.Context, userID string) ([]Membership, error) {
	var out []Membership
	after := ""
	for range maxMembershipPages {
		page, err := c.workos.ListOrganizationMemberships(ctx, workos.ListOrganizationMembershipsParams{
			UserID: userID, Statuses: []string{workos.MembershipStatusActive}, Limit: 100, After: after, Order: "asc",
		})
		if err != nil {
			return nil, c.upstreamErr(fmt.Errorf("authkit: listing organization memberships"), err)
		}
		for _, m := range page.Data {
			name, err := c.organizationName(ctx, m.OrganizationID, m.OrganizationName)
			if err != nil {
				return nil, err
			}
			out = append(out, Membership{ID: m.ID, OrganizationID: m.OrganizationID, OrganizationName: name, Role: m.Role.Slug, Status: m.Status})
		}
		if after = page.ListMetadata.After; after == "" {
			break
		}
	}
	return out, nil
}

// organizationName is known, when the membership carries it, or fetched
// (and cached).
func (c *Client) organizationName(ctx context.Context, id, known string) (string, error) {
	now := c.cfg.Clock()
	if known != "" {
		c.orgs.names.Put(id, known, now.Add(orgNameTTL), now)
		return known, nil
	}
	if n, ok := c.orgs.names.Get(id, now); ok {
		return n, nil
	}
	org, err := c.workos.GetOrganization(ctx, id)
	if err != nil {
		return "", c.upstreamErr(fmt.Errorf("authkit: reading organization %.64q", id), err)
	}
	c.orgs.names.Put(id, org.Name, now.Add(orgNameTTL), now)
	return org.Name, nil
}
