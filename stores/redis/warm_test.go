package authkitredis_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/seal"
	"github.com/authkit-go/authkit/stores/redis/redistest"
)

const warmCookiePassword = "warm-path-cookie-password-0123456789"

// warmRequest returns a client on emu with store (nil: the in-memory
// default) and a request carrying a session cookie whose access token is
// valid and not due for refresh, already loaded once (the JWKS is fetched,
// the cookie opened and the token verified).
func warmRequest(tb testing.TB, emu *authkittest.Emulator, store authkit.Store) (*authkit.Client, *authkit.Request) {
	tb.Helper()
	kit, err := authkit.New(authkit.Config{
		ClientID: emu.ClientID(), APIKey: emu.APIKey(), APIBaseURL: emu.URL(),
		RedirectURI:    "http://app.test/callback",
		CookiePassword: warmCookiePassword,
		Getenv:         func(string) string { return "" },
		Store:          store,
	})
	require.NoError(tb, err)
	tok, err := emu.MintAccessToken(authkittest.TokenParams{UserID: authkittest.AdminUserID, OrganizationID: authkittest.AcmeOrgID})
	require.NoError(tb, err)
	sealed, err := seal.SealJSON(map[string]any{
		"accessToken":    tok,
		"refreshToken":   "warm-path-refresh-token",
		"user":           authkit.User{Object: "user", ID: authkittest.AdminUserID, Email: authkittest.AdminEmail},
		"organizationId": authkittest.AcmeOrgID,
	}, seal.Single(warmCookiePassword))
	require.NoError(tb, err)
	r := &authkit.Request{
		Method: http.MethodGet,
		URL:    &url.URL{Path: "/"},
		Header: http.Header{"Cookie": {authkit.DefaultCookieName + "=" + sealed}},
	}
	d := kit.Load(context.Background(), r)
	require.NoError(tb, d.Err)
	require.NotNil(tb, d.Auth)
	require.False(tb, d.Refreshed)
	return kit, r
}

// BenchmarkWarmLoad compares Load of a warm session (the request of every
// signed-in user until the token is due for refresh) with the in-memory
// store and with the Redis store: the same work, since the warm path
// makes no store call but the in-memory revocation check.
func BenchmarkWarmLoad(b *testing.B) {
	emu := authkittest.NewServer(b)
	srv := redistest.Start(b)
	for _, bc := range []struct {
		name  string
		store func() authkit.Store
	}{
		{"store=memory", func() authkit.Store { return nil }},
		{"store=redis", func() authkit.Store { return newStore(b, srv.URL(), prefix(b)) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			kit, r := warmRequest(b, emu, bc.store())
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if d := kit.Load(ctx, r); d.Auth == nil || d.Refreshed {
					b.Fatal("not a warm load", d.Err)
				}
			}
		})
	}
}

// TestWarmPathMakesNoRedisCalls checks what BenchmarkWarmLoad assumes: 100
// warm Loads with the Redis store send Redis no command at all (INFO
// commandstats unchanged, but for the INFO calls themselves).
func TestWarmPathMakesNoRedisCalls(t *testing.T) {
	emu := authkittest.NewServer(t)
	srv := redistest.Start(t)
	rdb := rawClient(t, srv.URL())
	p := prefix(t)
	store := newStore(t, srv.URL(), p)
	// The store's background start-up (SUBSCRIBE, then the reload of the
	// revoked set) is done before counting.
	waitSubscribed(t, rdb, p+"revoke", 1)
	require.Eventually(t, func() bool {
		stats, err := rdb.Info(ctx(t), "commandstats").Result()
		return err == nil && commandCalls(stats, "zrangebyscore") != "0"
	}, 5*time.Second, 10*time.Millisecond, "the store reloaded the revoked set")

	kit, r := warmRequest(t, emu, store)
	before := commandStats(t, rdb)
	for range 100 {
		d := kit.Load(context.Background(), r)
		require.NotNil(t, d.Auth)
		require.False(t, d.Refreshed)
	}
	require.Equal(t, before, commandStats(t, rdb), "Redis commands during 100 warm Loads")
}

// commandStats returns the calls of every command in INFO commandstats,
// but INFO's own.
func commandStats(t *testing.T, rdb *redis.Client) map[string]string {
	t.Helper()
	stats, err := rdb.Info(ctx(t), "commandstats").Result()
	require.NoError(t, err)
	calls := map[string]string{}
	for line := range strings.SplitSeq(stats, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":calls=")
		if !ok || name == "cmdstat_info" {
			continue
		}
		calls[name], _, _ = strings.Cut(rest, ",")
	}
	require.NotEmpty(t, calls)
	return calls
}
