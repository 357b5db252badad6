package dev_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/dev"
)

const redirectURI = "http://app.test/callback"

func getenv(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func credentials() map[string]string {
	return map[string]string{
		"WORKOS_CLIENT_ID":       "client_env",
		"WORKOS_API_KEY":         "sk_test_env",
		"WORKOS_REDIRECT_URI":    redirectURI,
		"WORKOS_COOKIE_PASSWORD": "dev-test-cookie-password-0123456789",
	}
}

// testClock is a settable clock shared by the emulator and the client.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *testClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

func TestNoCredentialsStartsTheEmulator(t *testing.T) {
	clk := &testClock{}
	var logs bytes.Buffer
	c, emu, err := dev.New(authkit.Config{
		RedirectURI: redirectURI,
		Clock:       clk.Now,
		Getenv:      func(string) string { return "" },
		Logger:      slog.New(slog.NewTextHandler(&logs, nil)),
	}, authkittest.WithAutoApprove(authkittest.PlainEmail), authkittest.WithClock(clk.Now))
	require.NoError(t, err)
	require.NotNil(t, emu)
	t.Cleanup(func() { _ = emu.Close() })
	require.Equal(t, emu.URL(), c.Config().APIBaseURL)
	require.Equal(t, emu.ClientID(), c.Config().ClientID)

	// One loud line naming what is missing.
	line := logs.String()
	require.Equal(t, 1, strings.Count(line, "\n"), line)
	require.Contains(t, line, "level=WARN")
	require.Contains(t, line, "WORKOS_CLIENT_ID")
	require.Contains(t, line, "WORKOS_API_KEY")
	require.Contains(t, line, emu.URL())

	// Sign-in, load and refresh work end to end against the emulator.
	cookie := signIn(t, c)
	d := c.Load(context.Background(), request(http.MethodGet, "/", cookie))
	require.NoError(t, d.Err)
	require.NotNil(t, d.Auth)
	require.Equal(t, authkittest.PlainUserID, d.Auth.User.ID)
	clk.Advance(time.Hour)
	d = c.Load(context.Background(), request(http.MethodGet, "/", cookie))
	require.True(t, d.Refreshed)
}

func TestCredentialsUseWorkOS(t *testing.T) {
	for name, tc := range map[string]struct {
		cfg   authkit.Config
		unset bool
	}{
		"in the environment": {},
		"in code":            {cfg: authkit.Config{ClientID: "client_x", APIKey: "sk_x"}, unset: true},
	} {
		t.Run(name, func(t *testing.T) {
			env := credentials()
			if tc.unset {
				delete(env, "WORKOS_CLIENT_ID")
				delete(env, "WORKOS_API_KEY")
			}
			var logs bytes.Buffer
			tc.cfg.Getenv, tc.cfg.Logger = getenv(env), slog.New(slog.NewTextHandler(&logs, nil))
			c, emu, err := dev.New(tc.cfg)
			require.NoError(t, err)
			require.Nil(t, emu)
			require.Equal(t, "https://api.workos.com", c.Config().APIBaseURL)
			require.Empty(t, logs.String(), "no emulator, no warning")
		})
	}
}

func TestInvalidConfig(t *testing.T) {
	t.Run("with credentials", func(t *testing.T) {
		env := credentials()
		delete(env, "WORKOS_COOKIE_PASSWORD")
		_, emu, err := dev.New(authkit.Config{Getenv: getenv(env)})
		require.ErrorIs(t, err, authkit.ErrConfig)
		require.Nil(t, emu)
	})
	t.Run("half the credentials is an error, not the emulator", func(t *testing.T) {
		env := credentials()
		delete(env, "WORKOS_CLIENT_ID")
		_, emu, err := dev.New(authkit.Config{Getenv: getenv(env)})
		require.ErrorIs(t, err, authkit.ErrConfig)
		require.Contains(t, err.Error(), "WORKOS_CLIENT_ID")
		require.Nil(t, emu)
	})
	t.Run("without credentials the emulator is stopped", func(t *testing.T) {
		_, emu, err := dev.New(authkit.Config{Getenv: func(string) string { return "" }, Logger: slog.New(slog.DiscardHandler)})
		require.ErrorIs(t, err, authkit.ErrConfig)
		require.Contains(t, err.Error(), "WORKOS_REDIRECT_URI")
		require.Nil(t, emu)
	})
}

func request(method, target string, cookies ...*http.Cookie) *authkit.Request {
	r := httptest.NewRequest(method, target, nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return authkit.FromHTTPRequest(r)
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// signIn runs sign-in, the emulator's auto-approved authorize and the
// callback, and returns the session cookie.
func signIn(t *testing.T, c *authkit.Client) *http.Cookie {
	t.Helper()
	d := c.HandleSignIn(context.Background(), request(http.MethodGet, "/sign-in"))
	require.Equal(t, http.StatusFound, d.Status)
	var verifier *http.Cookie
	for _, ck := range d.Cookies {
		if strings.HasPrefix(ck.Name, authkit.DefaultVerifierPrefix) && ck.MaxAge > 0 {
			verifier = ck
		}
	}
	require.NotNil(t, verifier)
	resp, err := noRedirect.Get(d.Location())
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	d = c.Callback(context.Background(), request(http.MethodGet, resp.Header.Get("Location"), verifier))
	require.NoError(t, d.Err)
	for _, ck := range d.Cookies {
		if ck.Name == authkit.DefaultCookieName && ck.Value != "" {
			return ck
		}
	}
	t.Fatal("the callback set no session cookie")
	return nil
}
