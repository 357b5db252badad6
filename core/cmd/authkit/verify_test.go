package main

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The CLI test signs with crypto/rsa directly: only jwks and token import jwx.

const verifyClient = "client_01CLI"

var verifyKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func b64u(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwksServer serves verifyKey as kid "k1" at /sso/jwks/{verifyClient} and
// counts requests.
func jwksServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	pub := verifyKey().PublicKey
	body, err := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
		"n": b64u(pub.N.Bytes()), "e": b64u(big.NewInt(int64(pub.E)).Bytes()),
	}}})
	require.NoError(t, err)
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path != "/sso/jwks/"+verifyClient {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func rs256(t *testing.T, kid string, claims map[string]any) string {
	t.Helper()
	h, err := json.Marshal(map[string]string{"alg": "RS256", "kid": kid, "typ": "JWT"})
	require.NoError(t, err)
	p, err := json.Marshal(claims)
	require.NoError(t, err)
	input := b64u(h) + "." + b64u(p)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, verifyKey(), crypto.SHA256, sum[:])
	require.NoError(t, err)
	return input + "." + b64u(sig)
}

func cliClaims(iss string, exp time.Time) map[string]any {
	return map[string]any{"iss": iss, "sub": "user_01", "sid": "session_01", "exp": exp.Unix(), "aud": verifyClient}
}

type verifyLine struct {
	Valid  bool                       `json:"valid"`
	Claims map[string]json.RawMessage `json:"claims"`
	Error  string                     `json:"error"`
}

func parseLines(t *testing.T, out string) []verifyLine {
	t.Helper()
	var res []verifyLine
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		var v verifyLine
		require.NoError(t, json.Unmarshal([]byte(l), &v), l)
		res = append(res, v)
	}
	return res
}

func TestVerifyMixed(t *testing.T) {
	srv, hits := jwksServer(t)
	iss := srv.URL + "/user_management/" + verifyClient
	later := time.Now().Add(time.Hour)
	good := rs256(t, "k1", cliClaims(iss, later))
	good2 := rs256(t, "k1", cliClaims(srv.URL+"/", later))
	expired := rs256(t, "k1", cliClaims(iss, time.Now().Add(-time.Hour)))
	wrongIss := rs256(t, "k1", cliClaims("https://evil.example", later))
	forged := good[:len(good)-6] + "AAAAAA"
	stdin := strings.Join([]string{good, "", "  ", expired, "not-a-token", good2 + "\r", wrongIss, forged, good, ""}, "\n")

	r := runCLI(t, stdin, "verify", "--client-id", verifyClient, "--api-base", srv.URL)
	assert.Equal(t, exitFailure, r.code, r.stderr)
	lines := parseLines(t, r.stdout)
	require.Len(t, lines, 7, r.stdout)

	assert.True(t, lines[0].Valid)
	assert.JSONEq(t, `"user_01"`, string(lines[0].Claims["sub"]))
	assert.JSONEq(t, `"`+iss+`"`, string(lines[0].Claims["iss"]))
	wantErr := []string{"", "expired: ", "malformed: ", "", "wrong_issuer: ", "bad_signature: ", ""}
	for i, prefix := range wantErr {
		if prefix == "" {
			assert.True(t, lines[i].Valid, "line %d: %+v", i, lines[i])
			assert.Empty(t, lines[i].Error)
			continue
		}
		assert.False(t, lines[i].Valid, "line %d", i)
		assert.Nil(t, lines[i].Claims, "line %d", i)
		assert.True(t, strings.HasPrefix(lines[i].Error, prefix), "line %d: %q", i, lines[i].Error)
	}
	assert.EqualValues(t, 1, hits.Load(), "one JWKS fetch for the whole run")

	// An unknown kid is reported; it may cause one refetch, no more.
	hits.Store(0)
	unknown := rs256(t, "k2", cliClaims(iss, later))
	r = runCLI(t, unknown+"\n"+unknown+"\n"+good, "verify", "--client-id", verifyClient, "--api-base", srv.URL)
	assert.Equal(t, exitFailure, r.code)
	lines = parseLines(t, r.stdout)
	require.Len(t, lines, 3)
	assert.True(t, strings.HasPrefix(lines[0].Error, "unknown_key: "), lines[0].Error)
	assert.True(t, strings.HasPrefix(lines[1].Error, "unknown_key: "), lines[1].Error)
	assert.True(t, lines[2].Valid)
	assert.EqualValues(t, 2, hits.Load(), "initial fetch + one refetch for the new kid, then cooldown")
}

func TestVerifyAllValidFetchesOnce(t *testing.T) {
	srv, hits := jwksServer(t)
	iss := srv.URL + "/user_management/" + verifyClient
	var toks []string
	for range 20 {
		toks = append(toks, rs256(t, "k1", cliClaims(iss, time.Now().Add(time.Hour))))
	}
	r := runCLI(t, strings.Join(toks, "\n")+"\n", "verify", "--client-id", verifyClient, "--api-base", srv.URL+"/")
	assert.Equal(t, exitOK, r.code, r.stderr)
	lines := parseLines(t, r.stdout)
	assert.Len(t, lines, 20)
	for _, l := range lines {
		assert.True(t, l.Valid, l.Error)
	}
	assert.EqualValues(t, 1, hits.Load())
}

func TestVerifyCustomIssuerAndJWKSURL(t *testing.T) {
	srv, hits := jwksServer(t)
	tok := rs256(t, "k1", cliClaims("https://auth.example.com", time.Now().Add(time.Hour)))
	// --api-base points nowhere useful: --jwks-url and --issuer override it.
	r := runCLI(t, tok, "verify", "--client-id", verifyClient, "--api-base", "https://api.invalid",
		"--jwks-url", srv.URL+"/sso/jwks/"+verifyClient, "--issuer", "https://auth.example.com", "--issuer", "https://other.example.com")
	assert.Equal(t, exitOK, r.code, r.stdout+r.stderr)
	assert.EqualValues(t, 1, hits.Load())

	// The default issuers are replaced, not extended.
	tok = rs256(t, "k1", cliClaims(srv.URL+"/", time.Now().Add(time.Hour)))
	r = runCLI(t, tok, "verify", "--client-id", verifyClient, "--api-base", srv.URL, "--issuer", "https://auth.example.com")
	assert.Equal(t, exitFailure, r.code)
	assert.Contains(t, r.stdout, `"error":"wrong_issuer: `)
}

func TestVerifyLeewayAndAlgorithm(t *testing.T) {
	srv, _ := jwksServer(t)
	iss := srv.URL + "/"
	justExpired := rs256(t, "k1", cliClaims(iss, time.Now().Add(-5*time.Second)))
	r := runCLI(t, justExpired, "verify", "--client-id", verifyClient, "--api-base", srv.URL)
	assert.Equal(t, exitOK, r.code, "default leeway 10s: %s", r.stdout)
	r = runCLI(t, justExpired, "verify", "--client-id", verifyClient, "--api-base", srv.URL, "--leeway", "0")
	assert.Equal(t, exitFailure, r.code, "no leeway: %s", r.stdout)
	assert.Contains(t, r.stdout, `"error":"expired: `)

	// RS256 not on a custom allow-list.
	r = runCLI(t, rs256(t, "k1", cliClaims(iss, time.Now().Add(time.Hour))), "verify", "--client-id", verifyClient, "--api-base", srv.URL, "--algorithm", "ES256")
	assert.Equal(t, exitFailure, r.code)
	assert.Contains(t, r.stdout, `"error":"disallowed_algorithm: `)
}

func TestVerifyUsage(t *testing.T) {
	for name, args := range map[string][]string{
		"no client id":     {"verify"},
		"unknown flag":     {"verify", "--client-id", "c", "--nope"},
		"bad leeway":       {"verify", "--client-id", "c", "--leeway", "soon"},
		"negative leeway":  {"verify", "--client-id", "c", "--leeway", "-1s"},
		"bad api base":     {"verify", "--client-id", "c", "--api-base", "api.workos.com"},
		"HS256 allowed":    {"verify", "--client-id", "c", "--algorithm", "HS256"},
		"none allowed":     {"verify", "--client-id", "c", "--algorithm", "none"},
		"positional token": {"verify", "--client-id", "c", "eyJ.x.y"},
	} {
		t.Run(name, func(t *testing.T) {
			r := runCLI(t, "x.y.z\n", args...)
			assert.Equal(t, exitUsage, r.code, r.stderr)
			assert.Empty(t, r.stdout)
			assert.Contains(t, r.stderr, "usage: authkit verify")
		})
	}
	r := runCLI(t, "", "verify", "-h")
	assert.Equal(t, exitOK, r.code)
	assert.Contains(t, r.stderr, "--client-id")

	r = runCLI(t, "", "help")
	assert.Contains(t, r.stdout, "verify")
}

func TestVerifyNoTokens(t *testing.T) {
	srv, hits := jwksServer(t)
	r := runCLI(t, "\n \n", "verify", "--client-id", verifyClient, "--api-base", srv.URL)
	assert.Equal(t, exitFailure, r.code)
	assert.Contains(t, r.stderr, "no tokens")
	assert.Zero(t, hits.Load())
}
