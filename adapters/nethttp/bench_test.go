package authkithttp_test

import (
	"net/http"
	"testing"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/conformance"

	authkithttp "github.com/authkit-go/authkit/adapters/nethttp"
)

var benchHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if a := authkithttp.Auth(r); a != nil {
		_, _ = w.Write([]byte(a.User.ID))
		return
	}
	_, _ = w.Write([]byte("anonymous"))
})

// BenchmarkPaths runs the performance table's rows (see
// conformance.RunBenchmarks) through Middleware and RequireAuth.
func BenchmarkPaths(b *testing.B) {
	conformance.RunBenchmarks(b, conformance.BenchTarget[http.Handler]{
		App: func(kit *authkit.Client) http.Handler {
			mux := http.NewServeMux()
			if kit == nil {
				mux.Handle("GET "+conformance.BenchPath, benchHandler)
				return mux
			}
			mux.Handle("GET "+conformance.BenchPath, authkithttp.RequireAuth(kit)(benchHandler))
			mux.Handle("GET "+conformance.PathSignIn, authkithttp.SignIn(kit))
			mux.Handle("GET "+conformance.PathCallback, authkithttp.Callback(kit))
			return authkithttp.Middleware(kit)(mux)
		},
		Server:  conformance.ServeHTTP,
		Prepare: conformance.PrepareHTTP,
	})
}
