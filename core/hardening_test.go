package authkit_test

// Tests of the security hardening (issue 10): length caps before any work,
// planted session cookies, the __Host- prefix and the same-origin rule of
// the state-changing routes.

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/seal"
	"github.com/authkit-go/authkit/core/token"
)

// allocatedBytes reports how many bytes f allocates (the whole process's
// allocations while it runs: the package's tests do not run in parallel).
func allocatedBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// ---------------------------------------------------------------- length caps before work

// An oversized cookie or bearer token is refused by its length alone, with
// the typed reason, before the opened-session and verified-token memos copy
// and hash it.
func TestOversizedInputsRejectedBeforeHashing(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	const calls = 20

	t.Run("cookie", func(t *testing.T) {
		r := newReq(http.MethodGet, "/", sessionCookie("Fe26.2*"+strings.Repeat("A", 1<<20)))
		d := f.c.Load(ctx, r)
		require.Nil(t, d.Auth)
		require.ErrorIs(t, d.Err, authkit.ErrInvalidSession)
		require.ErrorIs(t, d.Err, seal.ErrMalformed)
		require.Contains(t, d.Err.Error(), "too long")
		requireCleared(t, d)
		n := allocatedBytes(func() {
			for range calls {
				f.c.Load(ctx, r)
			}
		})
		require.Less(t, n, uint64(64<<10), "%d loads of a 1 MiB cookie allocated %d bytes: the cookie was copied or hashed", calls, n)
	})
	t.Run("bearer", func(t *testing.T) {
		r := newReq(http.MethodGet, "/api")
		r.Header.Set("Authorization", "Bearer "+strings.Repeat("a", 1<<20)+".b.c")
		d := f.c.Load(ctx, r)
		require.Equal(t, http.StatusUnauthorized, d.Status)
		require.ErrorIs(t, d.Err, authkit.ErrInvalidBearer)
		require.ErrorIs(t, d.Err, token.ErrMalformed)
		require.Contains(t, d.Header.Get("WWW-Authenticate"), `error_description="malformed"`)
		n := allocatedBytes(func() {
			for range calls {
				f.c.Load(ctx, r)
			}
		})
		require.Less(t, n, uint64(64<<10), "%d loads with a 1 MiB bearer token allocated %d bytes: the token was copied or hashed", calls, n)
	})
}

// BenchmarkLoadOversized shows that refusing an oversized cookie or bearer
// token no longer costs a copy and a hash of it: compare each pair of
// sub-benchmarks (B/op is flat; what grows with the size is only the scan
// of the Cookie header for the cookie's name). Before the caps came first,
// a 1 MiB cookie or token cost ~1.3-2 ms and 1 MiB per request.
func BenchmarkLoadOversized(b *testing.B) {
	f := newFixture(b, nil)
	ctx := context.Background()
	for _, size := range []int{seal.MaxSealedLength + 1, 1 << 20} {
		r := newReq(http.MethodGet, "/", sessionCookie(strings.Repeat("A", size)))
		b.Run(fmt.Sprintf("cookie/bytes=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if d := f.c.Load(ctx, r); d.Err == nil {
					b.Fatal("accepted")
				}
			}
		})
	}
	for _, size := range []int{token.MaxTokenSize + 1, 1 << 20} {
		r := newReq(http.MethodGet, "/")
		r.Header.Set("Authorization", "Bearer "+strings.Repeat("a", size))
		b.Run(fmt.Sprintf("bearer/bytes=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if d := f.c.Load(ctx, r); d.Status != http.StatusUnauthorized {
					b.Fatal("accepted")
				}
			}
		})
	}
}
