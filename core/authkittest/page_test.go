package authkittest_test

import (
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/authkit-go/authkit/core/authkittest"
)

// The sign-in page names its icon inline, so a browser asks the emulator
// for no /favicon.ico (a 404 in the console).
func TestSignInPageHasInlineFavicon(t *testing.T) {
	emu := authkittest.NewServer(t)
	q := url.Values{"client_id": {emu.ClientID()}, "response_type": {"code"}, "redirect_uri": {"http://localhost:8080/callback"}}
	resp, err := http.Get(emu.URL() + "/user_management/authorize?" + q.Encode())
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	require.Contains(t, string(body), `<link rel="icon" href="data:image/svg+xml,`)
}

// Pages that name no icon get one from /favicon.ico, never a 404.
func TestFaviconRoute(t *testing.T) {
	emu := authkittest.NewServer(t)
	resp, err := http.Get(emu.URL() + "/favicon.ico")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "image/svg+xml", resp.Header.Get("Content-Type"))
	require.Contains(t, string(body), "<svg")
}
