package authkittest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// signingKey is an RS256 key with the self-signed certificate the JWKS
// publishes (WorkOS keys carry x5c and x5t#S256).
type signingKey struct {
	kid  string
	priv *rsa.PrivateKey
	jwk  jwk.Key
	cert []byte // DER
}

func newSigningKey(now time.Time) (*signingKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("authkittest: generate key: %w", err)
	}
	kid := newID("sso_oidc_key_pair_")
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		Subject:      pkix.Name{CommonName: "authkittest WorkOS emulator " + kid},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		return nil, fmt.Errorf("authkittest: self-sign key: %w", err)
	}
	k, err := jwk.FromRaw(priv)
	if err != nil {
		return nil, fmt.Errorf("authkittest: jwk: %w", err)
	}
	if err := k.Set(jwk.KeyIDKey, kid); err != nil {
		return nil, err
	}
	if err := k.Set(jwk.AlgorithmKey, jwa.RS256); err != nil {
		return nil, err
	}
	return &signingKey{kid: kid, priv: priv, jwk: k, cert: der}, nil
}

// jwksKey is one entry of the JwksResponse schema.
type jwksKey struct {
	Alg     string   `json:"alg"`
	Kty     string   `json:"kty"`
	Use     string   `json:"use"`
	X5c     []string `json:"x5c"`
	N       string   `json:"n"`
	E       string   `json:"e"`
	Kid     string   `json:"kid"`
	X5tS256 string   `json:"x5t#S256"`
}

func (k *signingKey) public() jwksKey {
	sum := sha256.Sum256(k.cert)
	return jwksKey{
		Alg:     "RS256",
		Kty:     "RSA",
		Use:     "sig",
		X5c:     []string{base64.StdEncoding.EncodeToString(k.cert)},
		N:       base64.RawURLEncoding.EncodeToString(k.priv.N.Bytes()),
		E:       base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.priv.E)).Bytes()),
		Kid:     k.kid,
		X5tS256: base64.RawURLEncoding.EncodeToString(sum[:]),
	}
}

func (k *signingKey) sign(claims map[string]any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	hdr := jws.NewHeaders()
	_ = hdr.Set(jws.TypeKey, "JWT")
	out, err := jws.Sign(payload, jws.WithKey(jwa.RS256, k.jwk, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		return "", fmt.Errorf("authkittest: sign: %w", err)
	}
	return string(out), nil
}

// TokenParams describe an access token to mint with MintAccessToken.
type TokenParams struct {
	// UserID is the sub claim. When it names a seeded user, role, roles,
	// permissions (and the organization's entitlements and feature flags)
	// come from its membership in OrganizationID.
	UserID string
	// SessionID is the sid claim (default: a fresh, unregistered ID).
	SessionID string
	// OrganizationID is the org_id claim (omitted when empty).
	OrganizationID string
	// TTL is the lifetime (default: the emulator's access token TTL).
	// A negative TTL mints an already expired token.
	TTL time.Duration
	// IssuedAt is the iat claim (default: the emulator clock).
	IssuedAt time.Time
	// Issuer overrides the iss claim.
	Issuer string
	// Extra claims are added last and override the computed ones; a nil
	// value removes a claim.
	Extra map[string]any
}

// MintAccessToken signs an access token with the current key exactly as the
// emulator would for a session, for tests that need bearer tokens.
func (e *Emulator) MintAccessToken(p TokenParams) (string, error) {
	if p.UserID == "" {
		return "", fmt.Errorf("authkittest: MintAccessToken: UserID is required")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if p.SessionID == "" {
		p.SessionID = newID("session_")
	}
	base := e.url
	return e.mintLocked(base, p)
}

// mintLocked builds and signs the claims; e.mu must be held.
func (e *Emulator) mintLocked(base string, p TokenParams) (string, error) {
	iat := p.IssuedAt
	if iat.IsZero() {
		iat = e.clock()
	}
	ttl := p.TTL
	if ttl == 0 {
		ttl = e.ttl
	}
	iss := p.Issuer
	if iss == "" {
		iss = issuerFor(base, e.clientID)
	}
	claims := map[string]any{
		"iss": iss,
		"sub": p.UserID,
		"sid": p.SessionID,
		"jti": newID(""),
		"iat": iat.Unix(),
		"exp": iat.Add(ttl).Unix(),
	}
	if u, ok := e.userByIDLocked(p.UserID); ok {
		if p.OrganizationID != "" {
			if m, ok := u.membership(p.OrganizationID); ok {
				claims["role"] = m.Role
				claims["roles"] = m.Roles
				claims["permissions"] = m.Permissions
			}
		}
		if u.Impersonator != nil {
			claims["act"] = map[string]any{"sub": u.Impersonator.Email}
		}
	}
	if p.OrganizationID != "" {
		claims["org_id"] = p.OrganizationID
		if o, ok := e.orgLocked(p.OrganizationID); ok {
			if len(o.Entitlements) > 0 {
				claims["entitlements"] = o.Entitlements
			}
			if len(o.FeatureFlags) > 0 {
				claims["feature_flags"] = o.FeatureFlags
			}
		}
	}
	for k, v := range p.Extra {
		if v == nil {
			delete(claims, k)
		} else {
			claims[k] = v
		}
	}
	return e.key.sign(claims)
}
