package authkit

// Interop with the Node AuthKit libraries: the session cookie they seal is
// read by the engine into the same fields, and the cookie the engine seals
// has exactly their camelCase field names.

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/seal"
)

type nodeVector struct {
	Name       string          `json:"name"`
	Library    string          `json:"library"`
	Password   json.RawMessage `json:"password"`
	Payload    json.RawMessage `json:"payload"`
	Sealed     string          `json:"sealed"`
	SealedAtMs int64           `json:"sealedAtMs"`
}

func vectorPasswords(t *testing.T, raw json.RawMessage) seal.Passwords {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return seal.Single(s)
	}
	var m map[string]string
	require.NoError(t, json.Unmarshal(raw, &m))
	return m
}

func TestInteropReadsNodeSessions(t *testing.T) {
	b, err := os.ReadFile("seal/testdata/vectors.json")
	require.NoError(t, err)
	var vectors []nodeVector
	require.NoError(t, json.Unmarshal(b, &vectors))
	n := 0
	for _, v := range vectors {
		var want struct {
			AccessToken          string         `json:"accessToken"`
			RefreshToken         string         `json:"refreshToken"`
			User                 map[string]any `json:"user"`
			Impersonator         *Impersonator  `json:"impersonator"`
			OrganizationID       string         `json:"organizationId"`
			AuthenticationMethod string         `json:"authenticationMethod"`
		}
		require.NoError(t, json.Unmarshal(v.Payload, &want))
		if want.AccessToken == "" {
			continue
		}
		n++
		t.Run(v.Name, func(t *testing.T) {
			at := time.UnixMilli(v.SealedAtMs)
			c, err := New(Config{
				ClientID: "client_interop", APIKey: "sk_interop", RedirectURI: "https://app.example/callback",
				CookiePasswords: vectorPasswords(t, v.Password),
				Clock:           func() time.Time { return at },
				Getenv:          func(string) string { return "" },
			})
			require.NoError(t, err)
			s, err := c.openSession(v.Sealed)
			require.NoError(t, err, "%s", v.Library)
			require.Equal(t, want.AccessToken, s.AccessToken)
			require.Equal(t, want.RefreshToken, s.RefreshToken)
			require.Equal(t, want.Impersonator, s.Impersonator)
			require.Equal(t, want.OrganizationID, s.OrganizationID)
			require.Equal(t, want.AuthenticationMethod, s.AuthenticationMethod)
			u := want.User
			require.Equal(t, u["id"], s.User.ID)
			require.Equal(t, u["object"], s.User.Object)
			require.Equal(t, u["email"], s.User.Email)
			require.Equal(t, u["emailVerified"], s.User.EmailVerified)
			require.Equal(t, orEmpty(u["firstName"]), s.User.FirstName)
			require.Equal(t, orEmpty(u["lastName"]), s.User.LastName)
			require.Equal(t, orEmpty(u["profilePictureUrl"]), s.User.ProfilePictureURL)
			require.Equal(t, u["createdAt"], s.User.CreatedAt)
			require.Equal(t, u["updatedAt"], s.User.UpdatedAt)

			// Re-sealed by the engine, the payload reads back the same for Node:
			// every field Node wrote survives (same names, same values).
			resealed, err := seal.SealJSON(s, c.cfg.CookiePasswords)
			require.NoError(t, err)
			plain, err := seal.Unseal(resealed, c.cfg.CookiePasswords)
			require.NoError(t, err)
			var got, orig map[string]any
			require.NoError(t, json.Unmarshal(plain, &got))
			require.NoError(t, json.Unmarshal(v.Payload, &orig))
			for k, ov := range orig {
				if k == "user" {
					gu := got["user"].(map[string]any)
					for uk, uv := range ov.(map[string]any) {
						if uv == nil {
							continue // null reads as "" and is written as ""
						}
						require.Equal(t, uv, gu[uk], "user.%s", uk)
					}
					continue
				}
				require.Equal(t, ov, got[k], k)
			}
		})
	}
	require.GreaterOrEqual(t, n, 5, "the vectors carry AuthKit sessions")
}

func orEmpty(v any) string {
	s, _ := v.(string)
	return s
}

// TestInteropEngineCookieFieldNames signs in through the emulator and checks
// the sealed cookie's JSON field names against those the Node libraries use.
func TestInteropEngineCookieFieldNames(t *testing.T) {
	seed := authkittest.DefaultSeed()
	seed.Users = append(seed.Users, authkittest.User{
		Email: "imp@example.com", FirstName: "Ima", LastName: "Person", ProfilePictureURL: "https://cdn.example/p.png",
		Memberships:  []authkittest.Membership{{OrganizationID: authkittest.AcmeOrgID, Role: "member"}},
		Impersonator: &authkittest.Impersonator{Email: "support@example.com", Reason: "ticket 1"},
	})
	emu := authkittest.NewServer(t, authkittest.WithSeed(seed), authkittest.WithAutoApprove("imp@example.com"))
	const pw = "interop-cookie-password-0123456789-abc"
	c, err := New(Config{
		ClientID: emu.ClientID(), APIKey: emu.APIKey(), APIBaseURL: emu.URL(),
		RedirectURI: "http://app.test/callback", CookiePassword: pw,
		Getenv: func(string) string { return "" }, Logger: slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)

	ctx := context.Background()
	sd := c.SignIn(ctx, &Request{Method: http.MethodGet, URL: &url.URL{Path: "/sign-in"}, Header: http.Header{}}, SignInOptions{})
	require.Equal(t, http.StatusFound, sd.Status)
	var verifier *http.Cookie
	for _, ck := range sd.Cookies {
		if strings.HasPrefix(ck.Name, DefaultVerifierPrefix) && ck.MaxAge > 0 {
			verifier = ck
		}
	}
	require.NotNil(t, verifier)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(sd.Location())
	require.NoError(t, err)
	resp.Body.Close()
	cb, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	h := http.Header{}
	h.Set("Cookie", verifier.Name+"="+verifier.Value)
	d := c.Callback(ctx, &Request{Method: http.MethodGet, URL: cb, Header: h})
	require.NoError(t, d.Err)
	var sealed string
	for _, ck := range d.Cookies {
		if ck.Name == DefaultCookieName {
			sealed = ck.Value
		}
	}
	require.NotEmpty(t, sealed)

	plain, err := seal.Unseal(sealed, seal.Single(pw))
	require.NoError(t, err)
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(plain, &m))
	require.ElementsMatch(t, []string{"accessToken", "refreshToken", "user", "impersonator", "organizationId", "authenticationMethod", "authenticatedAt"}, keys(m))

	var user map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(m["user"], &user))
	required := []string{"object", "id", "email", "emailVerified", "name", "firstName", "lastName", "profilePictureUrl", "externalId", "metadata", "createdAt", "updatedAt"}
	optional := []string{"lastSignInAt", "locale"}
	for _, k := range required {
		require.Contains(t, user, k)
	}
	require.JSONEq(t, `{}`, string(user["metadata"]), "metadata is {} as Node writes it, never null or absent")
	for k := range user {
		require.True(t, slices.Contains(required, k) || slices.Contains(optional, k), "unexpected user field %q", k)
	}
	var imp map[string]any
	require.NoError(t, json.Unmarshal(m["impersonator"], &imp))
	require.Equal(t, map[string]any{"email": "support@example.com", "reason": "ticket 1"}, imp)
	var org, method string
	require.NoError(t, json.Unmarshal(m["organizationId"], &org))
	require.NoError(t, json.Unmarshal(m["authenticationMethod"], &method))
	require.Equal(t, authkittest.AcmeOrgID, org)
	require.Equal(t, "Impersonation", method)
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
