package authkit_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/seal"
)

const envPassword = "env-cookie-password-0123456789-abcdef"

func baseEnv() map[string]string {
	return map[string]string{
		"WORKOS_CLIENT_ID":       "client_env",
		"WORKOS_API_KEY":         "sk_test_env",
		"WORKOS_REDIRECT_URI":    "https://app.example.com/callback",
		"WORKOS_COOKIE_PASSWORD": envPassword,
	}
}

func getenv(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigFromEnv(t *testing.T) {
	env := baseEnv()
	env["WORKOS_COOKIE_NAME"] = "app-session"
	env["WORKOS_COOKIE_MAX_AGE"] = "3600"
	env["WORKOS_COOKIE_DOMAIN"] = "example.com"
	env["WORKOS_COOKIE_SAMESITE"] = "strict"
	env["WORKOS_API_HOSTNAME"] = "api.internal.example"
	env["WORKOS_API_HTTPS"] = "false"
	env["WORKOS_API_PORT"] = "8443"
	c, err := authkit.New(authkit.Config{Getenv: getenv(env)})
	require.NoError(t, err)
	cfg := c.Config()
	assert.Equal(t, "client_env", cfg.ClientID)
	apiKey, passwords := authkit.ResolvedSecrets(c)
	assert.Equal(t, "sk_test_env", apiKey)
	assert.Equal(t, "https://app.example.com/callback", cfg.RedirectURI)
	assert.Equal(t, "app-session", cfg.CookieName)
	assert.Equal(t, time.Hour, cfg.CookieMaxAge)
	assert.Equal(t, "example.com", cfg.CookieDomain)
	assert.Equal(t, http.SameSiteStrictMode, cfg.CookieSameSite)
	assert.Equal(t, "http://api.internal.example:8443", cfg.APIBaseURL)
	assert.Equal(t, "http://api.internal.example:8443", c.WorkOS().BaseURL())
	assert.Equal(t, "https://app.example.com/", cfg.SignOutReturnTo)
	assert.Equal(t, authkit.DefaultRefreshBuffer, cfg.RefreshBuffer)
	assert.Equal(t, envPassword, passwords["1"])

	// The alternative spelling.
	env2 := baseEnv()
	env2["WORKOS_COOKIE_SAME_SITE"] = "none"
	c, err = authkit.New(authkit.Config{Getenv: getenv(env2)})
	require.NoError(t, err)
	assert.Equal(t, http.SameSiteNoneMode, c.Config().CookieSameSite)

	// Defaults.
	c, err = authkit.New(authkit.Config{Getenv: getenv(baseEnv())})
	require.NoError(t, err)
	cfg = c.Config()
	assert.Equal(t, authkit.DefaultCookieName, cfg.CookieName)
	assert.Equal(t, authkit.DefaultCookieMaxAge, cfg.CookieMaxAge)
	assert.Equal(t, http.SameSiteLaxMode, cfg.CookieSameSite)
	assert.Equal(t, "https://api.workos.com", cfg.APIBaseURL)
	assert.Empty(t, cfg.CookieDomain)
}

func TestConfigPasswordRotationFromEnv(t *testing.T) {
	env := baseEnv()
	env["WORKOS_COOKIE_PASSWORD"] = `{"2":"new-password-0123456789-0123456789","1":"old-password-0123456789-0123456789"}`
	c, err := authkit.New(authkit.Config{Getenv: getenv(env)})
	require.NoError(t, err)
	_, passwords := authkit.ResolvedSecrets(c)
	assert.Len(t, passwords, 2)
	assert.Equal(t, "new-password-0123456789-0123456789", passwords["2"])
}

func TestConfigCodeWinsOverEnv(t *testing.T) {
	env := baseEnv()
	env["WORKOS_COOKIE_NAME"] = "env-name"
	env["WORKOS_COOKIE_MAX_AGE"] = "60"
	env["WORKOS_COOKIE_DOMAIN"] = "env.example"
	env["WORKOS_COOKIE_SAMESITE"] = "strict"
	env["WORKOS_API_HOSTNAME"] = "env.example"
	c, err := authkit.New(authkit.Config{
		ClientID: "client_code", APIKey: "sk_code", RedirectURI: "http://localhost:8080/cb",
		CookiePassword: "code-cookie-password-0123456789-abcdef",
		CookieName:     "code-name", CookieMaxAge: 2 * time.Hour, CookieDomain: "code.example",
		CookieSameSite: http.SameSiteNoneMode, APIBaseURL: "https://api.code.example/",
		Getenv: getenv(env),
	})
	require.NoError(t, err)
	cfg := c.Config()
	assert.Equal(t, "client_code", cfg.ClientID)
	apiKey, passwords := authkit.ResolvedSecrets(c)
	assert.Equal(t, "sk_code", apiKey)
	assert.Equal(t, "http://localhost:8080/cb", cfg.RedirectURI)
	assert.Equal(t, "code-cookie-password-0123456789-abcdef", passwords["1"])
	assert.Equal(t, "code-name", cfg.CookieName)
	assert.Equal(t, 2*time.Hour, cfg.CookieMaxAge)
	assert.Equal(t, "code.example", cfg.CookieDomain)
	assert.Equal(t, http.SameSiteNoneMode, cfg.CookieSameSite)
	assert.Equal(t, "https://api.code.example", cfg.APIBaseURL)
}

func TestConfigInvalid(t *testing.T) {
	cases := []struct {
		name    string
		set     map[string]string
		unset   string
		mod     func(*authkit.Config)
		mention string
	}{
		{name: "no client id", unset: "WORKOS_CLIENT_ID", mention: "WORKOS_CLIENT_ID"},
		{name: "no api key", unset: "WORKOS_API_KEY", mention: "WORKOS_API_KEY"},
		{name: "no redirect", unset: "WORKOS_REDIRECT_URI", mention: "WORKOS_REDIRECT_URI"},
		{name: "relative redirect", set: map[string]string{"WORKOS_REDIRECT_URI": "/callback"}, mention: "WORKOS_REDIRECT_URI"},
		{name: "ftp redirect", set: map[string]string{"WORKOS_REDIRECT_URI": "ftp://x/cb"}, mention: "WORKOS_REDIRECT_URI"},
		{name: "no password", unset: "WORKOS_COOKIE_PASSWORD", mention: "WORKOS_COOKIE_PASSWORD"},
		{name: "short password", set: map[string]string{"WORKOS_COOKIE_PASSWORD": "too-short"}, mention: "WORKOS_COOKIE_PASSWORD"},
		{name: "short password in code", mod: func(c *authkit.Config) { c.CookiePassword = "short" }, mention: "WORKOS_COOKIE_PASSWORD"},
		{name: "bad rotation JSON", set: map[string]string{"WORKOS_COOKIE_PASSWORD": `{"1":`}, mention: "WORKOS_COOKIE_PASSWORD"},
		{name: "short rotation member", set: map[string]string{"WORKOS_COOKIE_PASSWORD": `{"2":"short","1":"old-password-0123456789-0123456789"}`}, mention: "WORKOS_COOKIE_PASSWORD"},
		{name: "cookie name", set: map[string]string{"WORKOS_COOKIE_NAME": "bad name;"}, mention: "WORKOS_COOKIE_NAME"},
		{name: "max age text", set: map[string]string{"WORKOS_COOKIE_MAX_AGE": "forever"}, mention: "WORKOS_COOKIE_MAX_AGE"},
		{name: "max age zero", set: map[string]string{"WORKOS_COOKIE_MAX_AGE": "0"}, mention: "WORKOS_COOKIE_MAX_AGE"},
		{name: "max age negative", set: map[string]string{"WORKOS_COOKIE_MAX_AGE": "-5"}, mention: "WORKOS_COOKIE_MAX_AGE"},
		{name: "max age overflow", set: map[string]string{"WORKOS_COOKIE_MAX_AGE": "99999999999999"}, mention: "WORKOS_COOKIE_MAX_AGE"},
		{name: "samesite", set: map[string]string{"WORKOS_COOKIE_SAMESITE": "sometimes"}, mention: "WORKOS_COOKIE_SAMESITE"},
		{name: "same_site", set: map[string]string{"WORKOS_COOKIE_SAME_SITE": "sometimes"}, mention: "WORKOS_COOKIE_SAME_SITE"},
		{name: "api hostname", set: map[string]string{"WORKOS_API_HOSTNAME": "https://api.workos.com"}, mention: "WORKOS_API_HOSTNAME"},
		{name: "api https", set: map[string]string{"WORKOS_API_HTTPS": "maybe"}, mention: "WORKOS_API_HTTPS"},
		{name: "api port", set: map[string]string{"WORKOS_API_PORT": "70000"}, mention: "WORKOS_API_PORT"},
		{name: "api port text", set: map[string]string{"WORKOS_API_PORT": "http"}, mention: "WORKOS_API_PORT"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := baseEnv()
			delete(env, tc.unset)
			for k, v := range tc.set {
				env[k] = v
			}
			cfg := authkit.Config{Getenv: getenv(env)}
			if tc.mod != nil {
				tc.mod(&cfg)
			}
			c, err := authkit.New(cfg)
			require.Error(t, err)
			require.Nil(t, c)
			require.ErrorIs(t, err, authkit.ErrConfig)
			require.Contains(t, err.Error(), tc.mention)
			for _, v := range tc.set {
				if len(v) >= 5 && tc.mention == "WORKOS_COOKIE_PASSWORD" {
					require.NotContains(t, err.Error(), v, "the error must not echo the password")
				}
			}
		})
	}
}

// TestConfigNamesEveryProblem: one run names every missing or invalid
// variable, each with how to fix it, not one per run.
func TestConfigNamesEveryProblem(t *testing.T) {
	_, err := authkit.New(authkit.Config{Getenv: func(string) string { return "" }})
	require.ErrorIs(t, err, authkit.ErrConfig)
	for _, v := range []string{"WORKOS_CLIENT_ID", "WORKOS_API_KEY", "WORKOS_REDIRECT_URI", "WORKOS_COOKIE_PASSWORD"} {
		require.Contains(t, err.Error(), v+" is required: set it")
	}
	require.Len(t, strings.Split(err.Error(), "\n"), 4, "one line per problem:\n%s", err)

	const short = "short-secret"
	_, err = authkit.New(authkit.Config{Getenv: getenv(map[string]string{
		"WORKOS_CLIENT_ID":       "client_env",
		"WORKOS_REDIRECT_URI":    "/callback",
		"WORKOS_COOKIE_PASSWORD": short,
		"WORKOS_COOKIE_NAME":     "bad name;",
		"WORKOS_COOKIE_MAX_AGE":  "forever",
		"WORKOS_COOKIE_SAMESITE": "sometimes",
		"WORKOS_API_PORT":        "70000",
	})})
	require.ErrorIs(t, err, authkit.ErrConfig)
	for _, v := range []string{"WORKOS_API_KEY", "WORKOS_REDIRECT_URI", "WORKOS_COOKIE_PASSWORD", "WORKOS_COOKIE_NAME",
		"WORKOS_COOKIE_MAX_AGE", "WORKOS_COOKIE_SAMESITE", "WORKOS_API_PORT"} {
		require.Contains(t, err.Error(), v)
	}
	require.NotContains(t, err.Error(), "WORKOS_CLIENT_ID", "what is set is not reported")
	require.NotContains(t, err.Error(), short, "the error must not echo the password")
}

// TestConfigHoldsNoSecrets: Config hands out neither the API key nor the
// cookie passwords, and changing what it returns changes nothing in the
// client: the sealing passwords and the token checks stay as configured.
func TestConfigHoldsNoSecrets(t *testing.T) {
	const apiKey, password = "sk_test_secret_api_key", "config-cookie-password-0123456789-abc"
	c, err := authkit.New(authkit.Config{
		ClientID: "client_1", APIKey: apiKey, RedirectURI: "https://app.example.com/callback",
		CookiePassword: password, Issuers: []string{"https://auth.example.com"}, Algorithms: []string{"RS256"},
		Getenv: func(string) string { return "" },
	})
	require.NoError(t, err)
	cfg := c.Config()
	require.Empty(t, cfg.APIKey)
	require.Empty(t, cfg.CookiePassword)
	require.Empty(t, cfg.CookiePasswords)
	dump := fmt.Sprintf("%+v %#v", cfg, cfg)
	require.NotContains(t, dump, apiKey)
	require.NotContains(t, dump, password)
	require.Equal(t, "client_1", cfg.ClientID, "what is not secret is still there")

	for id := range cfg.CookiePasswords {
		cfg.CookiePasswords[id] = "attacker-chosen-password-0123456789-abc"
	}
	cfg.Issuers[0], cfg.Algorithms[0] = "https://evil.example", "HS256"
	again := c.Config()
	require.Equal(t, []string{"https://auth.example.com"}, again.Issuers)
	require.Equal(t, []string{"RS256"}, again.Algorithms)

	// The verifier cookie of a sign-in is still sealed with the configured
	// password.
	d := c.HandleSignIn(context.Background(), authkit.FromHTTPRequest(httptest.NewRequest(http.MethodGet, "https://app.example.com/sign-in", nil)))
	require.Equal(t, http.StatusFound, d.Status)
	require.NotEmpty(t, d.Cookies)
	var st map[string]any
	require.NoError(t, seal.UnsealJSON(d.Cookies[0].Value, seal.Single(password), &st))
}

func TestCallbackPath(t *testing.T) {
	for uri, want := range map[string]string{
		"http://localhost:8080/callback":      "/callback",
		"https://app.example.com/auth/cb?x=1": "/auth/cb",
		"https://app.example.com":             "/",
	} {
		c, err := authkit.New(authkit.Config{
			ClientID: "client_1", APIKey: "sk_1", RedirectURI: uri,
			CookiePassword: "p-32-characters-long-cookie-pass", Getenv: func(string) string { return "" },
		})
		require.NoError(t, err)
		require.Equal(t, want, c.CallbackPath(), uri)
	}
}

func TestConfigNodeCompatible(t *testing.T) {
	const p1, p2 = "node-compat-password-one-0123456789abc", "node-compat-password-two-0123456789abc"
	env := baseEnv()
	env["WORKOS_COOKIE_PASSWORD"] = `{"2":"` + p2 + `","1":"` + p1 + `"}`
	env["WORKOS_COOKIE_NODE_COMPAT"] = "true"
	c, err := authkit.New(authkit.Config{Getenv: getenv(env)})
	require.NoError(t, err)
	require.True(t, c.Config().NodeCompatible)

	// Without id 1 there is no password the Node libraries would open.
	env["WORKOS_COOKIE_PASSWORD"] = `{"2":"` + p2 + `","3":"` + p1 + `"}`
	_, err = authkit.New(authkit.Config{Getenv: getenv(env)})
	require.ErrorIs(t, err, authkit.ErrConfig)
	require.ErrorContains(t, err, "WORKOS_COOKIE_NODE_COMPAT")
	require.NotContains(t, err.Error(), p1)

	env["WORKOS_COOKIE_NODE_COMPAT"] = "maybe"
	_, err = authkit.New(authkit.Config{Getenv: getenv(env)})
	require.ErrorContains(t, err, "WORKOS_COOKIE_NODE_COMPAT must be true or false")

	// A rotation set sealing with id 2 and no Node compatibility is
	// accepted (a Go-only deployment) with a warning naming the setting.
	var logs strings.Builder
	delete(env, "WORKOS_COOKIE_NODE_COMPAT")
	env["WORKOS_COOKIE_PASSWORD"] = `{"2":"` + p2 + `","1":"` + p1 + `"}`
	_, err = authkit.New(authkit.Config{Getenv: getenv(env), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)
	require.Contains(t, logs.String(), "WORKOS_COOKIE_NODE_COMPAT")
	require.NotContains(t, logs.String(), p2)
}
