package conformance

// The performance benchmarks every adapter runs (make bench): the same
// rows for each framework, with the floors they are compared with measured
// in the same run. cmd/benchtable turns their output into ratios.

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/jwks"
	"github.com/authkit-go/authkit/core/seal"
	"github.com/authkit-go/authkit/core/token"
)

// BenchPath is the protected route of a benchmark app.
const BenchPath = "/me"

// benchPoolSize is how many distinct cookies and tokens the cold rows
// cycle through, far more than the cold apps remember (benchRemember), so
// that every request is a first sight.
const (
	benchPoolSize = 512
	benchRemember = 8
)

// BenchTarget describes an adapter to RunBenchmarks. A is the framework's
// app type.
type BenchTarget[A any] struct {
	// App builds the app: with kit, GET BenchPath behind the adapter's
	// Middleware and RequireAuth (answering 200 with the user's ID) plus
	// the sign-in and callback routes; with nil, the same route bare.
	App func(kit *authkit.Client) A
	// Server serves app over HTTP, for signing in.
	Server func(tb testing.TB, app A) Server
	// Prepare readies the request GET BenchPath with header for app and
	// returns a function serving it once in-process (as the framework's
	// server would), returning the status.
	Prepare func(app A, header http.Header) func() int
}

// RunBenchmarks runs the rows of the performance table for one adapter:
//
//	floor/rsa-verify    one RSA-2048 PKCS#1 v1.5 verification of a token
//	floor/unseal        seal.Unseal of the session cookie
//	baseline            the bare route (same headers as warm/cookie)
//	warm/cookie         a remembered session cookie
//	warm/bearer         a remembered bearer token
//	cold/cookie         a session cookie never seen before
//	cold/bearer         a bearer token never seen before
//	redirect            a signed-out browser sent to sign-in
func RunBenchmarks[A any](b *testing.B, t BenchTarget[A]) {
	e := NewEnv(b, nil)
	app := t.App(e.Client)
	cookie := e.SignIn(b, t.Server(b, app), authkittest.AdminEmail)
	bearer := e.Bearer(b, authkittest.AdminEmail)
	cookieHeader := func(v string) http.Header {
		return http.Header{"Cookie": {authkit.DefaultCookieName + "=" + v}, "Accept": {"text/html"}}
	}
	bearerHeader := func(v string) http.Header {
		return http.Header{"Authorization": {"Bearer " + v}, "Accept": {"application/json"}}
	}

	b.Run("floor/rsa-verify", func(b *testing.B) { benchRSA(b, e, bearer) })
	b.Run("floor/unseal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := seal.Unseal(cookie, seal.Single(benchCookiePassword)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline", func(b *testing.B) {
		loop(b, http.StatusOK, t.Prepare(t.App(nil), cookieHeader(cookie)))
	})
	b.Run("warm/cookie", func(b *testing.B) {
		loop(b, http.StatusOK, t.Prepare(app, cookieHeader(cookie)))
	})
	b.Run("warm/bearer", func(b *testing.B) {
		loop(b, http.StatusOK, t.Prepare(app, bearerHeader(bearer)))
	})
	b.Run("redirect", func(b *testing.B) {
		loop(b, http.StatusFound, t.Prepare(app, http.Header{"Accept": {"text/html"}}))
	})

	tokens, cookies := benchPool(b, e, cookie)
	cold := t.App(e.NewClient(func(cfg *authkit.Config) { cfg.RememberSessions = benchRemember }))
	b.Run("cold/cookie", func(b *testing.B) {
		loop(b, http.StatusOK, prepareAll(t, cold, cookies, cookieHeader)...)
	})
	b.Run("cold/bearer", func(b *testing.B) {
		loop(b, http.StatusOK, prepareAll(t, cold, tokens, bearerHeader)...)
	})
}

// benchCookiePassword is NewClient's cookie password.
const benchCookiePassword = "conformance-cookie-password-0123456789"

func prepareAll[A any](t BenchTarget[A], app A, values []string, header func(string) http.Header) []func() int {
	out := make([]func() int, len(values))
	for i, v := range values {
		out[i] = t.Prepare(app, header(v))
	}
	return out
}

// loop checks that each request answers want, then times serving them in
// turn.
func loop(b *testing.B, want int, serve ...func() int) {
	b.Helper()
	for _, s := range serve[:min(len(serve), 2)] {
		if got := s(); got != want {
			b.Fatalf("status %d, want %d", got, want)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		serve[i]()
		if i++; i == len(serve) {
			i = 0
		}
	}
}

// benchRSA times what no verifier can skip: SHA-256 of the token's signing
// input and one RSA-2048 PKCS#1 v1.5 verification.
func benchRSA(b *testing.B, e *Env, tok string) {
	claims, err := e.Client.Verifier().Verify(context.Background(), tok)
	require.NoError(b, err)
	require.NotEmpty(b, claims.Subject)
	hdr, _, _ := strings.Cut(tok, ".")
	hj, err := base64.RawURLEncoding.DecodeString(hdr)
	require.NoError(b, err)
	var h struct{ Kid string }
	require.NoError(b, json.Unmarshal(hj, &h))
	cache := e.Client.Config().JWKSCache
	if cache == nil {
		cache = jwks.Shared()
	}
	key, err := cache.Key(context.Background(), token.DefaultJWKSURL(e.Emulator.URL(), e.Emulator.ClientID()), h.Kid)
	require.NoError(b, err)
	var pub rsa.PublicKey
	require.NoError(b, key.Raw(&pub))
	dot := strings.LastIndexByte(tok, '.')
	input := []byte(tok[:dot])
	sig, err := base64.RawURLEncoding.DecodeString(tok[dot+1:])
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		sum := sha256.Sum256(input)
		if err := rsa.VerifyPKCS1v15(&pub, crypto.SHA256, sum[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}

// benchPool mints benchPoolSize distinct access tokens for AdminEmail and
// as many session cookies: the signed-in cookie's payload with each token,
// sealed again.
func benchPool(b *testing.B, e *Env, cookie string) (tokens, cookies []string) {
	b.Helper()
	pt, err := seal.Unseal(cookie, seal.Single(benchCookiePassword))
	require.NoError(b, err)
	var payload map[string]json.RawMessage
	require.NoError(b, json.Unmarshal(pt, &payload))
	for range benchPoolSize {
		tok := e.Bearer(b, authkittest.AdminEmail)
		tokens = append(tokens, tok)
		payload["accessToken"], _ = json.Marshal(tok)
		c, err := seal.SealJSON(payload, seal.Single(benchCookiePassword))
		require.NoError(b, err)
		cookies = append(cookies, c)
	}
	return tokens, cookies
}

// PrepareHTTP is BenchTarget.Prepare for an http.Handler (net/http, Gin,
// Echo): each call serves the request into a new recorder.
func PrepareHTTP(h http.Handler, header http.Header) func() int {
	req := httptest.NewRequest(http.MethodGet, appBase+BenchPath, nil)
	req.RemoteAddr = "127.0.0.1:1234"
	for k, vs := range header {
		req.Header[k] = vs
	}
	return func() int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
}
