package authkit_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
)

// nodeUserJSON is a session cookie's user as @workos-inc/node 11 writes it,
// plus a field no library here models.
const nodeUserJSON = `{"object":"user","id":"user_1","email":"a@example.com","emailVerified":true,
	"name":null,"firstName":null,"profilePictureUrl":null,"lastName":"Admin","lastSignInAt":null,
	"locale":"en-US","createdAt":"2024-01-01T00:00:00.000Z","updatedAt":"2024-01-01T00:00:00.000Z",
	"externalId":null,"metadata":{"plan":"pro"},"futureField":{"x":[1,2]}}`

func TestUserJSONRoundTrip(t *testing.T) {
	var u authkit.User
	require.NoError(t, json.Unmarshal([]byte(nodeUserJSON), &u))
	require.Equal(t, "user_1", u.ID)
	require.Equal(t, "en-US", u.Locale)
	require.Empty(t, u.ProfilePictureURL, "null reads as empty")
	require.Equal(t, map[string]string{"plan": "pro"}, u.Metadata)
	raw, ok := u.RawField("futureField")
	require.True(t, ok)
	require.JSONEq(t, `{"x":[1,2]}`, string(raw))

	b, err := json.Marshal(u)
	require.NoError(t, err)
	require.JSONEq(t, nodeUserJSON, string(b), "written back as read: nulls and unknown fields kept")

	// A field changed in the struct is written with its new value.
	u.FirstName, u.Locale = "Ada", ""
	b, err = json.Marshal(u)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	require.Equal(t, "Ada", m["firstName"])
	require.Nil(t, m["locale"])
	require.Contains(t, m, "locale")
	require.Nil(t, m["profilePictureUrl"])
	require.Equal(t, "Ada Admin", u.Name())

	// A User built in code writes its typed fields, metadata {}.
	b, err = json.Marshal(authkit.User{ID: "user_2", Email: "b@example.com"})
	require.NoError(t, err)
	m = nil
	require.NoError(t, json.Unmarshal(b, &m))
	require.Equal(t, map[string]any{}, m["metadata"])
	require.NotContains(t, m, "locale")

	// Name: first and last name, else WorkOS's name, else the email.
	var n authkit.User
	require.NoError(t, json.Unmarshal([]byte(`{"id":"u","email":"c@example.com","name":"Cy Named"}`), &n))
	require.Equal(t, "Cy Named", n.Name())
	require.Equal(t, "c@example.com", authkit.User{Email: "c@example.com"}.Name())

	// A field of an unexpected type does not make the user unreadable; it
	// is kept as it was.
	var odd authkit.User
	require.NoError(t, json.Unmarshal([]byte(`{"id":"u","metadata":{"n":1},"emailVerified":"yes"}`), &odd))
	require.Equal(t, "u", odd.ID)
	b, err = json.Marshal(odd)
	require.NoError(t, err)
	require.JSONEq(t, `{"id":"u","metadata":{"n":1},"emailVerified":"yes"}`, string(b))
}
