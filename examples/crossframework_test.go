package examples_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	authkitecho "github.com/authkit-go/authkit/adapters/echo"
	authkitgin "github.com/authkit-go/authkit/adapters/gin"
	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"

	"github.com/authkit-go/authkit/examples/internal/ui"
)

// A Gin app and an Echo app in one process, each with its own authkit
// Client for the same WorkOS client, share the process-wide JWKS cache:
// bearer requests on both, concurrently and from a cold cache, fetch the
// keys once.
func TestTwoFrameworksShareOneJWKSFetch(t *testing.T) {
	emu := authkittest.NewServer(t)
	newClient := func() *authkit.Client {
		kit, err := authkit.New(authkit.Config{
			ClientID: emu.ClientID(), APIKey: emu.APIKey(), APIBaseURL: emu.URL(),
			RedirectURI:    "http://localhost/callback",
			CookiePassword: "crossframework-cookie-password-0123456789",
			Getenv:         func(string) string { return "" },
		})
		require.NoError(t, err)
		return kit
	}

	gin.SetMode(gin.ReleaseMode)
	gkit := newClient()
	g := gin.New()
	g.Use(authkitgin.Middleware(gkit))
	g.GET("/api/me", authkitgin.RequireAuth(gkit), func(c *gin.Context) {
		c.JSON(http.StatusOK, ui.JSONUser(authkitgin.Auth(c)))
	})

	ekit := newClient()
	e := echo.New()
	e.Use(authkitecho.Middleware(ekit))
	e.GET("/api/me", func(c echo.Context) error {
		return c.JSON(http.StatusOK, ui.JSONUser(authkitecho.Auth(c)))
	}, authkitecho.RequireAuth(ekit))

	apps := map[string]*httptest.Server{"gin": httptest.NewServer(g), "echo": httptest.NewServer(e)}
	for _, s := range apps {
		t.Cleanup(s.Close)
	}

	tokens := map[string]string{}
	for name := range apps {
		tok, err := emu.MintAccessToken(authkittest.TokenParams{UserID: authkittest.MultiOrgUserID, OrganizationID: authkittest.GlobexOrgID})
		require.NoError(t, err)
		tokens[name] = tok
	}
	require.Zero(t, emu.Count(authkittest.EndpointJWKS), "cold cache")

	var wg sync.WaitGroup
	for name, srv := range apps {
		for range 4 {
			wg.Go(func() {
				req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/me", nil)
				if !assert.NoError(t, err) {
					return
				}
				req.Header.Set("Authorization", "Bearer "+tokens[name])
				resp, err := srv.Client().Do(req)
				if !assert.NoError(t, err) {
					return
				}
				defer resp.Body.Close()
				var u ui.User
				assert.Equal(t, http.StatusOK, resp.StatusCode, name)
				assert.NoError(t, json.NewDecoder(resp.Body).Decode(&u), name)
				assert.Equal(t, authkittest.MultiOrgUserID, u.ID, name)
				assert.Equal(t, "admin", u.Role, name)
				assert.Equal(t, "bearer", u.Source, name)
			})
		}
	}
	wg.Wait()
	assert.Equal(t, 1, emu.Count(authkittest.EndpointJWKS), "both apps together should fetch the JWKS exactly once")
}
