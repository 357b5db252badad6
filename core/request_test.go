package authkit_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
)

func TestRequestHeaders(t *testing.T) {
	f := newFixture(t, nil)
	names := f.c.RequestHeaders()
	for _, h := range []string{"Cookie", "Authorization", "Accept", "User-Agent", "Sec-Fetch-Site", "Origin", "X-Requested-With"} {
		require.Contains(t, names, h)
	}
	for key, want := range map[string]string{"cookie": "Cookie", "COOKIE": "Cookie", "sec-fetch-site": "Sec-Fetch-Site"} {
		got, ok := authkit.WantHeader(names, []byte(key))
		require.True(t, ok, key)
		require.Equal(t, want, got)
	}
	_, ok := authkit.WantHeader(names, []byte("X-Custom"))
	require.False(t, ok, "a header the core does not read is not copied")
	got, ok := authkit.WantHeader(nil, []byte("x-custom"))
	require.True(t, ok, "nil names: every header")
	require.Equal(t, "X-Custom", got)

	own := f.client(func(cfg *authkit.Config) {
		cfg.IsAPIRequest = func(r *authkit.Request) bool { return r.Header.Get("X-Custom") != "" }
	})
	require.Nil(t, own.RequestHeaders(), "a custom IsAPIRequest may read any header")
}
