package workos_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/authkit-go/authkit/core/workos"
)

// TestRedirectsAreNotFollowed: a redirect from the API host must not make
// the client re-send client_secret, code, code_verifier or refresh_token to
// another host (Go's client re-sends the body on 307 and 308).
func TestRedirectsAreNotFollowed(t *testing.T) {
	var reached atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{}`)
	}))
	t.Cleanup(other.Close)
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+r.URL.Path, status)
		}))
		t.Cleanup(api.Close)
		// The caller's client follows redirects; ours must not, and must
		// not change the caller's.
		callers := &http.Client{}
		c, err := workos.New(workos.Config{BaseURL: api.URL, ClientID: "client_1", APIKey: "sk_test_SECRET", HTTPClient: callers})
		require.NoError(t, err)
		ctx := context.Background()
		_, err = c.AuthenticateWithCode(ctx, workos.CodeParams{Code: "code_SECRET", CodeVerifier: "verifier_SECRET"})
		var ae *workos.APIError
		require.True(t, errors.As(err, &ae), "status %d: %v", status, err)
		require.Equal(t, status, ae.StatusCode)
		require.True(t, workos.IsTransient(err), "a redirect is a misbehaving proxy: transient")
		_, err = c.AuthenticateWithRefreshToken(ctx, workos.RefreshParams{RefreshToken: "rt_SECRET"})
		require.True(t, errors.As(err, &ae), "status %d: %v", status, err)
		require.NotContains(t, err.Error(), "SECRET")
		require.Zero(t, reached.Load(), "status %d: the redirect was followed", status)
		require.Nil(t, callers.CheckRedirect, "the caller's http.Client was modified")
	}
}

// TestErrorStringCarriesNoUpstreamText: Error() reaches logs and the
// engine's Decision.Err, so upstream free text (error_description, message)
// stays out of it; an upstream that echoed a token would otherwise have it
// logged.
func TestErrorStringCarriesNoUpstreamText(t *testing.T) {
	const tok = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyXzEifQ.c2lnbmF0dXJlX1NFQ1JFVA"
	var body, reqID string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-ID", reqID)
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(api.Close)
	c, err := workos.New(workos.Config{BaseURL: api.URL, ClientID: "client_1", APIKey: "sk_test_1"})
	require.NoError(t, err)
	call := func() (*workos.APIError, error) {
		_, err := c.AuthenticateWithRefreshToken(context.Background(), workos.RefreshParams{RefreshToken: "rt_1"})
		var ae *workos.APIError
		require.True(t, errors.As(err, &ae), "%v", err)
		return ae, err
	}

	body, reqID = `{"error":"invalid_grant","error_description":"Refresh token `+tok+` is invalid."}`, "req_01HXYZ-abc.1"
	ae, err := call()
	require.True(t, workos.IsInvalidGrant(err))
	require.Contains(t, ae.Description, tok, "Description stays available to callers")
	require.NotContains(t, err.Error(), tok)
	require.NotContains(t, err.Error(), "is invalid", "no upstream free text at all")
	require.Equal(t, "workos: API error: status 400: invalid_grant (request req_01HXYZ-abc.1)", err.Error())

	// A code or request ID that is not a plain identifier is dropped.
	body, reqID = `{"code":"`+tok+`","message":"`+tok+`"}`, "Bearer "+tok
	ae, err = call()
	require.NotContains(t, err.Error(), tok)
	require.NotContains(t, err.Error(), "SECRET")
	require.Empty(t, ae.Code)
	require.Empty(t, ae.RequestID)
	require.Equal(t, tok, ae.Description)
	require.Equal(t, "workos: API error: status 400", err.Error())
}

// TestNonHTTPAnswerNotQuoted: Go's transport quotes the first line of a
// non-HTTP answer in its error ("malformed HTTP response \"...\""); that is
// upstream text too, and stays out of the error.
func TestNonHTTPAnswerNotQuoted(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_, _ = bufio.NewReader(conn).ReadString('\n')
				_, _ = io.WriteString(conn, "ECHO refresh_token=rt_SECRET\r\n\r\n")
			}()
		}
	}()
	c, err := workos.New(workos.Config{BaseURL: "http://" + ln.Addr().String(), ClientID: "client_1", APIKey: "sk_test_1"})
	require.NoError(t, err)
	_, err = c.AuthenticateWithRefreshToken(context.Background(), workos.RefreshParams{RefreshToken: "rt_1"})
	require.Error(t, err)
	require.True(t, workos.IsTransient(err), "%v", err)
	require.NotContains(t, err.Error(), "SECRET")
	require.Contains(t, err.Error(), "malformed HTTP response")
}
