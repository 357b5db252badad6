// Package token verifies WorkOS AuthKit access tokens (JWTs signed with a key
// from the client's JWKS).
//
// Verification is strict by design. Beyond the signature it checks the
// issuer, the audience and the algorithm, which earlier AuthKit libraries did
// not:
//
//   - The compact serialization is parsed here before any library sees it:
//     exactly three segments, each strict unpadded base64url (alphabet checked
//     first, since Go's decoder skips \r and \n), at most MaxTokenSize bytes.
//   - Header and payload JSON must be valid UTF-8 and must not contain
//     duplicate object keys at any depth. encoding/json silently accepts both
//     (last duplicate wins), which lets two parsers disagree about a claim;
//     such tokens are rejected as malformed. Claims are read by exact name
//     (encoding/json's struct decoding would match "EXP" for "exp").
//   - The header alg must be on the allow-list (default RS256 only). "none"
//     in any spelling and HMAC algorithms are never accepted, whatever the
//     JWKS holds; a key whose own alg differs from the header's, or whose type
//     does not fit it, is refused. kid is required. Tokens carrying jwk, jku,
//     x5u or x5c (key material or key locations chosen by the sender), crit
//     (no extensions are understood) or b64 other than true are rejected.
//   - All of the above happens before the JWKS is consulted, so malformed
//     tokens never cause network traffic.
//   - exp is required; exp, nbf and iat (not in the future) are checked with
//     a leeway; iss must equal one of the accepted issuers; aud, when present
//     (string or array; "aud": null is refused, not read as absent), must
//     contain the client ID.
//
// When the only problem is expiry, Verify returns the claims together with an
// error matching ErrExpired, so a session engine can refresh the session.
package token

import (
	"context"
	"crypto"
	"crypto/rsa"
	_ "crypto/sha256" // RS256
	_ "crypto/sha512" // RS384, RS512
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/authkit-go/authkit/core/internal/memo"
	"github.com/authkit-go/authkit/core/internal/strictjson"
	"github.com/authkit-go/authkit/core/jwks"
)

// MaxTokenSize is the largest raw token Verify accepts, in bytes.
const MaxTokenSize = 16 << 10

// DefaultLeeway is the exp/nbf/iat leeway used when Config.Leeway is zero.
const DefaultLeeway = 10 * time.Second

// DefaultAlgorithms is the algorithm allow-list used when Config.Algorithms
// is empty. WorkOS signs access tokens with RS256.
var DefaultAlgorithms = []string{"RS256"}

// supported maps each algorithm that may appear on an allow-list to the JWK
// key type it needs. Symmetric (HS*) algorithms and "none" are deliberately
// absent: keys come from a public JWKS.
var supported = map[string]jwa.KeyType{
	"RS256": jwa.RSA, "RS384": jwa.RSA, "RS512": jwa.RSA,
	"PS256": jwa.RSA, "PS384": jwa.RSA, "PS512": jwa.RSA,
	"ES256": jwa.EC, "ES384": jwa.EC, "ES512": jwa.EC,
	"EdDSA": jwa.OKP,
}

// Config configures a Verifier.
type Config struct {
	// ClientID is the WorkOS client ID; aud, when present, must contain it.
	// Required.
	ClientID string
	// JWKSURL is the key set URL, normally DefaultJWKSURL(APIBase, ClientID).
	// Required.
	JWKSURL string
	// Issuers lists the accepted iss values (exact match). Defaults to
	// DefaultIssuers(APIBase, ClientID) when APIBase is set; New fails if it
	// ends up empty.
	Issuers []string
	// APIBase is the WorkOS API base URL, e.g. https://api.workos.com (a
	// trailing slash is ignored). Used to derive default Issuers.
	APIBase string
	// Algorithms is the allow-list of header alg values, default ["RS256"].
	// Only asymmetric JWS algorithms are accepted; "none" and HS* make New fail.
	Algorithms []string
	// Leeway is the clock-skew allowance for exp, nbf and iat. Zero means
	// DefaultLeeway (10s); a negative value means no leeway.
	Leeway time.Duration
	// Cache supplies the keys, default jwks.Shared().
	Cache *jwks.Cache
	// Remember is how many verified tokens to remember, so that a token
	// seen again is not checked again (its exp and nbf are, on every call).
	// Zero means DefaultRemember; negative turns remembering off. A
	// remembered token stays valid until its exp even if its key is removed
	// from the key set in the meantime.
	Remember int
	// Clock replaces time.Now, for tests.
	Clock func() time.Time
}

// DefaultIssuers returns the issuers WorkOS uses for access tokens of
// clientID: "{apiBase}/user_management/{clientID}" and "{apiBase}/".
func DefaultIssuers(apiBase, clientID string) []string {
	base := strings.TrimRight(apiBase, "/")
	return []string{base + "/user_management/" + clientID, base + "/"}
}

// DefaultJWKSURL returns the JWKS URL of clientID: "{apiBase}/sso/jwks/{clientID}".
func DefaultJWKSURL(apiBase, clientID string) string {
	return strings.TrimRight(apiBase, "/") + "/sso/jwks/" + url.PathEscape(clientID)
}

// Verifier verifies access tokens. It is safe for concurrent use.
type Verifier struct {
	clientID string
	jwksURL  string
	issuers  []string
	algs     map[string]jwa.KeyType
	leeway   time.Duration
	cache    *jwks.Cache
	now      func() time.Time
	verified *memo.Cache[*remembered]
	rsaKeys  rsaKeys
}

// New validates cfg, applies the defaults and returns a Verifier.
func New(cfg Config) (*Verifier, error) {
	if cfg.ClientID == "" {
		return nil, errors.New("token: Config.ClientID is required")
	}
	if cfg.JWKSURL == "" {
		return nil, errors.New("token: Config.JWKSURL is required")
	}
	if u, err := url.Parse(cfg.JWKSURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("token: Config.JWKSURL %q is not an http(s) URL", cfg.JWKSURL)
	}
	v := &Verifier{
		clientID: cfg.ClientID,
		jwksURL:  cfg.JWKSURL,
		issuers:  slices.Clone(cfg.Issuers),
		algs:     map[string]jwa.KeyType{},
		leeway:   cfg.Leeway,
		cache:    cfg.Cache,
		now:      cfg.Clock,
	}
	if len(v.issuers) == 0 && cfg.APIBase != "" {
		v.issuers = DefaultIssuers(cfg.APIBase, cfg.ClientID)
	}
	if len(v.issuers) == 0 {
		return nil, errors.New("token: Config.Issuers or Config.APIBase is required")
	}
	if slices.Contains(v.issuers, "") {
		return nil, errors.New("token: Config.Issuers contains an empty issuer")
	}
	algs := cfg.Algorithms
	if len(algs) == 0 {
		algs = DefaultAlgorithms
	}
	for _, a := range algs {
		kt, ok := supported[a]
		if !ok {
			return nil, fmt.Errorf("token: algorithm %q is not allowed (supported: asymmetric JWS algorithms such as RS256)", a)
		}
		v.algs[a] = kt
	}
	switch {
	case v.leeway == 0:
		v.leeway = DefaultLeeway
	case v.leeway < 0:
		v.leeway = 0
	}
	if v.cache == nil {
		v.cache = jwks.Shared()
	}
	if v.now == nil {
		v.now = time.Now
	}
	if cfg.Remember == 0 {
		cfg.Remember = DefaultRemember
	}
	v.verified = memo.New[*remembered](cfg.Remember) // nil (off) when negative
	return v, nil
}

// Verify checks raw's header, signature and claims and returns the claims.
// Errors are *Error values matching one of the sentinels. When the only
// problem is expiry (the signature and all other claims are valid), Verify
// returns the claims and an error matching ErrExpired. A token that passed
// before is remembered (see Config.Remember): only its exp is checked again.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Claims, error) {
	return v.verify(ctx, raw, true, false)
}

// VerifyShared is Verify for a caller that only reads the claims: the
// slices of a remembered token's claims are returned without a copy,
// shared with other callers. Read them, never modify them.
func (v *Verifier) VerifyShared(ctx context.Context, raw string) (*Claims, error) {
	return v.verify(ctx, raw, true, true)
}

// VerifyWithoutRemembering is Verify for a caller that remembers what it
// verified itself (the session engine remembers whole sessions): it checks
// the token in full, neither looking it up among the remembered tokens nor
// adding it (hashing it for that would be wasted).
func (v *Verifier) VerifyWithoutRemembering(ctx context.Context, raw string) (*Claims, error) {
	return v.verify(ctx, raw, false, false)
}

func (v *Verifier) verify(ctx context.Context, raw string, remember, share bool) (*Claims, error) {
	// The size cap comes before the memo, which hashes the whole token: an
	// oversized bearer token must cost nothing in proportion to its size.
	if len(raw) > MaxTokenSize {
		return nil, errTooLarge
	}
	remember = remember && v.verified != nil
	var mk memo.Key
	if remember {
		mk = memo.KeyOf(raw)
		if r, ok := v.verified.GetKey(mk, v.now()); ok {
			if c, err := r.claims(share); err == nil {
				return c, nil
			}
		}
	}
	// 1. Structure, encoding, header and claim types: no network.
	h, p, sg, err := segments(raw)
	if err != nil {
		return nil, err
	}
	hdrJSON, err := decodeSegment(h)
	if err != nil {
		return nil, &Error{Code: CodeMalformed, Detail: "header: " + err.Error(), Err: err}
	}
	var hbuf objectBuf
	hdr, err := decodeObject(hbuf[:0], hdrJSON)
	if err != nil {
		return nil, &Error{Code: CodeMalformed, Detail: "header: " + err.Error(), Err: err}
	}
	alg, kid, err := v.checkHeader(&hdr)
	if err != nil {
		return nil, err
	}
	claims, payloadJSON, err := payloadClaimsJSON(p)
	if err != nil {
		return nil, err
	}
	sig, err := decodeSegment(sg)
	if err != nil {
		return nil, &Error{Code: CodeMalformed, Detail: "signature: " + err.Error(), Err: err}
	}
	if len(sig) == 0 {
		return nil, fail(CodeMalformed, "signature is empty")
	}

	// 2. Key and signature.
	key, err := v.cache.Key(ctx, v.jwksURL, kid)
	if err != nil {
		if errors.Is(err, jwks.ErrKeyNotFound) {
			return nil, &Error{Code: CodeUnknownKey, Detail: fmt.Sprintf("no key with kid %q in the JWKS", kid), Err: err}
		}
		return nil, &Error{Code: CodeJWKSUnavailable, Detail: err.Error(), Err: err}
	}
	if ka := key.Algorithm().String(); ka != "" && ka != alg {
		return nil, fail(CodeDisallowedAlgorithm, fmt.Sprintf("key %q is for %s, token header says %s", kid, ka, alg))
	}
	if kt := key.KeyType(); kt != v.algs[alg] {
		return nil, fail(CodeDisallowedAlgorithm, fmt.Sprintf("key %q has type %s, which does not fit %s", kid, kt, alg))
	}
	if err := v.checkSignature(raw[:len(h)+1+len(p)], sig, raw, alg, key); err != nil {
		return nil, &Error{Code: CodeBadSignature, Detail: "signature does not verify", Err: err}
	}

	// 3. Claim values. Expiry last, so that ErrExpired means "only expired".
	if !slices.Contains(v.issuers, claims.Issuer) {
		return nil, fail(CodeWrongIssuer, fmt.Sprintf("issuer %q is not accepted", claims.Issuer))
	}
	if _, hasAud := claims.Raw["aud"]; hasAud && !slices.Contains(claims.Audience, v.clientID) {
		return nil, fail(CodeWrongAudience, fmt.Sprintf("audience %q does not contain the client ID", claims.Audience))
	}
	now := v.now()
	if !claims.NotBefore.IsZero() && now.Add(v.leeway).Before(claims.NotBefore) {
		return nil, fail(CodeNotYetValid, "token not valid before "+claims.NotBefore.UTC().Format(time.RFC3339))
	}
	if !claims.IssuedAt.IsZero() && now.Add(v.leeway).Before(claims.IssuedAt) {
		return nil, fail(CodeIssuedInFuture, "token issued at "+claims.IssuedAt.UTC().Format(time.RFC3339)+", later than now")
	}
	if now.Add(-v.leeway).After(claims.ExpiresAt) {
		return claims, fail(CodeExpired, "token expired at "+claims.ExpiresAt.UTC().Format(time.RFC3339))
	}
	if remember {
		v.verified.PutKey(mk, rememberToken(payloadJSON, claims), claims.ExpiresAt.Add(v.leeway), now)
	}
	return claims, nil
}

// ParseUnverified decodes a token's claims WITHOUT checking its signature,
// issuer, audience or expiry. Use it only for a token that came from a
// trusted place, such as the engine's own sealed session cookie, when
// verification is impossible (the key set is unreachable) and the claims are
// needed for something harmless, like naming the session to sign out.
func ParseUnverified(raw string) (*Claims, error) {
	_, p, _, err := segments(raw)
	if err != nil {
		return nil, err
	}
	return payloadClaims(p)
}

// errTooLarge rejects a token over MaxTokenSize; it is shared (returned
// unchanged), so rejecting one costs no allocation.
var errTooLarge = fail(CodeMalformed, fmt.Sprintf("token is longer than %d bytes", MaxTokenSize))

// segments checks a compact JWS's size and splits it into its header,
// payload and signature segments.
func segments(raw string) (h, p, s string, err error) {
	if len(raw) > MaxTokenSize {
		return "", "", "", errTooLarge
	}
	h, rest, ok1 := strings.Cut(raw, ".")
	p, s, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(s, ".") {
		return "", "", "", fail(CodeMalformed, "token must have exactly three dot-separated segments")
	}
	return h, p, s, nil
}

// payloadClaims decodes the payload segment (strict base64url, one JSON
// object without duplicate keys) into typed claims.
func payloadClaims(p string) (*Claims, error) {
	claims, _, err := payloadClaimsJSON(p)
	return claims, err
}

// payloadClaimsJSON is payloadClaims also returning the payload's JSON,
// which Raw's values alias.
func payloadClaimsJSON(p string) (*Claims, []byte, error) {
	payloadJSON, err := decodeSegment(p)
	if err != nil {
		return nil, nil, &Error{Code: CodeMalformed, Detail: "payload: " + err.Error(), Err: err}
	}
	var buf objectBuf
	payload, err := decodeObject(buf[:0], payloadJSON)
	if err != nil {
		return nil, nil, &Error{Code: CodeMalformed, Detail: "payload: " + err.Error(), Err: err}
	}
	claims, err := parseClaims(&payload)
	if err != nil {
		return nil, nil, &Error{Code: CodeMalformed, Detail: err.Error(), Err: err}
	}
	return claims, payloadJSON, nil
}

// checkHeader applies the header rules and returns alg and kid.
func (v *Verifier) checkHeader(hdr *object) (alg, kid string, err error) {
	rawAlg, ok := hdr.get("alg")
	if !ok {
		return "", "", fail(CodeMalformed, "header has no alg")
	}
	alg, ok = strictjson.String(rawAlg.Text)
	if !ok {
		return "", "", fail(CodeMalformed, "header alg is not a string")
	}
	if _, ok := v.algs[alg]; !ok {
		return "", "", fail(CodeDisallowedAlgorithm, fmt.Sprintf("algorithm %q is not allowed", alg))
	}
	for _, name := range []string{"jwk", "jku", "x5u", "x5c"} {
		if hdr.has(name) {
			return "", "", fail(CodeMalformed, fmt.Sprintf("header parameter %q is not accepted; keys come only from the configured JWKS", name))
		}
	}
	if hdr.has("crit") {
		return "", "", fail(CodeMalformed, `header parameter "crit" is not accepted; no extensions are supported`)
	}
	if b64, ok := hdr.get("b64"); ok && b64.Text != "true" {
		return "", "", fail(CodeMalformed, `header parameter "b64" must be true when present`)
	}
	rawKid, ok := hdr.get("kid")
	if !ok {
		return "", "", fail(CodeMalformed, "header has no kid")
	}
	if kid, ok = strictjson.String(rawKid.Text); !ok || kid == "" {
		return "", "", fail(CodeMalformed, "header kid must be a non-empty string")
	}
	return alg, kid, nil
}

// decodeSegment decodes one strict, unpadded base64url segment. The strict
// decoder refuses every byte outside the alphabet except \r and \n, which
// it skips: those are refused first.
func decodeSegment(s string) ([]byte, error) {
	for _, c := range [...]byte{'\r', '\n'} {
		if i := strings.IndexByte(s, c); i >= 0 {
			return nil, fmt.Errorf("invalid base64url character at offset %d", i)
		}
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("invalid base64url: %w", err)
	}
	return b, nil
}

// maxJSONDepth bounds nesting in header and payload.
const maxJSONDepth = 32

// object is a JSON object decoded by decodeObject.
type object struct {
	members []strictjson.Member
}

// objectBuf holds the members of a token's object (claims are a dozen).
type objectBuf [16]strictjson.Member

// decodeObject parses a JSON object after rejecting invalid UTF-8, duplicate
// keys at any depth and anything but a single object, in one pass. Members
// alias b and one string copy of it.
func decodeObject(buf []strictjson.Member, b []byte) (object, error) {
	members, err := strictjson.Object(buf, b, string(b), maxJSONDepth)
	return object{members}, err
}

// get returns the member called name.
func (o *object) get(name string) (strictjson.Member, bool) {
	for _, m := range o.members {
		if m.Name == name {
			return m, true
		}
	}
	return strictjson.Member{}, false
}

// has reports whether the object has a member called name.
func (o *object) has(name string) bool {
	_, ok := o.get(name)
	return ok
}

// rawMap returns the members by name, values aliasing the parsed bytes.
func (o *object) rawMap() map[string]json.RawMessage {
	m := make(map[string]json.RawMessage, len(o.members))
	for _, mb := range o.members {
		m[mb.Name] = mb.Value
	}
	return m
}

// numericDate converts a JSON NumericDate (seconds, possibly fractional).
func numericDate(raw json.RawMessage) (time.Time, error) {
	// Whole seconds (what issuers write) need no float parsing; the value
	// and range are the same as below.
	if n := len(raw); n > 0 && n <= 12 {
		var sec int64
		for _, c := range raw {
			if c < '0' || c > '9' {
				sec = -1
				break
			}
			sec = sec*10 + int64(c-'0')
		}
		if sec >= 0 && (n == 1 || raw[0] != '0') && sec <= 253402300799 {
			return time.Unix(sec, 0).UTC(), nil
		}
	}
	var n json.Number
	// json.Number also accepts a quoted number; a NumericDate is never quoted.
	if len(raw) == 0 || raw[0] == '"' || json.Unmarshal(raw, &n) != nil {
		return time.Time{}, errors.New("not a number")
	}
	f, err := n.Float64()
	// Up to year 9999; rejects NaN, infinities and negative times.
	if err != nil || math.IsNaN(f) || f < 0 || f > 253402300799 {
		return time.Time{}, errors.New("not a valid NumericDate")
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

// pkcs1Hashes are the hashes of the RSASSA-PKCS1-v1_5 algorithms, which
// are verified with crypto/rsa directly; the other algorithms go through
// jws.Verify.
var pkcs1Hashes = map[string]crypto.Hash{"RS256": crypto.SHA256, "RS384": crypto.SHA384, "RS512": crypto.SHA512}

// checkSignature verifies sig over signingInput (the token's first two
// segments) with key. RS* signatures (WorkOS's) are checked with
// crypto/rsa on the key's cached public key, skipping jws.Verify's second
// parse of the whole token; the result is the same.
func (v *Verifier) checkSignature(signingInput string, sig []byte, raw, alg string, key jwk.Key) error {
	if h, ok := pkcs1Hashes[alg]; ok {
		if pub, ok := v.rsaKeys.get(key); ok {
			hh := h.New()
			_, _ = io.WriteString(hh, signingInput)
			var sum [64]byte
			return rsa.VerifyPKCS1v15(pub, h, hh.Sum(sum[:0]), sig)
		}
	}
	_, err := jws.Verify([]byte(raw), jws.WithKey(jwa.SignatureAlgorithm(alg), key))
	return err
}

// maxRSAKeys bounds the public keys remembered by rsaKeys; past it the set
// starts over (keys change only when WorkOS rotates them).
const maxRSAKeys = 64

// rsaKeys remembers the *rsa.PublicKey of each JWKS key (by identity: a
// fetched key set is never modified, a refetch builds new keys), so that
// a verification does not export the key again.
type rsaKeys struct {
	mu   sync.Mutex
	keys map[jwk.Key]*rsa.PublicKey
}

func (r *rsaKeys) get(key jwk.Key) (*rsa.PublicKey, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if pub, ok := r.keys[key]; ok {
		return pub, true
	}
	var pub rsa.PublicKey
	if err := key.Raw(&pub); err != nil {
		return nil, false
	}
	if r.keys == nil || len(r.keys) >= maxRSAKeys {
		r.keys = map[jwk.Key]*rsa.PublicKey{}
	}
	r.keys[key] = &pub
	return &pub, true
}
