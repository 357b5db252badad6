package authkittest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/authkit-go/authkit/core/authkittest"
)

// TestAPIKeyListPaging pages an organization's keys every way WorkOS lists
// page: desc (default), asc, normal, with after and before cursors.
func TestAPIKeyListPaging(t *testing.T) {
	e := authkittest.NewServer(t)
	var ids []string // creation order
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		k, err := e.CreateAPIKey(authkittest.APIKeyParams{OrganizationID: authkittest.AcmeOrgID, Name: n})
		require.NoError(t, err)
		ids = append(ids, k.ID)
	}
	type page struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
		ListMetadata struct {
			Before, After *string
		} `json:"list_metadata"`
	}
	list := func(q url.Values) (got []string, before, after string) {
		t.Helper()
		req, _ := http.NewRequest("GET", e.URL()+"/organizations/"+authkittest.AcmeOrgID+"/api_keys?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+e.APIKey())
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
		var p page
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&p))
		for _, d := range p.Data {
			got = append(got, d.ID)
		}
		if p.ListMetadata.Before != nil {
			before = *p.ListMetadata.Before
		}
		if p.ListMetadata.After != nil {
			after = *p.ListMetadata.After
		}
		return got, before, after
	}
	got, before, after := list(url.Values{"limit": {"2"}})
	require.Equal(t, []string{ids[4], ids[3]}, got)
	require.Empty(t, before)
	require.Equal(t, ids[3], after)
	got, before, after = list(url.Values{"limit": {"2"}, "after": {after}})
	require.Equal(t, []string{ids[2], ids[1]}, got)
	require.Equal(t, ids[2], before)
	require.Equal(t, ids[1], after)
	got, _, _ = list(url.Values{"limit": {"2"}, "before": {before}})
	require.Equal(t, []string{ids[4], ids[3]}, got)
	got, _, after = list(url.Values{"limit": {"3"}, "order": {"asc"}})
	require.Equal(t, []string{ids[0], ids[1], ids[2]}, got)
	require.Equal(t, ids[2], after)
	// normal: descending, with before fetching older records.
	got, before, after = list(url.Values{"limit": {"2"}, "order": {"normal"}})
	require.Equal(t, []string{ids[4], ids[3]}, got)
	require.Equal(t, ids[3], before)
	require.Empty(t, after)
	got, _, _ = list(url.Values{"limit": {"2"}, "order": {"normal"}, "before": {before}})
	require.Equal(t, []string{ids[2], ids[1]}, got)

	// A deleted key leaves the list.
	require.True(t, e.DeleteAPIKey(ids[4]))
	got, _, _ = list(url.Values{"limit": {"1"}})
	require.Equal(t, []string{ids[3]}, got)
}
