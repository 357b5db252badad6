package authkit

// WorkOS API keys in Authorization: Bearer (Config.AcceptAPIKeys).

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/authkit-go/authkit/core/internal/memo"
	"github.com/authkit-go/authkit/core/workos"
)

// APIKeyInfo describes the WorkOS API key a request was made with.
type APIKeyInfo struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// OwnerType is "organization" or "user" (workos.APIKeyOwner*).
	OwnerType string `json:"ownerType"`
	OwnerID   string `json:"ownerId"`
	// OrganizationID is the organization the key acts for.
	OrganizationID string   `json:"organizationId,omitempty"`
	Permissions    []string `json:"permissions,omitempty"`
}

const (
	// apiKeyTTL is how long a valid key's verdict is reused: a deleted key
	// keeps working this long.
	apiKeyTTL = 30 * time.Second
	// apiKeyInvalidTTL is how long an invalid key's verdict is reused.
	apiKeyInvalidTTL = 30 * time.Second
	// apiKeyFailureTTL is how long a WorkOS failure is reused for a key.
	apiKeyFailureTTL = 2 * time.Second
	// maxAPIKeyVerdicts bounds the verdicts remembered.
	maxAPIKeyVerdicts = 10000
	// apiKeyRate and apiKeyBurst bound validations of keys without a
	// verdict (per second, process-wide), so that a flood of distinct bad
	// keys reaches WorkOS at this rate, not at request rate.
	apiKeyRate  = 10
	apiKeyBurst = 20
)

// apiKeyVerdict is a remembered validation.
type apiKeyVerdict struct {
	key *workos.APIKey
	err error
}

// errAPIKeyBusy: too many validations of unknown keys right now.
var errAPIKeyBusy = errors.New("too many API key validations; retry shortly")

// apiKeyDigest names a key in memory and in singleflight: never the key.
func apiKeyDigest(value string) string {
	h := sha256.Sum256([]byte("authkit api key\x00" + value))
	return hex.EncodeToString(h[:])
}

// looksLikeJWT reports whether a bearer value has a JWT's shape: three
// non-empty dot-separated segments.
func looksLikeJWT(v string) bool {
	a, rest, ok := strings.Cut(v, ".")
	b, c, ok2 := strings.Cut(rest, ".")
	return ok && ok2 && a != "" && b != "" && c != "" && !strings.Contains(c, ".")
}

// validateAPIKey returns the key's verdict, from memory or from one WorkOS
// call per key at a time.
func (c *Client) validateAPIKey(ctx context.Context, value string) (*workos.APIKey, error) {
	digest := apiKeyDigest(value)
	if v, ok := c.apiKeys.verdicts.Get(digest, c.cfg.Clock()); ok {
		return v.key, v.err
	}
	ch := c.apiKeys.flights.DoChan(digest, func() (any, error) {
		now := c.cfg.Clock()
		if v, ok := c.apiKeys.verdicts.Get(digest, now); ok {
			return v, nil
		}
		if !c.apiKeys.bucket.take(now) {
			return &apiKeyVerdict{err: fmt.Errorf("%w: %w", ErrUpstream, errAPIKeyBusy)}, nil
		}
		vctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.workos.Timeout())
		defer cancel()
		k, err := c.workos.ValidateAPIKey(vctx, value)
		v := &apiKeyVerdict{key: k}
		ttl := apiKeyTTL
		switch {
		case err == nil:
		case errors.Is(err, workos.ErrAPIKeyInvalid):
			v.err, ttl = ErrInvalidAPIKey, apiKeyInvalidTTL
		default:
			// WorkOS down, or refusing this application's own key: not a
			// verdict on the caller's key, but not worth a call per request.
			v.err, ttl = fmt.Errorf("%w: validating an API key: %w", ErrUpstream, err), apiKeyFailureTTL
		}
		now = c.cfg.Clock()
		c.apiKeys.verdicts.Put(digest, v, now.Add(ttl), now)
		return v, nil
	})
	select {
	case res := <-ch:
		v := res.Val.(*apiKeyVerdict)
		return v.key, v.err
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrUpstream, ctx.Err())
	}
}

// loadAPIKey answers a request carrying a WorkOS API key.
func (c *Client) loadAPIKey(ctx context.Context, value string) Decision {
	var d Decision
	k, err := c.validateAPIKey(ctx, value)
	c.observeAPIKey(ctx, err)
	if err != nil {
		if errors.Is(err, ErrUpstream) {
			d.Err = err
			d.header().Set("Retry-After", "1")
			d.respond(http.StatusServiceUnavailable, "application/json", `{"error":"temporarily_unavailable"}`)
			return d
		}
		d.Err = fmt.Errorf("%w: %w", ErrInvalidBearer, err)
		d.header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="invalid API key"`)
		d.respond(http.StatusUnauthorized, "application/json", `{"error":"invalid_token","error_description":"invalid API key"}`)
		return d
	}
	info := &APIKeyInfo{
		ID: k.ID, Name: k.Name, OwnerType: k.Owner.Type, OwnerID: k.Owner.ID,
		OrganizationID: k.OrganizationID(), Permissions: slices.Clone(k.Permissions),
	}
	a := &Auth{
		OrganizationID: info.OrganizationID,
		Permissions:    slices.Clone(info.Permissions),
		Source:         SourceAPIKey,
		APIKey:         info,
	}
	if k.Owner.Type == workos.APIKeyOwnerUser {
		a.User.ID = k.Owner.ID
	}
	d.Auth = a
	return d
}

// apiKeyState is the client's API key machinery.
type apiKeyState struct {
	verdicts *memo.Cache[*apiKeyVerdict]
	flights  singleflight.Group
	bucket   tokenBucket
}

func newAPIKeyState() *apiKeyState {
	return &apiKeyState{verdicts: memo.New[*apiKeyVerdict](maxAPIKeyVerdicts)}
}

// tokenBucket is a small rate limiter on the client's clock.
type tokenBucket struct {
	mu     sync.Mutex
	tokens float64
	last   time.Time
	init   bool
}

func (b *tokenBucket) take(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.init {
		b.tokens, b.last, b.init = apiKeyBurst, now, true
	}
	if now.After(b.last) {
		b.tokens = min(apiKeyBurst, b.tokens+now.Sub(b.last).Seconds()*apiKeyRate)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
