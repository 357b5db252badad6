package token_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/authkit-go/authkit/core/jwks"
	"github.com/authkit-go/authkit/core/token"
)

const clientID = "client_01TEST"

// RSA key generation is slow; do it once per test binary.
var testKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	ks := make([]*rsa.PrivateKey, 2)
	for i := range ks {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		ks[i] = k
	}
	return ks
})

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	srv   *httptest.Server
	hits  atomic.Int64
	fail  atomic.Bool
	cache *jwks.Cache
	base  string
	url   string
}

// newFixture serves a JWKS with "k1" (RS256) and "k384" (second key, alg
// RS384) on a loopback server at /sso/jwks/{clientID}.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	ks := testKeys()
	set := jwk.NewSet()
	for _, s := range []struct {
		key *rsa.PrivateKey
		kid string
		alg jwa.SignatureAlgorithm
	}{{ks[0], "k1", jwa.RS256}, {ks[1], "k384", jwa.RS384}} {
		k, err := jwk.FromRaw(&s.key.PublicKey)
		require.NoError(t, err)
		require.NoError(t, k.Set(jwk.KeyIDKey, s.kid))
		require.NoError(t, k.Set(jwk.AlgorithmKey, s.alg))
		require.NoError(t, k.Set(jwk.KeyUsageKey, "sig"))
		require.NoError(t, set.AddKey(k))
	}
	body, err := json.Marshal(set)
	require.NoError(t, err)
	f := &fixture{cache: jwks.New()}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		if f.fail.Load() || r.URL.Path != "/sso/jwks/"+clientID {
			http.Error(w, "nope", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(f.srv.Close)
	f.base = f.srv.URL
	f.url = token.DefaultJWKSURL(f.base, clientID)
	return f
}

func (f *fixture) verifier(t testing.TB, mod ...func(*token.Config)) *token.Verifier {
	t.Helper()
	cfg := token.Config{
		ClientID: clientID,
		JWKSURL:  f.url,
		APIBase:  f.base,
		Cache:    f.cache,
		Clock:    func() time.Time { return now },
	}
	for _, m := range mod {
		m(&cfg)
	}
	v, err := token.New(cfg)
	require.NoError(t, err)
	return v
}

func (f *fixture) issuer() string { return f.base + "/user_management/" + clientID }

func (f *fixture) claims(extra map[string]any) map[string]any {
	c := map[string]any{
		"iss": f.issuer(),
		"sub": "user_01",
		"sid": "session_01",
		"exp": now.Add(5 * time.Minute).Unix(),
		"iat": now.Add(-time.Minute).Unix(),
	}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// signRaw signs exactly the given header and payload bytes with jwx.
func signRaw(t testing.TB, header, payload string, alg jwa.SignatureAlgorithm, key any) string {
	t.Helper()
	input := b64([]byte(header)) + "." + b64([]byte(payload))
	signer, err := jws.NewSigner(alg)
	require.NoError(t, err)
	sig, err := signer.Sign([]byte(input), key)
	require.NoError(t, err)
	return input + "." + b64(sig)
}

// sign signs claims with key 0 under kid "k1" (RS256) unless header overrides.
func sign(t testing.TB, claims map[string]any, header map[string]any) string {
	t.Helper()
	h := map[string]any{"alg": "RS256", "kid": "k1", "typ": "JWT"}
	for k, v := range header {
		if v == nil {
			delete(h, k)
		} else {
			h[k] = v
		}
	}
	alg, _ := h["alg"].(string)
	if alg == "" {
		alg = "RS256"
	}
	return signRaw(t, mustJSON(t, h), mustJSON(t, claims), jwa.SignatureAlgorithm(alg), testKeys()[0])
}

func codeOf(err error) token.Code {
	var te *token.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return ""
}

func TestValidToken(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t)
	raw := sign(t, f.claims(map[string]any{
		"aud":           clientID,
		"org_id":        "org_01",
		"role":          "admin",
		"roles":         []string{"admin", "member"},
		"permissions":   []string{"posts:read"},
		"entitlements":  []string{"audit-logs"},
		"feature_flags": []string{"beta"},
		"jti":           "jti_01",
		"nbf":           now.Add(-time.Minute).Unix(),
		"act":           map[string]any{"sub": "admin@example.com"},
		"custom":        map[string]any{"tier": "gold"},
	}), nil)
	c, err := v.Verify(context.Background(), raw)
	require.NoError(t, err)
	assert.Equal(t, f.issuer(), c.Issuer)
	assert.Equal(t, "user_01", c.Subject)
	assert.Equal(t, "session_01", c.SessionID)
	assert.Equal(t, "org_01", c.OrganizationID)
	assert.Equal(t, "admin", c.Role)
	assert.Equal(t, "jti_01", c.JTI)
	assert.Equal(t, []string{clientID}, c.Audience)
	assert.Equal(t, []string{"admin", "member"}, c.Roles)
	assert.Equal(t, []string{"posts:read"}, c.Permissions)
	assert.Equal(t, []string{"audit-logs"}, c.Entitlements)
	assert.Equal(t, []string{"beta"}, c.FeatureFlags)
	assert.True(t, c.ExpiresAt.Equal(now.Add(5*time.Minute)))
	assert.True(t, c.IssuedAt.Equal(now.Add(-time.Minute)))
	assert.True(t, c.NotBefore.Equal(now.Add(-time.Minute)))
	require.NotNil(t, c.Actor)
	assert.Equal(t, "admin@example.com", c.Actor.Subject)
	var custom struct{ Tier string }
	require.NoError(t, c.Get("custom", &custom))
	assert.Equal(t, "gold", custom.Tier)
	assert.ErrorIs(t, c.Get("nope", &custom), token.ErrClaimNotPresent)
	assert.EqualValues(t, 1, f.hits.Load())
}

func TestTokenFromJWSSign(t *testing.T) {
	f := newFixture(t)
	hdr := jws.NewHeaders()
	require.NoError(t, hdr.Set(jws.KeyIDKey, "k1"))
	raw, err := jws.Sign([]byte(mustJSON(t, f.claims(nil))), jws.WithKey(jwa.RS256, testKeys()[0], jws.WithProtectedHeaders(hdr)))
	require.NoError(t, err)
	_, err = f.verifier(t).Verify(context.Background(), string(raw))
	require.NoError(t, err)
}

func TestAudience(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t)
	for name, tc := range map[string]struct {
		aud any
		ok  bool
	}{
		"absent":          {nil, true},
		"string":          {clientID, true},
		"array with":      {[]string{"other", clientID}, true},
		"string other":    {"client_other", false},
		"array without":   {[]string{"other"}, false},
		"empty array":     {[]string{}, false},
		"prefix mismatch": {clientID + "x", false},
	} {
		t.Run(name, func(t *testing.T) {
			c := f.claims(nil)
			if tc.aud != nil {
				c["aud"] = tc.aud
			}
			_, err := v.Verify(context.Background(), sign(t, c, nil))
			if tc.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, token.ErrWrongAudience)
			}
		})
	}
}

func TestExpiry(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t)
	ctx := context.Background()

	c, err := v.Verify(ctx, sign(t, f.claims(map[string]any{"exp": now.Add(-time.Minute).Unix()}), nil))
	require.ErrorIs(t, err, token.ErrExpired)
	require.NotNil(t, c, "expired-only tokens return their claims for refresh")
	assert.Equal(t, "session_01", c.SessionID)
	assert.Equal(t, token.CodeExpired, codeOf(err))
	assert.True(t, strings.HasPrefix(err.Error(), "expired: "), err.Error())

	// Within the default 10s leeway.
	_, err = v.Verify(ctx, sign(t, f.claims(map[string]any{"exp": now.Add(-5 * time.Second).Unix()}), nil))
	assert.NoError(t, err)

	// Negative leeway means none.
	strict := f.verifier(t, func(c *token.Config) { c.Leeway = -1 })
	_, err = strict.Verify(ctx, sign(t, f.claims(map[string]any{"exp": now.Add(-time.Second).Unix()}), nil))
	assert.ErrorIs(t, err, token.ErrExpired)

	// Expired and wrong issuer: not "only expired", no claims.
	c, err = v.Verify(ctx, sign(t, f.claims(map[string]any{"exp": now.Add(-time.Minute).Unix(), "iss": "https://evil"}), nil))
	assert.ErrorIs(t, err, token.ErrWrongIssuer)
	assert.Nil(t, c)

	// Expired with a bad signature: no claims.
	forged := sign(t, f.claims(map[string]any{"exp": now.Add(-time.Minute).Unix()}), nil)
	forged = forged[:len(forged)-4] + "AAAA"
	c, err = v.Verify(ctx, forged)
	assert.ErrorIs(t, err, token.ErrBadSignature)
	assert.Nil(t, c)
}

func TestNotBefore(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t)
	_, err := v.Verify(context.Background(), sign(t, f.claims(map[string]any{"nbf": now.Add(time.Minute).Unix()}), nil))
	assert.ErrorIs(t, err, token.ErrNotYetValid)
	_, err = v.Verify(context.Background(), sign(t, f.claims(map[string]any{"nbf": now.Add(5 * time.Second).Unix()}), nil))
	assert.NoError(t, err, "within leeway")
}

// TestIssuedAt: a token issued more than the leeway in the future is refused
// with its own code (jose refuses it too); one within the leeway passes.
func TestIssuedAt(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t)
	ctx := context.Background()
	c, err := v.Verify(ctx, sign(t, f.claims(map[string]any{"iat": now.Add(time.Hour).Unix()}), nil))
	require.ErrorIs(t, err, token.ErrIssuedInFuture)
	require.Nil(t, c)
	require.Equal(t, token.CodeIssuedInFuture, codeOf(err))
	require.True(t, strings.HasPrefix(err.Error(), "issued_in_future: "), err.Error())

	_, err = v.Verify(ctx, sign(t, f.claims(map[string]any{"iat": now.Add(5 * time.Second).Unix()}), nil))
	require.NoError(t, err, "within leeway")

	strict := f.verifier(t, func(c *token.Config) { c.Leeway = -1 })
	_, err = strict.Verify(ctx, sign(t, f.claims(map[string]any{"iat": now.Add(time.Second).Unix()}), nil))
	require.ErrorIs(t, err, token.ErrIssuedInFuture, "no leeway")

	// Issued in the future and expired: not "only expired", no claims.
	c, err = v.Verify(ctx, sign(t, f.claims(map[string]any{"iat": now.Add(time.Hour).Unix(), "exp": now.Add(-time.Minute).Unix()}), nil))
	require.ErrorIs(t, err, token.ErrIssuedInFuture)
	require.Nil(t, c)
}

func TestBadSignature(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t)
	// Signed by the other key but claiming kid k1.
	raw := signRaw(t, `{"alg":"RS256","kid":"k1"}`, mustJSON(t, f.claims(nil)), jwa.RS256, testKeys()[1])
	_, err := v.Verify(context.Background(), raw)
	assert.ErrorIs(t, err, token.ErrBadSignature)

	// Payload swapped after signing.
	good := sign(t, f.claims(nil), nil)
	parts := strings.Split(good, ".")
	parts[1] = b64([]byte(mustJSON(t, f.claims(map[string]any{"sub": "user_admin"}))))
	_, err = v.Verify(context.Background(), strings.Join(parts, "."))
	assert.ErrorIs(t, err, token.ErrBadSignature)
}

func TestUnknownKey(t *testing.T) {
	f := newFixture(t)
	_, err := f.verifier(t).Verify(context.Background(), sign(t, f.claims(nil), map[string]any{"kid": "nope"}))
	assert.ErrorIs(t, err, token.ErrUnknownKey)
	assert.ErrorIs(t, err, jwks.ErrKeyNotFound)
}

func TestJWKSUnavailable(t *testing.T) {
	f := newFixture(t)
	f.fail.Store(true)
	_, err := f.verifier(t).Verify(context.Background(), sign(t, f.claims(nil), nil))
	assert.ErrorIs(t, err, token.ErrJWKSUnavailable)
	assert.ErrorIs(t, err, jwks.ErrUnavailable)
}

func TestIssuers(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t)
	ctx := context.Background()
	for _, iss := range []string{f.base + "/user_management/" + clientID, f.base + "/"} {
		_, err := v.Verify(ctx, sign(t, f.claims(map[string]any{"iss": iss}), nil))
		assert.NoError(t, err, iss)
	}
	for _, iss := range []string{"", f.base, f.base + "/user_management/other", "https://api.workos.com/", f.base + "//"} {
		_, err := v.Verify(ctx, sign(t, f.claims(map[string]any{"iss": iss}), nil))
		assert.ErrorIs(t, err, token.ErrWrongIssuer, iss)
	}
	c := f.claims(nil)
	delete(c, "iss")
	_, err := v.Verify(ctx, sign(t, c, nil))
	assert.ErrorIs(t, err, token.ErrWrongIssuer, "absent iss")

	custom := f.verifier(t, func(c *token.Config) { c.Issuers = []string{"https://auth.example.com"} })
	_, err = custom.Verify(ctx, sign(t, f.claims(map[string]any{"iss": "https://auth.example.com"}), nil))
	assert.NoError(t, err)
	_, err = custom.Verify(ctx, sign(t, f.claims(nil), nil))
	assert.ErrorIs(t, err, token.ErrWrongIssuer, "custom issuers replace the defaults")
}

// TestRejectedBeforeNetwork covers header and structure rejections; none of
// them may touch the JWKS.
func TestRejectedBeforeNetwork(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t)
	pub, err := x509.MarshalPKIXPublicKey(&testKeys()[0].PublicKey)
	require.NoError(t, err)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})
	pubJWK, err := jwk.FromRaw(&testKeys()[0].PublicKey)
	require.NoError(t, err)
	claims := mustJSON(t, f.claims(nil))
	good := sign(t, f.claims(nil), nil)
	gp := strings.Split(good, ".")

	unsigned := func(header string) string {
		return b64([]byte(header)) + "." + b64([]byte(claims)) + "."
	}
	cases := map[string]struct {
		raw  string
		code token.Code
	}{
		"alg none":            {unsigned(`{"alg":"none","kid":"k1"}`), token.CodeDisallowedAlgorithm},
		"alg None":            {unsigned(`{"alg":"None","kid":"k1"}`), token.CodeDisallowedAlgorithm},
		"alg NONE with sig":   {unsigned(`{"alg":"NONE","kid":"k1"}`) + "c2ln", token.CodeDisallowedAlgorithm},
		"HS256 key confusion": {signRaw(t, `{"alg":"HS256","kid":"k1"}`, claims, jwa.HS256, pubPEM), token.CodeDisallowedAlgorithm},
		"HS256 DER secret":    {signRaw(t, `{"alg":"HS256","kid":"k1"}`, claims, jwa.HS256, pub), token.CodeDisallowedAlgorithm},
		"RS512 not allowed":   {sign(t, f.claims(nil), map[string]any{"alg": "RS512"}), token.CodeDisallowedAlgorithm},
		"alg lowercase":       {unsigned(`{"alg":"rs256","kid":"k1"}`) + "c2ln", token.CodeDisallowedAlgorithm},
		"alg missing":         {sign(t, f.claims(nil), map[string]any{"alg": nil, "kid": "k1"}), token.CodeMalformed},
		"alg not string":      {unsigned(`{"alg":["RS256"],"kid":"k1"}`) + "c2ln", token.CodeMalformed},
		"embedded jwk":        {sign(t, f.claims(nil), map[string]any{"jwk": pubJWK}), token.CodeMalformed},
		"jku":                 {sign(t, f.claims(nil), map[string]any{"jku": "https://evil/jwks"}), token.CodeMalformed},
		"x5u":                 {sign(t, f.claims(nil), map[string]any{"x5u": "https://evil/cert"}), token.CodeMalformed},
		"x5c":                 {sign(t, f.claims(nil), map[string]any{"x5c": []string{"MIIB"}}), token.CodeMalformed},
		"crit":                {sign(t, f.claims(nil), map[string]any{"crit": []string{"exp"}, "exp": 1}), token.CodeMalformed},
		"b64 false":           {sign(t, f.claims(nil), map[string]any{"b64": false}), token.CodeMalformed},
		"no kid":              {sign(t, f.claims(nil), map[string]any{"kid": nil}), token.CodeMalformed},
		"empty kid":           {sign(t, f.claims(nil), map[string]any{"kid": ""}), token.CodeMalformed},
		"numeric kid":         {sign(t, f.claims(nil), map[string]any{"kid": 1}), token.CodeMalformed},
		"newline in payload":  {gp[0] + "." + gp[1][:10] + "\n" + gp[1][10:] + "." + gp[2], token.CodeMalformed},
		"CR in signature":     {gp[0] + "." + gp[1] + "." + gp[2][:10] + "\r" + gp[2][10:], token.CodeMalformed},
		"padding":             {gp[0] + "." + gp[1] + "." + gp[2] + "==", token.CodeMalformed},
		"std base64 alphabet": {gp[0] + "." + strings.NewReplacer("-", "+", "_", "/").Replace(gp[1]) + "+." + gp[2], token.CodeMalformed},
		"4 segments":          {good + ".x", token.CodeMalformed},
		"2 segments":          {gp[0] + "." + gp[1], token.CodeMalformed},
		"empty":               {"", token.CodeMalformed},
		"empty signature":     {gp[0] + "." + gp[1] + ".", token.CodeMalformed},
		"huge":                {sign(t, f.claims(map[string]any{"pad": strings.Repeat("a", token.MaxTokenSize)}), nil), token.CodeMalformed},
		"dup header alg": {
			signRaw(t, `{"alg":"RS256","kid":"k1","alg":"RS256"}`, claims, jwa.RS256, testKeys()[0]), token.CodeMalformed},
		"dup claim sub": {
			signRaw(t, `{"alg":"RS256","kid":"k1"}`, strings.TrimSuffix(claims, "}")+`,"sub":"user_admin"}`, jwa.RS256, testKeys()[0]), token.CodeMalformed},
		"dup nested claim": {
			signRaw(t, `{"alg":"RS256","kid":"k1"}`, strings.TrimSuffix(claims, "}")+`,"act":{"sub":"a","sub":"b"}}`, jwa.RS256, testKeys()[0]), token.CodeMalformed},
		"invalid UTF-8 claim": {
			signRaw(t, `{"alg":"RS256","kid":"k1"}`, strings.TrimSuffix(claims, "}")+`,"name":"`+"\xff\xfe"+`"}`, jwa.RS256, testKeys()[0]), token.CodeMalformed},
		"payload not object": {signRaw(t, `{"alg":"RS256","kid":"k1"}`, `["exp"]`, jwa.RS256, testKeys()[0]), token.CodeMalformed},
		"trailing data":      {signRaw(t, `{"alg":"RS256","kid":"k1"}`, claims+`{}`, jwa.RS256, testKeys()[0]), token.CodeMalformed},
		"exp missing":        {sign(t, f.claims(map[string]any{"exp": nil}), nil), token.CodeMalformed},
		"exp only as EXP":    {sign(t, f.claims(map[string]any{"exp": nil, "EXP": now.Add(time.Hour).Unix()}), nil), token.CodeMalformed},
		"exp quoted":         {sign(t, f.claims(map[string]any{"exp": "1999999999"}), nil), token.CodeMalformed},
		"exp huge":           {sign(t, f.claims(map[string]any{"exp": 1e300}), nil), token.CodeMalformed},
		"iss not string":     {sign(t, f.claims(map[string]any{"iss": 1}), nil), token.CodeMalformed},
		"aud number":         {sign(t, f.claims(map[string]any{"aud": 1}), nil), token.CodeMalformed},
		// "aud": null is an audience field without an audience, not an
		// absent one: read as absent it would skip the audience check.
		"aud null": {
			signRaw(t, `{"alg":"RS256","kid":"k1"}`, strings.TrimSuffix(claims, "}")+`,"aud":null}`, jwa.RS256, testKeys()[0]), token.CodeMalformed},
		"roles string": {sign(t, f.claims(map[string]any{"roles": "admin"}), nil), token.CodeMalformed},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := v.Verify(context.Background(), tc.raw)
			require.Error(t, err)
			assert.Nil(t, c)
			assert.Equal(t, tc.code, codeOf(err), err.Error())
		})
	}
	assert.Zero(t, f.hits.Load(), "no rejection above may reach the network")
}

// TestKeyAlgorithmMustMatch: even with RS384 allowed, a token cannot use the
// RS256 key k1 with RS384.
func TestKeyAlgorithmMustMatch(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t, func(c *token.Config) { c.Algorithms = []string{"RS256", "RS384"} })
	ctx := context.Background()
	raw := signRaw(t, `{"alg":"RS384","kid":"k1"}`, mustJSON(t, f.claims(nil)), jwa.RS384, testKeys()[0])
	_, err := v.Verify(ctx, raw)
	assert.ErrorIs(t, err, token.ErrDisallowedAlgorithm)

	raw = signRaw(t, `{"alg":"RS384","kid":"k384"}`, mustJSON(t, f.claims(nil)), jwa.RS384, testKeys()[1])
	_, err = v.Verify(ctx, raw)
	assert.NoError(t, err)

	// PS256 is an RSA algorithm too, but k1 declares RS256.
	v = f.verifier(t, func(c *token.Config) { c.Algorithms = []string{"PS256"} })
	raw = signRaw(t, `{"alg":"PS256","kid":"k1"}`, mustJSON(t, f.claims(nil)), jwa.PS256, testKeys()[0])
	_, err = v.Verify(ctx, raw)
	assert.ErrorIs(t, err, token.ErrDisallowedAlgorithm)
}

func TestConcurrentVerifyFetchesOnce(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t)
	raw := sign(t, f.claims(nil), nil)
	var wg sync.WaitGroup
	var next, fails atomic.Int64
	start := make(chan struct{})
	for range 50 {
		wg.Go(func() {
			<-start
			for next.Add(1) <= 1000 {
				if _, err := v.Verify(context.Background(), raw); err != nil {
					fails.Add(1)
				}
			}
		})
	}
	close(start)
	wg.Wait()
	assert.Zero(t, fails.Load())
	assert.EqualValues(t, 1, f.hits.Load())
	assert.EqualValues(t, 1, f.cache.Stats(f.url).Fetches)
}

func TestNewValidatesConfig(t *testing.T) {
	ok := token.Config{ClientID: clientID, JWKSURL: "https://api.workos.com/sso/jwks/" + clientID, APIBase: "https://api.workos.com"}
	_, err := token.New(ok)
	require.NoError(t, err)
	for name, mod := range map[string]func(*token.Config){
		"no client id":  func(c *token.Config) { c.ClientID = "" },
		"no jwks url":   func(c *token.Config) { c.JWKSURL = "" },
		"bad jwks url":  func(c *token.Config) { c.JWKSURL = "file:///etc/jwks" },
		"no issuers":    func(c *token.Config) { c.APIBase = "" },
		"empty issuer":  func(c *token.Config) { c.Issuers = []string{""} },
		"alg none":      func(c *token.Config) { c.Algorithms = []string{"none"} },
		"alg HS256":     func(c *token.Config) { c.Algorithms = []string{"RS256", "HS256"} },
		"alg lowercase": func(c *token.Config) { c.Algorithms = []string{"rs256"} },
	} {
		t.Run(name, func(t *testing.T) {
			c := ok
			mod(&c)
			_, err := token.New(c)
			assert.Error(t, err)
		})
	}
}

func TestDefaults(t *testing.T) {
	assert.Equal(t, []string{
		"https://api.workos.com/user_management/client_1",
		"https://api.workos.com/",
	}, token.DefaultIssuers("https://api.workos.com/", "client_1"))
	assert.Equal(t, "https://api.workos.com/sso/jwks/client_1", token.DefaultJWKSURL("https://api.workos.com", "client_1"))
}

func TestErrorType(t *testing.T) {
	err := error(&token.Error{Code: token.CodeUnknownKey, Detail: "kid x", Err: jwks.ErrKeyNotFound})
	assert.Equal(t, "unknown_key: kid x", err.Error())
	assert.ErrorIs(t, err, token.ErrUnknownKey)
	assert.NotErrorIs(t, err, token.ErrExpired)
	assert.ErrorIs(t, err, jwks.ErrKeyNotFound)
}

func BenchmarkVerify(b *testing.B) {
	f := newFixture(b)
	v := f.verifier(b)
	raw := sign(b, f.claims(map[string]any{"aud": clientID, "roles": []string{"member"}}), nil)
	if _, err := v.Verify(context.Background(), raw); err != nil { // warm the cache
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := v.Verify(context.Background(), raw); err != nil {
			b.Fatal(err)
		}
	}
}

func TestParseUnverified(t *testing.T) {
	f := newFixture(t)
	raw := sign(t, f.claims(map[string]any{"org_id": "org_1", "exp": now.Add(-time.Hour).Unix()}), map[string]any{"kid": "not-published"})
	c, err := token.ParseUnverified(raw)
	require.NoError(t, err, "expired, unknown key: still parsed")
	require.Equal(t, "session_01", c.SessionID)
	require.Equal(t, "org_1", c.OrganizationID)
	require.Zero(t, f.hits.Load(), "no key is fetched")

	for _, bad := range []string{"", "a.b", "a.b.c.d", "x.!!!.y", raw[:strings.LastIndex(raw, ".")] + "\n.sig"} {
		_, err := token.ParseUnverified(bad)
		require.ErrorIs(t, err, token.ErrMalformed, "%q", bad)
	}
}

// BenchmarkVerifyKeyPerCall is the bug this project exists to avoid: a key
// set built anew for every verification, so every request fetches the JWKS
// (here from loopback; over the internet it is a round trip per request).
// Compare its ns/op with BenchmarkVerify's, which shares one cache.
func BenchmarkVerifyKeyPerCall(b *testing.B) {
	f := newFixture(b)
	raw := sign(b, f.claims(map[string]any{"aud": clientID, "roles": []string{"member"}}), nil)
	b.ReportAllocs()
	for b.Loop() {
		v := f.verifier(b, func(c *token.Config) { c.Cache = jwks.New() })
		if _, err := v.Verify(context.Background(), raw); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(f.hits.Load())/float64(b.N), "fetches/op")
}

func TestRemember(t *testing.T) {
	f := newFixture(t)
	clock := now
	v := f.verifier(t, func(c *token.Config) { c.Clock = func() time.Time { return clock } })
	raw := sign(t, f.claims(map[string]any{"permissions": []string{"a", "b"}}), nil)

	c1, err := v.Verify(context.Background(), raw)
	require.NoError(t, err)
	c1.Permissions[0] = "changed by a caller"
	c2, err := v.Verify(context.Background(), raw)
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, c2.Permissions, "callers get copies: one cannot change what the next sees")

	// A remembered token still expires.
	clock = now.Add(5*time.Minute + token.DefaultLeeway + time.Second)
	c3, err := v.Verify(context.Background(), raw)
	require.ErrorIs(t, err, token.ErrExpired)
	require.NotNil(t, c3)

	// An altered token is a different token: checked in full and refused.
	clock = now
	parts := strings.Split(raw, ".")
	forged := parts[0] + "." + b64([]byte(mustJSON(t, f.claims(map[string]any{"sub": "user_evil"})))) + "." + parts[2]
	_, err = v.Verify(context.Background(), forged)
	require.ErrorIs(t, err, token.ErrBadSignature)
}

func TestVerifyWithoutRemembering(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t, func(*token.Config) {})
	raw := sign(t, f.claims(nil), nil)
	_, err := v.VerifyWithoutRemembering(context.Background(), raw)
	require.NoError(t, err)
	require.Zero(t, token.RememberedCount(v), "nothing remembered")
	_, err = v.Verify(context.Background(), raw)
	require.NoError(t, err)
	require.Equal(t, 1, token.RememberedCount(v))
	_, err = v.VerifyWithoutRemembering(context.Background(), raw)
	require.NoError(t, err, "and checked in full")
}

func TestRememberBounded(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t, func(c *token.Config) { c.Remember = 8 })
	for i := range 50 {
		_, err := v.Verify(context.Background(), sign(t, f.claims(map[string]any{"jti": fmt.Sprint(i)}), nil))
		require.NoError(t, err)
	}
	require.LessOrEqual(t, token.RememberedCount(v), 8)
}

// BenchmarkVerifyNoRemember checks the signature on every call: compare with
// BenchmarkVerify, where the same token is remembered.
func BenchmarkVerifyNoRemember(b *testing.B) {
	f := newFixture(b)
	v := f.verifier(b, func(c *token.Config) { c.Remember = -1 })
	raw := sign(b, f.claims(map[string]any{"aud": clientID, "roles": []string{"member"}}), nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(context.Background(), raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRSAVerify is the floor of BenchmarkVerifyNoRemember: SHA-256 of
// the same token's signing input and one RSA PKCS#1 v1.5 verification.
func BenchmarkRSAVerify(b *testing.B) {
	f := newFixture(b)
	raw := sign(b, f.claims(map[string]any{"aud": clientID, "roles": []string{"member"}}), nil)
	dot := strings.LastIndexByte(raw, '.')
	input := []byte(raw[:dot])
	sig, err := base64.RawURLEncoding.DecodeString(raw[dot+1:])
	require.NoError(b, err)
	pub := &testKeys()[0].PublicKey
	b.ReportAllocs()
	for b.Loop() {
		sum := sha256.Sum256(input)
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}

// allocatedBytes reports how many bytes f allocates (the whole process's
// allocations while it runs: call it from a test that runs alone).
func allocatedBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// An oversized token is refused by its length alone: before the memo of
// verified tokens hashes it (a copy and a SHA-256 of the whole input), and
// before any parsing or network.
func TestOversizedTokenRejectedBeforeHashing(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t)
	huge := strings.Repeat("a", 1<<20) + ".b.c"
	_, err := v.Verify(context.Background(), huge)
	require.ErrorIs(t, err, token.ErrMalformed)
	require.Equal(t, token.CodeMalformed, codeOf(err))
	require.Contains(t, err.Error(), "longer than")
	const calls = 20
	n := allocatedBytes(func() {
		for range calls {
			_, _ = v.Verify(context.Background(), huge)
		}
	})
	require.Less(t, n, uint64(64<<10), "%d calls with a 1 MiB token allocated %d bytes: the token was copied or hashed", calls, n)
	require.Zero(t, f.hits.Load())
}

// BenchmarkVerifyOversized shows that refusing an oversized token costs the
// same whatever its size: compare the two sub-benchmarks (before the
// length check came first, the 1 MiB token cost ~2.8 ms in hashing).
func BenchmarkVerifyOversized(b *testing.B) {
	f := newFixture(b)
	v := f.verifier(b)
	for _, size := range []int{token.MaxTokenSize + 1, 1 << 20} {
		raw := strings.Repeat("a", size)
		b.Run(fmt.Sprintf("bytes=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(context.Background(), raw); !errors.Is(err, token.ErrMalformed) {
					b.Fatal(err)
				}
			}
		})
	}
}
