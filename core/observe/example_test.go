package observe_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"

	authkit "github.com/authkit-go/authkit/core"
	"github.com/authkit-go/authkit/core/authkittest"
	"github.com/authkit-go/authkit/core/observe"
)

// An Observer for a telemetry system other than OpenTelemetry (the otel
// module implements this one): observe.Func counts verifications by result.
func Example() {
	var mu sync.Mutex
	verified := map[string]int{}
	obs := observe.Func(func(_ context.Context, e observe.Event) {
		if v, ok := e.(observe.Verify); ok {
			mu.Lock()
			verified[v.Source+" "+v.Result]++
			mu.Unlock()
		}
	})

	emu, err := authkittest.Start()
	if err != nil {
		panic(err)
	}
	defer emu.Close()
	kit, err := authkit.New(authkit.Config{
		ClientID: emu.ClientID(), APIKey: emu.APIKey(), APIBaseURL: emu.URL(),
		RedirectURI:    "http://localhost:8080/callback",
		CookiePassword: "a-test-cookie-password-of-32-chars!",
		Observer:       obs,
	})
	if err != nil {
		panic(err)
	}
	tok, _ := emu.MintAccessToken(authkittest.TokenParams{UserID: authkittest.AdminUserID})
	for _, bearer := range []string{tok, "forged"} {
		kit.Load(context.Background(), &authkit.Request{Method: http.MethodGet, URL: &url.URL{Path: "/api"}, Header: http.Header{"Authorization": {"Bearer " + bearer}}})
	}
	fmt.Println(verified)
	// Output: map[bearer malformed:1 bearer ok:1]
}
